"""Fault injection (issue 7, item 3): a dependency fails in the middle of a caller's turn.

Each test asserts what a caller would notice: the documented answer (or error shape), a stream
that ends with [DONE], no hang (generous client timeouts act as hang detectors, never as speed
assertions) and no lost record. Upstream 500/429/timeout/reset/malformed are in
tests/test_upstream_faults.py; a stalled Pinecone in tests/test_rag_chat.py.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Iterator

import httpx
import orjson
import pytest
from asgiref.sync import SyncToAsync
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.backends.base.base import BaseDatabaseWrapper
from pydantic import BaseModel

from support.demo import demo_data_load
from support.models import Ticket
from tests.doubles.openai_server import Reply, ToolCallSpec
from tests.doubles.pinecone_server import API_KEY, PineconeDouble
from tests.doubles.serve import ServerThread, free_port
from tests.fuzz_support import assert_error_shape
from tests.rag_support import fresh_store  # noqa: F401  (fixture)
from tests.sse import chat, spoken
from tools import registry

pytestmark = pytest.mark.django_db(transaction=True)

HANG_DETECTOR = httpx.Timeout(30.0)  # far beyond any bound under test: only a hang trips it
ASK = {"role": "user", "content": "When will my refund arrive?"}


def _tool_results(openai_double: Any) -> list[Any]:
    return [
        orjson.loads(m["content"])
        for request in openai_double.model_requests
        for m in request["json"]["messages"]
        if m.get("role") == "tool"
    ]


def _system_prompt(openai_double: Any) -> str:
    first = openai_double.model_requests[-1]["json"]["messages"][0]
    assert first["role"] == "system"
    return first["content"]


def _no_error_frames(evts: list[Any]) -> None:
    assert evts and evts[-1] == "[DONE]", evts[-3:]
    assert not [e for e in evts if isinstance(e, dict) and "error" in e]


# --- Pinecone down during a chat turn ----------------------------------------------------------


@pytest.fixture
def pinecone_down(request: pytest.FixtureRequest, settings: Any, fresh_store: None) -> Iterator[str]:
    """Pinecone refusing connections, or answering 500 to every call."""
    settings.PINECONE_API_KEY = API_KEY
    settings.RAG_STORE = "pinecone"
    settings.RAG_TIMEOUT_MS = 5000  # the failure, not the budget, is under test
    if request.param == "refused":
        settings.PINECONE_HOST = f"http://127.0.0.1:{free_port()}"
        yield request.param
        return
    double = PineconeDouble()
    double.fail_with = 500
    with ServerThread(double) as server:
        settings.PINECONE_HOST = server.url
        yield request.param
    assert double.paths() and set(double.paths()) == {"/query"}, double.paths()  # asked (the SDK retries), failed


@pytest.mark.parametrize("pinecone_down", ["refused", "500"], indirect=True)
@pytest.mark.parametrize("stream", [True, False])
def test_pinecone_down_the_turn_answers_with_the_fallback_context(http, openai_double, pinecone_down, settings, stream) -> None:
    openai_double.queue(Reply(text="Refunds usually take a few days."))
    if stream:
        response, evts = chat(http, {"messages": [ASK]}, timeout=HANG_DETECTOR)
        assert response.status_code == 200
        _no_error_frames(evts)
        assert spoken(evts) == "Refunds usually take a few days."
    else:
        response = http.post("/v1/chat/completions", json={"messages": [ASK]}, timeout=HANG_DETECTOR)
        assert response.status_code == 200, response.text
        assert response.json()["choices"][0]["message"]["content"] == "Refunds usually take a few days."
    assert _system_prompt(openai_double).endswith(settings.RAG_FALLBACK_TEXT)


# --- the database unavailable during a tool call --------------------------------------------------


def _on_tool_thread(fn: Callable[[], None]) -> None:
    """Run `fn` on the thread where the service runs the tools' database work.

    The chat handler runs thread-sensitive work on asgiref's one shared sync thread (see
    convoai/asgi.py); the test's own connection, on this thread, is left alone.
    """
    SyncToAsync.single_thread_executor.submit(fn).result(timeout=10)


@pytest.fixture
def break_tool_database(settings: Any) -> Iterator[Callable[[], None]]:
    """Returns `break_it()`: from then on the tools' connection cannot reach the database.

    PostgreSQL: the connection points at a port where nothing listens (connection refused).
    SQLite: at a file that cannot be opened. Only that thread's connection object is changed;
    the fixture puts it back, so the test can then check what the database holds.
    """
    saved: dict[str, Any] = {}

    def break_it() -> None:
        def apply() -> None:
            conn = connections["default"]
            saved["settings"] = conn.settings_dict
            BaseDatabaseWrapper.close(conn)  # SQLite's close() keeps an in-memory database open
            broken = dict(conn.settings_dict)
            if conn.vendor == "sqlite":
                broken["NAME"] = "/nonexistent-directory/convoai.sqlite3"
            else:
                broken["HOST"], broken["PORT"] = "127.0.0.1", str(free_port())
            conn.settings_dict = broken

        _on_tool_thread(apply)

    yield break_it

    def restore() -> None:
        if "settings" in saved:
            conn = connections["default"]
            BaseDatabaseWrapper.close(conn)
            conn.settings_dict = saved["settings"]

    _on_tool_thread(restore)


@pytest.mark.parametrize("stream", [True, False])
def test_database_down_during_a_tool_call(http, openai_double, break_tool_database, stream) -> None:
    demo_data_load()
    before = set(Ticket.objects.values_list("pk", flat=True))
    # Turn 1, database up: a ticket is created.
    openai_double.queue(
        Reply(tool_calls=[ToolCallSpec("create_support_ticket", {
            "subject": "Charger missing", "description": "Not in the box.", "customerEmail": "alice.martin@example.com",
        })]),
        Reply(text="Ticket opened."),
    )
    response, evts = chat(http, {"messages": [{"role": "user", "content": "My charger is missing."}]}, timeout=HANG_DETECTOR)
    _no_error_frames(evts)
    created = Ticket.objects.get(subject="Charger missing")
    reference = created.short_id.upper()

    # Turn 2, database down: the model reads that ticket and tries to open another.
    break_tool_database()
    openai_double.reset()
    openai_double.queue(
        Reply(tool_calls=[
            ToolCallSpec("get_ticket_details", {"ticketId": reference}),
            ToolCallSpec("create_support_ticket", {"subject": "Second", "description": "Again.", "customerEmail": "alice.martin@example.com"}),
        ]),
        Reply(text="Sorry, I cannot reach our records right now."),
    )
    body = {"messages": [{"role": "user", "content": f"What is the status of {reference}? And open another one."}]}
    if stream:
        response, evts = chat(http, body, timeout=HANG_DETECTOR)
        assert response.status_code == 200
        _no_error_frames(evts)
        assert spoken(evts).endswith("Sorry, I cannot reach our records right now.")
    else:
        response = http.post("/v1/chat/completions", json=body, timeout=HANG_DETECTOR)
        assert response.status_code == 200, response.text
        assert response.json()["choices"][0]["message"]["content"] == "Sorry, I cannot reach our records right now."
    results = _tool_results(openai_double)
    assert len(results) == 2
    for result in results:
        assert set(result) == {"error"} and "OperationalError" in result["error"], result
    # Nothing lost, nothing half-written: the demo tickets and the first turn's, and only those.
    assert set(Ticket.objects.values_list("pk", flat=True)) == before | {created.pk}
    assert Ticket.objects.get(pk=created.pk).description == "Not in the box."


def test_a_connection_dropped_by_the_database_is_replaced_before_the_next_tool(http, openai_double) -> None:
    """The database ends the tools' connection between turns (a restart, an idle timeout): the
    next tool call gets a fresh connection instead of failing (`convoai.db_thread`)."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("ending another session's connection is a PostgreSQL operation")
    demo_data_load()
    lookup = ToolCallSpec("fetch_customer_profile", {"customerEmail": "alice.martin@example.com"})
    openai_double.queue(Reply(tool_calls=[lookup]), Reply(text="Found you."))
    chat(http, {"messages": [{"role": "user", "content": "Who am I?"}]}, timeout=HANG_DETECTOR)
    pids: list[int] = []
    _on_tool_thread(lambda: pids.append(connections["default"].connection.info.backend_pid))
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pids[0]])

    openai_double.reset()
    openai_double.queue(Reply(tool_calls=[lookup]), Reply(text="Found you again."))
    response, evts = chat(http, {"messages": [{"role": "user", "content": "Who am I?"}]}, timeout=HANG_DETECTOR)
    assert spoken(evts) == "Found you again."
    [result] = _tool_results(openai_double)
    assert "error" not in result and result["email"] == "alice.martin@example.com", result


