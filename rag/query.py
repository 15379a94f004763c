"""What retrieval searches for: the last user message, plus the previous one for short follow-ups.

"And the second one?" or "what about furniture?" say nothing on their own; the question they
follow does. When the last user message has at most `FOLLOW_UP_WORDS` words and an earlier user
message exists, the two are searched together. The labelled follow-up set in
`tests/rag_labelled.py` measures it (see docs/rag.md for the figures that kept it).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from convoai.llm.messages import message_text

__all__ = ["retrieval_query", "FOLLOW_UP_WORDS"]

FOLLOW_UP_WORDS = 5
WORD_RE = re.compile(r"\w+")


def retrieval_query(messages: Sequence[dict[str, Any]], *, fold_follow_ups: bool = True) -> str:
    user_texts = [
        text
        for message in messages
        if message.get("role") == "user" and (text := message_text(message.get("content")).strip())
    ]
    if not user_texts:
        return ""
    last = user_texts[-1]
    if fold_follow_ups and len(user_texts) > 1 and len(WORD_RE.findall(last)) <= FOLLOW_UP_WORDS:
        return f"{user_texts[-2]}\n{last}"
    return last
