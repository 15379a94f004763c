"""The one interface every upstream adapter implements."""

from __future__ import annotations

from typing import Any, AsyncIterator, Protocol

from convoai.engine.state import Turn
from convoai.engine.events import Event

__all__ = ["Upstream", "ToolChoice"]

ToolChoice = str  # "auto" | "none"


class Upstream(Protocol):
    def events(
        self,
        turn: Turn,
        conversation: list[dict[str, Any]],
        tools: list[Any] | None,
        tool_choice: ToolChoice = "auto",
    ) -> AsyncIterator[Event]:
        """One model call over `conversation` (Chat Completions messages, system prompt first).

        Yields TextDelta as text arrives (all at once when `turn.stream` is false), then every
        ToolCall complete, then exactly one Finished. Failures raise `convoai.errors.ApiError`.
        Closing the iterator early closes the upstream HTTP response.
        """
        ...
