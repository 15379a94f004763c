"""Contract §3 and §5: every malformed request gets a clear 4xx in OpenAI's shape."""

import pytest

USER = {"role": "user", "content": "hi"}


def _error(r, status):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    assert {"message", "type", "code"} <= set(body["error"])
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize(
    "content, param",
    [
        (b"{not json", None),
        (b"", "messages"),
        (b"[]", None),
        (b'"hello"', None),
        (b"{}", "messages"),
        (b'{"messages": []}', "messages"),
        (b'{"messages": "hi"}', "messages"),
        (b'{"messages": [{"content": "hi"}]}', "messages.0.role"),
        (b'{"messages": [{"role": "robot", "content": "hi"}]}', "messages.0.role"),
        (b'{"messages": [{"role": "user", "content": 42}]}', "messages.0.content"),
        (b'{"messages": [{"role": "user", "content": [{"text": "no type"}]}]}', "messages.0.content"),
        (b'{"messages": [{"role": "user", "content": "hi"}], "temperature": "hot"}', "temperature"),
        (b'{"messages": [{"role": "user", "content": "hi"}], "temperature": 9}', "temperature"),
        (b'{"messages": [{"role": "user", "content": "hi"}], "stream": "maybe"}', "stream"),
        (b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}', "max_tokens"),
        (b'{"messages": [{"role": "user", "content": "hi"}], "stop": ["a","b","c","d","e"]}', "stop"),
    ],
)
def test_malformed_request_is_400(http, openai_double, content, param):
    r = http.post("/v1/chat/completions", content=content, headers={"Content-Type": "application/json"})
    error = _error(r, 400)
    assert error["type"] == "invalid_request_error"
    if param is not None:
        assert error.get("param", "").startswith(param), error
    assert openai_double.requests == []


def test_invalid_json_says_so(http, openai_double):
    r = http.post("/v1/chat/completions", content=b"{oops", headers={"Content-Type": "application/json"})
    assert "JSON" in _error(r, 400)["message"]


def test_body_over_the_limit_is_413(http, openai_double, settings):
    settings.MAX_REQUEST_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = {"messages": [{"role": "user", "content": "x" * 20_000}]}
    error = _error(http.post("/v1/chat/completions", json=big), 413)
    assert error["code"] == "request_too_large"
    assert openai_double.requests == []


def test_unknown_keys_are_accepted_and_not_forwarded(http, openai_double):
    body = {
        "messages": [{"role": "user", "content": "hi", "x_custom": 1}],
        "some_future_field": {"a": 1},
        "tools": [{"type": "function", "function": {"name": "client_tool", "parameters": {}}}],
    }
    r = http.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    sent = openai_double.model_requests[0]["json"]
    assert "some_future_field" not in sent
    assert all(t["function"]["name"] != "client_tool" for t in sent.get("tools", []))


def test_content_parts_and_null_assistant_content_are_accepted(http, openai_double):
    body = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "What is"}, {"type": "text", "text": "Agora?"}]},
            {"role": "assistant", "content": None},
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}, {"type": "text", "text": "and this?"}]},
        ]
    }
    r = http.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    sent = openai_double.model_requests[0]["json"]["messages"]
    assert sent[2]["content"][0]["type"] == "text"
    assert sent[4]["content"][0] == {"type": "image_url", "image_url": {"url": "https://x/y.png"}}
