"""Small unauthenticated endpoints and the JSON error pages for API paths."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from convoai.errors import error_body


async def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"message": "pong"})


async def index(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "message": "Convo AI custom LLM service. POST OpenAI chat completions to /v1/chat/completions.",
            "docs": request.build_absolute_uri("/v1/docs"),
            "health": request.build_absolute_uri("/ping"),
            "admin": request.build_absolute_uri("/admin/"),
        }
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/v1/"):
        return JsonResponse(
            error_body(f"Unknown path {request.path}.", "invalid_request_error", "not_found"), status=404
        )
    return defaults.page_not_found(request, exception)  # type: ignore[arg-type]


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/v1/"):
        return JsonResponse(
            error_body("The service failed while answering; please try again.", "server_error", "internal_error"),
            status=500,
        )
    return defaults.server_error(request)
