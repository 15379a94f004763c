"""Issue 7 item 6: every turn's timings in the log, on a record staff can open, and in a header."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import httpx
import pytest

from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from convoai.models import TurnRecord
from tests.rag_support import fresh_store  # noqa: F401  (fixture)
from tests.doubles.openai_server import Reply, ToolCallSpec
from tests.sse import chat, spoken

pytestmark = pytest.mark.django_db(transaction=True)

BODY = {
    "context": {"appId": "app-7", "userId": "caller-42", "channel": "room-1"},
    "turn_id": 12,
    "messages": [{"role": "user", "content": "How long does international shipping take?"}],
}


@pytest.fixture
def sample_kb(fresh_store):
    call_command("ingest_sample_kb", stdout=open("/dev/null", "w"))


@pytest.fixture(autouse=True)
def records_on(settings):
    settings.TURN_RECORDS = True
    settings.TURN_RECORD_FLUSH_MS = 20


def _records(count: int, timeout: float = 5.0) -> list[TurnRecord]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            rows = list(TurnRecord.objects.order_by("created_at"))
        except OperationalError:  # SQLite's shared in-memory test database: the writer holds the table
            rows = []
        if len(rows) >= count:
            return rows
        time.sleep(0.02)
    return list(TurnRecord.objects.order_by("created_at"))


def test_a_streamed_turn_with_a_tool_is_recorded_step_by_step(http, openai_double, caplog, sample_kb):
    openai_double.queue(
        Reply(tool_calls=[ToolCallSpec("fetch_customer_profile", {"customerId": "nobody"})]),
        Reply(text="Seven to fifteen business days."),
    )
    caplog.set_level(logging.INFO, logger="convoai.turns")
    response, evts = chat(http, BODY)
    assert spoken(evts) == "Seven to fifteen business days."
    (row,) = _records(1)
    assert (row.outcome, row.app_id, row.user_id, row.channel, row.turn_id) == ("ok", "app-7", "caller-42", "room-1", "12")
    assert row.api_key and row.stream and row.upstream_api == "chat" and row.finish_reason == "stop"
    assert row.tool_rounds == 1 and row.tool_calls == ["fetch_customer_profile"]
    assert abs(row.created_at - timezone.now()) < timedelta(minutes=1)  # stored as the instant it was
    assert 0 <= row.context_ms <= row.first_token_ms <= row.first_byte_ms <= row.done_ms
    assert row.tools_ms > 0 and row.upstream_ms > 0
    assert row.overhead_ms == pytest.approx(row.done_ms - row.upstream_ms - row.tools_ms, abs=0.05)
    assert row.completion_tokens == 5 and row.messages == 1
    assert row.knowledge  # the sample knowledge base answered
    logged = [r for r in caplog.records if r.name == "convoai.turns"]
    assert logged and logged[-1].first_token_ms == row.first_token_ms
    assert "shipping" not in str(logged[-1].__dict__)  # no prompt text in the log


def test_errors_and_hang_ups_are_recorded(http, service_url, openai_double):
    openai_double.queue(Reply(status=500))
    assert http.post("/v1/chat/completions", json={**BODY, "stream": True}).status_code == 502
    openai_double.queue(Reply(text="one two three", fault="reset", fault_after=1))
    chat(http, BODY)
    openai_double.queue(Reply(text=" ".join(["word"] * 100), token_delay=0.05))
    with httpx.Client(base_url=service_url, headers={"Authorization": "Bearer test-llm-key"}) as c:
        with c.stream("POST", "/v1/chat/completions", json={**BODY, "stream": True}) as r:
            next(r.iter_lines())
    rows = _records(3)
    assert [(r.outcome, r.error_code) for r in rows] == [
        ("error", "upstream_500"),
        ("error", "upstream_unreachable"),
        ("cancelled", ""),
    ]


def test_a_hang_up_while_the_model_thinks_ends_the_turn_at_once(http, service_url, openai_double):
    openai_double.queue(Reply(text="Too late.", first_token_delay=3.0), Reply(text="Still here."))
    with httpx.Client(base_url=service_url, headers={"Authorization": "Bearer test-llm-key"}) as c:
        with pytest.raises(httpx.ReadTimeout):  # the caller gives up before the first byte and hangs up
            c.post("/v1/chat/completions", json={**BODY, "stream": True}, timeout=httpx.Timeout(5, read=0.4))
    (row,) = _records(1)
    assert row.outcome == "cancelled" and row.first_token_ms is None and row.first_byte_ms is None
    assert row.done_ms < 2000  # ended by the hang-up, not when the model would have answered (3 s)
    _, evts = chat(http, BODY)  # and the next caller is served as usual
    assert spoken(evts) == "Still here."
    assert [r.outcome for r in _records(2)] == ["cancelled", "ok"]


def test_json_answers_carry_the_service_overhead(http, openai_double):
    openai_double.queue(Reply(text="Hello.", first_token_delay=0.05))
    r = http.post("/v1/chat/completions", json=BODY)
    assert r.status_code == 200
    overhead = float(r.headers["x-convoai-overhead-ms"])
    timing = dict(part.split(";dur=") for part in r.headers["server-timing"].split(", "))
    assert float(timing["upstream"]) >= 50
    assert overhead == pytest.approx(float(timing["overhead"]), abs=0.1)
    assert overhead < float(timing["total"])
    (row,) = _records(1)
    assert not row.stream and row.overhead_ms == pytest.approx(overhead, abs=0.1)


def test_staff_can_open_the_turn_list_and_a_turn(http, openai_double, admin_client):
    http.post("/v1/chat/completions", json=BODY)
    (row,) = _records(1)
    page = admin_client.get("/admin/convoai/turnrecord/")
    assert page.status_code == 200 and b"caller-42" in page.content
    detail = admin_client.get(f"/admin/convoai/turnrecord/{row.pk}/change/")
    assert detail.status_code == 200 and b"First token" in detail.content and b"room-1" in detail.content
    assert admin_client.post(f"/admin/convoai/turnrecord/{row.pk}/change/", {}).status_code == 403
