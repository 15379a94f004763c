"""Contract §4: the exact SSE stream, the JSON answer, and what reaches the upstream."""

import openai
import orjson

from tests.doubles.openai_server import Reply
from tests.sse import chat, spoken

USER = {"role": "user", "content": "What is Agora?"}


def test_stream_is_role_content_stop_done(http, openai_double):
    openai_double.queue(Reply(text="Agora is a real-time platform.", token_delay=0.03))
    response, evts = chat(http, {"messages": [USER], "model": "gpt-test"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers.get("content-encoding", "identity") == "identity"
    assert evts[-1] == "[DONE]"
    chunks = evts[:-1]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert chunks[-1]["choices"][0]["delta"] == {}
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    for chunk in chunks:
        assert chunk["object"] == "chat.completion.chunk"
        assert (chunk["id"], chunk["created"], chunk["model"]) == (chunks[0]["id"], chunks[0]["created"], "gpt-test")
    middle = chunks[1:-1]
    assert len(middle) == 5  # tokens read one at a time: one chunk each, nothing held back
    assert all(c["choices"][0]["finish_reason"] is None for c in middle)
    assert spoken(evts) == "Agora is a real-time platform."


def test_tokens_read_together_go_out_together(http, openai_double):
    """Tokens that reach us in one read (an upstream that sends a burst, or a busy service) go
    out as one chunk: the same text, sooner, in fewer writes."""
    text = " ".join(f"w{i}" for i in range(40))
    openai_double.queue(Reply(text=text, token_delay=0))
    response, evts = chat(http, {"messages": [USER], "model": "gpt-test"})
    assert response.status_code == 200
    assert spoken(evts) == text
    content_chunks = [e for e in evts[1:-2] if e["choices"][0]["delta"].get("content")]
    assert len(content_chunks) < 40


def test_official_client_streams_and_completes(client, openai_double):
    openai_double.queue(Reply(text="Streaming works."), Reply(text="So does JSON."))
    stream = client.chat.completions.create(model="gpt-test", messages=[USER], stream=True)
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Streaming works."
    assert chunks[-1].choices[0].finish_reason == "stop"
    completion = client.chat.completions.create(model="gpt-test", messages=[USER])
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "So does JSON."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.completion_tokens == 3 and completion.usage.total_tokens == 13


def test_usage_chunk_when_asked(client, openai_double):
    openai_double.queue(Reply(text="one two three"))
    chunks = list(
        client.chat.completions.create(
            model="m", messages=[USER], stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 3


def test_length_finish_reason_passes_through(http, openai_double):
    openai_double.queue(Reply(text="cut", finish_reason="length"))
    _, evts = chat(http, {"messages": [USER]})
    assert evts[-2]["choices"][0]["finish_reason"] == "length"


def test_model_default_override_and_passthrough(http, openai_double, settings):
    settings.OPENAI_MODEL = "gpt-default"
    http.post("/v1/chat/completions", json={"messages": [USER]})
    assert openai_double.model_requests[-1]["json"]["model"] == "gpt-default"
    params = {
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 50,
        "max_completion_tokens": 60,
        "stop": ["\n\n"],
        "seed": 7,
        "user": "caller-1",
    }
    http.post("/v1/chat/completions", json={"messages": [USER], "model": "gpt-override", **params})
    sent = openai_double.model_requests[-1]["json"]
    assert sent["model"] == "gpt-override"
    for key, value in params.items():
        assert sent[key] == value


def test_system_prompt_first_and_client_system_messages_kept(http, openai_double, settings):
    settings.SYSTEM_PROMPT = "You are the ACME support agent."
    body = {"messages": [{"role": "system", "content": "Convo AI system message."}, USER]}
    assert http.post("/v1/chat/completions", json=body).status_code == 200
    sent = openai_double.model_requests[-1]["json"]["messages"]
    assert sent[0]["role"] == "system" and sent[0]["content"].startswith("You are the ACME support agent.")
    assert sent[1] == {"role": "system", "content": "Convo AI system message."}
    assert sent[2] == USER


def test_convo_ai_extras_are_stripped_before_upstream(http, openai_double):
    body = {
        "turn_id": 7,
        "timestamp": 1700000000123,
        "interruptable": True,
        "context": {"appId": "app", "userId": "42", "channel": "room"},
        "messages": [
            {"role": "assistant", "content": "How can I help?", "turn_id": 1, "timestamp": 1700000000, "metadata": {"source": "greeting"}},
            {"role": "user", "content": "Where is my order?", "turn_id": 2, "timestamp": 1700000001000, "metadata": {"source": "asr", "user": "42"}},
        ],
    }
    response, evts = chat(http, body)
    assert response.status_code == 200 and evts[-1] == "[DONE]"
    sent = openai_double.model_requests[-1]["json"]
    assert sent["messages"][1] == {"role": "assistant", "content": "How can I help?"}
    assert sent["messages"][2] == {"role": "user", "content": "Where is my order?"}
    for key in ("turn_id", "timestamp", "interruptable", "context"):
        assert key not in sent


def test_custom_metadata_first_chunk_when_not_interruptable(http, openai_double):
    _, evts = chat(http, {"messages": [USER], "interruptable": False})
    assert evts[0] == {"object": "chat.completion.custom_metadata", "choices": [], "metadata": {"interruptable": False}}
    assert evts[1]["choices"][0]["delta"]["role"] == "assistant"


def test_frames_decode_with_openais_own_decoder_at_any_split():
    """Our encoder's bytes, cut at every offset, decode to the same events with the SDK's SSE decoder."""
    from openai._streaming import SSEDecoder

    from convoai.http.chunks import ChunkEncoder
    from convoai.http.sse import DONE

    encoder = ChunkEncoder("m\u00e9del \"quoted\"")
    body = encoder.role() + encoder.content("h\u00e9llo \u2014 \U0001f600\n") + encoder.stop("stop") + DONE
    expected = [e.data for e in SSEDecoder().iter_bytes(iter([body]))]
    assert len(expected) == 4 and expected[-1] == "[DONE]"
    assert orjson.loads(expected[1])["choices"][0]["delta"]["content"] == "h\u00e9llo \u2014 \U0001f600\n"
    assert orjson.loads(expected[0])["model"] == "m\u00e9del \"quoted\""
    for cut in range(1, len(body)):
        got = [e.data for e in SSEDecoder().iter_bytes(iter([body[:cut], body[cut:]]))]
        assert got == expected


def test_sdk_raises_on_our_error_frame():
    """A mid-stream error frame is what OpenAI's SDK turns into an APIError."""
    from openai._streaming import SSEDecoder

    from convoai.errors import UpstreamError
    from convoai.http.sse import DONE, error_frame

    data = [e.json() for e in SSEDecoder().iter_bytes(iter([error_frame(UpstreamError("boom")) + DONE])) if e.data != "[DONE]"]
    assert data == [{"error": {"message": "boom", "type": "upstream_error", "code": "upstream_error"}}]
