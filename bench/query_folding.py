"""Does folding the previous user turn into short follow-ups help retrieval? Prints hit rates.

    python bench/query_folding.py            # on a throwaway SQLite database

Loads the sample knowledge base (lexical ranking; no embeddings endpoint) and, for the labelled
set in tests/rag_labelled.py, counts how often the right article is in the top RAG_TOP_K hits
with the query = last user message only, and with the previous user message folded in when the
last one is short (rag.query.retrieval_query).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "convoai.settings")
os.environ.setdefault("SQLITE_PATH", str(Path(tempfile.mkdtemp()) / "bench.sqlite3"))
os.environ.pop("DATABASE_URL", None)
os.environ["OPENAI_API_KEY"] = ""
os.environ["OPENAI_BASE_URL"] = ""
os.environ["PINECONE_API_KEY"] = ""
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from rag import query as query_module  # noqa: E402
from rag.query import retrieval_query  # noqa: E402
from rag.retriever import aretrieve  # noqa: E402
from tests.rag_labelled import FOLLOW_UPS, QUESTIONS  # noqa: E402


async def hit_rate(conversations: list[tuple[list[str], str]], fold: bool) -> str:
    """"top-1 hit rate / top-k hit rate"."""
    first = found = 0
    for users, expected in conversations:
        messages = [{"role": "user", "content": text} for text in users]
        result = await aretrieve(retrieval_query(messages, fold_follow_ups=fold), timeout_ms=5000)
        found += any(hit.source == expected for hit in result.hits)
        first += bool(result.hits) and result.hits[0].source == expected
    return f"{first / len(conversations):.0%}/{found / len(conversations):.0%}"


async def main() -> None:
    follow_ups = [([previous, follow_up], expected) for previous, follow_up, expected in FOLLOW_UPS]
    # Standalone questions asked after an unrelated first question: folding must not hurt them.
    standalone = [(["Hi, I have a question.", question], expected) for question, expected in QUESTIONS]
    # ... and after a question about another article: the worst case for folding.
    off_topic = []
    for index, (question, expected) in enumerate(QUESTIONS):
        previous = next(q for q, doc in QUESTIONS[index + 1 :] + QUESTIONS[:index] if doc != expected)
        off_topic.append(([previous, question], expected))
    print("hit rates as top-1/top-k")
    print(f"top_k = {settings.RAG_TOP_K}; {len(follow_ups)} follow-ups, {len(standalone)} standalone questions")
    for words in (3, 4, 5, 6, 8):
        query_module.FOLLOW_UP_WORDS = words
        print(
            f"fold when <= {words} words: follow-ups {await hit_rate(follow_ups, True)} "
            f"(last message only {await hit_rate(follow_ups, False)}); "
            f"standalone {await hit_rate(standalone, True)} "
            f"(last message only {await hit_rate(standalone, False)}); "
            f"after an off-topic question {await hit_rate(off_topic, True)} "
            f"(last message only {await hit_rate(off_topic, False)})"
        )


if __name__ == "__main__":
    call_command("migrate", verbosity=0)
    call_command("ingest_sample_kb")
    asyncio.run(main())
