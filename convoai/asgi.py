"""ASGI entry point: `daphne convoai.asgi:application`.

Two Django handlers share one process. The chat endpoint, called once per caller turn and
streaming one event per token, runs through a handler with only `settings.API_MIDDLEWARE`
(default none): each of Django's stock middlewares costs a thread hop per request in async
mode, and the chat endpoint needs none of sessions, CSRF, auth or messages. Everything else
(admin, docs, /ping) gets the full `settings.MIDDLEWARE` stack.
"""

from __future__ import annotations

import gc
import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "convoai.settings")

django_application = get_asgi_application()

from django.conf import settings  # noqa: E402  (after setup)
from django.core.handlers.asgi import ASGIHandler  # noqa: E402

CHAT_PATHS = frozenset({"/v1/chat/completions", "/v1/chat/completion"})


class ApiASGIHandler(ASGIHandler):
    """An ASGIHandler whose middleware chain is `settings.API_MIDDLEWARE`.

    It also runs requests outside a per-request `ThreadSensitiveContext`: Django's stock handler
    starts a fresh worker thread for every request's thread-sensitive work (the request_started /
    request_finished signal receivers, the async ORM). Here that work shares asgiref's one
    long-lived sync thread, so no thread is started per turn and the tools' database connection
    on that thread is reused (with `CONN_MAX_AGE`) instead of opened per call.
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.handle(scope, receive, send)

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler.load_middleware reads settings.MIDDLEWARE; swap the list for the build
        # only (this runs once, at import, before any request).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = list(settings.API_MIDDLEWARE)
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


api_application = ApiASGIHandler()


def tune_gc() -> None:
    """Collect and freeze what start-up built, and collect the young generation less often.

    Everything loaded so far (Django, the SDKs, pydantic's schemas) lives as long as the
    process: `gc.freeze()` moves it out of the collector's way, so the rare full collections
    no longer walk it. `GC_GEN0_THRESHOLD` sets how many new objects start a young collection.
    """
    gc.collect()
    gc.freeze()
    if settings.GC_GEN0_THRESHOLD:
        _, gen1, gen2 = gc.get_threshold()
        gc.set_threshold(settings.GC_GEN0_THRESHOLD, gen1, gen2)


tune_gc()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and scope["path"] in CHAT_PATHS:
        await api_application(scope, receive, send)
    else:
        await django_application(scope, receive, send)
