"""The knowledge-base admin: documents list, upload, try a query; staff only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from rag.models import KnowledgeChunk, KnowledgeDocument
from tests.rag_support import fresh_store, retrieve  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_store")]

CHANGELIST = "admin:rag_knowledgedocument_changelist"
UPLOAD = "admin:rag_knowledgedocument_upload"
TRY = "admin:rag_knowledgedocument_try"


@pytest.fixture
def sample_kb() -> None:
    call_command("ingest_sample_kb", stdout=open("/dev/null", "w"))


def test_documents_list_shows_source_chunks_and_search_mode(admin_client: Client, sample_kb: None) -> None:
    page = admin_client.get(reverse(CHANGELIST)).content.decode()
    returns = KnowledgeDocument.objects.get(source="https://help.northwind.example/returns")
    assert "https://help.northwind.example/returns" in page
    assert f'<td class="field-chunk_count">{returns.chunks.count()}</td>' in page
    assert "lexical only" in page
    assert reverse(UPLOAD) in page and reverse(TRY) in page


def test_upload_ingests_the_document_and_the_retriever_finds_it(admin_client: Client) -> None:
    upload = SimpleUploadedFile("pets.md", b"# Pet policy\n\nDogs under 20 kg may visit our showrooms on a leash.\n", content_type="text/markdown")
    response = admin_client.post(reverse(UPLOAD), {"file": upload, "source": "https://help.northwind.example/pets"})
    document = KnowledgeDocument.objects.get(source="https://help.northwind.example/pets")
    assert response.status_code == 302 and response["Location"] == reverse("admin:rag_knowledgedocument_change", args=[document.pk])
    assert document.title == "Pet policy" and document.chunks.count() == 1
    assert "Dogs under 20 kg" in admin_client.get(response["Location"]).content.decode()
    assert retrieve("Can I bring my dog to the showroom?", timeout_ms=10_000).hits[0].source == document.source


def test_upload_rejects_unsupported_files(admin_client: Client) -> None:
    upload = SimpleUploadedFile("sheet.xlsx", b"PK\x03\x04", content_type="application/octet-stream")
    response = admin_client.post(reverse(UPLOAD), {"file": upload})
    assert response.status_code == 200
    assert "Unsupported file type .xlsx" in response.content.decode()
    assert not KnowledgeDocument.objects.exists()


def test_try_a_query_shows_hits_scores_timings_and_the_prompt_context(admin_client: Client, sample_kb: None) -> None:
    page = admin_client.get(reverse(TRY), {"query": "Do gift cards expire?", "ignore_budget": "on"}).content.decode()
    assert "Outcome: hits" in page
    assert "Payments, billing and promotions — Gift cards" in page
    assert 'class="score">' in page and "bm25" in page
    assert 'id="elapsed"' in page and "lexical" in page
    assert "Gift cards (relevance: " in page  # the rendered context, as the model gets it


def test_try_a_query_without_a_match_says_the_fallback_is_used(admin_client: Client, sample_kb: None, settings: Any) -> None:
    page = admin_client.get(reverse(TRY), {"query": "tell me a joke"}).content.decode()
    assert "Outcome: empty (the model gets the fallback text)" in page
    assert "No knowledge-base article matched" in page


def test_deleting_a_document_removes_its_chunks_from_retrieval(admin_client: Client, sample_kb: None) -> None:
    document = KnowledgeDocument.objects.get(source="https://help.northwind.example/warranty")
    admin_client.post(reverse("admin:rag_knowledgedocument_delete", args=[document.pk]), {"post": "yes"})
    assert not KnowledgeDocument.objects.filter(pk=document.pk).exists()
    assert not KnowledgeChunk.objects.filter(document_id=document.pk).exists()
    assert "https://help.northwind.example/warranty" not in [h.source for h in retrieve("What does the warranty cover?", timeout_ms=10_000).hits]


def test_reingest_action(admin_client: Client, sample_kb: None, settings: Any) -> None:
    settings.RAG_CHUNK_CHARS = 300
    document = KnowledgeDocument.objects.get(source="https://help.northwind.example/shipping")
    before = document.chunks.count()
    admin_client.post(reverse(CHANGELIST), {"action": "reingest_selected", "_selected_action": [document.pk]})
    assert document.chunks.count() > before


def test_pages_are_staff_only(sample_kb: None) -> None:
    user = User.objects.create_user("agent", password="pw-not-staff-123")
    client = Client()
    client.force_login(user)
    for name in (TRY, UPLOAD, CHANGELIST):
        response = client.get(reverse(name), {"query": "refund"})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
