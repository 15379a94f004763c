"""`manage.py ingest` and `ingest_sample_kb`: formats, chunking, idempotence, stale chunks, batching."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from rag.chunking import chunk_document
from rag.ingestion import SAMPLE_KB_DIR
from rag.models import CachedEmbedding, KnowledgeChunk, KnowledgeDocument
from tests.rag_support import fresh_store, retrieve, sources  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_store")]


def run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF whose content stream shows `text` (enough for any PDF text extractor)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


@pytest.fixture
def library(tmp_path: Path) -> Path:
    (tmp_path / "gift-wrap.md").write_text("# Gift wrapping\n\nGift wrapping costs $4 per item and includes a handwritten card.\n")
    (tmp_path / "store-hours.txt").write_text("Our phone line is open 8 am to 8 pm Eastern, Monday to Saturday.\n")
    (tmp_path / "loyalty.html").write_text(
        "<html><head><title>Loyalty points</title><style>p{}</style><script>var hidden = 'nope';</script></head>"
        "<body><nav>Menu</nav><h1>Loyalty points</h1><p>Every dollar earns 3 loyalty points; 500 points are worth $5.</p></body></html>"
    )
    (tmp_path / "recycling.pdf").write_bytes(minimal_pdf("We collect old mattresses for recycling for a fee of 25 dollars."))
    (tmp_path / "ignored.docx").write_bytes(b"not supported")
    return tmp_path


def test_ingest_reads_markdown_text_html_and_pdf(library: Path) -> None:
    output = run("ingest", str(library), "--no-progress")
    assert "4 of 4 document(s) ingested into the embedded store" in output
    titles = dict(KnowledgeDocument.objects.values_list("title", "content"))
    assert set(titles) == {"Gift wrapping", "store hours", "Loyalty points", "recycling"}
    assert "hidden" not in titles["Loyalty points"] and "Menu" not in titles["Loyalty points"]
    for question, expected in (
        ("How much is gift wrap?", "gift-wrap.md"),
        ("When is the phone line open?", "store-hours.txt"),
        ("What are loyalty points worth?", "loyalty.html"),
        ("Do you recycle old mattresses?", "recycling.pdf"),
    ):
        assert sources(retrieve(question, timeout_ms=10_000))[0].endswith(expected), question


def test_bad_paths_and_types_are_clear_errors(library: Path) -> None:
    with pytest.raises(CommandError, match="unsupported file type"):
        run("ingest", str(library / "ignored.docx"))
    with pytest.raises(CommandError, match="no such file or directory"):
        run("ingest", str(library / "missing.md"))
    (library / "empty.md").write_text("   \n")
    with pytest.raises(CommandError, match="1 document\\(s\\) failed"):
        run("ingest", str(library), "--no-progress")
    assert KnowledgeDocument.objects.count() == 4  # the good ones went in anyway


def test_reingest_is_idempotent_and_replaces_only_stale_chunks(tmp_path: Path, settings: Any) -> None:
    settings.RAG_CHUNK_CHARS = 120
    settings.RAG_CHUNK_OVERLAP = 0
    doc = tmp_path / "faq.md"
    sections = {name: f"## {name}\n\nThe answer about {name.lower()} is number {i}." for i, name in enumerate(["Alpha", "Beta", "Gamma"])}
    doc.write_text("# FAQ\n\n" + "\n\n".join(sections.values()))
    assert "created" in run("ingest", str(doc), "--no-progress")
    first = dict(KnowledgeChunk.objects.values_list("vector_id", "text"))
    assert len(first) == 3
    assert "unchanged" in run("ingest", str(doc), "--no-progress")
    assert dict(KnowledgeChunk.objects.values_list("vector_id", "text")) == first

    sections["Beta"] = "## Beta\n\nBeta changed: the answer is now forty-two."
    doc.write_text("# FAQ\n\n" + "\n\n".join(sections.values()))
    output = run("ingest", str(doc), "--no-progress")
    assert "updated" in output and "+1 / -1" in output
    second = dict(KnowledgeChunk.objects.values_list("vector_id", "text"))
    assert len(second) == 3 and len(set(first) & set(second)) == 2
    assert any("forty-two" in text for text in second.values())
    assert not any("number 1" in text for text in second.values())
    assert KnowledgeDocument.objects.count() == 1
    assert retrieve("What is the beta answer now?", timeout_ms=10_000).hits[0].text.startswith("Beta changed")


def test_chunks_overlap_and_carry_their_section_title() -> None:
    sentences = " ".join(f"Sentence {i} talks about topic {i}." for i in range(40))
    chunks = chunk_document("Guide", f"# Guide\n\n## Setup\n\n{sentences}\n\n## Care\n\nWipe it dry.", size=300, overlap=80)
    setup = [c for c in chunks if c.title == "Guide — Setup"]
    assert len(setup) > 3 and all(len(c.text) <= 300 for c in chunks)
    for before, after in zip(setup, setup[1:]):
        last_sentence = before.text.rsplit(". ", 1)[-1]
        assert after.text.split(". ")[1] + "." == last_sentence or after.text.startswith(last_sentence)
        assert not after.text.startswith(before.text[:40])  # overlap, not repetition
    assert chunks[-1].title == "Guide — Care" and chunks[-1].text == "Wipe it dry."


def test_embeddings_are_batched_and_never_repeated(openai_double: Any, settings: Any) -> None:
    settings.RAG_EMBED_BATCH = 8
    run("ingest_sample_kb")
    chunks = KnowledgeChunk.objects.count()
    per_document = [d.chunks.count() for d in KnowledgeDocument.objects.all()]
    assert openai_double.embedding_calls == sum(math.ceil(n / 8) for n in per_document)
    assert all(len(r["json"]["input"]) <= 8 for r in openai_double.requests if r["path"] == "/v1/embeddings")
    assert KnowledgeChunk.objects.filter(embedding__isnull=True).count() == 0
    assert CachedEmbedding.objects.count() == chunks

    run("ingest", str(SAMPLE_KB_DIR), "--force", "--no-progress")
    assert openai_double.embedding_calls == sum(math.ceil(n / 8) for n in per_document)  # all from the cache


def test_sample_kb_loads_without_an_embeddings_endpoint_then_gains_vectors(settings: Any, openai_double: Any) -> None:
    endpoint = settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY
    settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = "", ""
    output = run("ingest_sample_kb")
    assert "6 documents" in output and "lexical search only" in output
    assert KnowledgeChunk.objects.filter(embedding__isnull=False).count() == 0
    assert "0 (re)ingested" in run("ingest_sample_kb")

    settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = endpoint
    assert "6 (re)ingested" in run("ingest_sample_kb")
    assert KnowledgeChunk.objects.filter(embedding__isnull=True).count() == 0
    assert "0 (re)ingested" in run("ingest_sample_kb")


def test_bootstrap_demo_loads_the_sample_kb() -> None:
    run("bootstrap_demo")
    assert KnowledgeDocument.objects.count() == len(list(SAMPLE_KB_DIR.glob("*.md")))
    assert "0 (re)ingested" in run("bootstrap_demo")


def test_a_failing_embeddings_endpoint_leaves_a_lexical_kb_and_is_tried_once(openai_double: Any) -> None:
    from tests.doubles.openai_server import Reply

    openai_double.queue(Reply(status=500))
    output = run("ingest_sample_kb")
    assert "6 documents" in output and "lexical search only" in output
    assert openai_double.embedding_calls == 1
    assert not KnowledgeChunk.objects.filter(embedding__isnull=False).exists()
    assert retrieve("Do gift cards expire?", timeout_ms=10_000).outcome == "hits"
