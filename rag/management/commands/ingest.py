"""`manage.py ingest PATH...`: load Markdown, text, HTML and PDF files into the knowledge base."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from rag.ingestion import IngestionError, IngestResult, path_ingest, paths_collect
from rag.stores import StoreError, get_store


def report(command: BaseCommand, result: IngestResult) -> None:
    detail = f"{result.chunks} chunks"
    if result.status != "unchanged":
        detail += f", +{result.added} / -{result.removed}, {result.embedded} embedded"
        if result.lexical_only:
            detail += ", lexical search only"
    command.stdout.write(f"{result.status:>9}  {result.source}  ({detail})")
    for note in result.notes:
        command.stderr.write(f"           note: {note}")


class Command(BaseCommand):
    help = "Ingest files or directories (Markdown, text, HTML, PDF) into the configured knowledge store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="files or directories (walked recursively)")
        parser.add_argument("--force", action="store_true", help="re-chunk and re-embed even if unchanged")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            files = paths_collect(options["paths"])
            store = get_store()
        except (IngestionError, StoreError) as exc:
            raise CommandError(str(exc)) from exc
        if not files:
            raise CommandError("no supported files found (.md, .markdown, .txt, .html, .htm, .pdf)")
        failures = 0
        embed = True  # after one embeddings failure, the rest go in lexical-only without waiting on it
        embedded = 0
        with tqdm(total=len(files), unit="doc", disable=options["no_progress"], desc="Ingesting", leave=False) as bar:

            def chunks_embedded(count: int) -> None:
                nonlocal embedded
                embedded += count
                bar.set_postfix_str(f"{path.name}, {embedded} chunks embedded")

            for path in files:
                bar.set_postfix_str(path.name)
                try:
                    result = path_ingest(path, store=store, force=options["force"], embed=embed, progress=chunks_embedded)
                except IngestionError as exc:
                    failures += 1
                    self.stderr.write(f"   failed  {exc}")
                else:
                    embed = embed and not result.embedding_failed
                    bar.clear()
                    report(self, result)
                bar.update(1)
        self.stdout.write(f"{len(files) - failures} of {len(files)} document(s) ingested into the {store.name} store.")
        if failures:
            raise CommandError(f"{failures} document(s) failed")
