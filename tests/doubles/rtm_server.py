"""An Agora Signaling (RTM) REST double, legacy v2: a raw ASGI app on a real socket.

It accepts what Agora accepts — POST /dev/v2/project/{appId}/rtm/users/{uid}/peer_messages and
.../channel_messages with a JSON body and `Authorization: Basic base64(id:secret)` — and answers
`{"result": "success", ...}`. Anything else gets Agora-like errors (401 on bad credentials, 400 on
a bad body). Every request is recorded. `fail_with` makes it answer an error status.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import orjson
from tests.doubles.serve import read_body

__all__ = ["RTMDouble", "RTMRequest"]

PATH = re.compile(r"^/dev/v2/project/(?P<app>[^/]+)/rtm/users/(?P<uid>[^/]+)/(?P<kind>peer_messages|channel_messages)$")
PEER_KEYS = {"destination", "enable_offline_messaging", "enable_historical_messaging", "payload"}
CHANNEL_KEYS = {"channel_name", "enable_historical_messaging", "payload"}


@dataclass
class RTMRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class RTMDouble:
    customer_id: str = "cust-id"
    customer_secret: str = "cust-secret"
    requests: list[RTMRequest] = field(default_factory=list)
    fail_with: int | None = None

    def reset(self) -> None:
        self.requests.clear()
        self.fail_with = None

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict]], send: Callable[[dict], Awaitable[None]]) -> None:
        assert scope["type"] == "http"
        raw = await read_body(receive)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        try:
            body = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            body = raw.decode(errors="replace")
        self.requests.append(RTMRequest(scope["method"], scope["path"], headers, body))
        status, answer = self._answer(scope, headers, body)
        payload = orjson.dumps(answer)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    def _answer(self, scope: dict[str, Any], headers: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        expected = "Basic " + base64.b64encode(f"{self.customer_id}:{self.customer_secret}".encode()).decode()
        if headers.get("authorization") != expected:
            return 401, {"message": "Invalid authentication credentials"}
        match = PATH.match(scope["path"])
        if scope["method"] != "POST" or match is None:
            return 404, {"message": "no Route matched with those values"}
        if self.fail_with is not None:
            return self.fail_with, {"result": "failed", "message": "the double was told to fail"}
        keys = PEER_KEYS if match["kind"] == "peer_messages" else CHANNEL_KEYS
        if not isinstance(body, dict) or set(body) != keys or not isinstance(body.get("payload"), str):
            return 400, {"result": "failed", "message": f"expected exactly {sorted(keys)}"}
        if len(body["payload"].encode()) > 32 * 1024:
            return 400, {"result": "failed", "message": "payload too large"}
        if match["kind"] == "peer_messages":
            return 200, {"result": "success", "request_id": str(len(self.requests)), "code": "message_delivered"}
        return 200, {"result": "success", "request_id": str(len(self.requests))}
