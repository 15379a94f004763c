"""The least a streaming proxy can do, as a bare ASGI app: the floor under the service's figures.

    python -m bench.ttft --app floor --servers daphne uvicorn-fast --concurrency 50

No Django, no SDK, no auth, records or logging: read the caller's body, POST it unchanged to the
upstream (`OPENAI_BASE_URL`) over one shared aiohttp session, and pass each read of the upstream's
SSE body to the caller as it is. What this costs per turn under a server is what that server and
one upstream call cost before any of the service's own work: the service's CPU per turn minus
this is the part our code (and Django, ninja, the openai SDK) can still win back.
"""

from __future__ import annotations

import os
from typing import Any

import aiohttp

UPSTREAM = os.environ.get("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1").rstrip("/") + "/chat/completions"
HEADERS = {"Authorization": f"Bearer {os.environ.get('OPENAI_API_KEY', '')}", "Content-Type": "application/json"}
START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")],
}
_session: aiohttp.ClientSession | None = None


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _session
    if scope["type"] != "http":
        return
    if scope["path"] == "/ping":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"pong"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if _session is None:
        _session = aiohttp.ClientSession()
    async with _session.post(UPSTREAM, data=body, headers=HEADERS) as upstream:
        await send(START)
        async for chunk in upstream.content.iter_any():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
