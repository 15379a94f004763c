"""The turn loop, written once for every upstream API and both response modes.

    context (retrieval) -> upstream -> [tools -> upstream]* -> Finished

It yields the events the caller should see: TextDelta as the model speaks, ToolsRunning before a
round of tools, and one Finished at the end. Cancellation (the caller hung up) arrives as
CancelledError/GeneratorExit at a yield or an await; the adapter's `async with` closes the
upstream response, and no further round starts.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator

import orjson
from django.conf import settings

from convoai.engine.context import Turn
from convoai.engine.events import Event, Finished, TextDelta, ToolCall, ToolsRunning, Usage
from convoai.engine.prompt import build_system_prompt
from convoai.engine.upstream import Upstream, get_upstream
from rag.query import retrieval_query
from rag.retriever import retrieve_context
from tools import registry
from tools.registry import ToolContext

__all__ = ["run_turn"]


def _assistant_tool_message(text: str, calls: list[ToolCall]) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": text or None,
        "tool_calls": [
            {"id": call.call_id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
            for call in calls
        ],
    }


def _tool_result_message(call: ToolCall, result: Any) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call.call_id, "content": orjson.dumps(result, default=str).decode()}


async def run_turn(turn: Turn, upstream: Upstream | None = None) -> AsyncIterator[Event]:
    # Retrieval (bounded by RAG_TIMEOUT_MS, never raising) runs while the rest is prepared.
    knowledge_task = asyncio.ensure_future(retrieve_context(retrieval_query(turn.messages)))
    try:
        upstream = upstream or get_upstream()
        tools = registry.available()
        knowledge = await knowledge_task
    finally:
        knowledge_task.cancel()
    turn.system_prompt = build_system_prompt(turn.system_prompt, knowledge)
    conversation: list[dict[str, Any]] = [{"role": "system", "content": turn.system_prompt}, *turn.messages]
    usage = Usage()
    round_no = 0
    while True:
        tool_choice = "auto" if round_no < settings.MAX_TOOL_ROUNDS else "none"
        calls: list[ToolCall] = []
        spoken: list[str] = []
        finished = Finished()
        async for event in upstream.events(turn, conversation, tools or None, tool_choice):
            if isinstance(event, TextDelta):
                spoken.append(event.text)
                yield event
            elif isinstance(event, ToolCall):
                calls.append(event)
            elif isinstance(event, Finished):
                finished = event
        usage.add(finished.usage)
        if not calls or tool_choice == "none":
            yield Finished(finished.finish_reason if not calls else "stop", usage, finished.model)
            return
        round_no += 1
        yield ToolsRunning(tuple(calls))
        ctx = ToolContext(
            identity=turn.identity,
            turn_id=turn.turn_id,
            agent_id=settings.AGENT_ID,
            messages=tuple(conversation),
        )
        results = await registry.run_tools(calls, ctx)
        conversation.append(_assistant_tool_message("".join(spoken), calls))
        conversation.extend(_tool_result_message(call, result) for call, result in zip(calls, results))
