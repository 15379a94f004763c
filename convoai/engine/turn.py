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

from convoai.engine.state import Turn
from convoai.engine.events import Event, Finished, TextDelta, ToolCall, ToolsRunning, Usage
from convoai.engine.prompt import build_system_prompt
from convoai.engine.upstream import Upstream, get_upstream
from rag.query import retrieval_query
from rag.retriever import aretrieve
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


def _filler_delay(turn: Turn, calls: list[ToolCall], spoken: list[str]) -> float | None:
    """Seconds to wait before the spoken filler, or None when no filler fits this round.

    Only streaming turns get one (a JSON answer is not spoken while it is built), and only when
    the model said nothing this round: its own words already tell the caller something is going on.
    """
    if not turn.stream or not settings.TOOL_FILLER_TEXT or "".join(spoken).strip():
        return None
    if any(getattr(registry.get(call.name), "slow", False) for call in calls):
        return 0.0
    return settings.TOOL_FILLER_AFTER_MS / 1000


async def run_turn(turn: Turn, upstream: Upstream | None = None) -> AsyncIterator[Event]:
    # Retrieval is bounded by RAG_TIMEOUT_MS and never raises. It is awaited in place, not as a
    # task beside the rest: nothing else here waits, and a task would put the turn at the back
    # of the event loop's queue twice (to start it and to resume after it), milliseconds each
    # when many streams share the loop.
    timings = turn.timings
    retrieval = await aretrieve(retrieval_query(turn.messages))
    upstream = upstream or get_upstream()
    tools = registry.available()
    timings.context_ms = timings.now()
    timings.knowledge = not retrieval.used_fallback
    turn.system_prompt = build_system_prompt(turn.system_prompt, retrieval.context)
    conversation: list[dict[str, Any]] = [{"role": "system", "content": turn.system_prompt}, *turn.messages]
    usage = Usage()
    round_no = 0
    while True:
        tool_choice = "auto" if round_no < settings.MAX_TOOL_ROUNDS else "none"
        calls: list[ToolCall] = []
        spoken: list[str] = []
        finished = Finished()
        round_started = timings.now()
        async for event in upstream.events(turn, conversation, tools or None, tool_choice):
            if isinstance(event, TextDelta):
                timings.mark_first_token()
                spoken.append(event.text)
                yield event
            elif isinstance(event, ToolCall):
                calls.append(event)
            elif isinstance(event, Finished):
                finished = event
        timings.upstream_ms += timings.now() - round_started
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
        timings.tool_rounds += 1
        timings.tool_calls.extend(call.name for call in calls)
        tools_started = timings.now()
        work = asyncio.ensure_future(registry.run_tools(calls, ctx))
        try:
            delay = _filler_delay(turn, calls, spoken)
            if delay is not None:
                done, _ = await asyncio.wait({work}, timeout=delay)
                if not done:
                    spoken.append(settings.TOOL_FILLER_TEXT)
                    yield TextDelta(settings.TOOL_FILLER_TEXT)
            results = await work
        finally:
            # The caller hung up: cancel what has not finished. Work already committed by a
            # tool (a database write in its thread) completes and stays committed.
            if not work.done():
                work.cancel()
            timings.tools_ms += timings.now() - tools_started
        conversation.append(_assistant_tool_message("".join(spoken), calls))
        conversation.extend(_tool_result_message(call, result) for call, result in zip(calls, results))
