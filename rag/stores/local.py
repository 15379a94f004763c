"""The embedded store: chunks in the Django database, ranked in memory; no account needed.

Lexical ranking is always on: BM25 (bm25s, sparse matrices) over title + text, with Snowball
stemming (PyStemmer) and English stop words, so "returning" finds "returns". When an
embeddings endpoint is configured and chunks carry vectors of the current model, cosine
similarity over a normalised float32 matrix (numpy) ranks them too, and the two are fused.

Fusion: each ranker proposes candidates; each candidate gets a relevance in [0, 1], the mean of
its normalised signals: the BM25 score divided by what the query could score at best in this
corpus (each of its terms at its best passage; a term the corpus never uses counts against it),
and the cosine similarity (0 when the other ranker did not find it). Candidates are ordered by
that relevance (a convex combination), ties by reciprocal rank fusion (k=60). Plain RRF was
tried first: on the labelled sample-KB set with the test double's bag-of-words embeddings it
let a noisy vector ranking push a clear lexical winner out of the top 4 (36/37 vs 37/37);
`FUSION = "rrf"` switches back. The relevance is also what the model is shown.

The in-memory index is a snapshot of the chunk rows. It is rebuilt in a background thread when
this process changes chunks (`invalidate`) or, at most every `CHECK_SECONDS`, when a cheap
fingerprint query (count, highest id, last ingestion time) shows another process did
(`manage.py ingest` while the server runs). A search waits for a rebuild at most about half the
retrieval budget, then answers from the previous snapshot.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Count, Max

from rag.embeddings import EmbeddingError, aembed_texts, embedding_model, embeddings_available, vector_from_bytes
from rag.stores.base import Hit, KnowledgeStore, SearchResult, StoredChunk, StoreError

__all__ = ["EmbeddedStore", "Snapshot", "RRF_K", "CHECK_SECONDS"]

logger = logging.getLogger(__name__)

RRF_K = 60
# "convex": order by the mean of normalised scores (RRF breaks ties); "rrf": the reverse.
FUSION = "convex"
CHECK_SECONDS = 2.0
# English stop words including question words ("what", "how", "my"), which carry nothing in a
# support question and would otherwise match any passage that happens to use them.
STOPWORDS = sorted(STOPWORDS_EN_PLUS)
# Each ranker proposes this many candidates per requested hit before fusion.
CANDIDATES_PER_HIT = 5
# Up to this many chunks BM25 ranks on the event loop: it takes well under a millisecond there
# (docs/rag.md), less than a worker thread costs, which under load waits for the GIL for up to
# `sys.getswitchinterval()` (5 ms) before it can start. Larger stores rank in a thread.
INLINE_LEXICAL_CHUNKS = 10_000


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


@dataclass
class Snapshot:
    """An immutable in-memory index over the chunk rows it was built from."""

    fingerprint: tuple[Any, ...]
    ids: list[str]
    titles: list[str]
    texts: list[str]
    sources: list[str]
    tokenizer: bm25s.tokenization.Tokenizer | None
    bm25: bm25s.BM25 | None
    vector_model: str = ""
    vector_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: np.ndarray | None = None
    # Best BM25 contribution of each term over the corpus: the query's attainable maximum.
    term_ceiling: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    unknown_term_ceiling: float = 0.0
    stemmer: Any = None
    # The stemmer inside the tokenizer is not safe to share between threads.
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(
        cls, fingerprint: tuple[Any, ...], rows: Iterable[tuple[Any, ...]], model: str, vector_count: int
    ) -> "Snapshot":
        """Build from (vector_id, title, text, source[, embedding, embedding_model]) rows.

        Vectors go straight into a preallocated matrix of `vector_count` rows, so the peak memory
        is the matrix, not the matrix plus every row's bytes.
        """
        ids, titles, texts, sources = [], [], [], []
        matrix: np.ndarray | None = None
        vector_rows: list[int] = []
        for index, row in enumerate(rows):
            ids.append(row[0])
            titles.append(row[1])
            texts.append(row[2])
            sources.append(row[3])
            if model and len(row) > 4 and row[4] is not None and row[5] == model:
                vector = vector_from_bytes(row[4])
                if matrix is None:
                    matrix = np.empty((vector_count, vector.shape[0]), dtype=np.float32)
                if vector.shape[0] != matrix.shape[1] or len(vector_rows) >= matrix.shape[0]:
                    continue  # a vector of another size (or written after the count): skip it
                matrix[len(vector_rows)] = vector
                vector_rows.append(index)
        tokenizer = bm25 = stemmer = None
        term_ceiling, unknown_term_ceiling = np.zeros(0, dtype=np.float32), 0.0
        if ids:
            stemmer = Stemmer.Stemmer("english")
            tokenizer = bm25s.tokenization.Tokenizer(stemmer=stemmer, stopwords=STOPWORDS)
            corpus = tokenizer.tokenize([f"{t}\n{x}" for t, x in zip(titles, texts)], update_vocab=True, return_as="ids", show_progress=False)
            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
            term_ceiling, unknown_term_ceiling = _term_ceilings(bm25)
        if matrix is not None and vector_rows:
            matrix = matrix[: len(vector_rows)]
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            matrix /= np.where(norms == 0, 1, norms)
        else:
            matrix = None
        return cls(
            fingerprint=fingerprint,
            ids=ids,
            titles=titles,
            texts=texts,
            sources=sources,
            tokenizer=tokenizer,
            bm25=bm25,
            vector_model=model if matrix is not None else "",
            vector_rows=np.asarray(vector_rows if matrix is not None else [], dtype=np.int64),
            matrix=matrix,
            term_ceiling=term_ceiling,
            unknown_term_ceiling=unknown_term_ceiling,
            stemmer=stemmer,
        )

    @property
    def size(self) -> int:
        return len(self.ids)

    def lexical(self, query: str, limit: int) -> tuple[list[tuple[int, float]], float]:
        """(row, bm25 score) best first, only rows sharing a term with the query; and the
        query's attainable maximum score (each known term at its best, each term the corpus
        never uses at a typical term's best), which turns a score into a relevance in [0, 1]."""
        if self.bm25 is None or self.tokenizer is None:
            return [], 0.0
        with self.lock:
            vocab = self.tokenizer.get_vocab_dict()
            # Same analysis as the corpus, but unknown terms kept: they count against relevance.
            terms = bm25s.tokenize(
                [query], stopwords=STOPWORDS, stemmer=self.stemmer, return_ids=False, show_progress=False
            )[0]
        token_ids = [vocab[t] for t in terms if t in vocab]
        if not token_ids:
            return [], 0.0
        ceiling = float(self.term_ceiling[token_ids].sum()) + (len(terms) - len(token_ids)) * self.unknown_term_ceiling
        scores = self.bm25.get_scores(token_ids)
        return _top(scores, limit, floor=0.0, strict=True), ceiling

    def vector(self, query_vector: np.ndarray, limit: int, floor: float) -> list[tuple[int, float]]:
        """(row, cosine similarity) best first, at least `floor`."""
        if self.matrix is None or query_vector.shape[0] != self.matrix.shape[1]:
            return []
        norm = float(np.linalg.norm(query_vector)) or 1.0
        sims = self.matrix @ (query_vector.astype(np.float32) / norm)
        return [(int(self.vector_rows[i]), s) for i, s in _top(sims, limit, floor=floor, strict=False)]


