"""Retrieval latency (p50/p99) and memory of the embedded store at 1k, 10k and 100k chunks.

    python bench/retrieval.py [--sizes 1000,10000,100000] [--dims 1536] [--queries 300]

For each size, a throwaway SQLite database is filled with synthetic support passages (the
sample KB's sentences recombined, plus a random product vocabulary so the corpus is not just
copies), each with a random unit vector of `--dims` floats (text-embedding-3-small's size by
default). Then the retriever a call uses (`rag.retriever.aretrieve`, in one event loop, as
daphne runs it) answers the labelled questions over and over:

- lexical: no embeddings endpoint configured, BM25 only;
- fused: BM25 + cosine over the vectors. The query vectors are put in the embeddings cache
  first, so the figures are the store's own cost, not an embeddings endpoint's round trip
  (add your endpoint's latency to them).

Each run is repeated under the real budget (`RAG_TIMEOUT_MS`), counting the answers that lost
their passages to the budget (fallback) and those that skipped the vector scan (lexical only).
The random vectors are all far below `RAG_MIN_SIMILARITY` of any query, so the fused runs
measure the cost of the scan while the passages come from BM25.

Memory: resident set size growth of this process after building the index (the snapshot:
texts, BM25 matrix, vector matrix), read from /proc/self/status.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "convoai.settings"
os.environ.pop("DATABASE_URL", None)
os.environ["PINECONE_API_KEY"] = ""
os.environ["OPENAI_API_KEY"] = ""
os.environ["OPENAI_BASE_URL"] = ""
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from rag import embeddings  # noqa: E402
from rag.extract import extract_file  # noqa: E402
from rag.ingestion import SAMPLE_KB_DIR  # noqa: E402
from rag.models import KnowledgeChunk, KnowledgeDocument  # noqa: E402
from rag.retriever import aretrieve  # noqa: E402
from rag.stores import get_store, reset_store  # noqa: E402
from tests.rag_labelled import QUESTIONS  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sentences() -> list[str]:
    found = []
    for path in sorted(SAMPLE_KB_DIR.glob("*.md")):
        text = extract_file(path).text
        found += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) > 4 and not s.startswith("#")]
    return found


def fill(size: int, dims: int, rng: random.Random) -> None:
    """`size` chunks in 1 document per 50 chunks, 3 to 6 sentences each, with random vectors."""
    KnowledgeDocument.objects.all().delete()
    pool = sentences()
    products = [f"{a}{b}" for a in ("oak", "linen", "glow", "nordic", "velvet", "cedar", "loft", "haven") for b in ("chair", "lamp", "bed", "sofa", "desk", "rug", "shelf", "table")]
    model = embeddings.embedding_model()
    now = timezone.now()
    np_rng = np.random.default_rng(rng.randrange(1 << 30))
    for first in range(0, size, 50):
        document = KnowledgeDocument.objects.create(source=f"bench/doc-{first // 50}", title=f"Bench document {first // 50}", content="", content_hash="x", ingested_at=now)
        rows = []
        for position in range(min(50, size - first)):
            text = " ".join(rng.sample(pool, rng.randint(3, 6))) + f" Applies to the {rng.choice(products)} range, item {rng.randint(1, 99999)}."
            vector = np_rng.standard_normal(dims).astype("<f4")
            vector /= np.linalg.norm(vector)
            rows.append(
                KnowledgeChunk(
                    document=document,
                    position=position,
                    vector_id=f"bench-{first + position}",
                    title=f"{rng.choice(['Shipping', 'Returns', 'Payments', 'Accounts', 'Help'])} — section {position}",
                    text=text,
                    content_hash=str(first + position),
                    embedding=vector.tobytes(),
                    embedding_model=model,
                )
            )
        KnowledgeChunk.objects.bulk_create(rows)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def measure(queries: list[str], timeout_ms: float = 60_000) -> tuple[list[float], int, int]:
    """Latencies (ms), fallbacks, and answers that skipped a slow step (lexical only)."""
    latencies, fallbacks, degraded = [], 0, 0
    for query in queries:
        started = time.perf_counter()
        result = await aretrieve(query, timeout_ms=timeout_ms)
        latencies.append((time.perf_counter() - started) * 1000)
        fallbacks += result.used_fallback
        degraded += any("skipped" in note for note in result.notes)
    return latencies, fallbacks, degraded


def run_size(size: int, dims: int, n_queries: int, rng: random.Random) -> None:
    settings.OPENAI_BASE_URL = ""
    embeddings.clear_memory_cache()
    started = time.perf_counter()
    fill(size, dims, rng)
    fill_s = time.perf_counter() - started
    questions = [q for q, _ in QUESTIONS]
    queries = [questions[i % len(questions)] for i in range(n_queries)]

    for mode in ("lexical", "fused"):
        reset_store()
        if mode == "fused":
            # An endpoint is "configured" (never called: every query vector is already cached).
            settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
            np_rng = np.random.default_rng(7)
            for question in questions:
                vector = np_rng.standard_normal(dims).astype(np.float32)
                embeddings._memory.put((embeddings.embedding_model(), embeddings.text_hash(question)), vector / np.linalg.norm(vector))
        before = rss_mb()
        started = time.perf_counter()
        snapshot = get_store().build_now()  # type: ignore[attr-defined]
        build_s = time.perf_counter() - started
        grown = rss_mb() - before
        asyncio.run(measure(queries[:20]))  # warm-up
        latencies, fallbacks, _ = asyncio.run(measure(queries))
        # The same queries under the real budget: how many kept their passages.
        budget_latencies, budget_fallbacks, degraded = asyncio.run(measure(queries, settings.RAG_TIMEOUT_MS))
        vectors = snapshot.matrix.shape if snapshot.matrix is not None else (0, 0)
        print(
            f"{size:>7} chunks  {mode:<7}  p50 {statistics.median(latencies):7.2f} ms  p99 {percentile(latencies, 99):7.2f} ms  "
            f"max {max(latencies):7.2f} ms  index build {build_s:6.2f} s  index memory +{grown:7.1f} MB  "
            f"(vectors {vectors[0]}x{vectors[1]}, no-match {fallbacks}/{len(latencies)}; fill {fill_s:.1f} s)  "
            f"| under RAG_TIMEOUT_MS={settings.RAG_TIMEOUT_MS}: p99 {percentile(budget_latencies, 99):.1f} ms, "
            f"fallback {budget_fallbacks - fallbacks}, lexical-only {degraded}",
            flush=True,
        )
    settings.OPENAI_BASE_URL = ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--dims", type=int, default=1536)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpu, RAG_TOP_K={settings.RAG_TOP_K}, dims={args.dims}, {args.queries} queries per run")
    rng = random.Random(42)
    for size in (int(s) for s in args.sizes.split(",")):
        run_size(size, args.dims, args.queries, rng)


if __name__ == "__main__":
    main()
