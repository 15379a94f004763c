"""The Pinecone store, through the official `pinecone` SDK (data plane over HTTPS).

Where the index lives: `PINECONE_HOST` (the index's data-plane host, no control-plane call) or
`PINECONE_INDEX` (its name; the SDK describes it once to learn the host, then it is cached).
Vectors are in `PINECONE_NAMESPACE` and carry the metadata `text`, `title` and `source` that
contract §7 renders. Pinecone does not embed for us: a query is embedded through the openai
SDK first, so this store needs an embeddings endpoint, at query and at ingestion time.

Searching uses the SDK's AsyncIndex, one per event loop (its connection pool is bound to the
loop, as with AsyncOpenAI); ingestion uses the blocking Index.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from typing import Any, Sequence

from django.conf import settings

from rag.embeddings import EmbeddingError, aembed_texts
from rag.stores.base import Hit, KnowledgeStore, SearchResult, StoredChunk, StoreError

__all__ = ["PineconeStore", "UPSERT_BATCH", "DELETE_BATCH"]

UPSERT_BATCH = 100
DELETE_BATCH = 1000


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


class PineconeStore(KnowledgeStore):
    name = "pinecone"
    needs_embeddings = True

    def __init__(self) -> None:
        if not settings.PINECONE_API_KEY:
            raise StoreError("the Pinecone store needs PINECONE_API_KEY")
        if not (settings.PINECONE_HOST or settings.PINECONE_INDEX):
            raise StoreError("the Pinecone store needs PINECONE_INDEX (or PINECONE_HOST)")
        self._host: str = settings.PINECONE_HOST
        self._lock = threading.Lock()
        self._async_indexes: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any]" = weakref.WeakKeyDictionary()
        self._sync_index: Any = None

    @property
    def namespace(self) -> str:
        return settings.PINECONE_NAMESPACE

    # --- clients ------------------------------------------------------------------------------
    async def _aindex(self) -> Any:
        from pinecone import AsyncIndex, AsyncPinecone

        loop = asyncio.get_running_loop()
        index = self._async_indexes.get(loop)
        if index is not None:
            return index
        if not self._host:
            async with AsyncPinecone(api_key=settings.PINECONE_API_KEY) as pc:
                described = await pc.indexes.describe(settings.PINECONE_INDEX)
            if not described.host:
                raise StoreError(f"Pinecone index {settings.PINECONE_INDEX!r} has no host yet (still initialising?)")
            self._host = described.host
        index = AsyncIndex(host=self._host, api_key=settings.PINECONE_API_KEY, timeout=max(1.0, settings.RAG_TIMEOUT_MS / 1000))
        self._async_indexes[loop] = index
        return index

    def _index(self) -> Any:
        from pinecone import Pinecone

        with self._lock:
            if self._sync_index is None:
                pc = Pinecone(api_key=settings.PINECONE_API_KEY)
                if self._host:
                    self._sync_index = pc.index(host=self._host)
                else:
                    self._sync_index = pc.index(name=settings.PINECONE_INDEX)
            return self._sync_index

    # --- search -------------------------------------------------------------------------------
    async def asearch(self, query: str, *, top_k: int, deadline: float | None = None) -> SearchResult:
        from pinecone.errors import PineconeError

        timings: dict[str, float] = {}
        started = time.perf_counter()
        try:
            (vector,) = await aembed_texts([query])
        except EmbeddingError as exc:
            raise StoreError(f"cannot embed the query for Pinecone: {exc}") from exc
        timings["embed"] = _ms(started)
        step = time.perf_counter()
        try:
            index = await self._aindex()
            response = await index.query(
                top_k=top_k,
                vector=[float(x) for x in vector],
                namespace=self.namespace,
                include_metadata=True,
            )
        except PineconeError as exc:
            raise StoreError(f"Pinecone query failed: {exc}") from exc
        timings["query"] = _ms(step)
        hits = []
        skipped = 0
        for match in response.matches:
            metadata = dict(match.metadata or {})
            text = str(metadata.get("text") or "").strip()
            if not text:
                skipped += 1
                continue
            hits.append(
                Hit(
                    text=text,
                    title=str(metadata.get("title") or ""),
                    source=str(metadata.get("source") or ""),
                    score=round(float(match.score or 0.0), 3),
                    id=match.id,
                    signals={"score": float(match.score or 0.0)},
                )
            )
        notes = [f"{skipped} match(es) had no `text` metadata and were left out"] if skipped else []
        return SearchResult(hits, timings, notes)

    # --- writes -------------------------------------------------------------------------------
    def write_chunks(self, chunks: Sequence[StoredChunk]) -> None:
        from pinecone.errors import PineconeError

        if not chunks:
            return
        vectors = []
        for chunk in chunks:
            if chunk.vector is None:
                raise StoreError(f"chunk {chunk.vector_id} has no embedding; Pinecone needs one")
            vectors.append(
                {
                    "id": chunk.vector_id,
                    "values": [float(x) for x in chunk.vector],
                    "metadata": {"text": chunk.text, "title": chunk.title, "source": chunk.source},
                }
            )
        try:
            for start in range(0, len(vectors), UPSERT_BATCH):
                self._index().upsert(vectors=vectors[start : start + UPSERT_BATCH], namespace=self.namespace)
        except PineconeError as exc:
            raise StoreError(f"Pinecone upsert failed: {exc}") from exc

    def delete_chunks(self, vector_ids: Sequence[str]) -> None:
        from pinecone.errors import PineconeError

        ids = list(vector_ids)
        try:
            for start in range(0, len(ids), DELETE_BATCH):
                self._index().delete(ids=ids[start : start + DELETE_BATCH], namespace=self.namespace)
        except PineconeError as exc:
            raise StoreError(f"Pinecone delete failed: {exc}") from exc

    def describe(self) -> dict[str, Any]:
        return {"store": self.name, "host": self._host or None, "index": settings.PINECONE_INDEX or None, "namespace": self.namespace}
