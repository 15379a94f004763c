"""Request and response schemas of the chat API (contract §3, §4).

Unknown keys are accepted everywhere (`extra="allow"`): Convo AI and other OpenAI clients add
fields we must not reject.
"""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import BaseModel as Schema
from pydantic import ConfigDict, Field, field_validator

__all__ = ["ChatMessage", "ChatRequest", "CallerContext", "ContentPart"]

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class ContentPart(Schema):
    model_config = ConfigDict(extra="allow")
    type: str = Field(min_length=1)
    text: str | None = None


class ChatMessage(Schema):
    model_config = ConfigDict(extra="allow")

    role: Role
    content: Union[str, list[ContentPart], None] = None
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None
    # Convo AI extras (vendor "custom"): kept for the turn's record, never sent upstream.
    turn_id: int | str | None = None
    timestamp: int | float | None = None
    metadata: dict[str, Any] | None = None


class CallerContext(Schema):
    model_config = ConfigDict(extra="allow")
    appId: str | int | None = None
    userId: str | int | None = None
    channel: str | int | None = None


class ChatRequest(Schema):
    model_config = ConfigDict(extra="allow")

    messages: list[ChatMessage] = Field(min_length=1)
    model: str | None = Field(default=None, min_length=1)
    stream: bool = False
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stop: Union[str, list[str], None] = None
    seed: int | None = None
    user: str | None = None
    stream_options: dict[str, Any] | None = None
    # Caller identity (Convo AI sends `context`; the reference used top-level fields).
    context: CallerContext | None = None
    appId: str | int | None = None
    userId: str | int | None = None
    channel: str | int | None = None
    # Convo AI turn extras.
    turn_id: int | str | None = None
    timestamp: int | float | None = None
    interruptable: bool | None = None

    @field_validator("stop")
    @classmethod
    def _stop_limit(cls, value: Union[str, list[str], None]) -> Union[str, list[str], None]:
        if isinstance(value, list) and len(value) > 4:
            raise ValueError("at most 4 stop sequences")
        return value