def _term_ceilings(bm25: bm25s.BM25) -> tuple[np.ndarray, float]:
    """Per-term maximum of bm25s's precomputed (term, document) scores (a CSC matrix)."""
    data, indptr = bm25.scores["data"], bm25.scores["indptr"]
    ceiling = np.zeros(len(indptr) - 1, dtype=np.float32)
    nonempty = indptr[:-1] < indptr[1:]
    if data.size and nonempty.any():
        ceiling[nonempty] = np.maximum.reduceat(data, indptr[:-1][nonempty])
    positive = ceiling[ceiling > 0]
    return ceiling, float(np.median(positive)) if positive.size else 0.0


def _top(scores: np.ndarray, limit: int, *, floor: float, strict: bool) -> list[tuple[int, float]]:
    if scores.size == 0 or limit <= 0:
        return []
    limit = min(limit, scores.size)
    picked = np.argpartition(-scores, limit - 1)[:limit]
    picked = picked[np.argsort(-scores[picked], kind="stable")]
    return [(int(i), float(scores[i])) for i in picked if (scores[i] > floor if strict else scores[i] >= floor)]


def fuse(
    lexical: list[tuple[int, float]], lexical_ceiling: float, vector: list[tuple[int, float]], top_k: int
) -> list[tuple[int, float, dict[str, float]]]:
    """(row, relevance, signals) best first; relevance = mean of the normalised signals.

    Normalised signals: BM25 score / the query's attainable maximum, and cosine similarity
    (clipped at 0). With both rankers on, a passage only one of them found counts 0 for the other.
    """
    signals: dict[int, dict[str, float]] = {}
    fused: dict[int, float] = {}
    for name, ranking in (("bm25", lexical), ("cosine", vector)):
        for rank, (row, score) in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank)
            signals.setdefault(row, {})[name] = round(score, 4)
    rankers = [name for name, ranking in (("bm25", lexical), ("cosine", vector)) if ranking]
    scored = []
    for row, rrf in fused.items():
        row_signals = signals[row]
        parts = []
        if "bm25" in rankers:
            parts.append(min(1.0, row_signals.get("bm25", 0.0) / lexical_ceiling) if lexical_ceiling else 0.0)
        if "cosine" in rankers:
            parts.append(max(0.0, min(1.0, row_signals.get("cosine", 0.0))))
        row_signals["rrf"] = round(rrf, 6)
        scored.append((row, sum(parts) / len(parts), row_signals))
    key = (lambda item: (-item[1], -item[2]["rrf"])) if FUSION == "convex" else (lambda item: (-item[2]["rrf"], -item[1]))
    return sorted(scored, key=key)[:top_k]


