"""Adapter for OpenAI Chat Completions (the default upstream)."""

from __future__ import annotations

from typing import Any, AsyncIterator

import orjson

from convoai.engine.state import Turn
from convoai.engine.events import Event, Finished, TextDelta, ToolCall, Usage
from convoai.llm.client import open_stream, post_json
from convoai.llm.errors import map_upstream_errors
from convoai.llm.sse import stream_texts
from convoai.errors import UpstreamError

__all__ = ["ChatCompletionsUpstream"]


def _usage(raw: dict[str, Any] | None) -> Usage | None:
    if not raw:
        return None
    return Usage(prompt_tokens=raw.get("prompt_tokens") or 0, completion_tokens=raw.get("completion_tokens") or 0)


class ChatCompletionsUpstream:
    async def events(
        self,
        turn: Turn,
        conversation: list[dict[str, Any]],
        tools: list[Any] | None,
        tool_choice: str = "auto",
    ) -> AsyncIterator[Event]:
        kwargs: dict[str, Any] = {"model": turn.model, "messages": conversation, **turn.params}
        if tools:
            kwargs["tools"] = [tool.chat_spec for tool in tools]
            kwargs["tool_choice"] = tool_choice
        with map_upstream_errors():
            if not turn.stream:
                completion = await post_json("/chat/completions", kwargs)
                choices = completion.get("choices") or []
                if not choices:
                    raise UpstreamError("The model server returned no choices.", code="upstream_malformed")
                choice = choices[0]
                message = choice.get("message") or {}
                text = message.get("content") or message.get("refusal")
                if text:
                    yield TextDelta(text)
                for index, call in enumerate(message.get("tool_calls") or ()):
                    function = call.get("function")
                    if function:
                        yield ToolCall(
                            call_id=call.get("id") or f"call_{index}",
                            name=function.get("name") or "",
                            arguments=function.get("arguments") or "",
                        )
                yield Finished(choice.get("finish_reason") or "stop", _usage(completion.get("usage")), completion.get("model"))
                return

            body = {**kwargs, "stream": True, "stream_options": {"include_usage": True}}
            state = _StreamState()
            async with open_stream("/chat/completions", body) as response:
                async for text in stream_texts(response, state.read):
                    yield TextDelta(text)
            if state.finish_reason is None:
                raise UpstreamError("The model server ended the stream before finishing.", code="upstream_truncated")
            for index in sorted(state.pending):
                call_id, name, parts = state.pending[index]
                yield ToolCall(call_id=call_id or f"call_{index}", name=name, arguments="".join(parts))
            yield Finished(state.finish_reason, state.usage, state.model)


class _StreamState:
    """What a streamed answer said besides its text: tool calls, finish reason, usage, model."""

    def __init__(self) -> None:
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.model: str | None = None
        # Tool-call fragments, accumulated by index: [id, name, argument parts].
        self.pending: dict[int, list[Any]] = {}

    def read(self, data: bytes) -> str:
        """One `chat.completion.chunk`: its text; the rest is recorded."""
        chunk = orjson.loads(data)
        if "error" in chunk:
            raise UpstreamError(f"The model server reported an error: {_error_message(chunk)}")
        self.model = chunk.get("model") or self.model
        if chunk.get("usage"):
            self.usage = _usage(chunk["usage"])
        texts = []
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            text = delta.get("content") or delta.get("refusal")
            if text:
                texts.append(text)
            for fragment in delta.get("tool_calls") or ():
                slot = self.pending.setdefault(fragment.get("index", 0), [None, "", []])
                if fragment.get("id"):
                    slot[0] = fragment["id"]
                function = fragment.get("function") or {}
                if function.get("name"):
                    slot[1] += function["name"]
                if function.get("arguments"):
                    slot[2].append(function["arguments"])
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        return "".join(texts)


def _error_message(chunk: dict[str, Any]) -> str:
    error = chunk.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    return "unknown error"
