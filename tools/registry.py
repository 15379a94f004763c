"""The tool registry: one definition per tool, rendered in each upstream API's shape.

A tool is a name, a description, a pydantic model for its arguments (its JSON schema is what the
model sees) and an async function `fn(ctx, args) -> JSON-serialisable`. Register with `@tool`:

    class LookupArgs(BaseModel):
        customerId: str

    @tool("fetch_customer_profile", "Look up a customer by id or email.", LookupArgs)
    async def fetch_customer_profile(ctx: ToolContext, args: LookupArgs) -> dict: ...

`run_tool` never raises: an unknown tool, arguments that are not JSON or do not validate, a
`ToolError` or any other failure becomes `{"error": "..."}`, which the model can recover from.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Awaitable, Callable, Iterable

import orjson
from django.conf import settings
from pydantic import BaseModel, ValidationError

from tools.contract import Identity, ToolCall, ToolContext, ToolError

__all__ = ["Tool", "ToolContext", "ToolError", "tool", "register", "unregister", "get", "available", "run_tool", "run_tools"]

log = logging.getLogger(__name__)


ToolFn = Callable[[ToolContext, Any], Awaitable[Any]]


@dataclass(eq=False)
class Tool:
    name: str
    description: str
    args: type[BaseModel]
    fn: ToolFn
    # A slow tool gets a spoken filler before it runs in a streaming turn.
    slow: bool = False

    # The specs are sent on every model call; pydantic's schema generation costs about half a
    # millisecond per tool, so each is built once. Callers must not mutate them.
    @cached_property
    def parameters(self) -> dict[str, Any]:
        schema = self.args.model_json_schema()
        schema.pop("title", None)
        schema.setdefault("properties", {})
        return schema

    @cached_property
    def chat_spec(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    @cached_property
    def responses_spec(self) -> dict[str, Any]:
        return {"type": "function", "name": self.name, "description": self.description, "parameters": self.parameters}


_registry: dict[str, Tool] = {}


def register(definition: Tool) -> Tool:
    _registry[definition.name] = definition
    return definition


def unregister(name: str) -> None:
    _registry.pop(name, None)


def tool(name: str, description: str, args: type[BaseModel], *, slow: bool = False) -> Callable[[ToolFn], ToolFn]:
    def decorate(fn: ToolFn) -> ToolFn:
        register(Tool(name=name, description=description, args=args, fn=fn, slow=slow))
        return fn

    return decorate


def get(name: str) -> Tool | None:
    return _registry.get(name)


def available() -> list[Tool]:
    return list(_registry.values())


def _validation_message(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        problems.append(f"{where}: {error['msg']}")
    return "Invalid arguments: " + "; ".join(problems)


async def run_tool(call: ToolCall, ctx: ToolContext) -> Any:
    definition = _registry.get(call.name)
    if definition is None:
        return {"error": f"Unknown tool {call.name!r}. Available tools: {', '.join(sorted(_registry)) or 'none'}."}
    try:
        raw = orjson.loads(call.arguments) if call.arguments.strip() else {}
    except orjson.JSONDecodeError as exc:
        return {"error": f"Arguments for {call.name} are not valid JSON: {exc}"}
    if not isinstance(raw, dict):
        return {"error": f"Arguments for {call.name} must be a JSON object."}
    try:
        args = definition.args.model_validate(raw)
    except ValidationError as exc:
        return {"error": _validation_message(exc)}
    try:
        # A hung tool must not hold the call: past TOOL_TIMEOUT_MS the model hears it failed.
        # (Work already handed to a database thread finishes there; only the wait ends.)
        return await asyncio.wait_for(definition.fn(ctx, args), settings.TOOL_TIMEOUT_MS / 1000)
    except asyncio.TimeoutError:
        log.warning("tool %s timed out after %s ms", call.name, settings.TOOL_TIMEOUT_MS)
        return {"error": f"{call.name} did not answer in time. Tell the caller and offer another way to help."}
    except ToolError as exc:
        return {"error": str(exc)}
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the model must hear about it; the turn must go on
        log.exception("tool %s failed", call.name)
        return {"error": f"{call.name} failed: {type(exc).__name__}. Tell the caller and offer another way to help."}


async def run_tools(calls: Iterable[ToolCall], ctx: ToolContext) -> list[Any]:
    """Run a round of calls concurrently; results in the order of the calls."""
    return list(await asyncio.gather(*(run_tool(call, ctx) for call in calls)))
