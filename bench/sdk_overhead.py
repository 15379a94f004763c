"""CPU of one streamed model call through the openai SDK, against the same call made with aiohttp alone.

    python -m bench.sdk_overhead                # 2000 calls each, one at a time
    python -m bench.sdk_overhead --calls 5000

Both make the call the service makes (`convoai.llm.client.open_stream`: the SDK's
`client.post` on its aiohttp transport, the body read raw) to the OpenAI double, answering one
word at once, in this process, one call at a time; the figure is this process's user+system CPU
per call. The difference is what the SDK's request path costs per turn (request options, URL
and header building, httpx2's client layers) before any token is read.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import aiohttp
import httpx2
import orjson
from openai import AsyncOpenAI, DefaultAioHttpClient

from bench.harness import cpu_seconds, free_port, start_double
from convoai.llm.client import STREAM_UNREAD  # the headers the service's own call sends

KEY = "test-openai-key"


async def _measure(port: int, calls: int, rounds: int) -> dict[str, list[float]]:
    base = f"http://127.0.0.1:{port}/v1"
    body = orjson.dumps({"model": "gpt-bench", "stream": True, "messages": [{"role": "user", "content": "Hi"}]})
    timeout = httpx2.Timeout(60, connect=5)
    client = AsyncOpenAI(api_key=KEY, base_url=base, timeout=timeout, max_retries=0,
                         http_client=DefaultAioHttpClient(timeout=timeout))
    session = aiohttp.ClientSession()

    async def through_sdk() -> None:
        response = await client.post("/chat/completions", cast_to=httpx2.Response, content=body,
                                     options={"headers": STREAM_UNREAD})
        try:
            async for _ in response.stream:
                pass
        finally:
            await response.aclose()

    async def aiohttp_alone() -> None:
        headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
        async with session.post(f"{base}/chat/completions", data=body, headers=headers) as response:
            async for _ in response.content.iter_chunked(16384):
                pass

    figures: dict[str, list[float]] = {"sdk": [], "aiohttp": []}
    try:
        for _ in range(rounds):  # interleaved, so that a noisy moment on the machine hits both
            for name, call in (("sdk", through_sdk), ("aiohttp", aiohttp_alone)):
                for _ in range(50):
                    await call()
                before = cpu_seconds(os.getpid())
                for _ in range(calls):
                    await call()
                figures[name].append((cpu_seconds(os.getpid()) - before) / calls * 1e6)
    finally:
        await session.close()
        await client.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000, help="calls per round and client")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(BENCH_WORDS="1", BENCH_FIRST_TOKEN_MS="0")
    port = free_port()
    double = start_double(port)
    try:
        started = time.monotonic()
        figures = asyncio.run(_measure(port, args.calls, args.rounds))
    finally:
        double.stop()
    sdk, raw = statistics.median(figures["sdk"]), statistics.median(figures["aiohttp"])
    print(f"CPU per call, median of {args.rounds} rounds of {args.calls} ({time.monotonic() - started:.0f} s):")
    print(f"  openai SDK (client.post, aiohttp transport): {sdk:6.0f} µs   rounds {[round(x) for x in figures['sdk']]}")
    print(f"  aiohttp alone:                               {raw:6.0f} µs   rounds {[round(x) for x in figures['aiohttp']]}")
    print(f"  the SDK's own share:                         {sdk - raw:6.0f} µs")


if __name__ == "__main__":
    main()
