"""Reading Chat Completions messages."""

from __future__ import annotations

from typing import Any

__all__ = ["message_text"]


def message_text(content: Any) -> str:
    """The text of a message's `content`: a string, or the text parts of a list of parts joined by spaces."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        text = part.get("text") if isinstance(part, dict) else getattr(part, "text", None)
        if text:
            parts.append(text)
    return " ".join(parts)
