"""Contract §3: caller identity, first found wins; absent means unknown."""

from convoai.http.turn_request import resolve_identity
from tools.contract import Identity
from convoai.schemas import ChatRequest

MSG = [{"role": "user", "content": "hi"}]
HEADERS = {"X-Agora-Customllm-Appid": "h-app", "X-Agora-Customllm-Uid": "h-uid", "X-Agora-Customllm-Channel": "h-ch"}


def _identity(body, headers=None):
    return resolve_identity(ChatRequest.model_validate({"messages": MSG, **body}), headers or {})


def test_context_wins_over_top_level_and_headers():
    body = {"context": {"appId": "c-app", "userId": 42, "channel": "c-ch"}, "appId": "t-app", "userId": "t-uid", "channel": "t-ch"}
    assert _identity(body, HEADERS) == Identity("c-app", "42", "c-ch")


def test_top_level_then_headers_fill_the_gaps():
    body = {"context": {"appId": "c-app"}, "userId": "t-uid"}
    assert _identity(body, HEADERS) == Identity("c-app", "t-uid", "h-ch")


def test_absent_is_unknown_not_a_made_up_default():
    assert _identity({}) == Identity(None, None, None)
    assert _identity({"context": {"appId": "  "}, "userId": ""}) == Identity(None, None, None)
