"""System checks for knowledge-base settings that would make every turn use the fallback text.

(`convoai.W003` already reports a Pinecone key without an index, or the reverse.)
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register

from rag.embeddings import embeddings_available
from rag.stores import store_name


@register()
def check_knowledge_store(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if store_name() == "pinecone":
        if not settings.PINECONE_API_KEY:
            problems.append(
                Warning(
                    "RAG_STORE is 'pinecone' but PINECONE_API_KEY is not set: every turn gets the fallback text.",
                    hint="Set PINECONE_API_KEY and PINECONE_INDEX (or PINECONE_HOST), or RAG_STORE=embedded.",
                    id="rag.W001",
                )
            )
        if not embeddings_available():
            problems.append(
                Warning(
                    "The Pinecone store needs query embeddings, and no embeddings endpoint is configured: "
                    "every turn gets the fallback text.",
                    hint="Set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible server).",
                    id="rag.W002",
                )
            )
    if settings.RAG_TIMEOUT_MS < 50:
        problems.append(
            Warning(
                f"RAG_TIMEOUT_MS is {settings.RAG_TIMEOUT_MS} ms: too short for most retrievals, which then use the fallback text.",
                id="rag.W003",
            )
        )
    return problems
