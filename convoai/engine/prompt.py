"""Our system prompt: the configured instructions plus the knowledge-base context."""

from __future__ import annotations

__all__ = ["build_system_prompt"]


def build_system_prompt(instructions: str, knowledge: str) -> str:
    if not knowledge:
        return instructions
    return f"{instructions}\n\nKnowledge base (use it when it answers the question):\n{knowledge}"
