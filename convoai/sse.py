"""Server-sent event framing for the OpenAI chunk stream (contract §4).

Pure functions from dicts to bytes, so the encoder is testable on its own and cheap on the hot
path: orjson serialises each chunk once, straight to bytes.
"""

from __future__ import annotations

from typing import Any

import orjson

from convoai.errors import ApiError

__all__ = ["STREAM_HEADERS", "DONE", "frame", "error_frame"]

STREAM_HEADERS: dict[str, str] = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
    "Content-Encoding": "identity",
}

DONE = b"data: [DONE]\n\n"


def frame(payload: dict[str, Any]) -> bytes:
    """One `data: <json>` event."""
    return b"data: " + orjson.dumps(payload) + b"\n\n"


def error_frame(error: ApiError) -> bytes:
    """The in-stream error event; OpenAI's SDKs raise `APIError` on it. Follow it with DONE."""
    return frame(error.body())
