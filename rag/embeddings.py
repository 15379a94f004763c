"""Embeddings through the openai SDK, cached so the same text is never embedded twice.

Any OpenAI-compatible embeddings endpoint works (`OPENAI_BASE_URL`); the model is
`OPENAI_EMBEDDING_MODEL`. Two caches sit in front of it: an in-process LRU (a repeated
question costs nothing) and the `CachedEmbedding` table keyed by model and SHA-256 of the text
(re-ingesting a document, or restarting, re-uses every vector already paid for). The client is
the engine's shared AsyncOpenAI, one per event loop.

Vectors are float32. The SDK asks the endpoint for base64 (smaller on the wire) and decodes it.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections import OrderedDict
from typing import Sequence

import numpy as np
from django.conf import settings

from convoai.db_thread import in_db_thread
from convoai.llm.client import get_client, is_configured

__all__ = [
    "EmbeddingError",
    "embeddings_available",
    "embedding_model",
    "aembed_texts",
    "text_hash",
    "vector_to_bytes",
    "vector_from_bytes",
    "clear_memory_cache",
]

LRU_SIZE = 4096


class EmbeddingError(RuntimeError):
    """The embeddings endpoint failed or answered something unusable."""


def embeddings_available() -> bool:
    """True when an embeddings endpoint is configured (the OpenAI key or base URL is set)."""
    return is_configured()


def embedding_model() -> str:
    """The name vectors are stamped and cached with: the model, and its size when shortened."""
    dims = settings.OPENAI_EMBEDDING_DIMENSIONS
    return f"{settings.OPENAI_EMBEDDING_MODEL}@{dims}" if dims else settings.OPENAI_EMBEDDING_MODEL


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def vector_to_bytes(vector: Sequence[float] | np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4")


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> np.ndarray | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[str, str], value: np.ndarray) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_memory = _LRU(LRU_SIZE)


def clear_memory_cache() -> None:
    _memory.clear()


async def _acached(model: str, hashes: list[str]) -> dict[str, np.ndarray]:
    from rag.models import CachedEmbedding

    rows = await in_db_thread(
        lambda: list(CachedEmbedding.objects.filter(model=model, content_hash__in=hashes).values_list("content_hash", "vector"))
    )
    return {content_hash: vector_from_bytes(vector) for content_hash, vector in rows}


async def _astore(model: str, vectors: dict[str, np.ndarray]) -> None:
    from rag.models import CachedEmbedding

    await in_db_thread(
        CachedEmbedding.objects.bulk_create,
        [CachedEmbedding(model=model, content_hash=h, dimensions=len(v), vector=v.astype("<f4").tobytes()) for h, v in vectors.items()],
        ignore_conflicts=True,
    )


async def _arequest(texts: list[str]) -> list[np.ndarray]:
    import openai

    options = {"dimensions": settings.OPENAI_EMBEDDING_DIMENSIONS} if settings.OPENAI_EMBEDDING_DIMENSIONS else {}
    try:
        # No encoding_format: the SDK then asks for base64 itself and decodes it for us.
        response = await get_client().embeddings.create(model=settings.OPENAI_EMBEDDING_MODEL, input=texts, **options)
    except openai.OpenAIError as exc:
        raise EmbeddingError(f"the embeddings endpoint failed: {exc}") from exc
    data = sorted(response.data, key=lambda item: item.index)
    if len(data) != len(texts):
        raise EmbeddingError(f"asked for {len(texts)} embeddings, got {len(data)}")
    vectors = []
    for item in data:
        embedding = item.embedding
        if isinstance(embedding, str):  # an endpoint that answers base64 regardless
            vectors.append(np.frombuffer(base64.b64decode(embedding), dtype="<f4").astype(np.float32))
        else:
            vectors.append(np.asarray(embedding, dtype=np.float32))
    return vectors


async def aembed_texts(texts: Sequence[str], *, batch_size: int | None = None, use_db_cache: bool = True) -> list[np.ndarray]:
    """One float32 vector per text, in order; only texts never seen before reach the endpoint.

    Raises EmbeddingError when no endpoint is configured or it fails.
    """
    if not embeddings_available():
        raise EmbeddingError("no embeddings endpoint is configured (set OPENAI_API_KEY or OPENAI_BASE_URL)")
    model = embedding_model()
    hashes = [text_hash(t) for t in texts]
    found: dict[str, np.ndarray] = {}
    for h in set(hashes):
        vector = _memory.get((model, h))
        if vector is not None:
            found[h] = vector
    missing = sorted(set(hashes) - found.keys())
    if missing and use_db_cache:
        from_db = await _acached(model, missing)
        found.update(from_db)
        for h, v in from_db.items():
            _memory.put((model, h), v)
    todo: dict[str, str] = {}
    for h, t in zip(hashes, texts):
        if h not in found and h not in todo:
            todo[h] = t
    step = batch_size or settings.RAG_EMBED_BATCH
    pending = list(todo.items())
    for start in range(0, len(pending), step):
        batch = pending[start : start + step]
        vectors = await _arequest([t for _, t in batch])
        fresh = {h: v for (h, _), v in zip(batch, vectors)}
        if use_db_cache:
            await _astore(model, fresh)
        for h, v in fresh.items():
            _memory.put((model, h), v)
        found.update(fresh)
    return [found[h] for h in hashes]
