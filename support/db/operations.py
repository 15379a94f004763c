"""Migration operations that adopt the tables of an existing reference deployment.

The reference (Supabase) created `customers`, `orders`, `support_tickets`, ... with plain SQL.
Pointing this service at that database must keep every row: `CreateModelIfMissing` creates a
table only when no table of that name exists, so a plain `manage.py migrate` adopts the existing
ones in place and the later migrations add our extra columns and indexes to them.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

__all__ = ["CreateModelIfMissing"]


class CreateModelIfMissing(migrations.CreateModel):
    """`CREATE TABLE` unless the table is already there (then adopt it as it is)."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.name)
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            existing = set(connection.introspection.table_names(cursor))
        if model._meta.db_table in existing:
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"Create model {self.name} (or adopt its existing table)"
