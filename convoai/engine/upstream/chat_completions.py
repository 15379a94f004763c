"""Adapter for OpenAI Chat Completions (the default upstream)."""

from __future__ import annotations

from typing import Any, AsyncIterator

import orjson

from convoai.engine.context import Turn
from convoai.engine.events import Event, Finished, TextDelta, ToolCall, Usage
from convoai.engine.upstream.client import get_client, open_stream
from convoai.engine.upstream.errors import map_upstream_errors
from convoai.engine.upstream.sse import sse_events
from convoai.errors import UpstreamError

__all__ = ["ChatCompletionsUpstream"]


def _usage(raw: Any) -> Usage | None:
    if raw is None:
        return None
    return Usage(prompt_tokens=raw.prompt_tokens or 0, completion_tokens=raw.completion_tokens or 0)


class ChatCompletionsUpstream:
    async def events(
        self,
        turn: Turn,
        conversation: list[dict[str, Any]],
        tools: list[Any] | None,
        tool_choice: str = "auto",
    ) -> AsyncIterator[Event]:
        client = get_client()
        kwargs: dict[str, Any] = {"model": turn.model, "messages": conversation, **turn.params}
        if tools:
            kwargs["tools"] = [tool.chat_spec for tool in tools]
            kwargs["tool_choice"] = tool_choice
        with map_upstream_errors():
            if not turn.stream:
                completion = await client.chat.completions.create(**kwargs)
                if not completion.choices:
                    raise UpstreamError("The model server returned no choices.", code="upstream_malformed")
                choice = completion.choices[0]
                message = choice.message
                text = message.content or message.refusal
                if text:
                    yield TextDelta(text)
                for call in message.tool_calls or []:
                    function = getattr(call, "function", None)
                    if function is not None:
                        yield ToolCall(call_id=call.id, name=function.name, arguments=function.arguments or "")
                yield Finished(choice.finish_reason or "stop", _usage(completion.usage), completion.model)
                return

            body = {**kwargs, "stream": True, "stream_options": {"include_usage": True}}
            finish_reason: str | None = None
            usage: Usage | None = None
            model: str | None = None
            # Tool-call fragments, accumulated by index: [id, name, argument parts].
            pending: dict[int, list[Any]] = {}
            async with open_stream("/chat/completions", body) as response:
                async for _, data in sse_events(response):
                    if data == "[DONE]":
                        continue  # read on to the end of the body so the connection is reused
                    chunk = orjson.loads(data)
                    if "error" in chunk:
                        raise UpstreamError(f"The model server reported an error: {_error_message(chunk)}")
                    model = chunk.get("model") or model
                    if chunk.get("usage"):
                        usage = Usage(
                            prompt_tokens=chunk["usage"].get("prompt_tokens") or 0,
                            completion_tokens=chunk["usage"].get("completion_tokens") or 0,
                        )
                    for choice in chunk.get("choices") or ():
                        delta = choice.get("delta") or {}
                        text = delta.get("content") or delta.get("refusal")
                        if text:
                            yield TextDelta(text)
                        for fragment in delta.get("tool_calls") or ():
                            slot = pending.setdefault(fragment.get("index", 0), [None, "", []])
                            if fragment.get("id"):
                                slot[0] = fragment["id"]
                            function = fragment.get("function") or {}
                            if function.get("name"):
                                slot[1] += function["name"]
                            if function.get("arguments"):
                                slot[2].append(function["arguments"])
                        if choice.get("finish_reason"):
                            finish_reason = choice["finish_reason"]
            if finish_reason is None:
                raise UpstreamError("The model server ended the stream before finishing.", code="upstream_truncated")
            for index in sorted(pending):
                call_id, name, parts = pending[index]
                yield ToolCall(call_id=call_id or f"call_{index}", name=name, arguments="".join(parts))
            yield Finished(finish_reason, usage, model)


def _error_message(chunk: dict[str, Any]) -> str:
    error = chunk.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    return "unknown error"
