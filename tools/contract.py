"""What the turn loop and the tools agree on: who is calling, a tool call, a tool's context and its failure.

The engine depends on these; the tools depend on nothing of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Identity", "ToolCall", "ToolContext", "ToolError"]


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is on the call. None means unknown: there are no made-up defaults."""

    app_id: str | None = None
    user_id: str | None = None
    channel: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"app_id": self.app_id, "user_id": self.user_id, "channel": self.channel}


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One complete tool call: arguments fully accumulated, still the raw JSON string."""

    call_id: str
    name: str
    arguments: str
    # The Responses API gives function_call items an id distinct from call_id.
    item_id: str | None = None


class ToolError(Exception):
    """A failure the model should hear about in plain words (not found, not allowed...)."""


@dataclass(frozen=True, slots=True)
class ToolContext:
    """What a tool knows about the call it serves."""

    identity: Identity
    turn_id: str | int | None = None
    agent_id: str = ""
    # The conversation so far (Chat Completions messages), e.g. for an escalation summary.
    messages: tuple[dict[str, Any], ...] = field(default_factory=tuple)
