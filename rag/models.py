"""Knowledge documents, their chunks, and the embeddings cache.

Documents and chunks are recorded whichever store serves retrieval: the embedded store searches
these rows, and for Pinecone they are the ledger of which vector ids a document owns, so a
re-ingested document can delete exactly its stale vectors.
"""

from __future__ import annotations

from django.db import models

__all__ = ["KnowledgeDocument", "KnowledgeChunk", "CachedEmbedding"]


class KnowledgeDocument(models.Model):
    """One ingested source (a file, an upload); re-ingesting the same source updates it."""

    source = models.CharField(max_length=500, unique=True, help_text="Where the text came from; shown to the model.")
    title = models.CharField(max_length=300, blank=True)
    content = models.TextField(blank=True, help_text="Extracted text, kept so the document can be re-ingested.")
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of title, text and chunking parameters.")
    store = models.CharField(max_length=20, default="embedded", help_text="The store that holds its chunks.")
    embedding_model = models.CharField(max_length=200, blank=True, help_text="Blank: lexical search only.")
    created_at = models.DateTimeField(auto_now_add=True)
    ingested_at = models.DateTimeField()

    class Meta:
        ordering = ["source"]
        verbose_name = "knowledge document"

    def __str__(self) -> str:
        return self.title or self.source


class KnowledgeChunk(models.Model):
    """A passage of a document: what retrieval ranks and the prompt quotes."""

    document = models.ForeignKey(KnowledgeDocument, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    vector_id = models.CharField(max_length=100, unique=True, help_text="Stable id, also the Pinecone vector id.")
    title = models.CharField(max_length=400, blank=True)
    text = models.TextField()
    content_hash = models.CharField(max_length=64)
    # float32 little-endian, for the embedded store's vector ranking; null when not embedded.
    embedding = models.BinaryField(null=True, blank=True)
    embedding_model = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["document_id", "position"]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.position}"


class CachedEmbedding(models.Model):
    """One embedding per (model, text): the same text is never sent to the endpoint twice."""

    model = models.CharField(max_length=200)
    content_hash = models.CharField(max_length=64)
    dimensions = models.PositiveIntegerField()
    vector = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "content_hash"], name="rag_embedding_model_hash")]
