"""The conversation as staff want to read it on an escalation: who said what, nothing else."""

from __future__ import annotations

from typing import Any, Sequence

__all__ = ["conversation_transcript", "TRANSCRIPT_MESSAGES", "TRANSCRIPT_CHARS"]

TRANSCRIPT_MESSAGES = 40
TRANSCRIPT_CHARS = 2000


def conversation_transcript(messages: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """What caller and agent said (no system prompt, no tool plumbing), latest turns, trimmed."""
    lines: list[dict[str, str]] = []
    for message in messages:
        role = message.get("role")
        if role not in ("user", "assistant"):
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(
                str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text"
            )
        text = str(content or "").strip()
        if text:
            lines.append({"role": str(role), "content": text[:TRANSCRIPT_CHARS]})
    return lines[-TRANSCRIPT_MESSAGES:]