@pytest.mark.parametrize("max_age", [300, 0])
def test_tool_calls_reuse_the_database_connection(http, openai_double, settings, max_age) -> None:
    """Consecutive tool calls share one database session (no new PostgreSQL session, TLS
    handshake included, per tool call), unless CHAT_DB_CONN_MAX_AGE is 0."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("the test run's in-memory SQLite database is never closed, so never reopened")
    settings.CHAT_DB_CONN_MAX_AGE = max_age
    demo_data_load()
    lookup = ToolCallSpec("fetch_customer_profile", {"customerEmail": "alice.martin@example.com"})
    opened: list[str] = []

    def count(sender: Any, connection: Any, **kwargs: Any) -> None:
        opened.append(connection.alias)

    for turn in range(3):
        openai_double.reset()
        openai_double.queue(Reply(tool_calls=[lookup]), Reply(text="Found you."))
        _, evts = chat(http, {"messages": [{"role": "user", "content": "Who am I?"}]}, timeout=HANG_DETECTOR)
        assert spoken(evts) == "Found you."
        assert "error" not in _tool_results(openai_double)[0]
        if turn == 0:
            connection_created.connect(count)
    connection_created.disconnect(count)
    if max_age:
        assert opened == []
    else:
        assert len(opened) >= 2, opened


# --- a tool that hangs --------------------------------------------------------------------------


class _NoArgs(BaseModel):
    pass


@pytest.fixture
def hanging_tool() -> Iterator[str]:
    name = "check_warehouse_feed"

    async def hang(ctx: Any, args: _NoArgs) -> Any:
        await asyncio.sleep(3600)

    registry.register(registry.Tool(name=name, description="Read the warehouse feed.", args=_NoArgs, fn=hang))
    yield name
    registry.unregister(name)


def test_a_hanging_tool_is_bounded(http, openai_double, hanging_tool, settings) -> None:
    settings.TOOL_FILLER_TEXT = ""
    settings.TOOL_TIMEOUT_MS = 300
    openai_double.queue(Reply(tool_calls=[ToolCallSpec(hanging_tool, {})]), Reply(text="The feed is not answering."))
    # Expected once a tool timeout exists: the tool's result is an error, the model answers.
    response, evts = chat(http, {"messages": [ASK]}, timeout=httpx.Timeout(5.0))
    _no_error_frames(evts)
    assert spoken(evts) == "The feed is not answering."
    assert "error" in _tool_results(openai_double)[0]


# --- upstream slow mid-stream beyond OPENAI_TIMEOUT -----------------------------------------------


def test_upstream_silent_mid_stream_ends_with_a_timeout_frame_and_done(http, openai_double, settings) -> None:
    settings.OPENAI_TIMEOUT = 0.5
    openai_double.queue(Reply(text="one two three four", fault="hang", fault_after=2))
    response, evts = chat(http, {"messages": [ASK]}, timeout=HANG_DETECTOR)
    assert response.status_code == 200
    assert spoken(evts) == "one two "
    assert evts[-1] == "[DONE]"
    error = evts[-2]["error"]
    assert (error["type"], error["code"]) == ("timeout", "upstream_timeout") and error["message"]


def test_upstream_silent_before_a_json_answer_is_504(http, openai_double, settings) -> None:
    settings.OPENAI_TIMEOUT = 0.5
    openai_double.queue(Reply(text="too late", first_token_delay=20))
    error = assert_error_shape(http.post("/v1/chat/completions", json={"messages": [ASK]}, timeout=HANG_DETECTOR), server_error=True)
    assert (error["type"], error["code"]) == ("timeout", "upstream_timeout")
