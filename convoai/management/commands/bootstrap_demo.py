"""Everything a first run needs after `migrate`: demo data and the sample knowledge base.

Idempotent; `make run` calls it on every start. Each step belongs to its app and is skipped
when that app does not provide it yet.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("load_demo_data", ()),
    ("ingest_sample_kb", ()),
)


class Command(BaseCommand):
    help = "Load the demo data set and the sample knowledge base (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        commands = get_commands()
        for name, arguments in STEPS:
            if name in commands:
                call_command(name, *arguments, stdout=self.stdout, stderr=self.stderr)
