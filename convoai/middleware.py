"""Request middleware: health check, request ids and access log, static files.

All three are async-only. Django runs a sync-only middleware in a worker thread and hops back
for the async view, once per request; an async stack keeps the chat path on the event loop.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from typing import Any, Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from whitenoise.middleware import WhiteNoiseMiddleware

from convoai.logs import request_id_var

__all__ = ["HealthCheckMiddleware", "RequestIdMiddleware", "StaticFilesMiddleware", "REQUEST_ID_HEADER"]

GetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]

REQUEST_ID_HEADER = "X-Request-ID"
# An id from a proxy or the caller is reused only when it cannot inject anything into a log line.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

access_log = logging.getLogger("convoai.access")


class _AsyncMiddleware:
    sync_capable = False
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        if not iscoroutinefunction(get_response):  # pragma: no cover - Django adapts for us
            raise TypeError(f"{type(self).__name__} needs an async get_response")
        self.get_response = get_response
        markcoroutinefunction(self)  # type: ignore[type-var]


class HealthCheckMiddleware(_AsyncMiddleware):
    """`GET /ping` answered first: no host check, no HTTPS redirect, no session, no log line.

    Load balancers and the container's HEALTHCHECK call it over plain HTTP with an internal
    address as Host, which ALLOWED_HOSTS and SECURE_SSL_REDIRECT would otherwise refuse.
    """

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path == "/ping" and request.method in ("GET", "HEAD"):
            return JsonResponse({"message": "pong"})
        return await self.get_response(request)


class RequestIdMiddleware(_AsyncMiddleware):
    """Give each request an id (the caller's `X-Request-ID` when it is sane), log one line.

    The id is in a context variable, so every log record of the request carries it (see
    `convoai.logs.RequestIdFilter`), and it goes back in the response's `X-Request-ID`. The access
    line holds method, path, status, the API key's name and the time to the response's headers
    (for a stream, its first event): never a header value, a body or a query string.
    """

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = await self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "streaming": response.streaming,
                    "api_key": getattr(getattr(request, "auth", None), "name", None),
                },
            )
        return response


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise for the admin's CSS and JS, in an async middleware.

    `WhiteNoiseMiddleware` is sync-only; this keeps its file table and responses and only
    changes the call: a dictionary lookup per request, and file work in a thread for the few
    requests that are for static files.
    """

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        super().__init__(get_response)
        markcoroutinefunction(self)

    def add_files(self, root: str, prefix: str | None = None) -> None:
        # Nothing collected yet is normal when files come from the apps' folders (finders).
        if self.use_finders and not os.path.isdir(root):
            return
        super().add_files(root, prefix)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:  # type: ignore[override]
        if request.path_info.startswith(self.static_prefix):
            static_file = (
                await sync_to_async(self.find_file)(request.path_info)
                if self.autorefresh
                else self.files.get(request.path_info)
            )
            if static_file is not None:
                return await sync_to_async(self._serve_read)(static_file, request)
        return await self.get_response(request)  # type: ignore[misc]

    def _serve_read(self, static_file: Any, request: HttpRequest) -> HttpResponse:
        """WhiteNoise's answer (status, headers, file) with the file read here, in a worker thread.

        WhiteNoise's own file response iterates synchronously, which the ASGI handler would pull
        chunk by chunk through threads (and warn about). The admin's files are small.
        """
        served = static_file.get_response(request.method, request.META)
        body = b""
        if served.file is not None:
            with served.file as file:
                body = file.read()
        response = HttpResponse(body, status=int(served.status))
        del response["Content-Type"]
        for name, value in served.headers:
            response[name] = value
        return response
