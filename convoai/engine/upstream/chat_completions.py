"""Adapter for OpenAI Chat Completions (the default upstream)."""

from __future__ import annotations

from typing import Any, AsyncIterator

from convoai.engine.context import Turn
from convoai.engine.events import Event, Finished, TextDelta, ToolCall, Usage
from convoai.engine.upstream.client import get_client
from convoai.engine.upstream.errors import map_upstream_errors
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
            kwargs["tools"] = [tool.chat_spec() for tool in tools]
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

            stream = await client.chat.completions.create(
                stream=True, stream_options={"include_usage": True}, **kwargs
            )
            async with stream:
                finish_reason: str | None = None
                usage: Usage | None = None
                model: str | None = None
                # Tool-call fragments, accumulated by index: [id, name, argument parts].
                pending: dict[int, list[Any]] = {}
                async for chunk in stream:
                    model = chunk.model or model
                    if chunk.usage is not None:
                        usage = _usage(chunk.usage)
                    for choice in chunk.choices:
                        delta = choice.delta
                        if delta is not None:
                            if delta.content:
                                yield TextDelta(delta.content)
                            refusal = getattr(delta, "refusal", None)
                            if refusal:
                                yield TextDelta(refusal)
                            for fragment in delta.tool_calls or ():
                                slot = pending.setdefault(fragment.index, [None, "", []])
                                if fragment.id:
                                    slot[0] = fragment.id
                                function = fragment.function
                                if function is not None:
                                    if function.name:
                                        slot[1] += function.name
                                    if function.arguments:
                                        slot[2].append(function.arguments)
                        if choice.finish_reason:
                            finish_reason = choice.finish_reason
            if finish_reason is None:
                raise UpstreamError("The model server ended the stream before finishing.", code="upstream_truncated")
            for index in sorted(pending):
                call_id, name, parts = pending[index]
                yield ToolCall(call_id=call_id or f"call_{index}", name=name, arguments="".join(parts))
            yield Finished(finish_reason, usage, model)
