"""Shared by the fuzz tests: what every answer of the chat endpoint must look like.

The promise under test (issue 7): no input gives a 5xx, and every error is in OpenAI's shape
`{"error": {"message", "type", "code"}}` with JSON content, so any OpenAI SDK can raise it.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson


__all__ = ["assert_error_shape", "assert_answer", "assert_openai_shaped"]


def _events(raw: bytes) -> list[Any]:
    assert raw.endswith(b"\n\n"), raw[-200:]
    out: list[Any] = []
    for event in raw[:-2].split(b"\n\n"):
        assert event.startswith(b"data: "), event
        payload = event[len(b"data: ") :]
        out.append("[DONE]" if payload == b"[DONE]" else orjson.loads(payload))
    return out


def assert_error_shape(response: httpx.Response, *, server_error: bool = False) -> dict[str, Any]:
    """A 4xx (or, with `server_error`, a 5xx) in OpenAI's error shape; returns the inner error."""
    assert (response.status_code >= 500) == server_error, f"{response.status_code}: {response.text[:500]}"
    assert 400 <= response.status_code, response.status_code
    assert response.headers.get("content-type", "").startswith("application/json"), response.headers
    body = orjson.loads(response.content)
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict), body
    for key in ("message", "type", "code"):
        assert isinstance(error.get(key), str) and error[key], body
    assert set(error) <= {"message", "type", "code", "param"}, body
    return error


def assert_answer(response: httpx.Response, *, stream: bool) -> None:
    """A 200 with a chat.completion object, or an SSE stream of chunks ending in [DONE]."""
    assert response.status_code == 200, f"{response.status_code}: {response.text[:500]}"
    if stream:
        assert response.headers["content-type"].startswith("text/event-stream")
        evts = _events(response.content)
        assert evts[-1] == "[DONE]", evts[-3:]
        for event in evts[:-1]:
            assert "error" not in event, event
        return
    body = orjson.loads(response.content)
    assert body["object"] == "chat.completion", body
    assert isinstance(body["choices"][0]["message"]["content"], str)


def assert_openai_shaped(response: httpx.Response, *, stream: bool) -> None:
    """Either an answer or an OpenAI-shaped 4xx; never a 5xx."""
    if response.status_code == 200:
        assert_answer(response, stream=stream)
    else:
        assert_error_shape(response)
