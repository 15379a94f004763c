"""Issue 3: the Responses API path gives the caller exactly what Chat Completions gives."""

import pytest

from tests.doubles.openai_server import Reply, ToolCallSpec
from tests.sse import chat, spoken


@pytest.fixture(autouse=True)
def responses_api(settings, openai_double):
    settings.USE_RESPONSES_API = True
    settings.SYSTEM_PROMPT = "You are the ACME agent."


HISTORY = [
    {"role": "system", "content": "Convo AI system message."},
    {"role": "assistant", "content": "Hi, how can I help?", "turn_id": 1, "metadata": {"source": "greeting"}},
    {"role": "user", "content": [{"type": "text", "text": "Where is"}, {"type": "text", "text": "my order?"}]},
]


def test_history_goes_as_items_and_our_prompt_as_instructions(http, openai_double):
    openai_double.queue(Reply(text="On its way."))
    response, evts = chat(http, {"messages": HISTORY, "temperature": 0.3, "max_tokens": 40, "stop": ["x"], "seed": 1})
    assert spoken(evts) == "On its way." and evts[-1] == "[DONE]"
    (request,) = openai_double.model_requests
    sent = request["json"]
    assert request["path"] == "/v1/responses"
    assert sent["instructions"].startswith("You are the ACME agent.")
    assert sent["input"] == [
        {"type": "message", "role": "system", "content": "Convo AI system message."},
        {"type": "message", "role": "assistant", "content": "Hi, how can I help?"},
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "Where is"}, {"type": "input_text", "text": "my order?"}],
        },
    ]
    assert sent["temperature"] == 0.3 and sent["max_output_tokens"] == 40
    assert "stop" not in sent and "seed" not in sent and "messages" not in sent  # not Responses parameters
    assert all(set(t) >= {"type", "name", "parameters"} and "function" not in t for t in sent.get("tools", []))


def test_stream_chunks_match_the_chat_contract(http, openai_double):
    openai_double.queue(Reply(text="Same shape here.", token_delay=0.03))
    _, evts = chat(http, {"messages": HISTORY, "model": "gpt-r"})
    chunks = evts[:-1]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert [c["choices"][0]["delta"].get("content") for c in chunks[1:-1]] == ["Same ", "shape ", "here."]
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert {c["model"] for c in chunks} == {"gpt-r"}


def test_refusal_is_spoken(http, openai_double):
    openai_double.queue(Reply(refusal="I can't help with that."))
    _, evts = chat(http, {"messages": HISTORY})
    assert spoken(evts) == "I can't help with that."
    openai_double.queue(Reply(refusal="Still no."))
    r = http.post("/v1/chat/completions", json={"messages": HISTORY})
    assert r.json()["choices"][0]["message"]["content"] == "Still no."


def test_json_answer_takes_output_text_and_maps_usage(http, openai_double):
    openai_double.queue(Reply(text="Four words right here."))
    data = http.post("/v1/chat/completions", json={"messages": HISTORY}).json()
    assert data["choices"][0]["message"]["content"] == "Four words right here."
    assert data["usage"] == {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16}


def test_incomplete_is_length(http, openai_double):
    openai_double.queue(Reply(text="Cut", finish_reason="length"))
    _, evts = chat(http, {"messages": HISTORY})
    assert evts[-2]["choices"][0]["finish_reason"] == "length"


@pytest.mark.parametrize("finish, fault", [("failed", None), (None, "error_event"), (None, "reset"), (None, "truncate")])
def test_failures_mid_stream_end_with_error_then_done(http, openai_double, finish, fault):
    openai_double.queue(Reply(text="one two three", finish_reason=finish, fault=fault, fault_after=2))
    response, evts = chat(http, {"messages": HISTORY})
    assert response.status_code == 200
    assert evts[-1] == "[DONE]" and "error" in evts[-2]
    assert spoken(evts).startswith("one two")


def test_failure_before_text_is_an_http_error(http, openai_double):
    openai_double.queue(Reply(status=500))
    r = http.post("/v1/chat/completions", json={"messages": HISTORY, "stream": True})
    assert r.status_code == 502 and r.json()["error"]["type"] == "upstream_error"


def test_tool_round_sends_function_call_and_output_items(http, openai_double, settings):
    from tests.test_tool_loop import TEST_TOOLS
    from tools import registry

    for definition in TEST_TOOLS:
        registry.register(definition)
    try:
        openai_double.queue(Reply(tool_calls=[ToolCallSpec("add", {"a": 20, "b": 22}, "call_x")]), Reply(text="42."))
        _, evts = chat(http, {"messages": HISTORY})
        assert spoken(evts) == "42."
        items = openai_double.model_requests[1]["json"]["input"]
        assert items[-2] == {"type": "function_call", "call_id": "call_x", "name": "add", "arguments": '{"a":20,"b":22}'}
        assert items[-1] == {"type": "function_call_output", "call_id": "call_x", "output": '{"sum":42}'}
    finally:
        for definition in TEST_TOOLS:
            registry.unregister(definition.name)


@pytest.mark.parametrize("use_responses", [False, True])
def test_interrupted_reply_keeps_only_what_was_heard(http, openai_double, settings, use_responses):
    settings.USE_RESPONSES_API = use_responses
    messages = [
        {"role": "user", "content": "Tell me a joke"},
        {
            "role": "assistant",
            "content": "Why did the scarecrow ",
            "metadata": {"interrupted": True, "interrupt_timestamp": 1678905225, "original": "Why did the scarecrow win an award? Because he was outstanding in his field!", "source": "llm"},
        },
        {"role": "assistant", "content": "", "metadata": {"interrupted": True, "original": "Never heard."}},
        {"role": "user", "content": "Tell me a story instead."},
    ]
    http.post("/v1/chat/completions", json={"messages": messages})
    sent = openai_double.model_requests[-1]["json"]
    history = sent.get("input") or sent["messages"][1:]
    assistant = [m for m in history if m.get("role") == "assistant"]
    assert [m["content"] for m in assistant] == ["Why did the scarecrow"]
    assert "outstanding" not in str(sent) and "Never heard" not in str(sent)
