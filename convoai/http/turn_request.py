"""Turning a validated request into a `Turn`: identity, cleaned history, upstream parameters.

Convo AI's per-message extras (`turn_id`, `timestamp`, `metadata`) are stripped here, because
OpenAI rejects unknown message keys; they stay on the turn for our records.
"""

from __future__ import annotations

from typing import Any, Mapping

from django.conf import settings

from convoai.engine.state import Turn
from convoai.llm.messages import message_text
from convoai.schemas import ChatMessage, ChatRequest
from tools.contract import Identity

__all__ = ["build_turn", "resolve_identity", "clean_message"]

PASSTHROUGH = (
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "user",
)
IDENTITY_HEADERS = {
    "app_id": "X-Agora-Customllm-Appid",
    "user_id": "X-Agora-Customllm-Uid",
    "channel": "X-Agora-Customllm-Channel",
}
# What OpenAI accepts on a message of each role; anything else (Convo AI's turn_id, timestamp,
# metadata, a client's own keys, or a key on the wrong role, such as `tool_call_id` on a user
# message) is kept for the record and not sent upstream, where it would be rejected.
UPSTREAM_MESSAGE_KEYS = frozenset({"role", "content", "name", "tool_calls", "tool_call_id", "refusal"})
_SPEAKER_KEYS = frozenset({"role", "content", "name"})
UPSTREAM_KEYS_BY_ROLE: dict[str, frozenset[str]] = {
    "system": _SPEAKER_KEYS,
    "developer": _SPEAKER_KEYS,
    "user": _SPEAKER_KEYS,
    "assistant": frozenset({"role", "content", "name", "tool_calls", "refusal"}),
    "tool": frozenset({"role", "content", "tool_call_id"}),
    "function": _SPEAKER_KEYS,  # becomes a tool message below
}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def resolve_identity(request: ChatRequest, headers: Mapping[str, str]) -> Identity:
    """First found wins: `context`, then top-level fields, then the X-Agora-Customllm headers."""
    ctx = request.context
    found: dict[str, str | None] = {}
    for key, ctx_attr, top_attr in (
        ("app_id", "appId", "appId"),
        ("user_id", "userId", "userId"),
        ("channel", "channel", "channel"),
    ):
        found[key] = (
            (_text(getattr(ctx, ctx_attr)) if ctx is not None else None)
            or _text(getattr(request, top_attr))
            or _text(headers.get(IDENTITY_HEADERS[key]))
        )
    return Identity(**found)


def clean_message(message: ChatMessage) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split one message into what goes upstream and the Convo AI extras we keep."""
    data = message.model_dump(exclude_none=True)
    allowed = UPSTREAM_KEYS_BY_ROLE[data["role"]]
    extras = {key: data.pop(key) for key in list(data) if key not in allowed}
    if data.get("tool_calls") == []:  # OpenAI rejects an empty list; it means no calls
        del data["tool_calls"]
    legacy_call = extras.pop("function_call", None)
    if legacy_call is not None and data["role"] == "assistant" and not data.get("tool_calls"):
        # The deprecated function call, as the tool call its `function` result answers (by name).
        function = {"name": legacy_call["name"], "arguments": legacy_call["arguments"]}
        data["tool_calls"] = [{"id": function["name"], "type": "function", "function": function}]
    if data["role"] == "function":  # old clients: a function result is a tool result
        data["role"] = "tool"
        data.setdefault("tool_call_id", data.pop("name", "function"))
    if "content" not in data:
        data["content"] = None if data["role"] == "assistant" else ""
    return data, extras


def heard(data: dict[str, Any], extras: dict[str, Any]) -> dict[str, Any] | None:
    """An interrupted assistant message keeps only what the caller heard.

    Convo AI marks a reply cut off by barge-in with `metadata.interrupted`; its `content` is the
    part that was spoken and `metadata.original` the whole text, which the caller never heard and
    the model must not believe it said. Nothing heard: the message is dropped.
    """
    metadata = extras.get("metadata") or {}
    if data["role"] != "assistant" or not metadata.get("interrupted") or data.get("tool_calls"):
        return data
    text = message_text(data.get("content")).strip()
    return {**data, "content": text} if text else None


def build_turn(request: ChatRequest, headers: Mapping[str, str]) -> Turn:
    messages: list[dict[str, Any]] = []
    extras: dict[int, dict[str, Any]] = {}
    for index, message in enumerate(request.messages):
        data, kept = clean_message(message)
        if kept:
            extras[index] = kept
        spoken = heard(data, kept)
        if spoken is not None:
            messages.append(spoken)
    params = {name: getattr(request, name) for name in PASSTHROUGH if getattr(request, name) is not None}
    return Turn(
        messages=messages,
        model=request.model or settings.OPENAI_MODEL,
        stream=request.stream,
        identity=resolve_identity(request, headers),
        params=params,
        turn_id=request.turn_id,
        interruptable=request.interruptable,
        extras=extras,
        system_prompt=settings.SYSTEM_PROMPT,
    )
