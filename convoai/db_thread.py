"""Database work from the event loop: one hop to asgiref's shared sync thread, connection checked.

The chat endpoint's handler (`convoai.asgi.ApiASGIHandler`) sends Django's `request_started` /
`request_finished` signals on the event loop instead of hopping to a thread for them twice per
request. The receiver of theirs that matters, `close_old_connections` (drop a connection that
failed or outlived CONN_MAX_AGE), has to run where the connections live: the one sync thread
that all of the chat path's database work shares (tools, turn records, API-key lookups, the
embeddings cache). `in_db_thread` runs it there before each piece of work, as Django advises for
code outside the request cycle, inside the hop that the work needs anyway.

That thread lives as long as the process, so its connection is kept for reuse for
`CHAT_DB_CONN_MAX_AGE` seconds (the admin's per-request threads keep `CONN_MAX_AGE`, 0 by
default) and health-checked before each reuse (`CONN_HEALTH_CHECKS`): a tool call does not open a
new database session, and a connection the server dropped is replaced, not failed on.
"""

from __future__ import annotations

import time
from typing import Any, Callable, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections

__all__ = ["in_db_thread", "close_old_connections"]

T = TypeVar("T")


def close_old_connections() -> None:
    """Django's `close_old_connections`, sparing a connection inside a transaction.

    Outside the request cycle a connection can be in an open `atomic` block when work runs on it
    (a test's transaction, a caller's `transaction.atomic()`); closing it there would break that
    transaction, so only idle connections are checked.
    """
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def _keep_open(max_age: float) -> None:
    """Let each connection open in this thread live `max_age` seconds from when it opened.

    `connect()` sets `close_at` from CONN_MAX_AGE (with 0, obsolete at once); this moves it on
    for the connection as first seen, and never earlier than CONN_MAX_AGE would.
    """
    for connection in connections.all(initialized_only=True):
        raw = connection.connection
        if raw is None or connection.close_at is None:
            continue  # closed, or kept for good already (CONN_MAX_AGE=None)
        seen = getattr(connection, "_convoai_opened", None)
        if seen is None or seen[0] is not raw:
            seen = connection._convoai_opened = (raw, time.monotonic())
        connection.close_at = max(connection.close_at, seen[1] + max_age)


async def in_db_thread(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    def work() -> T:
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            if settings.CHAT_DB_CONN_MAX_AGE:
                _keep_open(settings.CHAT_DB_CONN_MAX_AGE)

    return await sync_to_async(work, thread_sensitive=True)()
