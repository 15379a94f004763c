"""The store interface: what retrieval asks of a knowledge store, and what ingestion writes.

Like Django's session and mail backends, one base class and small implementations chosen by a
setting (`rag.stores.get_store`). Searching is async (the turn awaits it, `a` prefix);
writing is sync (management commands and the admin call it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

__all__ = ["Hit", "SearchResult", "StoredChunk", "StoreError", "KnowledgeStore"]


class StoreError(RuntimeError):
    """The store cannot answer or cannot be written (unreachable, misconfigured, refused)."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One retrieved passage. `score` is the relevance shown to the model, higher is better."""

    text: str
    title: str = ""
    source: str = ""
    score: float = 0.0
    id: str = ""
    # The ranking signals behind `score` (bm25, cosine, rrf), for the admin's "try a query".
    signals: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class SearchResult:
    hits: list[Hit]
    # Milliseconds spent per step ("embed", "lexical", "vector", "query", "index"), for the admin.
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoredChunk:
    """A chunk as ingestion hands it to a store."""

    vector_id: str
    title: str
    text: str
    source: str
    vector: np.ndarray | None = None


class KnowledgeStore:
    """Base class. `name` is recorded on each document (`KnowledgeDocument.store`)."""

    name = "base"
    # True when the store cannot work without embeddings (ingestion must embed every chunk).
    needs_embeddings = False

    async def asearch(self, query: str, *, top_k: int, deadline: float | None = None) -> SearchResult:
        """Top passages for `query`. `deadline` (event-loop time) is when the caller stops
        waiting: a store with an optional slow step (the embedded store's vector ranking)
        skips it rather than miss the deadline."""
        raise NotImplementedError

    def write_chunks(self, chunks: Sequence[StoredChunk]) -> None:
        """Add or replace chunks (called after their rows are saved)."""

    def delete_chunks(self, vector_ids: Sequence[str]) -> None:
        """Remove chunks by id (called for stale chunks and deleted documents)."""

    def invalidate(self) -> None:
        """The chunk rows changed in this process: drop any derived in-memory state."""

    def describe(self) -> dict[str, Any]:
        return {"store": self.name}
