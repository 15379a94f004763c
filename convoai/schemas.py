"""Request and response schemas of the chat API (contract §3, §4).

Unknown keys are accepted everywhere (`extra="allow"`): Convo AI and other OpenAI clients add
fields we must not reject. Known keys are validated strictly (`strict=True`), as OpenAI does and
as the published OpenAPI schema says: `"stream": "yes"`, `"max_tokens": 5.5` or `"userId": true`
are a 400, not silently coerced (schemathesis' negative tests found the coercions).
"""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import BaseModel as Schema
from pydantic import ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

__all__ = ["ChatMessage", "ChatRequest", "CallerContext", "ContentPart", "ToolCallItem", "ErrorBody"]

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class ContentPart(Schema):
    model_config = ConfigDict(extra="allow", strict=True)
    type: str = Field(min_length=1)
    text: str | None = None


# Tool calls go back upstream as given: only the keys OpenAI accepts are kept.
class FunctionCall(Schema):
    model_config = ConfigDict(extra="ignore", strict=True)
    name: str = Field(min_length=1)
    arguments: str


class ToolCallItem(Schema):
    """A tool call in an assistant message of the history, as OpenAI requires it."""

    model_config = ConfigDict(extra="ignore", strict=True)
    id: str = Field(min_length=1)
    type: Literal["function"]
    function: FunctionCall


class ChatMessage(Schema):
    model_config = ConfigDict(extra="allow", strict=True)

    role: Role
    content: Union[str, list[ContentPart], None] = None
    name: str | None = None
    tool_calls: list[ToolCallItem] | None = None
    tool_call_id: str | None = None
    # The deprecated function-calling form: an assistant `function_call`, answered by a
    # `function` message with the same `name`.
    function_call: FunctionCall | None = None
    # Convo AI extras (vendor "custom"): kept for the turn's record, never sent upstream.
    turn_id: int | str | None = None
    timestamp: int | float | None = None
    metadata: dict[str, Any] | None = None


class CallerContext(Schema):
    model_config = ConfigDict(extra="allow", strict=True)
    appId: str | int | None = None
    userId: str | int | None = None
    channel: str | int | None = None


def _conversation_error(template: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError("conversation", template, context)


class ChatRequest(Schema):
    model_config = ConfigDict(extra="allow", strict=True)

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

    @field_validator("messages")
    @classmethod
    def _tool_results_answer_tool_calls(cls, messages: list[ChatMessage]) -> list[ChatMessage]:
        """OpenAI's conversation rule, checked here so the caller gets a 400 naming the message.

        Each `tool` message answers a call of the assistant message just before the run of tool
        messages, and every such call is answered (a `function` message answers the deprecated
        `function_call` by name). Forwarded as is, a broken history made the model server answer
        400, which reached the caller as a 502 (found by the fuzz tests).
        """
        open_calls: dict[str, int] = {}
        for index, message in enumerate(messages):
            if message.role in ("tool", "function"):
                key = message.tool_call_id if message.role == "tool" else message.name
                if not key:
                    field = "tool_call_id" if message.role == "tool" else "name"
                    raise _conversation_error(
                        "messages[{index}]: a '{role}' message needs '{field}'", index=index, role=message.role, field=field
                    )
                if open_calls.pop(key, None) is None:
                    raise _conversation_error(
                        "messages[{index}]: this '{role}' message answers no tool call of the assistant message before it ('{key}')",
                        index=index, role=message.role, key=key,
                    )
                continue
            if open_calls:
                break
            if message.role == "assistant":
                if message.tool_calls:
                    open_calls = {call.id: index for call in message.tool_calls}
                elif message.function_call is not None:
                    open_calls = {message.function_call.name: index}
        if open_calls:
            raise _conversation_error(
                "messages[{index}]: an assistant message with tool calls must be followed by a result for each (missing: {missing})",
                index=min(open_calls.values()), missing=", ".join(sorted(open_calls)),
            )
        return messages

    @field_validator("stop")
    @classmethod
    def _stop_limit(cls, value: Union[str, list[str], None]) -> Union[str, list[str], None]:
        if isinstance(value, list) and len(value) > 4:
            raise ValueError("at most 4 stop sequences")
        return value


class ErrorDetail(Schema):
    model_config = ConfigDict(extra="forbid")
    message: str
    type: str
    code: str
    param: str | None = None


class ErrorBody(Schema):
    """Every error the API answers, in OpenAI's shape (documented in the OpenAPI schema)."""

    model_config = ConfigDict(extra="forbid")
    error: ErrorDetail
