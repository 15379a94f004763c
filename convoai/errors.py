"""The API's one error hierarchy, rendered in OpenAI's shape.

    ApiError(status, type, code)
    ├── InvalidRequest            400 invalid_request_error
    ├── Unauthorized              401 authentication_error
    ├── PayloadTooLarge           413 invalid_request_error
    ├── RateLimited               429 rate_limit_error
    ├── UpstreamError             502 upstream_error      (the model server failed)
    ├── ServiceUnavailable        503 service_unavailable (not configured or unreachable)
    └── UpstreamTimeout           504 timeout

Raised anywhere on the request path; `convoai.api` turns it into a JSON response before the
stream starts, `convoai.http.sse.error_frame` into a `data: {"error": ...}` frame after.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "InvalidRequest",
    "Unauthorized",
    "PayloadTooLarge",
    "RateLimited",
    "UpstreamError",
    "ServiceUnavailable",
    "UpstreamTimeout",
    "error_body",
]


class ApiError(Exception):
    status: int = 500
    type: str = "server_error"
    code: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.type, self.code, self.param)


class InvalidRequest(ApiError):
    status, type, code = 400, "invalid_request_error", "invalid_request"


class Unauthorized(ApiError):
    status, type, code = 401, "authentication_error", "invalid_api_key"


class PayloadTooLarge(ApiError):
    status, type, code = 413, "invalid_request_error", "request_too_large"


class RateLimited(ApiError):
    status, type, code = 429, "rate_limit_error", "rate_limit_exceeded"


class UpstreamError(ApiError):
    status, type, code = 502, "upstream_error", "upstream_error"


class ServiceUnavailable(ApiError):
    status, type, code = 503, "service_unavailable", "service_unavailable"


class UpstreamTimeout(ApiError):
    status, type, code = 504, "timeout", "upstream_timeout"


def error_body(message: str, type_: str, code: str, param: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if param is not None:
        error["param"] = param
    return {"error": error}
