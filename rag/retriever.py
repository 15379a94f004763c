"""Knowledge-base retrieval for a turn (contract §7).

Foundation seam: the knowledge-base issue replaces the body of `retrieve_context` with the
bounded retriever over the configured store. It must never raise and never exceed its budget.
"""

from __future__ import annotations

__all__ = ["retrieve_context", "FALLBACK_CONTEXT"]

FALLBACK_CONTEXT = ""


async def retrieve_context(query: str) -> str:
    """Rendered context for the system prompt, or the fallback text."""
    return FALLBACK_CONTEXT
