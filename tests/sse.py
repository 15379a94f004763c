"""Reading our SSE answers in tests: raw frames, parsed events and the spoken text."""

from __future__ import annotations

from typing import Any, Iterator

import httpx
import orjson


def frames(response: httpx.Response) -> Iterator[bytes]:
    """Yield each `data: ...` payload exactly as framed (asserting the `\\n\\n` framing)."""
    buffer = b""
    for piece in response.iter_raw():
        buffer += piece
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            assert event.startswith(b"data: "), event
            assert b"\n" not in event, f"multi-line event: {event!r}"
            yield event[len(b"data: ") :]
    assert buffer == b"", f"trailing bytes after the last event: {buffer!r}"


def events(response: httpx.Response) -> list[Any]:
    """All events; `[DONE]` as the string "[DONE]"."""
    return ["[DONE]" if f == b"[DONE]" else orjson.loads(f) for f in frames(response)]


def spoken(evts: list[Any]) -> str:
    return "".join(
        e["choices"][0]["delta"].get("content") or ""
        for e in evts
        if isinstance(e, dict) and e.get("object") == "chat.completion.chunk" and e.get("choices")
    )


def chat(http: httpx.Client, body: dict[str, Any], **kwargs: Any) -> tuple[httpx.Response, list[Any]]:
    """POST a streaming chat request and read the whole stream."""
    with http.stream("POST", "/v1/chat/completions", json={"stream": True, **body}, **kwargs) as response:
        if response.status_code != 200:
            response.read()
            return response, []
        return response, events(response)
