"""The state of one turn as the turn loop sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from convoai.engine.timings import TurnTimings
from tools.contract import Identity

__all__ = ["Turn"]


@dataclass(slots=True)
class Turn:
    """One request from Convo AI: everything the turn loop needs, nothing HTTP-specific."""

    messages: list[dict[str, Any]]
    model: str
    stream: bool
    identity: Identity
    params: dict[str, Any] = field(default_factory=dict)
    turn_id: str | int | None = None
    interruptable: bool | None = None
    # Per-message Convo AI extras, by message index, for the turn's record.
    extras: dict[int, dict[str, Any]] = field(default_factory=dict)
    system_prompt: str = ""
    # The API key's name (never the key), for the turn's record.
    caller_key: str = ""
    timings: TurnTimings = field(default_factory=TurnTimings)
