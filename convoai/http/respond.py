"""Running a turn and answering the HTTP request: one JSON object, or the SSE stream.

Errors before the first byte become a JSON error with its status (the caller's SDK raises the
matching exception); after it they become an error frame followed by `[DONE]`. The stream always
ends with `[DONE]` and never hangs. Every turn ends in `turn_finished` (log line and record),
whatever its outcome.
"""

from __future__ import annotations

import asyncio
import logging
from typing import AsyncIterator

import orjson
from django.http import HttpResponse

from convoai.http.chunks import CUSTOM_METADATA, ChunkEncoder, completion_object
from convoai.engine.state import Turn
from convoai.engine.events import Event, Finished, TextDelta, Usage
from convoai.engine.turn import run_turn
from convoai.errors import ApiError
from convoai.http.sse import DONE, STREAM_HEADERS, EventStreamResponse, error_frame
from convoai.turn_records import turn_finished

__all__ = ["stream_response", "json_response"]

log = logging.getLogger(__name__)

INTERNAL_ERROR = ApiError("The service failed while answering; please try again.")


def _record_failure(turn: Turn, exc: BaseException) -> None:
    """Close the turn's record for an exception that ends it (re-raised by the caller)."""
    if isinstance(exc, ApiError):
        turn_finished(turn, outcome="error", error_code=exc.code)
    elif isinstance(exc, (asyncio.CancelledError, GeneratorExit)):
        turn_finished(turn, outcome="cancelled")
    else:
        turn_finished(turn, outcome="error", error_code=INTERNAL_ERROR.code)


async def json_response(turn: Turn) -> HttpResponse:
    parts: list[str] = []
    finished = Finished()
    try:
        async for event in run_turn(turn):
            if isinstance(event, TextDelta):
                parts.append(event.text)
            elif isinstance(event, Finished):
                finished = event
    except BaseException as exc:
        _record_failure(turn, exc)
        raise
    turn_finished(turn, outcome="ok", finish_reason=finished.finish_reason, usage=finished.usage)
    body = completion_object(turn.model, "".join(parts), finished.finish_reason, finished.usage)
    response = HttpResponse(orjson.dumps(body), content_type="application/json")
    response["Server-Timing"] = turn.timings.server_timing()
    response["X-Convoai-Overhead-Ms"] = f"{turn.timings.overhead_ms or 0:.1f}"
    return response


async def stream_response(turn: Turn, *, include_usage: bool = False) -> EventStreamResponse:
    events = run_turn(turn)
    try:
        # Wait for the first event so that a failure before any text gets a real HTTP status.
        first: Event | None = await events.__anext__()
    except StopAsyncIteration:
        first = None
    except BaseException as exc:
        await events.aclose()
        _record_failure(turn, exc)
        raise
    return EventStreamResponse(_sse_body(turn, first, events, include_usage), headers=STREAM_HEADERS)


async def _sse_body(
    turn: Turn, first: Event | None, events: AsyncIterator[Event], include_usage: bool
) -> AsyncIterator[bytes]:
    """The turn's SSE frames, each write as soon as it can go.

    The opening frames (custom metadata, the role chunk) go out with the first text, and the
    closing ones (stop, usage, `[DONE]`) together: one write each instead of up to three, with
    nothing held back (an opening still pending when a tool round starts goes out at once).
    """
    encoder = ChunkEncoder(turn.model)
    finished = Finished()
    outcome, error_code = "cancelled", ""
    pending = (CUSTOM_METADATA if turn.interruptable is False else b"") + encoder.role()
    try:
        event = first
        while event is not None:
            if isinstance(event, TextDelta):
                turn.timings.mark_first_byte()
                yield pending + encoder.content(event.text)
                pending = b""
            elif isinstance(event, Finished):
                finished = event
            elif pending:
                yield pending
                pending = b""
            try:
                event = await events.__anext__()  # type: ignore[attr-defined]
            except StopAsyncIteration:
                event = None
        outcome = "ok"
        usage = encoder.usage(finished.usage or Usage()) if include_usage else b""
        yield pending + encoder.stop(finished.finish_reason) + usage + DONE
    except ApiError as exc:
        outcome, error_code = "error", exc.code
        yield pending + error_frame(exc) + DONE
    except (asyncio.CancelledError, GeneratorExit):
        raise
    except Exception:
        log.exception("turn failed mid-stream")
        outcome, error_code = "error", INTERNAL_ERROR.code
        yield pending + error_frame(INTERNAL_ERROR) + DONE
    finally:
        await events.aclose()  # type: ignore[attr-defined]
        turn_finished(
            turn, outcome=outcome, error_code=error_code, finish_reason=finished.finish_reason, usage=finished.usage
        )
