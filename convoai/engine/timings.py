"""Per-turn timings: marks in milliseconds from the moment the view received the request."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

__all__ = ["TurnTimings"]


@dataclass(slots=True)
class TurnTimings:
    started: float = field(default_factory=time.perf_counter)
    context_ms: float | None = None
    first_token_ms: float | None = None
    first_byte_ms: float | None = None
    done_ms: float | None = None
    upstream_ms: float = 0.0
    tools_ms: float = 0.0
    tool_rounds: int = 0
    tool_calls: list[str] = field(default_factory=list)
    knowledge: bool = False

    def now(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def mark_first_token(self) -> None:
        if self.first_token_ms is None:
            self.first_token_ms = self.now()

    def mark_first_byte(self) -> None:
        if self.first_byte_ms is None:
            self.first_byte_ms = self.now()

    @property
    def overhead_ms(self) -> float | None:
        if self.done_ms is None:
            return None
        return max(0.0, self.done_ms - self.upstream_ms - self.tools_ms)

    def server_timing(self) -> str:
        """The standard `Server-Timing` header value."""
        parts = [
            f"context;dur={self.context_ms or 0:.1f}",
            f"upstream;dur={self.upstream_ms:.1f}",
            f"tools;dur={self.tools_ms:.1f}",
            f"overhead;dur={self.overhead_ms or 0:.1f}",
            f"total;dur={self.done_ms or self.now():.1f}",
        ]
        return ", ".join(parts)
