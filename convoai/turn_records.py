"""What the service keeps of each turn: one structured log line and one `TurnRecord` row.

Both carry identity, upstream, outcome and the step timings (never prompts or keys). Rows are
written off the hot path: each event loop batches them and writes every `TURN_RECORD_FLUSH_MS`
in one `bulk_create`. A failed write (database down) keeps the batch and retries at the next
flush, up to `TURN_RECORD_BACKLOG` rows, past which the oldest are dropped with a warning: a turn
must never wait on, or fail because of, its own bookkeeping.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from datetime import datetime, timezone
from typing import Any

from django.conf import settings

from convoai.db_thread import in_db_thread
from convoai.engine.state import Turn
from convoai.engine.events import Usage

__all__ = ["turn_finished", "flush_turn_records"]

log = logging.getLogger("convoai.turns")


def _record_fields(turn: Turn, outcome: str, error_code: str, finish_reason: str, usage: Usage | None) -> dict[str, Any]:
    t = turn.timings
    identity = turn.identity
    return {
        "created_at": datetime.now(timezone.utc),
        "turn_id": "" if turn.turn_id is None else str(turn.turn_id)[:64],
        "app_id": (identity.app_id or "")[:128],
        "user_id": (identity.user_id or "")[:128],
        "channel": (identity.channel or "")[:256],
        "api_key": turn.caller_key[:100],
        "model": turn.model[:128],
        "upstream_api": "responses" if settings.USE_RESPONSES_API else "chat",
        "stream": turn.stream,
        "outcome": outcome,
        "error_code": error_code[:64],
        "finish_reason": finish_reason[:32],
        "context_ms": _round(t.context_ms),
        "first_token_ms": _round(t.first_token_ms),
        "first_byte_ms": _round(t.first_byte_ms),
        "done_ms": _round(t.done_ms),
        "upstream_ms": round(t.upstream_ms, 2),
        "tools_ms": round(t.tools_ms, 2),
        "overhead_ms": _round(t.overhead_ms),
        "tool_rounds": t.tool_rounds,
        "tool_calls": list(t.tool_calls),
        "prompt_tokens": usage.prompt_tokens if usage else 0,
        "completion_tokens": usage.completion_tokens if usage else 0,
        "messages": len(turn.messages),
        "knowledge": t.knowledge,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def turn_finished(
    turn: Turn,
    *,
    outcome: str,
    error_code: str = "",
    finish_reason: str = "",
    usage: Usage | None = None,
) -> None:
    """Close the turn's timings, log it, and queue its row. Cheap; never raises."""
    turn.timings.done_ms = turn.timings.now()
    try:
        fields = _record_fields(turn, outcome, error_code, finish_reason, usage)
        if log.isEnabledFor(logging.INFO):
            log.info("turn %s", outcome, extra={k: v for k, v in fields.items() if k != "created_at"})
        if settings.TURN_RECORDS:
            _writer().add(fields)
    except Exception:  # bookkeeping must never break a turn
        log.exception("could not record the turn")


class _BatchWriter:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: list[dict[str, Any]] = []
        self.scheduled = False
        self.flushing: asyncio.Task[None] | None = None

    def add(self, fields: dict[str, Any]) -> None:
        self.pending.append(fields)
        overflow = len(self.pending) - settings.TURN_RECORD_BACKLOG
        if overflow > 0:
            del self.pending[:overflow]
            log.warning("turn records: backlog full, dropped the %d oldest", overflow)
        if not self.scheduled:
            self.scheduled = True
            self.loop.call_later(settings.TURN_RECORD_FLUSH_MS / 1000, self._start_flush)

    def _start_flush(self) -> None:
        self.scheduled = False
        if self.flushing is None or self.flushing.done():
            self.flushing = self.loop.create_task(self.flush())

    async def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            await in_db_thread(_write, batch)
        except Exception as exc:
            log.warning("turn records: could not write %d rows (%s); retrying", len(batch), exc)
            self.pending[:0] = batch
            if not self.scheduled:
                self.scheduled = True
                self.loop.call_later(max(1.0, settings.TURN_RECORD_FLUSH_MS / 1000), self._start_flush)


def _write(batch: list[dict[str, Any]]) -> None:
    """One transaction, one prepared INSERT run for every row (`executemany`).

    The rows' values come typed from `_record_fields`, so only the fields the driver cannot take
    as they are (the timestamp, the JSON list) go through Django's adaptation. `bulk_create` would
    build a model instance and compile every field of every row: 3-5x the CPU on SQLite, held
    under the GIL in this thread while the event loop waits for it.
    """
    from django.db import connection, transaction

    sql, columns = _insert_for(connection.vendor)
    rows = [
        [
            fields.get(name, default) if adapt is None else adapt(fields.get(name, default), connection)
            for name, default, adapt in columns
        ]
        for fields in batch
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@functools.cache
def _insert_for(vendor: str) -> tuple[str, tuple[tuple[str, Any, Any], ...]]:
    """The INSERT statement for `vendor`'s database and, per column, (field, default, adapter or None)."""
    from django.db import connection, models

    from convoai.models import TurnRecord

    fields = [f for f in TurnRecord._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(TurnRecord._meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    needs_adapting = (models.DateTimeField, models.JSONField)
    columns = tuple(
        (f.attname, f.get_default(), f.get_db_prep_save if isinstance(f, needs_adapting) else None) for f in fields
    )
    return sql, columns


_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _BatchWriter]" = weakref.WeakKeyDictionary()


def _writer() -> _BatchWriter:
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = _BatchWriter(loop)
    return writer


async def flush_turn_records() -> None:
    """Write what this loop has queued now (tests, shutdown)."""
    writer = _writers.get(asyncio.get_running_loop())
    if writer is not None:
        if writer.flushing is not None and not writer.flushing.done():
            await writer.flushing
        await writer.flush()
