"""Knowledge-base retrieval for a turn (contract §7): bounded, never raising.

`retrieve_context(query)` is what the turn loop awaits. It asks the configured store for the top
`RAG_TOP_K` passages and renders them as

    <title> (relevance: 0.123)
    <text>
    Source: <source>

joined by blank lines (title falls back to `Document N`). A blank query, no result, a store
error or a miss of the `RAG_TIMEOUT_MS` budget gives `RAG_FALLBACK_TEXT` instead; each miss is
logged. The whole retrieval, embedding included, runs under one `asyncio.timeout`, so a slow
store costs the caller the budget and not a second more.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

from django.conf import settings

from rag.stores import Hit, StoreError, get_store

__all__ = ["retrieve_context", "aretrieve", "render_context", "fallback_text", "Retrieval"]

logger = logging.getLogger(__name__)

# Share of the budget after which a store gives up optional steps (the embedded store's vector
# ranking) and answers with what it has.
OPTIONAL_STEP_SHARE = 0.8

Outcome = Literal["hits", "blank", "empty", "timeout", "error"]


def fallback_text() -> str:
    return settings.RAG_FALLBACK_TEXT


@dataclass(slots=True)
class Retrieval:
    """What one retrieval did: for the prompt (`context`), the logs and the admin's try page."""

    query: str
    outcome: Outcome
    context: str
    hits: list[Hit] = field(default_factory=list)
    elapsed_ms: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    store: str = ""
    error: str = ""

    @property
    def used_fallback(self) -> bool:
        return self.outcome != "hits"


def render_context(hits: Iterable[Hit]) -> str:
    """Contract §7's rendering of retrieved passages."""
    blocks = []
    for number, hit in enumerate(hits, start=1):
        title = hit.title.strip() or f"Document {number}"
        block = f"{title} (relevance: {hit.score:.3f})\n{hit.text.strip()}"
        if hit.source:
            block += f"\nSource: {hit.source}"
        blocks.append(block)
    return "\n\n".join(blocks)


async def aretrieve(query: str, *, top_k: int | None = None, timeout_ms: float | None = None) -> Retrieval:
    """Retrieve under the budget. Never raises (except cancellation of the caller)."""
    query = (query or "").strip()
    budget_ms = settings.RAG_TIMEOUT_MS if timeout_ms is None else timeout_ms
    top_k = top_k or settings.RAG_TOP_K
    started = time.perf_counter()

    def done(outcome: Outcome, **fields: Any) -> Retrieval:
        elapsed = round((time.perf_counter() - started) * 1000, 3)
        hits = fields.pop("hits", [])
        context = render_context(hits) if outcome == "hits" else fallback_text()
        return Retrieval(query=query, outcome=outcome, context=context, hits=hits, elapsed_ms=elapsed, **fields)

    if not query:
        return done("blank")
    store_label = ""
    try:
        async with asyncio.timeout(budget_ms / 1000):
            store = get_store()
            store_label = store.name
            # Optional slow steps must be given up with a margin left to rank and render.
            deadline = asyncio.get_running_loop().time() + budget_ms * OPTIONAL_STEP_SHARE / 1000
            result = await store.asearch(query, top_k=top_k, deadline=deadline)
    except TimeoutError:
        logger.warning("knowledge retrieval missed its %d ms budget (store %s); the turn goes on with the fallback text", budget_ms, store_label or "?")
        return done("timeout", store=store_label, error=f"no answer within {budget_ms:g} ms")
    except StoreError as exc:
        logger.warning("knowledge retrieval failed (store %s): %s; the turn goes on with the fallback text", store_label or "?", exc)
        return done("error", store=store_label, error=str(exc))
    except Exception as exc:  # a bug or an unexpected library error must not fail the call
        logger.exception("knowledge retrieval crashed (store %s); the turn goes on with the fallback text", store_label or "?")
        return done("error", store=store_label, error=f"{type(exc).__name__}: {exc}")
    if not result.hits:
        logger.debug("knowledge retrieval found nothing for the query; fallback text used")
        return done("empty", store=store_label, timings=result.timings, notes=result.notes)
    return done("hits", hits=result.hits[:top_k], store=store_label, timings=result.timings, notes=result.notes)


async def retrieve_context(query: str) -> str:
    """Rendered context for the system prompt, or the fallback text; within `RAG_TIMEOUT_MS`."""
    return (await aretrieve(query)).context
