"""`manage.py import_supabase` against a PostgREST double on a real socket, through supabase-py."""

from __future__ import annotations

import io
from typing import Iterator

import pytest
from django.core.management import CommandError, call_command

from support import importing
from support.models import AgentEvent, Change, Customer, Escalation, Interaction, Order, Ticket
from tests import reference_rows as ref
from tests.doubles.postgrest_server import PostgRESTDouble
from tests.doubles.serve import ServerThread
from tests.support_helpers import call_tool

pytestmark = pytest.mark.django_db

KEY = "service-role-key-for-tests"


@pytest.fixture
def supabase(settings) -> Iterator[PostgRESTDouble]:
    double = PostgRESTDouble(KEY, {name: [dict(r) for r in rows] for name, rows in ref.reference_tables().items()})
    with ServerThread(double) as server:
        settings.SUPABASE_URL = server.url
        settings.SUPABASE_SERVICE_ROLE_KEY = KEY
        yield double


def run_import(*args: str) -> str:
    out = io.StringIO()
    call_command("import_supabase", "--no-progress", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot() -> dict[str, list]:
    return {
        model.__name__: sorted((str(pk), repr(values)) for pk, *values in model.objects.values_list())
        for model in (Customer, Order, Ticket, Interaction, Escalation, Change, AgentEvent)
    }


def test_import_copies_every_row_and_is_idempotent(supabase: PostgRESTDouble) -> None:
    first = run_import()
    assert "customers: 2 read, 2 new, 0 updated" in first
    assert "support_interactions: 3 read, 3 new, 0 updated" in first
    assert "Imported 12 rows (12 new) from 7 tables." in first
    state = snapshot()
    second = run_import()
    assert "Imported 12 rows (0 new) from 7 tables." in second and "customers: 2 read, 0 new, 2 updated" in second
    assert snapshot() == state
    counts = {m: m.objects.count() for m in (Customer, Order, Ticket, Interaction, Escalation, Change, AgentEvent)}
    assert list(counts.values()) == list(ref.ROW_COUNTS.values())


def test_imported_values_are_normalised_without_losing_the_original(supabase: PostgRESTDouble) -> None:
    run_import()
    blender = Ticket.objects.get(pk=ref.TICKET_A)
    assert (blender.status, blender.priority) == ("open", "normal")
    assert blender.metadata == {"original_status": "in progress", "original_priority": "medium"}
    ghost = Ticket.objects.get(pk=ref.TICKET_B)
    assert ghost.customer_id is None and ghost.metadata == {"source": "voice", "imported_customer_id": "ghost"}
    assert AgentEvent.objects.get().sentiment_score == pytest.approx(0.12)
    assert str(Order.objects.get(pk="A-1").updated_at) == "2025-03-03 10:00:00+00:00"


def test_imported_rows_work_with_the_tools_and_new_rows_get_fresh_ids(supabase: PostgRESTDouble) -> None:
    run_import()
    details = call_tool("get_ticket_details", {"ticketId": ref.TICKET_A})
    assert [i["note"] for i in details["interactions"]] == ["Photos received", "Asked for photos"]
    note = call_tool("log_customer_interaction", {"ticketId": ref.TICKET_A, "note": "Replacement sent"})
    assert note["id"] > 3  # the id sequence moved past the imported ids
    orders = call_tool("fetch_recent_orders", {"customerEmail": "maria@example.com"})
    assert [o["orderId"] for o in orders["orders"]] == ["A-1", "A-2"]


def test_pages_through_large_tables_with_range_requests(supabase: PostgRESTDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "PAGE_SIZE", 2)
    supabase.tables["changes"] = [
        {"change_id": f"c{n:03}", "entity_type": "order", "entity_id": str(n), "status": "done"} for n in range(5)
    ]
    assert "changes: 5 read, 5 new, 0 updated" in run_import("--table", "changes")
    pages = [dict(r["params"]) for r in supabase.requests if r["path"] == "/rest/v1/changes"]
    assert [(p["offset"], p["limit"], p["order"]) for p in pages] == [("0", "2", "change_id.asc"), ("2", "2", "change_id.asc"), ("4", "2", "change_id.asc")]
    assert Change.objects.count() == 5


def test_legacy_integer_ticket_ids_get_stable_uuids(supabase: PostgRESTDouble) -> None:
    supabase.tables["support_tickets"] = [{**ref.TICKETS[0], "id": 42}]
    supabase.tables["support_interactions"] = [{**ref.INTERACTIONS[0], "ticket_id": 42}]
    run_import("--table", "customers", "--table", "support_tickets", "--table", "support_interactions")
    run_import("--table", "support_tickets")
    ticket = Ticket.objects.get()
    assert ticket.pk == importing.ticket_uuid(42) and ticket.metadata["source_id"] == 42
    assert Interaction.objects.get().ticket_id == ticket.pk


def test_a_table_missing_in_the_source_is_skipped(supabase: PostgRESTDouble) -> None:
    del supabase.tables["agent_events"]
    output = run_import()
    assert "agent_events: skipped (not in the source database)" in output and Customer.objects.count() == 2


def test_wrong_key_is_a_clear_error(supabase: PostgRESTDouble, settings) -> None:
    settings.SUPABASE_SERVICE_ROLE_KEY = "wrong"
    with pytest.raises(CommandError, match="Reading customers from Supabase failed: Invalid API key"):
        run_import()
    assert Customer.objects.count() == 0


def test_missing_settings_and_unknown_table(settings) -> None:
    settings.SUPABASE_URL = ""
    with pytest.raises(CommandError, match="Set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY"):
        run_import()
    settings.SUPABASE_URL, settings.SUPABASE_SERVICE_ROLE_KEY = "http://127.0.0.1:9", KEY
    with pytest.raises(CommandError, match="Unknown table"):
        run_import("--table", "users")


def test_unreachable_supabase_is_a_clear_error(settings) -> None:
    settings.SUPABASE_URL, settings.SUPABASE_SERVICE_ROLE_KEY = "http://127.0.0.1:9", KEY
    with pytest.raises(CommandError, match="Reading customers from Supabase failed: Connect"):
        run_import()
