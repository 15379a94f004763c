"""Helpers for the support tests: run a registered tool the way the turn loop does."""

from __future__ import annotations

from typing import Any

import orjson
from asgiref.sync import async_to_sync

from tools.contract import Identity
from tools.contract import ToolCall
from tools.registry import ToolContext, run_tool

CALLER = Identity(app_id="app-123", user_id="caller-42", channel="support-line-7")


def call_tool(name: str, args: dict[str, Any] | str, *, identity: Identity = CALLER, messages: tuple[dict[str, Any], ...] = ()) -> Any:
    """Run one tool through the registry (validation and error handling included).

    async_to_sync keeps the database work on this thread, inside the test's transaction.
    """
    raw = args if isinstance(args, str) else orjson.dumps(args).decode()
    ctx = ToolContext(identity=identity, turn_id="t1", agent_id="agent-demo", messages=messages)
    return async_to_sync(run_tool)(ToolCall(call_id="call_1", name=name, arguments=raw), ctx)
