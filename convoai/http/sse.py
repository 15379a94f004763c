"""Server-sent event framing for the OpenAI chunk stream (contract §4).

Pure functions from dicts to bytes, so the encoder is testable on its own and cheap on the hot
path: orjson serialises each chunk once, straight to bytes.
"""

from __future__ import annotations

from typing import Any, AsyncIterator

import orjson
from django.http import StreamingHttpResponse

from convoai.errors import ApiError

__all__ = ["STREAM_HEADERS", "DONE", "frame", "error_frame", "EventStreamResponse"]

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


class EventStreamResponse(StreamingHttpResponse):
    """A `text/event-stream` response whose frames go to the ASGI server as they are.

    Django's `StreamingHttpResponse` passes every part of an async stream through two async
    generators of its own (`__aiter__` and `streaming_content`, which re-encodes each part with
    `make_bytes`): two more layers per token for parts that are bytes already. This one hands
    the handler its iterator itself.
    """

    def __init__(self, frames: AsyncIterator[bytes], **kwargs: Any) -> None:
        super().__init__(frames, content_type="text/event-stream", **kwargs)

    def __aiter__(self) -> AsyncIterator[bytes]:  # type: ignore[override]
        return self._iterator
