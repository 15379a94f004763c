"""Running a turn and answering the HTTP request: one JSON object, or the SSE stream.

Errors before the first byte become a JSON error with its status (the caller's SDK raises the
matching exception); after it they become an error frame followed by `[DONE]`. The stream always
ends with `[DONE]` and never hangs.
"""

from __future__ import annotations

import asyncio
import logging
from typing import AsyncIterator

import orjson
from django.http import HttpResponse, StreamingHttpResponse

from convoai.engine.chunks import CUSTOM_METADATA, ChunkEncoder, completion_object
from convoai.engine.context import Turn
from convoai.engine.events import Event, Finished, TextDelta, ToolsRunning, Usage
from convoai.engine.turn import run_turn
from convoai.errors import ApiError
from convoai.sse import DONE, STREAM_HEADERS, error_frame

__all__ = ["stream_response", "json_response"]

log = logging.getLogger(__name__)

INTERNAL_ERROR = ApiError("The service failed while answering; please try again.")


async def json_response(turn: Turn) -> HttpResponse:
    parts: list[str] = []
    finished = Finished()
    async for event in run_turn(turn):
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, Finished):
            finished = event
    body = completion_object(turn.model, "".join(parts), finished.finish_reason, finished.usage)
    return HttpResponse(orjson.dumps(body), content_type="application/json")


async def stream_response(turn: Turn, *, include_usage: bool = False) -> StreamingHttpResponse:
    events = run_turn(turn)
    try:
        # Wait for the first event so that a failure before any text gets a real HTTP status.
        first: Event | None = await events.__anext__()
    except StopAsyncIteration:
        first = None
    except BaseException:
        await events.aclose()
        raise
    response = StreamingHttpResponse(
        _sse_body(turn, first, events, include_usage), content_type="text/event-stream", headers=STREAM_HEADERS
    )
    return response


async def _sse_body(
    turn: Turn, first: Event | None, events: AsyncIterator[Event], include_usage: bool
) -> AsyncIterator[bytes]:
    encoder = ChunkEncoder(turn.model)
    finished = Finished()
    try:
        if turn.interruptable is False:
            yield CUSTOM_METADATA
        yield encoder.role()
        event = first
        while event is not None:
            if isinstance(event, TextDelta):
                yield encoder.content(event.text)
            elif isinstance(event, Finished):
                finished = event
            elif isinstance(event, ToolsRunning):
                pass
            try:
                event = await events.__anext__()  # type: ignore[attr-defined]
            except StopAsyncIteration:
                event = None
        yield encoder.stop(finished.finish_reason)
        if include_usage:
            yield encoder.usage(finished.usage or Usage())
        yield DONE
    except ApiError as exc:
        yield error_frame(exc)
        yield DONE
    except (asyncio.CancelledError, GeneratorExit):
        raise
    except Exception:
        log.exception("turn failed mid-stream")
        yield error_frame(INTERNAL_ERROR)
        yield DONE
    finally:
        await events.aclose()  # type: ignore[attr-defined]
