"""Ingestion: text -> chunks -> embeddings -> the configured store, idempotent by content hash.

The management commands, the admin upload and the admin's re-ingest action all call these
services. A document is keyed by its `source`: ingesting the same source again with the same
text (and chunking, and embedding model) is a no-op; with new text, unchanged chunks are kept
(and never re-embedded), new ones added, and the stale ones removed from the rows and from the
store. Embedding goes through `rag.embeddings` in batches; without an embeddings endpoint the
embedded store is filled for lexical search only, while Pinecone refuses (it needs vectors).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Literal, Sequence

import numpy as np
from convoai.llm.client import run_sync
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rag.chunking import Chunk, chunk_document
from rag.embeddings import EmbeddingError, aembed_texts, embedding_model, embeddings_available, vector_to_bytes
from rag.extract import SUPPORTED_SUFFIXES, Extracted, ExtractionError, extract_bytes, extract_file
from rag.models import KnowledgeChunk, KnowledgeDocument
from rag.stores import KnowledgeStore, StoredChunk, StoreError, get_store

__all__ = [
    "IngestResult",
    "IngestionError",
    "document_ingest",
    "document_ingest_upload",
    "document_reingest",
    "document_delete",
    "paths_collect",
    "path_ingest",
    "sample_kb_ingest",
    "SAMPLE_KB_DIR",
]

logger = logging.getLogger(__name__)

SAMPLE_KB_DIR = Path(__file__).resolve().parent / "sample_kb"
# Bump when chunking changes in a way that should re-chunk every document.
CHUNKER_VERSION = "2"

Progress = Callable[[int], None]
MAX_SOURCE_CHARS = 500  # KnowledgeDocument.source


class IngestionError(RuntimeError):
    """A document could not be ingested; the message says why in plain words."""


@dataclass(slots=True)
class IngestResult:
    source: str
    title: str
    status: Literal["created", "updated", "unchanged"]
    chunks: int = 0
    added: int = 0
    removed: int = 0
    embedded: int = 0
    lexical_only: bool = False
    embedding_failed: bool = False
    notes: list[str] = field(default_factory=list)


def _sha256(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _embed_input(chunk_title: str, text: str) -> str:
    return f"{chunk_title}\n{text}" if chunk_title else text


def _vector_ids(source: str, hashes: Sequence[str]) -> list[str]:
    """Stable ids: the same chunk of the same source always gets the same id (Pinecone upserts)."""
    prefix = hashlib.sha1(source.encode("utf-8")).hexdigest()[:12]
    seen: Counter[str] = Counter()
    ids = []
    for h in hashes:
        seen[h] += 1
        ids.append(f"kb-{prefix}-{h[:20]}" + (f"-{seen[h]}" if seen[h] > 1 else ""))
    return ids


def _embed(texts: list[str], progress: Progress | None) -> list[np.ndarray]:
    vectors: list[np.ndarray] = []
    step = settings.RAG_EMBED_BATCH
    for start in range(0, len(texts), step):
        batch = texts[start : start + step]
        vectors.extend(run_sync(aembed_texts, batch))
        if progress:
            progress(len(batch))
    return vectors


def document_ingest(
    *,
    source: str,
    text: str,
    title: str = "",
    store: KnowledgeStore | None = None,
    force: bool = False,
    progress: Progress | None = None,
    embed: bool = True,
) -> IngestResult:
    """Ingest one document's text under `source`. Raises IngestionError (nothing half-written).

    `embed=False` stores the embedded store's chunks for lexical search without trying the
    endpoint (a batch whose endpoint already failed once does not wait on it again).
    """
    source = source.strip()
    text = text.strip()
    if not source:
        raise IngestionError("a document needs a source (a path, URL or name)")
    if not text:
        raise IngestionError(f"{source}: the document has no text")
    if len(source) > MAX_SOURCE_CHARS:
        raise IngestionError(f"{source[:80]}...: the source is longer than 500 characters")
    title = (title or "").strip()[:300]
    store = store or get_store()
    size, overlap = settings.RAG_CHUNK_CHARS, settings.RAG_CHUNK_OVERLAP
    doc_hash = _sha256(CHUNKER_VERSION, title, text, str(size), str(overlap))
    want_vectors = store.needs_embeddings or (embed and embeddings_available())
    model = embedding_model() if want_vectors else ""

    document = KnowledgeDocument.objects.filter(source=source).first()
    if (
        not force
        and document is not None
        and document.content_hash == doc_hash
        and document.store == store.name
        and (not model or document.embedding_model == model)
    ):
        return IngestResult(source, document.title, "unchanged", chunks=document.chunks.count())

    chunks: list[Chunk] = chunk_document(title, text, size=size, overlap=overlap)
    if not chunks:
        raise IngestionError(f"{source}: no text left after chunking")
    hashes = [_sha256(c.title, c.text) for c in chunks]
    ids = _vector_ids(source, hashes)
    existing: dict[str, KnowledgeChunk] = {}
    if document is not None and document.store == store.name:
        existing = {c.vector_id: c for c in document.chunks.all()}

    notes: list[str] = []
    vectors: dict[str, np.ndarray] = {}
    to_embed = [
        (vid, _embed_input(c.title, c.text))
        for vid, c in zip(ids, chunks)
        if model and (force or vid not in existing or existing[vid].embedding_model != model or existing[vid].embedding is None)
    ]
    lexical_only = not model
    embedding_failed = False
    if to_embed:
        try:
            embedded = _embed([t for _, t in to_embed], progress)
        except EmbeddingError as exc:
            if store.needs_embeddings:
                raise IngestionError(f"{source}: {exc}") from exc
            notes.append(f"embedding failed, stored for lexical search only: {exc}")
            logger.warning("%s: embedding failed, stored for lexical search only: %s", source, exc)
            model, lexical_only, embedding_failed = "", True, True
        else:
            vectors = {vid: v for (vid, _), v in zip(to_embed, embedded)}

    new_ids = [vid for vid in ids if vid not in existing]
    stale_ids = [vid for vid in existing if vid not in set(ids)]
    # Chunks the store must (re)receive: new ones, and kept ones that got a new vector.
    to_write = [
        StoredChunk(vector_id=vid, title=c.title, text=c.text, source=source, vector=vectors.get(vid))
        for vid, c in zip(ids, chunks)
        if vid not in existing or vid in vectors
    ]
    try:
        if store.needs_embeddings:
            # Upsert before the rows change: a failure leaves the document as it was.
            store.write_chunks(to_write)
        with transaction.atomic():
            now = timezone.now()
            created = document is None
            if document is None:
                document = KnowledgeDocument(source=source)
            document.title = title
            document.content = text
            document.content_hash = doc_hash
            document.store = store.name
            document.embedding_model = model if (model and (vectors or not to_embed)) else ""
            document.ingested_at = now
            document.save()
            if existing:
                KnowledgeChunk.objects.filter(document=document, vector_id__in=stale_ids).delete()
            elif not created:
                # New to this store (or had no chunks): its old rows belonged to another store.
                KnowledgeChunk.objects.filter(document=document).delete()
            rows = []
            for position, (vid, chunk, h) in enumerate(zip(ids, chunks, hashes)):
                vector = vectors.get(vid)
                if vid in existing:
                    row = existing[vid]
                    row.position = position
                    if vector is not None:
                        row.embedding, row.embedding_model = vector_to_bytes(vector), model
                    row.save(update_fields=["position", "embedding", "embedding_model"])
                else:
                    rows.append(
                        KnowledgeChunk(
                            document=document,
                            position=position,
                            vector_id=vid,
                            title=chunk.title,
                            text=chunk.text,
                            content_hash=h,
                            embedding=vector_to_bytes(vector) if vector is not None else None,
                            embedding_model=model if vector is not None else "",
                        )
                    )
            KnowledgeChunk.objects.bulk_create(rows)
            if stale_ids:
                store.delete_chunks(stale_ids)
        if not store.needs_embeddings:
            store.write_chunks(to_write)
    except StoreError as exc:
        raise IngestionError(f"{source}: {exc}") from exc
    finally:
        store.invalidate()
    return IngestResult(
        source=source,
        title=title,
        status="created" if created else "updated",
        chunks=len(chunks),
        added=len(new_ids),
        removed=len(stale_ids),
        embedded=len(vectors),
        lexical_only=lexical_only,
        embedding_failed=embedding_failed,
        notes=notes,
    )


def _ingest_extracted(extracted: Extracted, source: str, **options: object) -> IngestResult:
    return document_ingest(source=extracted.source or source, title=extracted.title, text=extracted.text, **options)  # type: ignore[arg-type]


def _source_for(path: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(resolved)


def paths_collect(paths: Iterable[str | Path]) -> list[Path]:
    """The supported files named by `paths` (directories are walked). Raises IngestionError."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES))
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise IngestionError(f"{path}: unsupported file type; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}")
            found.append(path)
        else:
            raise IngestionError(f"{path}: no such file or directory")
    return found


