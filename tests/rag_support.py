"""Helpers shared by the knowledge-base tests (not fixtures of the whole suite)."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from convoai.llm.client import run_sync

from rag.embeddings import clear_memory_cache
from rag.retriever import Retrieval, aretrieve
from rag.stores import reset_store


@pytest.fixture
def fresh_store() -> Iterator[None]:
    """No in-memory index or cached vectors carried over from another test's database."""
    reset_store()
    clear_memory_cache()
    yield
    reset_store()
    clear_memory_cache()


def retrieve(query: str, **options: Any) -> Retrieval:
    return run_sync(aretrieve, query, **options)


def sources(retrieval: Retrieval) -> list[str]:
    return [hit.source for hit in retrieval.hits]
