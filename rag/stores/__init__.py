"""The configured knowledge store: `get_store()` picks it from `RAG_STORE` / `PINECONE_API_KEY`."""

from __future__ import annotations

import threading

from django.conf import settings

from rag.stores.base import Hit, KnowledgeStore, SearchResult, StoredChunk, StoreError

__all__ = ["get_store", "reset_store", "store_name", "Hit", "KnowledgeStore", "SearchResult", "StoredChunk", "StoreError"]

_lock = threading.Lock()
_store: KnowledgeStore | None = None


def store_name() -> str:
    """"pinecone" or "embedded", as the settings choose."""
    if settings.RAG_STORE == "auto":
        return "pinecone" if settings.PINECONE_API_KEY else "embedded"
    return settings.RAG_STORE


def get_store() -> KnowledgeStore:
    """The process-wide store (it keeps its in-memory index and clients between turns)."""
    global _store
    with _lock:
        if _store is None:
            if store_name() == "pinecone":
                from rag.stores.pinecone import PineconeStore

                _store = PineconeStore()
            else:
                from rag.stores.local import EmbeddedStore

                _store = EmbeddedStore()
        return _store


def reset_store() -> None:
    """Forget the store (settings changed); the next `get_store()` builds a fresh one."""
    global _store
    with _lock:
        _store = None
