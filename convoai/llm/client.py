"""The shared AsyncOpenAI client: one per event loop, created on first use, kept alive.

The SDK's connection pool is bound to the loop that first used it, so a client is cached per
running loop (in production that is a single client). Clients are dropped when a test changes
an OPENAI_* setting (`convoai.signals`).

Transport: `OPENAI_HTTP_CLIENT=aiohttp` (default) is the SDK's own aiohttp transport
(`openai.DefaultAioHttpClient`, the `openai[aiohttp]` extra): its C parser costs about half the
CPU of the pure-Python httpx2 stack per streamed chunk, the largest share of a turn's CPU.
`httpx` selects the SDK's default httpx2 client.
"""

from __future__ import annotations

import asyncio
import weakref
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, AsyncIterator, Awaitable, Callable, TypeVar

import httpx2
import orjson
from asgiref.sync import async_to_sync
from django.conf import settings
from openai import AsyncOpenAI, DefaultAioHttpClient

from convoai.errors import ServiceUnavailable

T = TypeVar("T")

__all__ = ["get_client", "reset_clients", "is_configured", "open_stream", "post_json", "run_sync"]

# The SDK's own switch for "hand me the response unread" (what `with_streaming_response` sets).
STREAM_UNREAD = {"X-Stainless-Raw-Response": "stream", "Content-Type": "application/json"}

_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[bool, AsyncOpenAI]]" = weakref.WeakKeyDictionary()
# Set while sync code (a command, an admin view) runs async work on a loop that may be thrown
# away afterwards: such work gets the httpx2 transport, which needs no closing (an aiohttp session
# left open when its loop is gone logs "Unclosed client session").
_one_shot_loop: ContextVar[bool] = ContextVar("convoai_one_shot_loop", default=False)


def run_sync(fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """`async_to_sync(fn)(*args, **kwargs)` for code outside the server's event loop."""
    token = _one_shot_loop.set(True)
    try:
        return async_to_sync(fn)(*args, **kwargs)
    finally:
        _one_shot_loop.reset(token)


def is_configured() -> bool:
    return bool(settings.OPENAI_API_KEY or settings.OPENAI_BASE_URL)


def get_client() -> AsyncOpenAI:
    if not is_configured():
        raise ServiceUnavailable(
            "No upstream model is configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for an "
            "OpenAI-compatible server).",
            code="upstream_not_configured",
        )
    loop = asyncio.get_running_loop()
    aiohttp_transport = settings.OPENAI_HTTP_CLIENT == "aiohttp" and not _one_shot_loop.get()
    per_loop = _clients.setdefault(loop, {})
    client = per_loop.get(aiohttp_transport)
    if client is None:
        timeout = httpx2.Timeout(settings.OPENAI_TIMEOUT, connect=settings.OPENAI_CONNECT_TIMEOUT)
        client = AsyncOpenAI(
            # A local OpenAI-compatible server may need no key; the SDK insists on one.
            api_key=settings.OPENAI_API_KEY or "unused",
            base_url=settings.OPENAI_BASE_URL or None,
            timeout=timeout,
            max_retries=settings.OPENAI_MAX_RETRIES,
            http_client=DefaultAioHttpClient(timeout=timeout) if aiohttp_transport else None,
        )
        per_loop[aiohttp_transport] = client
    return client


def reset_clients() -> None:
    """Forget every cached client, closing each on its own loop when that loop still runs."""
    for loop, per_loop in list(_clients.items()):
        if loop.is_running() and not loop.is_closed():
            for client in per_loop.values():
                loop.call_soon_threadsafe(lambda l=loop, c=client: l.create_task(c.close()))
    _clients.clear()


@asynccontextmanager
async def open_stream(path: str, body: dict[str, Any]) -> AsyncIterator[httpx2.Response]:
    """POST `body` to the upstream and yield the streaming response, unread.

    Goes through the SDK's public `client.post` (base URL, auth, timeouts, retries before the first
    byte, HTTP errors raised as `openai.APIStatusError`) but skips the per-request TypedDict
    transform of `chat.completions.create` (about 1 ms of CPU over a long history), its stdlib JSON
    encoding of the body (orjson here: another 0.5 ms with the tool schemas) and the per-chunk
    pydantic objects of its stream: the caller parses the SSE lines itself. The body is read to
    its end before the connection goes back to the pool, so keep-alive holds.
    """
    response = await get_client().post(
        path, cast_to=httpx2.Response, content=orjson.dumps(body), options={"headers": STREAM_UNREAD}
    )
    try:
        yield response
    finally:
        await response.aclose()


async def post_json(path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST `body` and return the JSON answer as a dict (a non-streaming model call).

    The same SDK path as `open_stream`, without the SDK's request transform and typed response
    objects, whose cost grows with the history (seconds of event-loop time at thousands of
    messages on the Responses API).
    """
    response = await get_client().post(
        path, cast_to=httpx2.Response, content=orjson.dumps(body), options={"headers": {"Content-Type": "application/json"}}
    )
    data = orjson.loads(response.content)
    if not isinstance(data, dict):
        raise orjson.JSONDecodeError("expected a JSON object", response.text, 0)
    return data
