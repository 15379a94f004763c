"""`manage.py ingest_sample_kb`: load the demo support knowledge base (idempotent; `make run` calls it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rag.ingestion import IngestionError, sample_kb_ingest
from rag.stores import StoreError


class Command(BaseCommand):
    help = "Load the sample support knowledge base shipped in rag/sample_kb (unchanged documents are skipped)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = sample_kb_ingest()
        except (IngestionError, StoreError) as exc:
            # A first run must still start the server: say what failed and carry on.
            self.stderr.write(f"Sample knowledge base not loaded: {exc}")
            return
        changed = [r for r in results if r.status != "unchanged"]
        chunks = sum(r.chunks for r in results)
        lexical = any(r.lexical_only for r in changed)
        suffix = " (lexical search only: no embeddings endpoint)" if lexical else ""
        self.stdout.write(
            f"Sample knowledge base: {len(results)} documents, {chunks} chunks; {len(changed)} (re)ingested{suffix}."
        )
