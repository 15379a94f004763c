from __future__ import annotations

from typing import Any, Callable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from support.importing import ImportFailed, source_tables, supabase_import


class Command(BaseCommand):
    help = (
        "Copy the reference deployment's tables (customers, orders, tickets, interactions, escalations, "
        "changes, agent_events) from Supabase (SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY) into this database. "
        "Idempotent: rows are upserted by primary key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--table", action="append", dest="tables", metavar="NAME", help="Only this source table (repeatable).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bars (logs, CI).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SUPABASE_URL or not settings.SUPABASE_SERVICE_ROLE_KEY:
            raise CommandError("Set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY (Supabase: Project settings > API).")
        from supabase import create_client

        try:
            client = create_client(settings.SUPABASE_URL, settings.SUPABASE_SERVICE_ROLE_KEY)
        except Exception as exc:  # supabase-py validates the URL and key
            raise CommandError(f"Cannot use SUPABASE_URL/SUPABASE_SERVICE_ROLE_KEY: {exc}") from exc
        tables = source_tables()
        if options["tables"]:
            unknown = set(options["tables"]) - {t.name for t in tables}
            if unknown:
                raise CommandError(f"Unknown table(s): {', '.join(sorted(unknown))}. Known: {', '.join(t.name for t in tables)}.")
            tables = [t for t in tables if t.name in options["tables"]]
        bars: list[tqdm] = []

        def progress_factory(name: str) -> Callable[[int, int | None], None]:
            bar = tqdm(desc=name, unit="rows", file=self.stderr._out, disable=True if options["no_progress"] else None, leave=True)
            bars.append(bar)

            def advance(count: int, total: int | None) -> None:
                if total is not None and bar.total != total:
                    bar.total = total
                    bar.refresh()
                bar.update(count)

            return advance

        try:
            results = supabase_import(client, tables=tables, progress_factory=progress_factory)
        except ImportFailed as exc:
            raise CommandError(str(exc)) from exc
        finally:
            for bar in bars:
                bar.close()
        for result in results:
            self.stdout.write(str(result))
        total_read = sum(r.read for r in results)
        total_new = sum(r.created for r in results)
        self.stdout.write(self.style.SUCCESS(f"Imported {total_read} rows ({total_new} new) from {len(results)} tables."))
