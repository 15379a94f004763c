"""Database work from the event loop: one hop to asgiref's shared sync thread, connection checked.

The chat endpoint's handler (`convoai.asgi.ApiASGIHandler`) sends Django's `request_started` /
`request_finished` signals on the event loop instead of hopping to a thread for them twice per
request. The receiver of theirs that matters, `close_old_connections` (drop a connection that
failed or outlived CONN_MAX_AGE), has to run where the connections live: the one sync thread
that all of the chat path's database work shares (tools, turn records, API-key lookups, the
embeddings cache). `in_db_thread` runs it there before each piece of work, as Django advises for
code outside the request cycle, inside the hop that the work needs anyway.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from asgiref.sync import sync_to_async
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


async def in_db_thread(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    def work() -> T:
        close_old_connections()
        return fn(*args, **kwargs)

    return await sync_to_async(work, thread_sensitive=True)()
