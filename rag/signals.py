"""Keep the cached store and embeddings in step with settings changed at run time (tests)."""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver


@receiver(setting_changed)
def _reset_knowledge_caches(setting: str, **kwargs: Any) -> None:
    if setting.startswith(("PINECONE_", "RAG_STORE")):
        from rag.stores import reset_store

        reset_store()
    elif setting.startswith("OPENAI_"):
        from rag.embeddings import clear_memory_cache
        from rag.stores import get_store

        clear_memory_cache()
        get_store().invalidate()
