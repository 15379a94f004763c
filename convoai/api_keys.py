"""API keys: create, revoke, rotate (the admin calls these) and authenticate (the chat path).

Authentication looks the key up by its public prefix, then compares SHA-256 digests in constant
time. The row is cached per process for API_KEY_CACHE_SECONDS, so the chat path touches the
database at most once per key per few seconds, and a key revoked or rotated in the admin stops
working everywhere within that time without a restart (at once in the process that changed it).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from convoai.db_thread import in_db_thread
from convoai.models import ApiKey

__all__ = [
    "KEY_PREFIX",
    "KeyPrincipal",
    "ENV_KEY_PRINCIPAL",
    "looks_like_api_key",
    "api_key_create",
    "api_key_revoke",
    "api_key_rotate",
    "aapi_key_authenticate",
    "api_key_cache_clear",
]

KEY_PREFIX = "cvai_"
_PREFIX_HEX_CHARS = 12
# last_used_at is written at most this often per key and process: a write per turn is waste.
LAST_USED_RESOLUTION_SECONDS = 60.0
# Bound on cached lookups, so a flood of made-up prefixes cannot grow memory without end.
_CACHE_MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class KeyPrincipal:
    """Who a request authenticated as: `request.auth` on the chat endpoint. Never the secret."""

    name: str
    key_id: int | None = None  # None: LLM_API_KEY from the environment
    rate_limit_per_minute: int | None = None  # None: the API_KEY_RATE_LIMIT setting

    @property
    def bucket(self) -> str:
        return f"key:{self.key_id}" if self.key_id is not None else "env"

    @property
    def rate_limit(self) -> int:
        if self.rate_limit_per_minute is not None:
            return self.rate_limit_per_minute
        return int(settings.API_KEY_RATE_LIMIT)


ENV_KEY_PRINCIPAL = KeyPrincipal(name="LLM_API_KEY")


@dataclass(frozen=True, slots=True)
class _CachedKey:
    principal: KeyPrincipal
    secret_hash: str


_cache: dict[str, tuple[float, _CachedKey | None]] = {}
_last_touched: dict[int, float] = {}


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _split(token: str) -> str | None:
    """The prefix of a well-formed `cvai_<prefix>_<secret>` token, else None."""
    if not token.startswith(KEY_PREFIX):
        return None
    prefix, sep, secret = token[len(KEY_PREFIX) :].partition("_")
    if len(prefix) != _PREFIX_HEX_CHARS or not sep or not secret:
        return None
    return prefix


def looks_like_api_key(token: str) -> bool:
    return _split(token) is not None


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(_PREFIX_HEX_CHARS // 2)
    return prefix, f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def api_key_cache_clear(prefix: str | None = None) -> None:
    if prefix is None:
        _cache.clear()
        _last_touched.clear()
    else:
        _cache.pop(prefix, None)


def api_key_create(*, name: str, rate_limit_per_minute: int | None = None, created_by: Any = None) -> tuple[ApiKey, str]:
    """A new active key; returns the row and the key itself, which is not stored anywhere."""
    name = name.strip()
    if not name:
        raise ValueError("An API key needs a name.")
    prefix, key = _new_secret()
    api_key = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        secret_hash=_digest(key),
        rate_limit_per_minute=rate_limit_per_minute,
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )
    api_key_cache_clear(prefix)  # a failed lookup of this prefix may be cached
    return api_key, key


def api_key_revoke(*, api_key: ApiKey) -> bool:
    """Revoke; False when it already was. Callers with the key get 401 from now on."""
    if api_key.revoked_at is not None:
        return False
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    api_key_cache_clear(api_key.prefix)
    return True


def api_key_rotate(*, api_key: ApiKey) -> str:
    """Replace the key's secret (and prefix) in place; the old key stops working. Returns the new key.

    Name, rate limit and history stay on the row. For a switch without a gap, create a second
    key instead, move the agents to it, then revoke the first.
    """
    if api_key.revoked_at is not None:
        raise ValueError(f"The key {api_key.masked} is revoked; create a new key instead.")
    old_prefix = api_key.prefix
    prefix, key = _new_secret()
    with transaction.atomic():
        api_key.prefix = prefix
        api_key.secret_hash = _digest(key)
        api_key.rotated_at = timezone.now()
        api_key.save(update_fields=["prefix", "secret_hash", "rotated_at"])
    api_key_cache_clear(old_prefix)
    api_key_cache_clear(prefix)
    return key


def _active_key_row(prefix: str) -> dict[str, Any] | None:
    return (
        ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True)
        .values("id", "name", "secret_hash", "rate_limit_per_minute")
        .first()
    )


def _touch(key_id: int) -> None:
    ApiKey.objects.filter(pk=key_id).update(last_used_at=timezone.now())


async def _alookup(prefix: str) -> _CachedKey | None:
    now = time.monotonic()
    cached = _cache.get(prefix)
    if cached is not None and cached[0] > now:
        return cached[1]
    row = await in_db_thread(_active_key_row, prefix)
    entry = (
        None
        if row is None
        else _CachedKey(
            KeyPrincipal(name=row["name"], key_id=row["id"], rate_limit_per_minute=row["rate_limit_per_minute"]),
            row["secret_hash"],
        )
    )
    ttl = float(settings.API_KEY_CACHE_SECONDS)
    if ttl > 0:
        if len(_cache) >= _CACHE_MAX_ENTRIES:
            _cache.clear()
        _cache[prefix] = (now + ttl, entry)
    return entry


async def aapi_key_authenticate(token: str) -> KeyPrincipal | None:
    """The principal for an active key from the admin, or None. Records when it was last used."""
    prefix = _split(token)
    if prefix is None:
        return None
    entry = await _alookup(prefix)
    if entry is None or not hmac.compare_digest(_digest(token), entry.secret_hash):
        return None
    key_id = entry.principal.key_id
    assert key_id is not None
    now = time.monotonic()
    if now - _last_touched.get(key_id, -LAST_USED_RESOLUTION_SECONDS) >= LAST_USED_RESOLUTION_SECONDS:
        _last_touched[key_id] = now
        await in_db_thread(_touch, key_id)
    return entry.principal
