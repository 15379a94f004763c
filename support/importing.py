"""Copy a reference deployment's seven Supabase tables into our database, idempotently.

Reads page by page through supabase-py (PostgREST), ordered by primary key, and upserts each page
(`bulk_create(update_conflicts=True)`), so re-running refreshes rows instead of duplicating them.
Nothing is dropped: statuses/priorities/severities outside our sets are normalised with the
original kept beside it, a reference to a row that does not exist is cleared with the original
kept, a ticket id that is not a UUID gets a stable UUID (uuid5) with the original kept.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils.dateparse import parse_datetime

from support.choices import normalise_priority, normalise_severity, normalise_status
from support.errors import SupportError
from support.models import AgentEvent, Change, Customer, Escalation, Interaction, Order, Ticket

__all__ = ["SourceTable", "TableResult", "source_tables", "supabase_import", "ImportFailed", "ticket_uuid"]

PAGE_SIZE = 500
LEGACY_NAMESPACE = uuid.UUID("0d8a4c8e-5d5b-4b3c-9f0e-2a7d6c3b1e90")


class ImportFailed(SupportError):
    """The source could not be read (credentials, network, table access)."""


@dataclass(frozen=True)
class SourceTable:
    name: str
    model: type[models.Model]

    @property
    def pk(self) -> str:
        return self.model._meta.pk.column


def source_tables() -> list[SourceTable]:
    """Parents before children, so references resolve within one run."""
    return [
        SourceTable("customers", Customer),
        SourceTable("orders", Order),
        SourceTable(settings.SUPPORT_TICKETS_TABLE, Ticket),
        SourceTable(settings.SUPPORT_INTERACTIONS_TABLE, Interaction),
        SourceTable("escalations", Escalation),
        SourceTable("changes", Change),
        SourceTable("agent_events", AgentEvent),
    ]


@dataclass
class TableResult:
    table: str
    read: int = 0
    created: int = 0
    updated: int = 0
    adjusted: int = 0  # rows whose value was normalised or whose dangling reference was cleared
    skipped: str = ""  # why the whole table was skipped

    def __str__(self) -> str:
        if self.skipped:
            return f"{self.table}: skipped ({self.skipped})"
        return f"{self.table}: {self.read} read, {self.created} new, {self.updated} updated, {self.adjusted} adjusted"


def ticket_uuid(value: Any) -> uuid.UUID | None:
    """Our ticket id for a source ticket id: the UUID itself, or a stable uuid5 of a legacy id."""
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return uuid.uuid5(LEGACY_NAMESPACE, str(value))


def _when(value: Any) -> Any:
    return parse_datetime(value) if isinstance(value, str) else value


def _json_object(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else ({} if value is None else {"value": value})


class _Mapper:
    """Turns source rows into model instances; remembers which references exist."""

    def __init__(self) -> None:
        self.customers: set[str] = set(Customer.objects.values_list("pk", flat=True))
        self.tickets: set[uuid.UUID] = set(Ticket.objects.values_list("pk", flat=True))

    def _customer(self, value: Any, keep: dict[str, Any]) -> str | None:
        if value in (None, ""):
            return None
        if str(value) in self.customers:
            return str(value)
        keep["imported_customer_id"] = value
        return None

    def _normalised(self, normalise: Callable[[str], str], value: Any, keep: dict[str, Any], key: str) -> Any:
        if value in (None, ""):
            return value
        try:
            clean = normalise(str(value))
        except ValueError:
            keep[key] = value
            return None
        if clean != value:
            keep[key] = value
        return clean

    def build(self, model: type[models.Model], row: dict[str, Any]) -> tuple[models.Model, bool]:
        keep: dict[str, Any] = {}
        if model is Customer:
            obj: models.Model = Customer(id=str(row["id"]), data=row.get("data") or {}, updated_at=_when(row.get("updated_at")))
            self.customers.add(obj.pk)
        elif model is Order:
            data = _json_object(row.get("data"))
            obj = Order(id=str(row["id"]), customer_id=self._customer(row.get("customer_id"), keep), data=data, updated_at=_when(row.get("updated_at")))
            if keep:
                obj.data = {**data, **keep}
        elif model is Ticket:
            source_id = row["id"]
            ticket_id = ticket_uuid(source_id)
            metadata = _json_object(row.get("metadata"))
            if str(ticket_id) != str(source_id):
                keep["source_id"] = source_id
            obj = Ticket(
                id=ticket_id,
                subject=row.get("subject") or "(no subject)",
                description=row.get("description") or "",
                customer_email=row.get("customer_email"),
                customer_id=self._customer(row.get("customer_id"), keep),
                priority=self._normalised(normalise_priority, row.get("priority"), keep, "original_priority") or "normal",
                status=self._normalised(normalise_status, row.get("status"), keep, "original_status") or "open",
                channel=row.get("channel"), user_id=row.get("user_id"), app_id=row.get("app_id"),
                order_id=None if row.get("order_id") is None else str(row.get("order_id")),
                created_at=_when(row.get("created_at")), updated_at=_when(row.get("updated_at")),
                updated_by=row.get("updated_by"), updated_channel=row.get("updated_channel"),
                metadata={**metadata, **keep},
            )
            self.tickets.add(ticket_id)
        elif model is Interaction:
            ticket_id = ticket_uuid(row.get("ticket_id"))
            note = row.get("note") or ""
            if ticket_id is not None and ticket_id not in self.tickets:
                note = f"{note}\n[imported: ticket {row.get('ticket_id')} was not found]"
                keep["ticket"] = row.get("ticket_id")
                ticket_id = None
            obj = Interaction(
                id=int(row["id"]), ticket_id=ticket_id, note=note, sentiment=row.get("sentiment"),
                channel=row.get("channel"), user_id=row.get("user_id"), app_id=row.get("app_id"),
                created_at=_when(row.get("created_at")),
            )
        elif model is Escalation:
            data = _json_object(row.get("data"))
            severity = self._normalised(normalise_severity, row.get("severity"), keep, "original_severity")
            ticket_id = ticket_uuid(data.get("ticket_id")) if data.get("ticket_id") else None
            obj = Escalation(
                escalation_id=str(row["escalation_id"]), customer_id=self._customer(row.get("customer_id"), keep),
                status=row.get("status") or "open", severity=severity, email_sent=row.get("email_sent"),
                email_result=row.get("email_result"), data={**data, **keep},
                created_at=_when(row.get("created_at")), resolved_at=_when(row.get("resolved_at")),
                ticket_id=ticket_id if ticket_id in self.tickets else None,
            )
        elif model is Change:
            obj = Change(
                change_id=str(row["change_id"]), entity_type=row.get("entity_type") or "", entity_id=str(row.get("entity_id") or ""),
                status=row.get("status") or "", made_by=row.get("made_by"), agent_id=row.get("agent_id"), reason=row.get("reason"),
                data=row.get("data"), created_at=_when(row.get("created_at")), applied_at=_when(row.get("applied_at")),
                rolled_back_at=_when(row.get("rolled_back_at")), rollback_reason=row.get("rollback_reason"),
            )
        elif model is AgentEvent:
            payload = row.get("payload")
            customer_id = self._customer(row.get("customer_id"), keep)
            if keep:
                payload = {**_json_object(payload), **keep}
            score = row.get("sentiment_score")
            obj = AgentEvent(
                event_id=uuid.UUID(str(row["event_id"])), customer_id=customer_id, agent_id=row.get("agent_id"),
                channel_name=row.get("channel_name"), intent=row.get("intent"), sentiment_label=row.get("sentiment_label"),
                sentiment_score=None if score is None else float(score), urgency=row.get("urgency"),
                tasks=row.get("tasks"), payload=payload, created_at=_when(row.get("created_at")),
            )
        else:  # pragma: no cover - source_tables() lists every model
            raise TypeError(model)
        return obj, bool(keep)


def _pages(client: Any, table: SourceTable, result: TableResult, progress: Callable[[int, int | None], None]) -> Iterator[list[dict[str, Any]]]:
    from postgrest.exceptions import APIError

    offset = 0
    while True:
        try:
            response = (
                client.table(table.name).select("*", count="exact").order(table.pk).range(offset, offset + PAGE_SIZE - 1).execute()
            )
        except APIError as exc:
            if exc.code in ("PGRST205", "42P01"):  # no such table in the source
                result.skipped = "not in the source database"
                return
            raise ImportFailed(f"Reading {table.name} from Supabase failed: {exc.message or exc}") from exc
        except Exception as exc:  # network, TLS, DNS: the outside boundary
            raise ImportFailed(f"Reading {table.name} from Supabase failed: {type(exc).__name__}: {exc}") from exc
        rows = list(response.data or [])
        progress(len(rows), response.count)
        if rows:
            yield rows
        if len(rows) < PAGE_SIZE:
            return
        offset += PAGE_SIZE


def _upsert(model: type[models.Model], objs: list[models.Model]) -> int:
    """Insert or update by primary key; returns how many were new."""
    pk = model._meta.pk
    ids = [obj.pk for obj in objs]
    existing = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
    fields = [f.name for f in model._meta.concrete_fields if not f.primary_key]
    model.objects.bulk_create(objs, update_conflicts=True, unique_fields=[pk.name], update_fields=fields)
    return len([i for i in ids if i not in existing])


def supabase_import(
    client: Any,
    *,
    tables: list[SourceTable] | None = None,
    progress_factory: Callable[[str], Callable[[int, int | None], None]] | None = None,
) -> list[TableResult]:
    """Import every table (or `tables`); `progress_factory(table)` returns a per-page callback."""
    mapper = _Mapper()
    results: list[TableResult] = []
    for table in tables or source_tables():
        result = TableResult(table.name)
        progress = progress_factory(table.name) if progress_factory else (lambda n, total: None)
        for rows in _pages(client, table, result, progress):
            objs: list[models.Model] = []
            for row in rows:
                try:
                    obj, adjusted = mapper.build(table.model, row)
                except (KeyError, ValueError, TypeError) as exc:
                    raise ImportFailed(f"{table.name}: cannot import row {row.get(table.pk)!r}: {type(exc).__name__}: {exc}") from exc
                objs.append(obj)
                result.adjusted += adjusted
            with transaction.atomic():
                created = _upsert(table.model, objs)
            result.read += len(objs)
            result.created += created
            result.updated += len(objs) - created
        results.append(result)
    # Explicit ids were inserted: move identity sequences past them (PostgreSQL).
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Interaction]):
            cursor.execute(statement)
    return results
