"""Request ids and JSON log lines, read from the handler the LOGGING setting configures."""

from __future__ import annotations

import io
import json
import logging
from typing import Iterator

import httpx
import pytest


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Redirect the configured console handler (JSON formatter, request-id filter) into a buffer."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler))
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def _records(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_a_sane_request_id_is_echoed_and_a_missing_or_hostile_one_replaced(http):
    assert http.get("/", headers={"X-Request-ID": "lb-7f3a.42"}).headers["X-Request-ID"] == "lb-7f3a.42"
    generated = http.get("/").headers["X-Request-ID"]
    assert len(generated) == 32 and generated != http.get("/").headers["X-Request-ID"]
    hostile = http.get("/", headers={"X-Request-ID": 'x" level=ERROR forged'}).headers["X-Request-ID"]
    assert len(hostile) == 32 and "forged" not in hostile


def test_each_request_logs_one_json_line_with_its_id_and_no_key_or_prompt(http, openai_double, log_lines):
    secret_prompt = "my card number is 4111 1111 1111 1111"
    r = http.post(
        "/v1/chat/completions",
        json={"model": "m", "messages": [{"role": "user", "content": secret_prompt}], "stream": True},
        headers={"X-Request-ID": "call-123"},
    )
    assert r.status_code == 200 and r.headers["X-Request-ID"] == "call-123"

    records = _records(log_lines)
    access = [rec for rec in records if rec["logger"] == "convoai.access"]
    assert len(access) == 1
    line = access[0]
    assert (line["request_id"], line["method"], line["path"], line["status"], line["level"]) == (
        "call-123",
        "POST",
        "/v1/chat/completions",
        200,
        "INFO",
    )
    assert line["api_key"] == "LLM_API_KEY" and line["streaming"] is True and line["duration_ms"] >= 0
    text = log_lines.getvalue()
    assert "test-llm-key" not in text and "4111" not in text


def test_a_failure_inside_the_request_is_logged_with_the_request_id(http, openai_double, log_lines):
    from tests.doubles.openai_server import Reply

    openai_double.queue(Reply(status=500))
    r = http.post("/v1/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
                  headers={"X-Request-ID": "failing-call"})
    assert r.status_code == 502
    warnings = [rec for rec in _records(log_lines) if rec["level"] == "WARNING"]
    assert warnings and {rec["request_id"] for rec in warnings} == {"failing-call"}


def test_health_checks_are_not_logged(http, log_lines):
    assert http.get("/ping").json() == {"message": "pong"}
    assert _records(log_lines) == []
