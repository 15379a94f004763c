"""Adopting a reference deployment's database in place (PostgreSQL).

The seven tables are created by plain SQL exactly as the reference did and filled with its rows;
then `manage.py migrate` runs against that database (in a subprocess, as an operator would) and
every row must still be there, unchanged, and usable by the tools.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Iterator

import psycopg
import pytest
from django.conf import settings
from psycopg.types.json import Jsonb

from tests import reference_rows as ref

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = (Path(__file__).parent / "fixtures" / "reference_schema.sql").read_text()

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql", reason="adoption is a PostgreSQL path"
)

CHECK_SCRIPT = r"""
import json
from asgiref.sync import async_to_sync
from tools.contract import Identity
from tools.contract import ToolCall
from tools.registry import ToolContext, run_tool
from support.models import Customer, Order, Ticket, Interaction, Escalation, Change, AgentEvent

ctx = ToolContext(identity=Identity(app_id="app-2", user_id="caller-9", channel="call-9"), agent_id="agent-9")
def tool(name, **args):
    return async_to_sync(run_tool)(ToolCall(call_id="c", name=name, arguments=json.dumps(args)), ctx)

out = {"counts": {m.__name__: m.objects.count() for m in (Customer, Order, Ticket, Interaction, Escalation, Change, AgentEvent)}}
out["details"] = tool("get_ticket_details", ticketId="%(ticket)s")
out["profile"] = tool("fetch_customer_profile", customerEmail="maria@example.com")
out["orders"] = tool("fetch_recent_orders", customerId="maria")
out["update"] = tool("update_ticket_status", ticketId="%(ticket)s", status="resolved", internalNotes="Fixed after adoption")
out["note"] = tool("log_customer_interaction", note="New note", ticketId="%(ticket)s")
out["created"] = tool("create_support_ticket", subject="After adoption", description="Works", customerId="li")
out["escalation"] = tool("escalate_ticket", ticketId="%(ticket)s", severity="high")
out["event"] = tool("record_agent_event", customerId="maria", intent="follow_up", sentimentScore=0.5)
print("RESULT" + json.dumps(out, default=str))
"""


def _conninfo(dbname: str) -> str:
    db = settings.DATABASES["default"]
    parts = {"host": db.get("HOST") or "127.0.0.1", "port": db.get("PORT") or 5432, "user": db.get("USER") or "postgres", "dbname": dbname}
    if db.get("PASSWORD"):
        parts["password"] = db["PASSWORD"]
    return " ".join(f"{k}={v}" for k, v in parts.items())


def _url(dbname: str) -> str:
    db = settings.DATABASES["default"]
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{dbname}"


@pytest.fixture
def reference_db() -> Iterator[str]:
    name = f"convoai_adopt_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(_conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _insert(conn: psycopg.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        columns = list(row)
        values = [Jsonb(v) if isinstance(v, (dict, list)) else v for v in row.values()]
        placeholders = ", ".join(["%s"] * len(columns))
        conn.execute(f'INSERT INTO public."{table}" ({", ".join(columns)}) VALUES ({placeholders})', values)


def _dump(conn: psycopg.Connection, tables: dict[str, list[dict]]) -> dict[str, list[tuple]]:
    """The reference's columns of every reference row, as stored."""
    dump = {}
    for table, rows in tables.items():
        columns = list(rows[0])
        pk = columns[0]
        dump[table] = conn.execute(f'SELECT {", ".join(columns)} FROM public."{table}" ORDER BY {pk}').fetchall()
    return dump


def _manage(dbname: str, env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _url(dbname), "DJANGO_SETTINGS_MODULE": "convoai.settings", **env_extra}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    ("migrate_args", "tickets", "interactions"),
    [
        ((), "support_tickets", "support_interactions"),
        (("--fake-initial",), "helpdesk_tickets", "helpdesk_notes"),
    ],
    ids=["migrate", "fake-initial-custom-table-names"],
)
def test_existing_reference_tables_are_adopted_with_every_row(reference_db: str, migrate_args: tuple, tickets: str, interactions: str) -> None:
    tables = ref.reference_tables(tickets, interactions)
    with psycopg.connect(_conninfo(reference_db), autocommit=True) as conn:
        conn.execute(SCHEMA.replace("{tickets}", tickets).replace("{interactions}", interactions))
        for table, rows in tables.items():
            _insert(conn, table, rows)
        before = _dump(conn, tables)

    env = {"SUPPORT_TICKETS_TABLE": tickets, "SUPPORT_INTERACTIONS_TABLE": interactions}
    migrated = _manage(reference_db, env, "migrate", "--noinput", *migrate_args)
    assert migrated.returncode == 0, migrated.stderr
    assert "support.0001_initial" in migrated.stdout

    with psycopg.connect(_conninfo(reference_db), autocommit=True) as conn:
        assert _dump(conn, tables) == before  # every row, every value, untouched
        new_columns = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s", [tickets]
        ).fetchall()}
        assert {"assignee_id", "agent_id"} <= new_columns

    checked = _manage(reference_db, env, "shell", "-c", CHECK_SCRIPT % {"ticket": ref.TICKET_A})
    assert checked.returncode == 0, checked.stderr
    result = json.loads(checked.stdout.split("RESULT", 1)[1])
    assert result["counts"] == {"Customer": 2, "Order": 2, "Ticket": 2, "Interaction": 3, "Escalation": 1, "Change": 1, "AgentEvent": 1}
    assert result["details"]["subject"] == "Blender leaks" and result["details"]["status"] == "in progress"
    assert [i["note"] for i in result["details"]["interactions"]] == ["Photos received", "Asked for photos"]
    assert result["profile"]["id"] == "maria"
    assert [o["orderId"] for o in result["orders"]["orders"]] == ["A-1", "A-2"]
    assert "error" not in result["update"], result["update"]
    assert result["update"]["status"] == "resolved" and result["update"]["previousStatus"] == "in progress"
    assert result["note"]["id"] > 3 and "error" not in result["created"]
    assert result["escalation"]["ticketStatus"] == "escalated" and result["escalation"]["severity"] == "high"
    assert "error" not in result["event"]
