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

import asyncio  # noqa: E402

from django.conf import settings  # noqa: E402  (after setup)
from django.core import signals  # noqa: E402
from django.core.exceptions import RequestAborted  # noqa: E402
from django.core.handlers.asgi import ASGIHandler, get_script_prefix  # noqa: E402
from django.http import HttpRequest, HttpResponseBase  # noqa: E402
from django.urls import set_script_prefix  # noqa: E402

CHAT_PATHS = frozenset({"/v1/chat/completions", "/v1/chat/completion"})


class ApiASGIHandler(ASGIHandler):
    """An ASGIHandler whose middleware chain is `settings.API_MIDDLEWARE`, with no thread hops.

    Django's stock handler starts a fresh worker thread for every request's thread-sensitive work
    and hops to it twice per request, for the request_started and request_finished signals
    (about 0.1 ms of CPU each, and a wait for the thread under load). Here requests run outside a
    per-request `ThreadSensitiveContext`, so the chat path's database work shares asgiref's one
    long-lived sync thread, and the two signals are sent on the event loop, where their
    receivers find no connection to check: `convoai.db_thread.in_db_thread` checks the shared
    thread's connection before each piece of database work instead.
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.handle(scope, receive, send)

    @classmethod
    def chunk_bytes(cls, data: bytes) -> Any:
        """Django's splitting of a body into ASGI messages, without a generator per SSE frame."""
        if len(data) <= cls.chunk_size:
            return ((data, True),)
        return super().chunk_bytes(data)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        with body_file:
            set_script_prefix(get_script_prefix(scope))
            signals.request_started.send(sender=type(self), scope=scope)
            request, response = self.create_request(scope, body_file)
            if request is None:
                await self.send_response(response, send)
            else:
                response = await self._respond_until_disconnect(request, receive, send)
            if response is None:
                signals.request_finished.send(sender=type(self))
            else:
                response.close()  # sends request_finished

    async def _respond_until_disconnect(
        self, request: HttpRequest, receive: Any, send: Any
    ) -> HttpResponseBase | None:
        """Run the view and send its response; None when the caller hung up first.

        As in Django, a task listens for `http.disconnect` beside the answer, and a hang-up
        cancels the answer (a stream closes its upstream call). Unlike Django, the answer runs in
        this task rather than a new one: a new task starts on the event loop's next turn, and
        under load every turn before the first byte is time the caller hears as silence.
        """
        answering = asyncio.current_task()
        assert answering is not None
        hung_up = answered = False

        def on_disconnect(listener: asyncio.Task[None]) -> None:
            nonlocal hung_up
            if listener.cancelled():
                return
            listener.exception()  # RequestAborted: retrieved, nothing to report
            if not answered:  # a callback already scheduled when the answer ended cancels nothing
                hung_up = True
                answering.cancel()

        listener = asyncio.create_task(self.listen_for_disconnect(receive))
        listener.add_done_callback(on_disconnect)
        try:
            response = await self.run_get_response(request)
            try:
                await self.send_response(response, send)
            except asyncio.CancelledError:
                if not hung_up:
                    raise
                answering.uncancel()  # the caller went away while the response was being sent
            return response
        except asyncio.CancelledError:
            if not hung_up:
                raise  # the server is cancelling us: not ours to swallow
            answering.uncancel()
            return None
        finally:
            answered = True
            listener.cancel()

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
    no longer walk it (each one did, for ~150 ms of CPU on the bench machine).
    `GC_GEN0_THRESHOLD` sets how many new objects start a young collection.
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
