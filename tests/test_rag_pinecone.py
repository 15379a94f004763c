"""The Pinecone store, driven through the real `pinecone` SDK against a data-plane double."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from django.core.management import CommandError, call_command

from rag.ingestion import document_delete, path_ingest
from rag.models import KnowledgeChunk, KnowledgeDocument
from tests.doubles.pinecone_server import API_KEY, PineconeDouble
from tests.doubles.serve import ServerThread
from tests.rag_labelled import QUESTIONS, RETURNS
from tests.rag_support import fresh_store, retrieve, sources  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_store")]
NAMESPACE = "support-kb"


@pytest.fixture(scope="module")
def _pinecone_server() -> Iterator[tuple[PineconeDouble, ServerThread]]:
    double = PineconeDouble()
    with ServerThread(double) as server:
        yield double, server
        double.release()


@pytest.fixture
def pinecone(_pinecone_server: tuple[PineconeDouble, ServerThread], settings: Any) -> Iterator[PineconeDouble]:
    double, server = _pinecone_server
    double.reset()
    double.host = server.url
    settings.PINECONE_API_KEY = API_KEY
    settings.PINECONE_HOST = server.url
    settings.PINECONE_NAMESPACE = NAMESPACE
    yield double
    double.release()


def quiet() -> Any:
    return open("/dev/null", "w")


def test_ingestion_upserts_vectors_with_contract_metadata(pinecone: PineconeDouble, openai_double: Any) -> None:
    call_command("ingest_sample_kb", stdout=quiet())
    stored = pinecone.vectors(NAMESPACE)
    rows = {c.vector_id: c for c in KnowledgeChunk.objects.select_related("document")}
    assert set(stored) == set(rows) and len(rows) > 20
    for vector_id, vector in stored.items():
        row = rows[vector_id]
        assert vector["metadata"] == {"text": row.text, "title": row.title, "source": row.document.source}
        assert len(vector["values"]) == 64
    assert {d.store for d in KnowledgeDocument.objects.all()} == {"pinecone"}
    assert all(r["headers"]["api-key"] == API_KEY for r in pinecone.requests)


def test_queries_return_the_right_article(pinecone: PineconeDouble, openai_double: Any, settings: Any) -> None:
    call_command("ingest_sample_kb", stdout=quiet())
    # The double's embeddings are bag-of-words: ask in the article's own words.
    result = retrieve("refund issued within 2 business days of the return reaching the warehouse", timeout_ms=10_000)
    assert result.outcome == "hits" and result.store == "pinecone"
    assert RETURNS in sources(result)
    query = [r for r in pinecone.requests if r["path"] == "/query"][-1]["json"]
    assert query["namespace"] == NAMESPACE and query["topK"] == settings.RAG_TOP_K and query["includeMetadata"] is True
    assert result.context.startswith(f"{result.hits[0].title} (relevance: {result.hits[0].score:.3f})\n{result.hits[0].text}")
    # Every labelled question reaches Pinecone and gets passages back.
    for question, _ in QUESTIONS[:5]:
        assert retrieve(question, timeout_ms=10_000).outcome == "hits"


def test_reingesting_a_changed_document_deletes_only_its_stale_vectors(pinecone: PineconeDouble, openai_double: Any, tmp_path: Path, settings: Any) -> None:
    settings.RAG_CHUNK_CHARS = 200
    settings.RAG_CHUNK_OVERLAP = 0
    doc = tmp_path / "policy.md"
    doc.write_text("# Policy\n\n## Refunds\n\nRefunds take five days.\n\n## Exchanges\n\nExchanges ship free.\n")
    first = path_ingest(doc)
    before = set(pinecone.vectors(NAMESPACE))
    assert first.status == "created" and len(before) == 2
    doc.write_text("# Policy\n\n## Refunds\n\nRefunds take five days.\n\n## Exchanges\n\nExchanges cost nothing and ship at once.\n")
    pinecone.requests.clear()
    second = path_ingest(doc)
    after = set(pinecone.vectors(NAMESPACE))
    assert second.status == "updated" and (second.added, second.removed) == (1, 1)
    assert len(after) == 2 and len(before & after) == 1  # the unchanged Refunds chunk kept its id
    deletes = [r["json"] for r in pinecone.requests if r["path"] == "/vectors/delete"]
    assert deletes == [{"namespace": NAMESPACE, "ids": sorted(before - after)}]
    upserted = [v["id"] for r in pinecone.requests if r["path"] == "/vectors/upsert" for v in r["json"]["vectors"]]
    assert upserted == sorted(after - before)
    assert path_ingest(doc).status == "unchanged"

    document_delete(KnowledgeDocument.objects.get())
    assert pinecone.vectors(NAMESPACE) == {}


def test_pinecone_errors_and_silence_give_the_fallback(pinecone: PineconeDouble, openai_double: Any, settings: Any) -> None:
    call_command("ingest_sample_kb", stdout=quiet())
    pinecone.fail_with = 500
    failed = retrieve("When will I get my refund?", timeout_ms=10_000)
    assert failed.outcome == "error" and failed.context == settings.RAG_FALLBACK_TEXT

    pinecone.fail_with = None
    pinecone.hang()
    silent = retrieve("When will I get my refund?", timeout_ms=300)
    assert silent.outcome == "timeout" and silent.context == settings.RAG_FALLBACK_TEXT
    assert pinecone.paths()[-1] == "/query"  # it was asked, and never answered


def test_pinecone_ingestion_without_embeddings_is_refused(pinecone: PineconeDouble, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\nSome text.\n")
    with pytest.raises(CommandError):
        call_command("ingest", str(tmp_path), "--no-progress", stdout=quiet(), stderr=quiet())
    assert pinecone.vectors(NAMESPACE) == {} and not KnowledgeDocument.objects.exists()


def test_an_index_named_by_pinecone_index_is_found_through_the_control_plane(
    pinecone: PineconeDouble, openai_double: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PINECONE_CONTROLLER_HOST", pinecone.host)  # the SDK's own variable
    settings.PINECONE_HOST = ""
    settings.PINECONE_INDEX = pinecone.index_name
    call_command("ingest_sample_kb", stdout=quiet())
    result = retrieve("refund issued within 2 business days of the return reaching the warehouse", timeout_ms=10_000)
    assert result.outcome == "hits" and RETURNS in sources(result)
    described = [r for r in pinecone.requests if r["path"] == f"/indexes/{pinecone.index_name}"]
    assert len(described) == 2  # once for ingestion's client, once for the query client; then cached
