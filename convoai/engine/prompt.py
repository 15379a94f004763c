"""Our system prompt: the configured instructions plus the knowledge-base context.

The shape comes from `SYSTEM_PROMPT_TEMPLATE` (`{instructions}` and `{context}`; validated at
start-up in settings), so an operator can move the context, reword its heading or drop it.
"""

from __future__ import annotations

from django.conf import settings

__all__ = ["build_system_prompt"]


def build_system_prompt(instructions: str, knowledge: str) -> str:
    if not knowledge:
        return instructions
    return settings.SYSTEM_PROMPT_TEMPLATE.format(instructions=instructions, context=knowledge)
