"""Adapter for OpenAI's Responses API (`USE_RESPONSES_API=true`).

The turn keeps its history as Chat Completions messages; this adapter renders it as Responses
input items (`message`, `function_call`, `function_call_output`, never one flattened string),
sends our system prompt as `instructions`, and maps the semantic stream events back to ours:
`response.output_text.delta` / `response.refusal.delta` -> TextDelta, function-call items ->
ToolCall, `response.completed` / `response.incomplete` -> Finished, `response.failed` / `error`
-> UpstreamError.
"""

from __future__ import annotations

from typing import Any, AsyncIterator

import orjson

from convoai.engine.state import Turn
from convoai.engine.events import Event, Finished, TextDelta, ToolCall, Usage
from convoai.llm.client import open_stream, post_json
from convoai.llm.errors import map_upstream_errors
from convoai.llm.sse import stream_texts
from convoai.errors import UpstreamError

__all__ = ["ResponsesUpstream", "to_input_items"]


def _content(content: Any) -> Any:
    """Chat content parts -> Responses input parts (a plain string stays a string)."""
    if content is None or isinstance(content, str):
        return content or ""
    parts: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type")
        if kind == "text":
            parts.append({"type": "input_text", "text": part.get("text") or ""})
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            parts.append({"type": "input_image", "image_url": url, "detail": "auto"})
        elif part.get("text"):
            parts.append({"type": "input_text", "text": part["text"]})
    return parts


def to_input_items(conversation: list[dict[str, Any]]) -> tuple[str | None, list[dict[str, Any]]]:
    """(instructions, input items) from Chat Completions messages; the first system message is ours."""
    instructions: str | None = None
    items: list[dict[str, Any]] = []
    for index, message in enumerate(conversation):
        role = message["role"]
        if index == 0 and role == "system":
            instructions = message.get("content") or None
            continue
        if role == "tool":
            items.append(
                {"type": "function_call_output", "call_id": message["tool_call_id"], "output": _text(message.get("content"))}
            )
            continue
        content = message.get("content")
        if role == "assistant":
            text = _text(content)
            if text:
                items.append({"type": "message", "role": "assistant", "content": text})
            for call in message.get("tool_calls") or ():
                function = call.get("function") or {}
                items.append(
                    {
                        "type": "function_call",
                        "call_id": call["id"],
                        "name": function.get("name", ""),
                        "arguments": function.get("arguments") or "",
                    }
                )
            continue
        items.append({"type": "message", "role": role, "content": _content(content)})
    return instructions, items


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return " ".join(part.get("text") or "" for part in content if isinstance(part, dict))


def _failure(response: dict[str, Any]) -> UpstreamError:
    message = (response.get("error") or {}).get("message") or "the response failed"
    return UpstreamError(f"The model server reported an error: {message}", code="upstream_failed")


class ResponsesUpstream:
    async def events(
        self,
        turn: Turn,
        conversation: list[dict[str, Any]],
        tools: list[Any] | None,
        tool_choice: str = "auto",
    ) -> AsyncIterator[Event]:
        instructions, items = to_input_items(conversation)
        kwargs: dict[str, Any] = {"model": turn.model, "input": items, "store": False}
        if instructions:
            kwargs["instructions"] = instructions
        params = turn.params
        for name in ("temperature", "top_p", "user"):
            if name in params:
                kwargs[name] = params[name]
        max_tokens = params.get("max_completion_tokens") or params.get("max_tokens")
        if max_tokens:
            kwargs["max_output_tokens"] = max_tokens
        if tools:
            kwargs["tools"] = [tool.responses_spec for tool in tools]
            kwargs["tool_choice"] = tool_choice
        with map_upstream_errors():
            if not turn.stream:
                response = await post_json("/responses", kwargs)
                if response.get("status") == "failed":
                    raise _failure(response)
                output = [item for item in response.get("output") or () if isinstance(item, dict)]
                # The answer is the text of the output_text (and refusal) parts of message items.
                text = "".join(
                    (part.get("text") if part.get("type") == "output_text" else part.get("refusal")) or ""
                    for item in output
                    if item.get("type") == "message"
                    for part in item.get("content") or ()
                    if isinstance(part, dict) and part.get("type") in ("output_text", "refusal")
                )
                if text:
                    yield TextDelta(text)
                for item in output:
                    if item.get("type") == "function_call":
                        yield ToolCall(
                            call_id=item.get("call_id") or item.get("id") or "",
                            name=item.get("name") or "",
                            arguments=item.get("arguments") or "",
                            item_id=item.get("id"),
                        )
                yield Finished(_finish_reason(response), _usage(response.get("usage")), response.get("model"))
                return

            state = _StreamState()
            async with open_stream("/responses", {**kwargs, "stream": True}) as response:
                async for text in stream_texts(response, state.read):
                    yield TextDelta(text)
            if state.finished is None:
                raise UpstreamError("The model server ended the stream before finishing.", code="upstream_truncated")
            for item_id, (call_id, name, parts) in state.calls.items():
                yield ToolCall(call_id=call_id or item_id, name=name, arguments="".join(parts), item_id=item_id)
            yield state.finished


class _StreamState:
    """What a streamed response said besides its text: function calls and how it finished."""

    def __init__(self) -> None:
        self.calls: dict[str, list[Any]] = {}  # item id -> [call_id, name, argument parts]
        self.finished: Finished | None = None

    def read(self, data: bytes) -> str | None:
        """One semantic event: its text delta; the rest is recorded, failures raise."""
        event = orjson.loads(data)
        kind = event.get("type")
        if kind in ("response.output_text.delta", "response.refusal.delta"):
            return event.get("delta")
        if kind in ("response.output_item.added", "response.output_item.done"):
            # The finished item carries the authoritative arguments.
            item = event.get("item") or {}
            if item.get("type") == "function_call":
                self.calls[item["id"]] = [item.get("call_id"), item.get("name", ""), [item.get("arguments") or ""]]
        elif kind == "response.function_call_arguments.delta":
            self.calls.setdefault(event.get("item_id", ""), [None, "", []])[2].append(event.get("delta") or "")
        elif kind in ("response.completed", "response.incomplete"):
            body = event.get("response") or {}
            self.finished = Finished(_finish_reason(body), _usage(body.get("usage")), body.get("model"))
        elif kind == "response.failed":
            raise _failure(event.get("response") or {})
        elif kind == "error":
            raise UpstreamError(f"The model server reported an error: {event.get('message') or 'unknown error'}")
        return None


def _usage(raw: dict[str, Any] | None) -> Usage | None:
    if not raw:
        return None
    return Usage(prompt_tokens=raw.get("input_tokens") or 0, completion_tokens=raw.get("output_tokens") or 0)


def _finish_reason(body: dict[str, Any]) -> str:
    if body.get("status") == "incomplete":
        return "length" if (body.get("incomplete_details") or {}).get("reason") == "max_output_tokens" else "stop"
    return "stop"
