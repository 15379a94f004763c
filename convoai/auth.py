"""Bearer authentication for the chat endpoint (contract §2).

Accepted: `LLM_API_KEY` from the environment, and keys staff create in the admin
(`cvai_<prefix>_<secret>`, see convoai.api_keys). Comparisons are constant-time; the token is
never logged nor echoed (ninja's own HttpBearer logs the whole header when DEBUG is on; this
class does not). The check is async: no thread hop per request, and the key lookup is a cached
async query. After authentication the key's rate limit is counted (convoai.rate_limit).
"""

from __future__ import annotations

import hmac
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from convoai.api_keys import ENV_KEY_PRINCIPAL, KeyPrincipal, aapi_key_authenticate, looks_like_api_key
from convoai.errors import Unauthorized
from convoai.rate_limit import arate_limit_hit

__all__ = ["LLMKeyAuth", "OPEN_DEBUG_PRINCIPAL"]

# DEBUG on and no LLM_API_KEY: the endpoint is open for local development (no rate limit).
OPEN_DEBUG_PRINCIPAL = KeyPrincipal(name="open-debug", rate_limit_per_minute=0)


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def _aprincipal(token: str) -> KeyPrincipal | None:
    if looks_like_api_key(token):
        return await aapi_key_authenticate(token)
    env_key = settings.LLM_API_KEY
    if env_key and hmac.compare_digest(token.encode(), env_key.encode()):
        return ENV_KEY_PRINCIPAL
    return None


class LLMKeyAuth(HttpBearer):
    async def __call__(self, request: HttpRequest) -> KeyPrincipal:  # type: ignore[override]
        token = _bearer_token(request)
        if token is None:
            if settings.DEBUG and not settings.LLM_API_KEY:
                return OPEN_DEBUG_PRINCIPAL  # local development only; see docs/deploy.md
            raise Unauthorized("Missing bearer token: send 'Authorization: Bearer <api key>'.", code="missing_api_key")
        principal = await _aprincipal(token)
        if principal is None:
            if settings.DEBUG and not settings.LLM_API_KEY and not looks_like_api_key(token):
                return OPEN_DEBUG_PRINCIPAL
            raise Unauthorized("Invalid API key.", code="invalid_api_key")
        await arate_limit_hit(principal)
        return principal

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover - __call__ decides
        return None
