"""A lean HTTP/1.1 load generator for streaming chat turns (keep-alive, chunked decoding).

Hand-written on asyncio streams on purpose, and run on uvloop (`run`): a full client library
would spend more CPU per request than the server under test, on the same two cores, and blur
the figures.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Coroutine, TypeVar

import uvloop

__all__ = ["Result", "run_load", "run"]

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a load on a fresh uvloop event loop."""
    return uvloop.run(coro)


@dataclass
class Result:
    ttft: list[float] = field(default_factory=list)  # seconds to the first content byte
    total: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0


CONTENT_MARK = b'"content":"'
EMPTY_CONTENT = b'"content":""'


async def _read_chunked(reader: asyncio.StreamReader, start: float) -> tuple[float | None, bytes]:
    first: float | None = None
    body = bytearray()
    while True:
        size_line = await reader.readline()
        if not size_line:
            raise ConnectionError("connection closed mid-body")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            await reader.readline()
            return first, bytes(body)
        data = await reader.readexactly(size + 2)
        if first is None:
            index = data.find(CONTENT_MARK)
            while index != -1:
                if data[index : index + len(EMPTY_CONTENT)] != EMPTY_CONTENT:
                    first = time.perf_counter() - start
                    break
                index = data.find(CONTENT_MARK, index + 1)
        body += data[:-2]


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes, result: Result) -> None:
    start = time.perf_counter()
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = head.split(b" ", 2)[1]
    if status != b"200":
        raise ConnectionError(f"HTTP {status.decode()}")
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        first, body = await _read_chunked(reader, start)
    else:
        length = int(lower.split(b"content-length:")[1].split(b"\r\n")[0])
        body = await reader.readexactly(length)
        first = time.perf_counter() - start
    if b"[DONE]" not in body:
        raise ConnectionError("stream ended without [DONE]")
    if b'"error"' in body:
        raise ConnectionError("error event in stream")
    result.ttft.append(first if first is not None else float("nan"))
    result.total.append(time.perf_counter() - start)


def build_request(host: str, port: int, path: str, body: bytes, token: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def run_load(
    host: str, port: int, request: bytes, concurrency: int, turns: int, timeout: float = 30, duration: float | None = None
) -> Result:
    """`turns` requests (or as many as fit in `duration` seconds) over `concurrency` keep-alive
    connections, each sent as soon as the previous one on its connection completed."""
    result = Result()
    remaining = turns
    stop_at = None if duration is None else time.perf_counter() + duration

    async def worker() -> None:
        nonlocal remaining
        reader = writer = None
        while remaining > 0 and (stop_at is None or time.perf_counter() < stop_at):
            remaining -= 1
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                await asyncio.wait_for(_one(reader, writer, request, result), timeout)  # type: ignore[arg-type]
            except Exception as exc:  # a benchmark counts failures, it does not stop on them
                result.errors.append(f"{type(exc).__name__}: {exc}")
                if writer is not None:
                    writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result
