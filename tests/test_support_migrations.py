"""Migrations on SQLite, in a subprocess as an operator runs them: configurable table names, and
an existing table adopted (not recreated) — the same operation the PostgreSQL adoption test uses."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _migrate(db: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(SQLITE_PATH=str(db), **env)
    return subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=300)


def test_ticket_tables_follow_the_settings(tmp_path: Path) -> None:
    db = tmp_path / "named.sqlite3"
    result = _migrate(db, SUPPORT_TICKETS_TABLE="helpdesk_tickets", SUPPORT_INTERACTIONS_TABLE="helpdesk_notes")
    assert result.returncode == 0, result.stderr
    tables = {row[0] for row in sqlite3.connect(db).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"helpdesk_tickets", "helpdesk_notes", "customers", "orders", "escalations", "changes", "agent_events"} <= tables
    assert "support_tickets" not in tables


def test_an_existing_table_is_adopted_with_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "existing.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (id text primary key, data text not null, updated_at text)")
        conn.execute("""INSERT INTO customers VALUES ('maria', '{"name": "Maria Lopez"}', '2025-03-01 10:00:00')""")
    result = _migrate(db)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT id, data FROM customers").fetchall() == [("maria", '{"name": "Maria Lopez"}')]
        assert conn.execute("SELECT count(*) FROM support_tickets").fetchone() == (0,)