def path_ingest(path: Path, **options: object) -> IngestResult:
    try:
        extracted = extract_file(path)
    except ExtractionError as exc:
        raise IngestionError(str(exc)) from exc
    return _ingest_extracted(extracted, _source_for(path), **options)


def document_ingest_upload(*, data: bytes, filename: str, title: str = "", source: str = "", **options: object) -> IngestResult:
    """An uploaded file (the admin): its name picks the parser; `source` defaults to `upload:<name>`."""
    try:
        extracted = extract_bytes(data, filename)
    except ExtractionError as exc:
        raise IngestionError(str(exc)) from exc
    if title:
        extracted = Extracted(title=title, text=extracted.text, source=extracted.source)
    return _ingest_extracted(extracted, source.strip() or extracted.source or f"upload:{Path(filename).name}", **options)


def document_reingest(document: KnowledgeDocument, **options: object) -> IngestResult:
    """Re-chunk and re-embed a document from its stored text (after a settings change)."""
    return document_ingest(source=document.source, title=document.title, text=document.content, force=True, **options)  # type: ignore[arg-type]


def document_delete(document: KnowledgeDocument, *, store: KnowledgeStore | None = None) -> int:
    """Delete a document, its chunk rows and (if it lives there) its vectors. Returns chunks removed."""
    store = store or get_store()
    ids = list(document.chunks.values_list("vector_id", flat=True))
    try:
        with transaction.atomic():
            document.delete()
            if document.store == store.name and ids:
                store.delete_chunks(ids)
    except StoreError as exc:
        raise IngestionError(f"{document.source}: {exc}") from exc
    finally:
        store.invalidate()
    return len(ids)


def sample_kb_ingest(*, progress: Progress | None = None) -> list[IngestResult]:
    """Load the demo knowledge base shipped in `rag/sample_kb` (idempotent, fast when unchanged).

    If the embeddings endpoint fails once, the remaining documents are stored for lexical search
    without trying it again, so a first run with an unreachable endpoint still starts quickly.
    """
    results: list[IngestResult] = []
    embed = True
    for path in paths_collect([SAMPLE_KB_DIR]):
        result = path_ingest(path, progress=progress, embed=embed)
        embed = embed and not result.embedding_failed
        results.append(result)
    return results
