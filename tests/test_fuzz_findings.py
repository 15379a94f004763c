"""What the fuzz tests found, kept as plain regression tests (see docs/robustness.md).

Each case made the service answer 502: a history OpenAI refuses was forwarded as it was, and the
model server's 400 reached the caller as an upstream failure. Now a broken tool-call history is
a 400 naming the message, and keys on the wrong role are kept for the record, not forwarded.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fuzz_support import assert_answer, assert_error_shape

CALL = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
ASKED = {"role": "user", "content": "Where is my order?"}


def _post(http: httpx.Client, messages: list[dict[str, Any]], **extra: Any) -> httpx.Response:
    return http.post("/v1/chat/completions", json={"messages": messages, **extra})


@pytest.mark.parametrize(
    "messages, says",
    [
        ([{"role": "tool"}], "needs 'tool_call_id'"),
        ([ASKED, {"role": "tool", "tool_call_id": "call_9", "content": "{}"}], "answers no tool call of the assistant message before it ('call_9')"),
        ([ASKED, {"role": "assistant", "tool_calls": [CALL]}, ASKED], "must be followed by a result for each (missing: call_1)"),
        ([ASKED, {"role": "assistant", "tool_calls": [CALL]}], "missing: call_1"),
        ([ASKED, {"role": "function", "content": "{}"}], "needs 'name'"),
        ([ASKED, {"role": "function", "name": "lookup", "content": "{}"}], "answers no tool call"),
    ],
)
def test_a_broken_tool_call_history_is_a_400_naming_the_message(http, openai_double, messages, says) -> None:
    error = assert_error_shape(_post(http, messages))
    assert error["type"] == "invalid_request_error" and error["param"] == "messages"
    assert says in error["message"]
    assert openai_double.requests == []


def test_a_tool_call_without_an_id_is_a_400(http, openai_double) -> None:
    call = {"type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    error = assert_error_shape(_post(http, [ASKED, {"role": "assistant", "tool_calls": [call]}]))
    assert error["param"] == "messages.1.tool_calls.0.id"
    assert openai_double.requests == []


def test_a_complete_tool_call_history_is_answered_and_forwarded_intact(http, openai_double) -> None:
    messages = [
        ASKED,
        {"role": "assistant", "content": None, "tool_calls": [{**CALL, "x_trace": "dropped"}]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"status": "shipped"}'},
        {"role": "user", "content": "Thanks!"},
    ]
    assert_answer(_post(http, messages), stream=False)
    sent = openai_double.model_requests[0]["json"]["messages"][1:]
    assert sent[1] == {"role": "assistant", "content": None, "tool_calls": [CALL]}
    assert sent[2] == messages[2]


def test_keys_on_the_wrong_role_are_not_forwarded(http, openai_double) -> None:
    messages = [
        {"role": "system", "content": "Be brief.", "tool_calls": [CALL]},
        {"role": "user", "content": "hi", "tool_call_id": "call_1", "refusal": "no"},
        {"role": "assistant", "content": "Hello.", "tool_calls": []},
        {"role": "user", "content": "Where is my order?"},
    ]
    assert_answer(_post(http, messages), stream=False)
    sent = openai_double.model_requests[0]["json"]["messages"][1:]
    assert sent[:3] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Hello."},
    ]


def test_the_deprecated_function_call_form_is_answered(http, openai_double) -> None:
    messages = [
        ASKED,
        {"role": "assistant", "content": None, "function_call": {"name": "lookup", "arguments": "{}"}},
        {"role": "function", "name": "lookup", "content": '{"status": "shipped"}'},
    ]
    assert_answer(_post(http, messages, stream=True), stream=True)
    sent = openai_double.model_requests[0]["json"]["messages"][1:]
    assert sent[1]["tool_calls"] == [{"id": "lookup", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]
    assert sent[2] == {"role": "tool", "tool_call_id": "lookup", "content": '{"status": "shipped"}'}


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_model_text_with_a_unicode_line_separator_is_streamed(http, openai_double, separator) -> None:
    # The double echoes the caller's words, raw UTF-8 in its JSON, as OpenAI sends non-ASCII text.
    response = _post(http, [{"role": "user", "content": f"first line{separator}second line"}], stream=True)
    assert_answer(response, stream=True)
    assert separator in response.text


@pytest.mark.parametrize(
    "extra, param",
    [
        ({"stream": "yes"}, "stream"),
        ({"stream": 1}, "stream"),
        ({"max_tokens": 5.5}, "max_tokens"),
        ({"max_tokens": "5"}, "max_tokens"),
        ({"temperature": "0.5"}, "temperature"),
        ({"context": {"userId": True}}, "context.userId"),
        ({"turn_id": False}, "turn_id"),
        ({"interruptable": "false"}, "interruptable"),
    ],
)
def test_values_of_the_wrong_type_are_rejected_not_coerced(http, openai_double, extra, param) -> None:
    # Found by schemathesis' negative tests: the schema says boolean/integer/number/string, the
    # service used to coerce (`"userId": true` became the caller "1").
    error = assert_error_shape(_post(http, [ASKED], **extra))
    assert error["param"].startswith(param), error
    assert openai_double.requests == []


def test_an_integer_where_a_number_is_expected_is_fine(http, openai_double) -> None:
    assert_answer(_post(http, [ASKED], temperature=1, top_p=1, timestamp=1732600000), stream=False)
