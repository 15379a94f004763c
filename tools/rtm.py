"""Agora Signaling (RTM) REST client, legacy v2 (contract §10): peer and channel messages.

    POST {AGORA_RTM_BASE_URL}/dev/v2/project/{appId}/rtm/users/{from}/peer_messages
         {"destination", "enable_offline_messaging", "enable_historical_messaging", "payload"}
    POST .../channel_messages  {"channel_name", "enable_historical_messaging", "payload"}

Authorization is `Basic base64(AGORA_CUSTOMER_ID:AGORA_CUSTOMER_SECRET)`, the word "Basic" once
(the reference wrote it twice and every call failed). Agora answers `{"result": "success"}` or
`{"result": "failed", ...}`. Payloads are limited to 32 KB and an app to 500 calls per second,
so every call waits for a slot of a per-app rate limiter first (per process).

One shared httpx.AsyncClient per event loop keeps connections warm without crossing loops.
Every failure is an `RtmError` whose message a tool can hand to the model as is.
"""

from __future__ import annotations

import asyncio
import base64
import time
import weakref
from typing import Any, Awaitable, Callable
from urllib.parse import quote

import httpx
import orjson
from django.conf import settings

__all__ = [
    "RtmError",
    "MAX_PAYLOAD_BYTES",
    "rtm_configured",
    "basic_auth",
    "RateLimiter",
    "send_peer_message",
    "send_channel_message",
]

MAX_PAYLOAD_BYTES = 32 * 1024


class RtmError(Exception):
    """A Signaling call that did not deliver, in words fit for the model."""


def rtm_configured() -> bool:
    return bool(settings.AGORA_CUSTOMER_ID and settings.AGORA_CUSTOMER_SECRET)


def basic_auth(customer_id: str, customer_secret: str) -> str:
    token = base64.b64encode(f"{customer_id}:{customer_secret}".encode()).decode("ascii")
    return f"Basic {token}"


class RateLimiter:
    """At most `rate` acquisitions per second, spaced evenly; waiters queue in order.

    Each caller reserves the next free slot under a lock, then sleeps until it outside the lock,
    so a burst of N calls is spread over N / rate seconds and none is refused.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)


_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]" = weakref.WeakKeyDictionary()
_limiters: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, float], RateLimiter]]" = (
    weakref.WeakKeyDictionary()
)


def _client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        client = httpx.AsyncClient(limits=httpx.Limits(max_connections=50, max_keepalive_connections=10))
        _clients[loop] = client
    return client


def _limiter(app_id: str) -> RateLimiter:
    per_loop = _limiters.setdefault(asyncio.get_running_loop(), {})
    key = (app_id, settings.AGORA_RTM_RATE)
    if key not in per_loop:
        per_loop[key] = RateLimiter(settings.AGORA_RTM_RATE)
    return per_loop[key]


def _payload(payload: str | dict[str, Any]) -> str:
    text = payload if isinstance(payload, str) else orjson.dumps(payload).decode()
    size = len(text.encode())
    if size > MAX_PAYLOAD_BYTES:
        raise RtmError(f"The message is {size} bytes; Agora Signaling accepts at most {MAX_PAYLOAD_BYTES}. Send a shorter one.")
    if not text:
        raise RtmError("The message is empty.")
    return text


async def _post(app_id: str, sender: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    if not rtm_configured():
        raise RtmError("Messaging is not set up (AGORA_CUSTOMER_ID / AGORA_CUSTOMER_SECRET are missing).")
    if not app_id:
        raise RtmError("No Agora app id for this call (and AGORA_APP_ID is not set).")
    url = f"{settings.AGORA_RTM_BASE_URL}/dev/v2/project/{quote(app_id, safe='')}/rtm/users/{quote(sender, safe='')}/{kind}"
    headers = {"Authorization": basic_auth(settings.AGORA_CUSTOMER_ID, settings.AGORA_CUSTOMER_SECRET)}
    await _limiter(app_id).acquire()
    try:
        response = await _client().post(url, json=body, headers=headers, timeout=settings.AGORA_RTM_TIMEOUT)
    except httpx.TimeoutException as exc:
        raise RtmError(f"Agora Signaling did not answer within {settings.AGORA_RTM_TIMEOUT:g} s; the message was not sent.") from exc
    except httpx.HTTPError as exc:
        raise RtmError(f"Could not reach Agora Signaling ({type(exc).__name__}); the message was not sent.") from exc
    if response.status_code in (401, 403):
        raise RtmError("Agora Signaling rejected our credentials; the message was not sent.")
    if response.status_code == 429:
        raise RtmError("Agora Signaling is rate limiting us; try again in a moment.")
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code >= 400 or not isinstance(answer, dict) or answer.get("result") != "success":
        detail = answer if isinstance(answer, dict) else response.text[:200]
        raise RtmError(f"Agora Signaling did not deliver the message (HTTP {response.status_code}: {detail}).")
    return answer


async def send_peer_message(
    *,
    app_id: str,
    to_user: str,
    payload: str | dict[str, Any],
    sender: str | None = None,
    offline: bool = True,
    historical: bool = False,
) -> dict[str, Any]:
    """A message to one user (offline messaging on: it waits for them if they are away)."""
    if not to_user:
        raise RtmError("No caller user id to send the message to.")
    body = {
        "destination": str(to_user),
        "enable_offline_messaging": offline,
        "enable_historical_messaging": historical,
        "payload": _payload(payload),
    }
    return await _post(app_id, sender or settings.AGORA_RTM_SENDER, "peer_messages", body)


async def send_channel_message(
    *,
    app_id: str,
    channel: str,
    payload: str | dict[str, Any],
    sender: str | None = None,
    historical: bool = False,
) -> dict[str, Any]:
    """A message to everyone in a Signaling channel (the call's channel)."""
    if not channel:
        raise RtmError("No channel to send the message to.")
    body = {"channel_name": channel, "enable_historical_messaging": historical, "payload": _payload(payload)}
    return await _post(app_id, sender or settings.AGORA_RTM_SENDER, "channel_messages", body)
