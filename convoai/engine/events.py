"""The small internal event stream every upstream adapter produces and the turn loop consumes.

Whichever API the model speaks (Chat Completions or Responses, streamed or not), an adapter turns
its output into these events, so the loop, the chunk encoding and the error handling are written
once. Upstream failures do not travel as events: adapters raise `convoai.errors.ApiError`
subclasses, mapped once at the adapter boundary (`convoai/llm/errors.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from tools.contract import ToolCall

__all__ = ["TextDelta", "ToolCall", "Finished", "ToolsRunning", "Event", "Usage"]


@dataclass(frozen=True, slots=True)
class TextDelta:
    """Text the caller should hear, in the order the model produced it."""

    text: str


@dataclass(slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: "Usage | None") -> None:
        if other is not None:
            self.prompt_tokens += other.prompt_tokens
            self.completion_tokens += other.completion_tokens

    def as_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(frozen=True, slots=True)
class Finished:
    """The end of one upstream response (one round)."""

    finish_reason: str = "stop"
    usage: Usage | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class ToolsRunning:
    """Emitted by the turn loop (not by adapters) just before a round of tools runs."""

    calls: tuple[ToolCall, ...] = field(default_factory=tuple)


Event = Union[TextDelta, ToolCall, Finished, ToolsRunning]