class EmbeddedStore(KnowledgeStore):
    name = "embedded"

    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self._building: concurrent.futures.Future[Snapshot] | None = None
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="rag-index")

    # --- index maintenance ------------------------------------------------------------------
    @staticmethod
    def _fingerprint() -> tuple[Any, ...]:
        from rag.models import KnowledgeChunk

        agg = KnowledgeChunk.objects.filter(document__store=EmbeddedStore.name).aggregate(
            n=Count("id"), top=Max("id"), at=Max("document__ingested_at")
        )
        return (agg["n"], agg["top"], agg["at"], embedding_model() if embeddings_available() else "")

    def _build(self) -> Snapshot:
        """Runs in the index thread: load every chunk row and build the snapshot."""
        from rag.models import KnowledgeChunk

        try:
            fingerprint = self._fingerprint()
            current = self._snapshot
            if current is not None and current.fingerprint == fingerprint:
                with self._lock:
                    self._checked_at = time.monotonic()
                return current
            started = time.perf_counter()
            model = fingerprint[3]
            chunks = KnowledgeChunk.objects.filter(document__store=self.name).order_by("id")
            vector_count = chunks.filter(embedding_model=model, embedding__isnull=False).count() if model else 0
            fields = ["vector_id", "title", "text", "document__source"]
            if vector_count:
                fields += ["embedding", "embedding_model"]
            snapshot = Snapshot.build(fingerprint, chunks.values_list(*fields).iterator(chunk_size=2000), model, vector_count)
            logger.info("knowledge index rebuilt: %d chunks in %.0f ms", snapshot.size, _ms(started))
            with self._lock:
                self._snapshot = snapshot
                self._checked_at = time.monotonic()
            return snapshot
        finally:
            # This thread is not a request: close its connection (and never block a test DB drop).
            connections.close_all()

    def _start_build(self) -> concurrent.futures.Future[Snapshot]:
        with self._lock:
            if self._building is None or self._building.done():
                self._building = self._executor.submit(self._build)
            return self._building

    def build_now(self) -> Snapshot:
        """Build (or confirm) the index synchronously: for warm-up, the benchmark and tests."""
        with self._lock:
            self._checked_at = float("-inf")
        return self._start_build().result()

    def invalidate(self) -> None:
        with self._lock:
            self._checked_at = float("-inf")

    async def _afresh_snapshot(self, wait: float) -> Snapshot | None:
        with self._lock:
            snapshot = self._snapshot
            due = time.monotonic() - self._checked_at >= CHECK_SECONDS
        if snapshot is not None and not due:
            return snapshot
        future = self._start_build()
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout=wait if snapshot else None)
        except TimeoutError:
            logger.info("knowledge index still rebuilding; answering from the previous snapshot")
            return snapshot
        except (DatabaseError, RuntimeError) as exc:  # the database is unreachable or refused us
            if snapshot is not None:
                logger.warning("knowledge index not refreshed (%s); answering from the previous snapshot", exc)
                return snapshot
            raise StoreError(f"cannot load the knowledge base from the database: {exc}") from exc

    # --- search -------------------------------------------------------------------------------
    async def asearch(self, query: str, *, top_k: int, deadline: float | None = None) -> SearchResult:
        timings: dict[str, float] = {}
        notes: list[str] = []
        embed_task: asyncio.Task[list[np.ndarray]] | None = None
        started = time.perf_counter()
        current = self._snapshot
        if embeddings_available() and (current is None or current.matrix is not None):
            # In flight while the index is checked and BM25 runs (not asked for at all when the
            # chunks carry no vectors to compare it with).
            embed_task = asyncio.ensure_future(aembed_texts([query]))
        loop = asyncio.get_running_loop()
        rebuild_wait = settings.RAG_TIMEOUT_MS / 2000 if deadline is None else max(0.0, deadline - loop.time()) / 2
        try:
            snapshot = await self._afresh_snapshot(wait=rebuild_wait)
            timings["index"] = _ms(started)
            if snapshot is None or snapshot.size == 0:
                return SearchResult([], timings, ["the knowledge base is empty"])
            limit = max(top_k * CANDIDATES_PER_HIT, 20)
            step = time.perf_counter()
            if snapshot.size <= INLINE_LEXICAL_CHUNKS:
                lexical, ceiling = snapshot.lexical(query, limit)
            else:
                lexical, ceiling = await asyncio.to_thread(snapshot.lexical, query, limit)
            timings["lexical"] = _ms(step)
            vector: list[tuple[int, float]] = []
            if embed_task is not None and snapshot.matrix is not None:
                step = time.perf_counter()
                wait = None if deadline is None else max(0.0, deadline - asyncio.get_running_loop().time())
                try:
                    (query_vector,) = await asyncio.wait_for(asyncio.shield(embed_task), timeout=wait)
                except TimeoutError:
                    notes.append("vector ranking skipped: the embeddings endpoint was too slow for the budget")
                    logger.warning("knowledge retrieval: query embedding too slow, lexical ranking only")
                except EmbeddingError as exc:
                    notes.append(f"vector ranking skipped: {exc}")
                    logger.warning("knowledge retrieval fell back to lexical ranking: %s", exc)
                else:
                    timings["embed_wait"] = _ms(step)
                    step = time.perf_counter()
                    # A thread: at 100k chunks the scan takes tens of ms, too long to hold the loop.
                    # Past the deadline the lexical ranking is answered alone.
                    scan = asyncio.ensure_future(asyncio.to_thread(snapshot.vector, query_vector, limit, settings.RAG_MIN_SIMILARITY))
                    wait = None if deadline is None else max(0.0, deadline - asyncio.get_running_loop().time())
                    try:
                        vector = await asyncio.wait_for(scan, timeout=wait)
                    except TimeoutError:
                        notes.append("vector ranking skipped: the scan did not finish within the budget")
                        logger.warning("knowledge retrieval: vector scan too slow, lexical ranking only")
                    timings["vector"] = _ms(step)
            elif embed_task is not None:
                notes.append("no chunk carries an embedding of the current model: lexical ranking only")
            step = time.perf_counter()
            ranked = fuse(lexical, ceiling, vector, top_k)
            timings["fuse"] = _ms(step)
            hits = [
                Hit(
                    text=snapshot.texts[row],
                    title=snapshot.titles[row],
                    source=snapshot.sources[row],
                    score=round(relevance, 3),
                    id=snapshot.ids[row],
                    signals=signals,
                )
                for row, relevance, signals in ranked
            ]
            return SearchResult(hits, timings, notes)
        finally:
            if embed_task is not None:
                if not embed_task.done():
                    embed_task.cancel()
                elif not embed_task.cancelled():
                    embed_task.exception()  # retrieved: an unused failure is not an "unhandled" one

    # --- writes: the rows are the store; only the in-memory index needs to hear about it ----
    def write_chunks(self, chunks: Sequence[StoredChunk]) -> None:
        self.invalidate()

    def delete_chunks(self, vector_ids: Sequence[str]) -> None:
        self.invalidate()

    def describe(self) -> dict[str, Any]:
        snapshot = self._snapshot
        return {
            "store": self.name,
            "indexed_chunks": snapshot.size if snapshot else 0,
            "vector_chunks": int(snapshot.matrix.shape[0]) if snapshot is not None and snapshot.matrix is not None else 0,
            "vector_model": snapshot.vector_model if snapshot else "",
        }
