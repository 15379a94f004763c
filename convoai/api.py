"""The HTTP API: thin views that parse, authorise and hand the turn to the engine.

Every error leaves in OpenAI's shape `{"error": {"message", "type", "code"}}`.
"""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any, Callable

import orjson
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from convoai.auth import LLMKeyAuth
from convoai.http.turn_request import build_turn
from convoai.http.respond import json_response, stream_response
from convoai.errors import ApiError, InvalidRequest, PayloadTooLarge, Unauthorized
from convoai.schemas import ChatRequest, ErrorBody

__all__ = ["api", "error_response"]

log = logging.getLogger(__name__)


class OrjsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        return orjson.loads(request.body)


def _docs_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """API docs are open with DEBUG on, staff-only otherwise."""
    staff_view = staff_member_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.DEBUG:
            return view(request, *args, **kwargs)
        return staff_view(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="Convo AI custom LLM",
    version="1.0",
    description="OpenAI-compatible chat endpoint for Agora Conversational AI, with RAG and support tools.",
    parser=OrjsonParser(),
    docs_url="/docs",
    docs_decorator=_docs_access,
    urls_namespace="api",
)


def error_response(exc: ApiError) -> HttpResponse:
    response = HttpResponse(orjson.dumps(exc.body()), status=exc.status, content_type="application/json")
    for name, value in exc.headers.items():
        response[name] = value
    return response


def _describe(errors: list[dict[str, Any]]) -> tuple[str, str | None]:
    first = errors[0] if errors else {}
    # ninja's loc starts with ("body", "<view parameter>"); the rest is the field path.
    loc = [str(part) for part in first.get("loc", ())[2:]]
    where = ".".join(loc)
    msg = first.get("msg", "invalid request body")
    if first.get("type") == "missing" and len(first.get("loc", ())) <= 2:
        return "The request body is empty: send a JSON object with 'messages'.", "messages"
    if first.get("type") == "missing" and where:
        return f"Missing required parameter: '{where}'.", where
    if where:
        return f"Invalid value for '{where}': {msg}.", where
    return f"Invalid request body: {msg}.", None


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    message, param = _describe(exc.errors)
    return error_response(InvalidRequest(message, param=param))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(PayloadTooLarge(f"Request body is larger than {settings.MAX_REQUEST_BYTES} bytes."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(Unauthorized("Invalid or missing API key."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return error_response(InvalidRequest("Request body is not valid JSON.", code="invalid_json"))
    return error_response(ApiError(str(exc), status=exc.status_code, code=f"http_{exc.status_code}"))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unhandled error on %s", request.path)
    return error_response(ApiError("The service failed while answering; please try again."))


# What the OpenAPI schema documents (and the schemathesis fuzz test holds the service to): every
# status the endpoint answers, errors in OpenAI's shape, and the SSE stream of `stream: true`.
ERROR_STATUSES = frozenset({400, 401, 405, 413, 429, 502, 503, 504})
CHAT_RESPONSES: dict[Any, Any] = {200: Any, ERROR_STATUSES: ErrorBody}
CHAT_OPENAPI = {
    "responses": {
        200: {
            "description": "A `chat.completion` object; with `stream: true`, server-sent `chat.completion.chunk` "
            "events ending with `data: [DONE]` (an error after the first event arrives as a `data: {\"error\": ...}` "
            "event before `[DONE]`).",
            "content": {
                "text/event-stream": {
                    # One server-sent event: `data` holds a chunk's JSON, or `[DONE]`.
                    "schema": {
                        "type": "object",
                        "properties": {"data": {"type": "string"}, "event": {"type": "string"}},
                        "required": ["data"],
                    }
                }
            },
        }
    }
}


@api.post(
    "/chat/completions",
    auth=LLMKeyAuth(),
    response=CHAT_RESPONSES,
    summary="Create a chat completion",
    openapi_extra=CHAT_OPENAPI,
)
async def chat_completions(request: HttpRequest, body: ChatRequest) -> HttpResponse:
    """OpenAI Chat Completions, as Agora Convo AI calls it (`stream: true`)."""
    turn = build_turn(body, request.headers)
    turn.caller_key = getattr(getattr(request, "auth", None), "name", "") or ""
    if turn.stream:
        include_usage = bool((body.stream_options or {}).get("include_usage"))
        return await stream_response(turn, include_usage=include_usage)
    return await json_response(turn)


# The reference service's path; same handler.
api.post("/chat/completion", auth=LLMKeyAuth(), response=CHAT_RESPONSES, include_in_schema=False)(chat_completions)


@api.get("/chat/completions", include_in_schema=False)
@api.get("/chat/completion", include_in_schema=False)
async def chat_completions_get(request: HttpRequest) -> HttpResponse:
    raise ApiError("Use POST for chat completions.", status=405, code="method_not_allowed")
