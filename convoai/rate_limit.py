"""Per-key rate limit: a fixed one-minute window counted in Django's cache.

With several web processes the cache must be shared (CACHE_URL: Redis or the database cache),
or each process counts on its own. A fixed window lets a key make up to twice its limit across
a minute boundary; in exchange a request costs one cache increment.
"""

from __future__ import annotations

import math
import time

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from convoai.api_keys import KeyPrincipal
from convoai.errors import RateLimited

__all__ = ["arate_limit_hit", "WINDOW_SECONDS"]

WINDOW_SECONDS = 60


async def _aincr(key: str) -> int:
    cache = caches["default"]
    timeout = WINDOW_SECONDS + 5
    # The key can expire between add and incr (incr then raises ValueError): start it again.
    if isinstance(cache, LocMemCache):
        # In-memory and non-blocking: a direct call spares a thread hop per request.
        cache.add(key, 0, timeout=timeout)
        try:
            return cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=timeout)
            return 1
    await cache.aadd(key, 0, timeout=timeout)
    try:
        return await cache.aincr(key)
    except ValueError:
        await cache.aset(key, 1, timeout=timeout)
        return 1


async def arate_limit_hit(principal: KeyPrincipal) -> None:
    """Count one request for the key; raise RateLimited (429, Retry-After) past its limit."""
    limit = principal.rate_limit
    if limit <= 0:
        return
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    count = await _aincr(f"convoai:rate:{principal.bucket}:{window}")
    if count > limit:
        retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        raise RateLimited(
            f"Rate limit reached for API key '{principal.name}': {limit} requests per minute. "
            f"Try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )
