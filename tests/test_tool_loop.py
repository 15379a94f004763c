"""Issue 3: the tool loop over {Chat, Responses} x {stream, JSON} x every tool scenario.

Each cell must give the caller the same answer shape (text only, never tool deltas) and the
upstream a well-formed conversation (the double rejects a call without its result).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import httpx
import orjson
import pytest
from pydantic import BaseModel

from tests.doubles.openai_server import Reply, ToolCallSpec
from tests.sse import events, spoken
from tools import registry
from tools.registry import Tool, ToolContext, ToolError

LOG: list[tuple[str, str, float]] = []
LOCK = threading.Lock()


class AddArgs(BaseModel):
    a: int
    b: int


class NapArgs(BaseModel):
    label: str
    seconds: float = 0.0


class Empty(BaseModel):
    pass


async def _add(ctx: ToolContext, args: AddArgs) -> dict[str, Any]:
    return {"sum": args.a + args.b}


async def _nap(ctx: ToolContext, args: NapArgs) -> dict[str, Any]:
    with LOCK:
        LOG.append(("start", args.label, time.monotonic()))
    await asyncio.sleep(args.seconds)
    with LOCK:
        LOG.append(("end", args.label, time.monotonic()))
    return {"label": args.label}


async def _whoami(ctx: ToolContext, args: Empty) -> dict[str, Any]:
    return {**ctx.identity.as_dict(), "turn_id": ctx.turn_id, "messages_seen": len(ctx.messages)}


async def _explode(ctx: ToolContext, args: Empty) -> None:
    raise RuntimeError("database on fire")


async def _missing(ctx: ToolContext, args: Empty) -> None:
    raise ToolError("Ticket T-404 not found.")


TEST_TOOLS = [
    Tool("add", "Add two integers.", AddArgs, _add),
    Tool("nap", "Wait a little.", NapArgs, _nap),
    Tool("whoami", "Who is calling.", Empty, _whoami),
    Tool("explode", "Always fails.", Empty, _explode),
    Tool("missing", "Always not found.", Empty, _missing),
]


@pytest.fixture(autouse=True)
def test_tools():
    saved = dict(registry._registry)
    registry._registry.clear()
    for definition in TEST_TOOLS:
        registry.register(definition)
    LOG.clear()
    yield
    registry._registry.clear()
    registry._registry.update(saved)


@pytest.fixture(params=["chat", "responses"])
def api(request, settings, openai_double):
    settings.USE_RESPONSES_API = request.param == "responses"
    settings.TOOL_FILLER_AFTER_MS = 60_000  # no filler unless a test asks for one
    return request.param


@pytest.fixture(params=[True, False], ids=["stream", "json"])
def stream(request):
    return request.param


USER = {"role": "user", "content": "Please help"}


def ask(http: httpx.Client, stream: bool, body: dict[str, Any] | None = None) -> tuple[str, str]:
    """(spoken text, finish_reason) — checking the answer's shape on the way."""
    body = {"messages": [USER], **(body or {}), "stream": stream}
    if not stream:
        r = http.post("/v1/chat/completions", json=body)
        assert r.status_code == 200, r.text
        data = r.json()
        assert data["object"] == "chat.completion"
        message = data["choices"][0]["message"]
        assert message["role"] == "assistant" and "tool_calls" not in message
        return message["content"], data["choices"][0]["finish_reason"]
    with http.stream("POST", "/v1/chat/completions", json=body) as r:
        assert r.status_code == 200, r.read()
        evts = events(r)
    assert evts[-1] == "[DONE]"
    for e in evts[:-1]:
        assert "error" not in e, e
        for choice in e.get("choices", []):
            assert set(choice["delta"]) <= {"role", "content"}, choice  # never a tool delta
    return spoken(evts), evts[-2]["choices"][0]["finish_reason"]


def tool_outputs(request: dict[str, Any]) -> list[tuple[str, Any]]:
    """(call id, parsed result) of every tool result in an upstream request, either API."""
    body = request["json"]
    if request["path"] == "/v1/responses":
        return [(i["call_id"], orjson.loads(i["output"])) for i in body["input"] if i.get("type") == "function_call_output"]
    return [(m["tool_call_id"], orjson.loads(m["content"])) for m in body["messages"] if m["role"] == "tool"]


def offered_tools(request: dict[str, Any]) -> list[str]:
    specs = request["json"].get("tools", [])
    return [s["name"] if "name" in s else s["function"]["name"] for s in specs]


def call(name: str, arguments: Any = None, call_id: str | None = None) -> ToolCallSpec:
    return ToolCallSpec(name, {} if arguments is None else arguments, call_id)


# --- the matrix ---------------------------------------------------------------------------


def test_no_tool(http, openai_double, api, stream):
    openai_double.queue(Reply(text="Plain answer."))
    assert ask(http, stream) == ("Plain answer.", "stop")
    (request,) = openai_double.model_requests
    assert sorted(offered_tools(request)) == ["add", "explode", "missing", "nap", "whoami"]
    assert tool_outputs(request) == []


def test_one_tool(http, openai_double, api, stream):
    openai_double.queue(Reply(tool_calls=[call("add", {"a": 2, "b": 3}, "c1")]), Reply(text="It is five."))
    assert ask(http, stream) == ("It is five.", "stop")
    first, second = openai_double.model_requests
    assert tool_outputs(second) == [("c1", {"sum": 5})]


def test_two_parallel_tools_run_concurrently(http, openai_double, api, stream):
    openai_double.queue(
        Reply(tool_calls=[call("nap", {"label": "a", "seconds": 0.3}, "ca"), call("nap", {"label": "b", "seconds": 0.3}, "cb")]),
        Reply(text="Both done."),
    )
    assert ask(http, stream) == ("Both done.", "stop")
    assert tool_outputs(openai_double.model_requests[1]) == [("ca", {"label": "a"}), ("cb", {"label": "b"})]
    starts = [t for kind, _, t in LOG if kind == "start"]
    ends = [t for kind, _, t in LOG if kind == "end"]
    assert len(starts) == 2 and max(starts) < min(ends)  # the second began before the first ended


def test_two_sequential_rounds(http, openai_double, api, stream):
    openai_double.queue(
        Reply(tool_calls=[call("add", {"a": 1, "b": 2}, "r1")]),
        Reply(tool_calls=[call("add", {"a": 3, "b": 4}, "r2")]),
        Reply(text="Three then seven."),
    )
    assert ask(http, stream) == ("Three then seven.", "stop")
    assert len(openai_double.model_requests) == 3
    assert tool_outputs(openai_double.model_requests[2]) == [("r1", {"sum": 3}), ("r2", {"sum": 7})]


@pytest.mark.parametrize(
    "spec, expected",
    [
        (call("explode"), "explode failed"),
        (call("missing"), "Ticket T-404 not found."),
        (call("no_such_tool"), "Unknown tool 'no_such_tool'"),
        (ToolCallSpec("add", '{"a": 1, "b":'), "not valid JSON"),
        (call("add", {"a": "one", "b": 2}), "Invalid arguments: a:"),
        (call("add", {"a": 1}), "Invalid arguments: b: Field required"),
        (ToolCallSpec("add", "[1, 2]"), "must be a JSON object"),
    ],
    ids=["failing", "tool-error", "unknown", "bad-json", "bad-type", "missing-arg", "not-object"],
)
def test_tool_problems_become_error_results(http, openai_double, api, stream, spec, expected):
    spec.call_id = "bad"
    openai_double.queue(Reply(tool_calls=[spec]), Reply(text="Sorry, that did not work."))
    assert ask(http, stream) == ("Sorry, that did not work.", "stop")
    ((call_id, result),) = tool_outputs(openai_double.model_requests[1])
    assert call_id == "bad"
    assert set(result) == {"error"} and expected in result["error"]
    assert "database on fire" not in result["error"]  # internals stay in the log


def test_round_limit_then_the_model_answers_without_tools(http, openai_double, api, stream, settings):
    settings.MAX_TOOL_ROUNDS = 2
    openai_double.queue(
        Reply(tool_calls=[call("add", {"a": 1, "b": 1})]),
        Reply(tool_calls=[call("add", {"a": 2, "b": 2})]),
        Reply(text="Here is what I found."),
    )
    assert ask(http, stream) == ("Here is what I found.", "stop")
    requests = openai_double.model_requests
    assert len(requests) == 3
    assert [r["json"].get("tool_choice") for r in requests] == ["auto", "auto", "none"]
    assert len(tool_outputs(requests[2])) == 2


def test_text_before_a_tool_call_is_spoken_and_kept(http, openai_double, api, stream):
    openai_double.queue(Reply(text="Let me look. ", tool_calls=[call("add", {"a": 1, "b": 1}, "t")]), Reply(text="Two."))
    assert ask(http, stream) == ("Let me look. Two.", "stop")
    second = openai_double.model_requests[1]["json"]
    history = second.get("messages") or second.get("input")
    assert any(m.get("role") == "assistant" and m.get("content") == "Let me look. " for m in history)


def test_tools_receive_the_caller_identity(http, openai_double, api, stream):
    openai_double.queue(Reply(tool_calls=[call("whoami", {}, "w")]), Reply(text="Got it."))
    body = {"context": {"appId": "app-1", "userId": "1001", "channel": "room-9"}, "turn_id": 4}
    ask(http, stream, body)
    ((_, result),) = tool_outputs(openai_double.model_requests[1])
    assert result["app_id"] == "app-1" and result["user_id"] == "1001" and result["channel"] == "room-9"
    assert result["turn_id"] == 4 and result["messages_seen"] >= 2


def test_disconnect_mid_tool_starts_no_further_round(service_url, openai_double, api, stream):
    openai_double.queue(Reply(tool_calls=[call("nap", {"label": "slow", "seconds": 1.0})]), Reply(text="never spoken"))
    host, port = service_url.removeprefix("http://").split(":")
    body = orjson.dumps({"messages": [USER], "stream": stream})
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-llm-key\r\n"
            b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        # Hang up while the tool is running (however long the machine took to get there).
        deadline = time.monotonic() + 10
        while ("start", "slow") not in [(k, label) for k, label, _ in LOG] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ("start", "slow") in [(k, label) for k, label, _ in LOG]
    time.sleep(1.5)  # past the tool's end: a second round would have started by now
    assert len(openai_double.model_requests) == 1  # the caller was gone: no second round


# --- no dead air ----------------------------------------------------------------------------


def test_filler_is_spoken_while_a_slow_tool_runs(http, openai_double, settings):
    settings.TOOL_FILLER_AFTER_MS = 100
    settings.TOOL_FILLER_TEXT = "One moment. "
    openai_double.queue(Reply(tool_calls=[call("nap", {"label": "x", "seconds": 0.6}, "n")]), Reply(text="Done."))
    assert ask(http, True) == ("One moment. Done.", "stop")
    history = openai_double.model_requests[1]["json"]["messages"]
    assert history[-2]["role"] == "assistant" and history[-2]["content"] == "One moment. "


def test_no_filler_for_fast_tools_json_answers_or_when_the_model_spoke(http, openai_double, settings):
    settings.TOOL_FILLER_AFTER_MS = 300
    openai_double.queue(Reply(tool_calls=[call("add", {"a": 1, "b": 1})]), Reply(text="Fast."))
    assert ask(http, True) == ("Fast.", "stop")
    openai_double.queue(Reply(tool_calls=[call("nap", {"label": "y", "seconds": 0.5})]), Reply(text="Slow JSON."))
    assert ask(http, False) == ("Slow JSON.", "stop")
    openai_double.queue(Reply(text="Checking. ", tool_calls=[call("nap", {"label": "z", "seconds": 0.5})]), Reply(text="Ok."))
    assert ask(http, True) == ("Checking. Ok.", "stop")


def test_slow_tools_get_the_filler_at_once(http, openai_double, settings):
    settings.TOOL_FILLER_AFTER_MS = 60_000
    registry.register(Tool("slow_add", "Add slowly.", AddArgs, _add, slow=True))
    openai_double.queue(Reply(tool_calls=[call("slow_add", {"a": 1, "b": 1})]), Reply(text="Two."))
    text, _ = ask(http, True)
    assert text == settings.TOOL_FILLER_TEXT + "Two."
