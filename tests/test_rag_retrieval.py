"""Retrieval on the embedded store: rendering, quality on the sample KB, fallbacks, budget."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from django.core.management import call_command

from rag.retriever import render_context
from rag.stores import Hit
from tests.doubles.serve import ServerThread
from tests.rag_labelled import QUESTIONS, RETURNS
from tests.rag_support import fresh_store, retrieve, sources  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_store")]


@pytest.fixture
def sample_kb() -> None:
    call_command("ingest_sample_kb", stdout=open("/dev/null", "w"))


def test_rendering_follows_the_contract() -> None:
    hits = [
        Hit(text="Refunds take 2 days.", title="Refunds", source="https://kb/refunds", score=0.91234),
        Hit(text=" Untitled passage. ", title="", source="kb/untitled.md", score=0.5),
    ]
    assert render_context(hits) == (
        "Refunds (relevance: 0.912)\nRefunds take 2 days.\nSource: https://kb/refunds"
        "\n\n"
        "Document 2 (relevance: 0.500)\nUntitled passage.\nSource: kb/untitled.md"
    )


@pytest.mark.parametrize(("question", "expected"), QUESTIONS, ids=[q for q, _ in QUESTIONS])
def test_lexical_retrieval_finds_the_right_article(sample_kb: None, settings: Any, question: str, expected: str) -> None:
    result = retrieve(question, timeout_ms=10_000)
    assert result.outcome == "hits"
    assert expected in sources(result)[: settings.RAG_TOP_K]
    assert all("cosine" not in hit.signals for hit in result.hits)
    assert f"Source: {expected}" in result.context


def test_a_store_too_large_to_rank_on_the_event_loop_ranks_the_same_in_a_thread(
    sample_kb: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small stores rank BM25 inline, large ones in a worker thread: the passages are the same."""
    from rag.stores import local

    inline = {q: (sources(r), r.context) for q, _ in QUESTIONS for r in [retrieve(q, timeout_ms=10_000)]}
    monkeypatch.setattr(local, "INLINE_LEXICAL_CHUNKS", 0)
    threaded = {q: (sources(r), r.context) for q, _ in QUESTIONS for r in [retrieve(q, timeout_ms=10_000)]}
    assert threaded == inline
    assert all(found for found, _ in inline.values())


def test_fused_retrieval_finds_the_right_article_for_every_question(openai_double: Any, settings: Any) -> None:
    call_command("ingest_sample_kb", stdout=open("/dev/null", "w"))
    misses = []
    vector_signals = 0
    for question, expected in QUESTIONS:
        result = retrieve(question, timeout_ms=10_000)
        vector_signals += sum("cosine" in hit.signals for hit in result.hits)
        if expected not in sources(result)[: settings.RAG_TOP_K]:
            misses.append((question, sources(result)))
    assert not misses
    assert vector_signals > len(QUESTIONS)  # the vector ranker took part


def test_a_repeated_question_is_embedded_once(openai_double: Any) -> None:
    call_command("ingest_sample_kb", stdout=open("/dev/null", "w"))
    calls = openai_double.embedding_calls
    first = retrieve("Can I return a mattress I have slept on?", timeout_ms=10_000)
    second = retrieve("Can I return a mattress I have slept on?", timeout_ms=10_000)
    assert openai_double.embedding_calls == calls + 1
    assert sources(first) == sources(second) and RETURNS in sources(first)


def test_blank_query_unknown_words_and_empty_kb_give_the_fallback(settings: Any, sample_kb: None) -> None:
    for query in ("", "   ", "what is the capital of Mongolia"):
        result = retrieve(query)
        assert result.used_fallback and result.context == settings.RAG_FALLBACK_TEXT
    from rag.ingestion import document_delete
    from rag.models import KnowledgeDocument

    for document in KnowledgeDocument.objects.all():
        document_delete(document)
    result = retrieve("How long do refunds take?")
    assert result.outcome == "empty" and result.context == settings.RAG_FALLBACK_TEXT


class _SilentEmbeddings:
    """An embeddings endpoint that accepts the request and never answers."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            import asyncio

            await asyncio.sleep(3600)


@pytest.fixture
def silent_embeddings(settings: Any) -> Iterator[None]:
    with ServerThread(_SilentEmbeddings()) as server:
        settings.OPENAI_BASE_URL = f"{server.url}/v1"
        settings.OPENAI_API_KEY = "test-openai-key"
        yield
        settings.OPENAI_BASE_URL = ""


def test_a_stalled_embeddings_endpoint_still_gives_lexical_passages_within_the_budget(sample_kb: None, silent_embeddings: None, settings: Any) -> None:
    # The sample KB was ingested lexical-only; give its chunks vectors so the store wants the query's.
    from rag.models import KnowledgeChunk
    from rag.stores import get_store

    KnowledgeChunk.objects.update(embedding=b"\x00\x00\x80?" * 64, embedding_model=settings.OPENAI_EMBEDDING_MODEL)
    get_store().invalidate()
    result = retrieve("How long do refunds take?", timeout_ms=300)
    assert result.outcome == "hits"
    assert RETURNS in sources(result)
    assert any("too slow" in note for note in result.notes)


def test_a_store_error_gives_the_fallback(settings: Any) -> None:
    settings.RAG_STORE = "pinecone"  # configured without a key: the store cannot be built
    settings.PINECONE_API_KEY = ""
    result = retrieve("How long do refunds take?")
    assert result.outcome == "error"
    assert result.context == settings.RAG_FALLBACK_TEXT
    assert "PINECONE_API_KEY" in result.error


def test_folding_the_previous_question_into_short_follow_ups_finds_their_article(sample_kb: None, settings: Any) -> None:
    from rag.query import retrieval_query
    from tests.rag_labelled import FOLLOW_UPS

    def found(fold: bool) -> int:
        hits = 0
        for previous, follow_up, expected in FOLLOW_UPS:
            messages = [{"role": "user", "content": previous}, {"role": "assistant", "content": "..."}, {"role": "user", "content": follow_up}]
            hits += expected in sources(retrieve(retrieval_query(messages, fold_follow_ups=fold), timeout_ms=10_000))[: settings.RAG_TOP_K]
        return hits

    assert found(fold=True) == len(FOLLOW_UPS)
    assert found(fold=False) < len(FOLLOW_UPS)


def test_a_long_last_message_is_searched_alone() -> None:
    from rag.query import retrieval_query

    messages = [{"role": "user", "content": "Where is my parcel?"}, {"role": "user", "content": [{"type": "text", "text": "How do I reset the password on my account?"}]}]
    assert retrieval_query(messages) == "How do I reset the password on my account?"
    assert retrieval_query([{"role": "assistant", "content": "Hi"}]) == ""


def test_system_checks_name_a_store_that_cannot_answer(settings: Any) -> None:
    from django.core.checks import run_checks

    settings.RAG_STORE = "pinecone"
    settings.PINECONE_API_KEY = ""
    ids = {message.id for message in run_checks()}
    assert {"rag.W001", "rag.W002"} <= ids
    settings.RAG_STORE = "embedded"
    assert not {m.id for m in run_checks()} & {"rag.W001", "rag.W002"}
