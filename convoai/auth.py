"""Bearer authentication for the chat endpoint (contract §2).

The token is compared in constant time with `LLM_API_KEY` and is never logged (ninja's own
HttpBearer logs the whole header when DEBUG is on; this class does not).
"""

from __future__ import annotations

import hmac
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from convoai.errors import ServiceUnavailable, Unauthorized

__all__ = ["LLMKeyAuth"]


class LLMKeyAuth(HttpBearer):
    # Async so that ninja awaits it on the event loop instead of hopping to a worker thread.
    is_async = True

    async def __call__(self, request: HttpRequest) -> Any:  # type: ignore[override]
        key = settings.LLM_API_KEY
        if not key:
            if settings.DEBUG:
                return "open-debug"  # local development only; see README "Authentication"
            raise ServiceUnavailable(
                "The chat endpoint is disabled: set LLM_API_KEY to the key Convo AI sends.",
                code="llm_api_key_not_set",
            )
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized(
                "Missing bearer token: send 'Authorization: Bearer <LLM_API_KEY>'.", code="missing_api_key"
            )
        if not hmac.compare_digest(token.strip().encode(), key.encode()):
            raise Unauthorized("Invalid API key.", code="invalid_api_key")
        return "llm-api-key"

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover - __call__ decides
        return None
