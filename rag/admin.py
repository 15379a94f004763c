"""Staff pages for the knowledge base: documents, upload, and "try a query".

Everything goes through the services in `rag.ingestion` and `rag.retriever`, the same code the
commands and the turn loop use; the admin only renders.
"""

from __future__ import annotations

from typing import Any

from convoai.llm.client import run_sync
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from rag.forms import DocumentUploadForm, TryQueryForm
from rag.ingestion import IngestionError, document_delete, document_ingest_upload, document_reingest
from rag.models import KnowledgeChunk, KnowledgeDocument
from rag.retriever import aretrieve
from rag.stores import StoreError, get_store, store_name


class KnowledgeChunkInline(admin.TabularInline):
    model = KnowledgeChunk
    fields = ("position", "title", "text", "has_vector")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    @admin.display(boolean=True, description="vector")
    def has_vector(self, chunk: KnowledgeChunk) -> bool:
        return chunk.embedding is not None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KnowledgeDocument)
class KnowledgeDocumentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "source", "store", "chunk_count", "search", "ingested_at")
    list_filter = ("store",)
    search_fields = ("title", "source")
    date_hierarchy = "ingested_at"
    fields = ("title", "source", "store", "embedding_model", "content_hash", "created_at", "ingested_at", "content")
    readonly_fields = fields
    inlines = [KnowledgeChunkInline]
    actions = ["reingest_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[KnowledgeDocument]:
        return super().get_queryset(request).annotate(_chunk_count=Count("chunks"))

    @admin.display(description="chunks", ordering="_chunk_count")
    def chunk_count(self, document: KnowledgeDocument) -> int:
        return getattr(document, "_chunk_count", None) or document.chunks.count()

    @admin.display(description="search")
    def search(self, document: KnowledgeDocument) -> str:
        return f"lexical + vectors ({document.embedding_model})" if document.embedding_model else "lexical only"

    # --- writes go through the services ----------------------------------------------------
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:rag_knowledgedocument_upload"))

    def delete_model(self, request: HttpRequest, obj: KnowledgeDocument) -> None:
        try:
            document_delete(obj)
        except (IngestionError, StoreError) as exc:
            self.message_user(request, f"Not deleted: {exc}", messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[KnowledgeDocument]) -> None:
        for document in queryset:
            self.delete_model(request, document)

    @admin.action(description="Re-ingest selected documents (re-chunk and re-embed)", permissions=["add"])
    def reingest_selected(self, request: HttpRequest, queryset: QuerySet[KnowledgeDocument]) -> None:
        done = 0
        for document in queryset:
            try:
                document_reingest(document)
                done += 1
            except (IngestionError, StoreError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
        if done:
            self.message_user(request, f"Re-ingested {done} document(s).", messages.SUCCESS)

    # --- extra pages ----------------------------------------------------------------------
    def get_urls(self) -> list[URLPattern]:
        extra = [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="rag_knowledgedocument_upload"),
            path("try/", self.admin_site.admin_view(self.try_query_view), name="rag_knowledgedocument_try"),
        ]
        return extra + super().get_urls()

    def _page(self, request: HttpRequest, template: str, title: str, **context: Any) -> TemplateResponse:
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **context},
        )

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = DocumentUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = document_ingest_upload(
                    data=upload.read(),
                    filename=upload.name,
                    title=form.cleaned_data["title"],
                    source=form.cleaned_data["source"],
                )
            except (IngestionError, StoreError) as exc:
                form.add_error("file", str(exc))
            else:
                detail = f"{result.chunks} chunks" + (", lexical search only" if result.lexical_only else f", {result.embedded} embedded")
                self.message_user(request, f"{result.source}: {result.status} ({detail}).", messages.SUCCESS)
                for note in result.notes:
                    self.message_user(request, note, messages.WARNING)
                document = KnowledgeDocument.objects.get(source=result.source)
                return HttpResponseRedirect(reverse("admin:rag_knowledgedocument_change", args=[document.pk]))
        return self._page(request, "admin/rag/knowledgedocument/upload.html", "Upload a knowledge document", form=form, store=store_name())

    def try_query_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = TryQueryForm(request.GET or None)
        retrieval = None
        store_info: dict[str, Any] = {"store": store_name()}
        if form.is_valid():
            retrieval = run_sync(
                aretrieve,
                form.cleaned_data["query"],
                top_k=form.cleaned_data["top_k"],
                timeout_ms=10_000 if form.cleaned_data["ignore_budget"] else None,
            )
            try:
                store_info = get_store().describe()
            except StoreError as exc:
                store_info = {"store": store_name(), "error": str(exc)}
        return self._page(
            request,
            "admin/rag/knowledgedocument/try_query.html",
            "Try a knowledge-base query",
            form=form,
            retrieval=retrieval,
            store_info=store_info,
            budget_ms=settings.RAG_TIMEOUT_MS,
        )
