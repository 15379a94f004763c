"""Contract §5: upstream failures before and after the stream began; disconnects."""

import time

import httpx
import openai
import pytest

from tests.doubles.openai_server import Reply
from tests.doubles.serve import free_port
from tests.service_process import wait_for
from tests.sse import chat, spoken

BODY = {"messages": [{"role": "user", "content": "hello"}]}


@pytest.mark.parametrize("stream", [True, False])
def test_upstream_500_is_502(http, openai_double, stream):
    openai_double.queue(Reply(status=500, error_message="kaboom"))
    r = http.post("/v1/chat/completions", json={**BODY, "stream": stream})
    assert r.status_code == 502
    assert r.json()["error"]["type"] == "upstream_error"
    assert "kaboom" in r.json()["error"]["message"]


def test_upstream_429_keeps_retry_after(http, openai_double):
    openai_double.queue(Reply(status=429, error_message="slow down", headers={"Retry-After": "7"}))
    r = http.post("/v1/chat/completions", json={**BODY, "stream": True})
    assert r.status_code == 429
    assert r.headers["retry-after"] == "7"
    assert r.json()["error"]["type"] == "rate_limit_error"


def test_timeout_before_first_token_is_504(http, openai_double, settings):
    settings.OPENAI_TIMEOUT = 0.3
    openai_double.queue(Reply(text="too late", first_token_delay=3))
    started = time.monotonic()
    r = http.post("/v1/chat/completions", json={**BODY, "stream": True})
    assert r.status_code == 504
    assert r.json()["error"]["code"] == "upstream_timeout"
    assert time.monotonic() - started < 3  # answered at the timeout, not when the upstream woke up


def test_unreachable_upstream_is_503(http, settings):
    settings.OPENAI_BASE_URL = f"http://127.0.0.1:{free_port()}/v1"
    settings.OPENAI_API_KEY = "k"
    r = http.post("/v1/chat/completions", json=BODY)
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "upstream_unreachable"


def test_unconfigured_upstream_is_503_naming_the_setting(http):
    r = http.post("/v1/chat/completions", json={**BODY, "stream": True})
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "upstream_not_configured"
    assert "OPENAI_API_KEY" in r.json()["error"]["message"]


def test_wrong_openai_key_is_502_without_leaking_it(http, openai_double, settings):
    settings.OPENAI_API_KEY = "sk-wrong-secret"
    r = http.post("/v1/chat/completions", json=BODY)
    assert r.status_code == 502
    assert "sk-wrong-secret" not in r.text


@pytest.mark.parametrize("fault", ["reset", "malformed", "error_event", "truncate"])
def test_fault_after_streaming_began_ends_with_error_then_done(http, openai_double, fault):
    openai_double.queue(Reply(text="one two three four", fault=fault, fault_after=2))
    response, evts = chat(http, BODY)
    assert response.status_code == 200
    assert spoken(evts) == "one two "
    assert evts[-1] == "[DONE]"
    error = evts[-2]["error"]
    assert error["type"] in ("upstream_error", "service_unavailable")
    assert error["message"]


def test_official_client_raises_on_mid_stream_error(client, openai_double):
    openai_double.queue(Reply(text="one two three", fault="error_event", fault_after=1))
    stream = client.chat.completions.create(model="m", messages=BODY["messages"], stream=True)
    received = []
    with pytest.raises(openai.APIError):
        for chunk in stream:
            received.append(chunk.choices[0].delta.content if chunk.choices else None)
    assert "one " in received


def test_client_disconnect_closes_the_upstream_stream(service_url, openai_double):
    openai_double.queue(Reply(text=" ".join(["word"] * 200), token_delay=0.05))
    with httpx.Client(base_url=service_url, headers={"Authorization": "Bearer test-llm-key"}) as c:
        with c.stream("POST", "/v1/chat/completions", json={**BODY, "stream": True}) as r:
            for line in r.iter_lines():
                if '"content":"word' in line:
                    break
            assert openai_double.active_streams == 1
    # The caller hung up after the first word: the upstream call is closed long before its
    # 200 tokens (10 s) would have been sent.
    assert wait_for(lambda: openai_double.active_streams == 0 and openai_double.closed_streams == 1)


@pytest.mark.parametrize("status", [400, 404])
def test_upstream_refusal_is_a_400_the_caller_can_fix(http, openai_double, status):
    openai_double.queue(Reply(status=status, error_message="The model `gpt-nope` does not exist"))
    r = http.post("/v1/chat/completions", json={**BODY, "model": "gpt-nope", "stream": True})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == f"upstream_{status}"
    assert "gpt-nope" in r.json()["error"]["message"]
