"""Agora Signaling (RTM) REST: the client against a protocol-faithful double on a real socket, the
send_caller_message tool (directly and through a voice turn), and the caller's escalation notice."""

from __future__ import annotations

import base64
from typing import Iterator

import orjson
import pytest
from asgiref.sync import async_to_sync

from support.demo import demo_data_load
from support.models import Escalation
from tests.doubles.openai_server import Reply, ToolCallSpec
from tests.doubles.rtm_server import RTMDouble
from tests.doubles.serve import ServerThread
from tests.doubles.serve import free_port
from tests.support_helpers import CALLER, call_tool
from tools.rtm import MAX_PAYLOAD_BYTES, RtmError, send_channel_message, send_peer_message

CONTEXT = {"appId": "agora-app-9", "userId": "caller-1001", "channel": "call-abc"}


@pytest.fixture(scope="session")
def _rtm_server() -> Iterator[tuple[RTMDouble, ServerThread]]:
    double = RTMDouble()
    with ServerThread(double) as server:
        yield double, server


@pytest.fixture
def rtm(_rtm_server: tuple[RTMDouble, ServerThread], settings) -> RTMDouble:
    double, server = _rtm_server
    double.reset()
    settings.AGORA_RTM_BASE_URL = server.url
    settings.AGORA_CUSTOMER_ID = double.customer_id
    settings.AGORA_CUSTOMER_SECRET = double.customer_secret
    settings.AGORA_APP_ID = "fallback-app"
    settings.AGORA_RTM_SENDER = "support-agent"
    return double


def _payload(request) -> dict:
    return orjson.loads(request.body["payload"])


def test_peer_message_path_body_and_a_single_basic_auth(rtm: RTMDouble) -> None:
    answer = async_to_sync(send_peer_message)(app_id="app-1", to_user="user 7", payload={"text": "hi"})
    assert answer["result"] == "success"
    [request] = rtm.requests
    assert request.method == "POST" and request.path == "/dev/v2/project/app-1/rtm/users/support-agent/peer_messages"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"cust-id:cust-secret").decode()
    assert request.headers["content-type"] == "application/json"
    assert request.body == {
        "destination": "user 7", "enable_offline_messaging": True, "enable_historical_messaging": False,
        "payload": '{"text":"hi"}',
    }


def test_channel_message_path_and_body(rtm: RTMDouble) -> None:
    async_to_sync(send_channel_message)(app_id="app-1", channel="call-abc", payload="Your ticket is AB12CD34")
    [request] = rtm.requests
    assert request.path == "/dev/v2/project/app-1/rtm/users/support-agent/channel_messages"
    assert request.body == {"channel_name": "call-abc", "enable_historical_messaging": False, "payload": "Your ticket is AB12CD34"}


def test_payload_over_32_kb_is_refused_before_any_call(rtm: RTMDouble) -> None:
    with pytest.raises(RtmError, match="at most 32768"):
        async_to_sync(send_channel_message)(app_id="app-1", channel="c", payload="x" * (MAX_PAYLOAD_BYTES + 1))
    assert rtm.requests == []


def test_wrong_credentials_are_reported_plainly(rtm: RTMDouble, settings) -> None:
    settings.AGORA_CUSTOMER_SECRET = "wrong"
    with pytest.raises(RtmError, match="rejected our credentials"):
        async_to_sync(send_peer_message)(app_id="app-1", to_user="u", payload="hi")


def test_send_caller_message_goes_to_the_calls_channel_or_the_caller(rtm: RTMDouble) -> None:
    result = call_tool("send_caller_message", {"text": "Your ticket number is 8FD4F67C."})
    assert result == {"sent": True, "to": "channel", "channel": CALLER.channel, "result": "success"}
    result = call_tool("send_caller_message", {"text": "https://example.com/track", "to": "caller"})
    assert result["sent"] is True and result["userId"] == CALLER.user_id
    channel, peer = rtm.requests
    assert channel.path == f"/dev/v2/project/{CALLER.app_id}/rtm/users/support-agent/channel_messages"
    assert channel.body["channel_name"] == CALLER.channel
    assert _payload(channel) == {"type": "agent_message", "text": "Your ticket number is 8FD4F67C."}
    assert peer.body["destination"] == CALLER.user_id and _payload(peer)["text"] == "https://example.com/track"


def test_send_caller_message_falls_back_to_agora_app_id(rtm: RTMDouble) -> None:
    from tools.contract import Identity

    call_tool("send_caller_message", {"text": "hello"}, identity=Identity(user_id="u-9"))
    [request] = rtm.requests
    assert request.path == "/dev/v2/project/fallback-app/rtm/users/support-agent/peer_messages"


def test_send_caller_message_errors_reach_the_model(rtm: RTMDouble, settings) -> None:
    rtm.fail_with = 500
    assert "did not deliver" in call_tool("send_caller_message", {"text": "hi"})["error"]
    settings.AGORA_RTM_BASE_URL = f"http://127.0.0.1:{free_port()}"
    assert "Could not reach Agora Signaling" in call_tool("send_caller_message", {"text": "hi"})["error"]
    settings.AGORA_CUSTOMER_ID = ""
    assert "not set up" in call_tool("send_caller_message", {"text": "hi"})["error"]
    assert "at least 1 character" in call_tool("send_caller_message", {"text": "  "})["error"]


@pytest.mark.django_db
def test_escalation_tells_the_caller_in_the_channel(rtm: RTMDouble) -> None:
    demo_data_load()
    result = call_tool("escalate_ticket", {"customerId": "hana", "severity": "high", "reason": "Wants a manager"})
    assert result["callerNotified"]["sent"] is True
    [request] = rtm.requests
    assert request.body["channel_name"] == CALLER.channel
    payload = _payload(request)
    assert payload["type"] == "escalation" and payload["escalationId"] == result["id"] and payload["severity"] == "high"
    assert "passed to our support team" in payload["text"]


@pytest.mark.django_db
def test_escalation_stands_when_signaling_fails(rtm: RTMDouble) -> None:
    demo_data_load()
    rtm.fail_with = 503
    result = call_tool("escalate_ticket", {"customerId": "hana", "reason": "Wants a manager"})
    assert result["callerNotified"]["sent"] is False and "did not deliver" in result["callerNotified"]["error"]
    assert Escalation.objects.filter(pk=result["id"]).exists()


@pytest.mark.django_db
def test_without_signaling_credentials_escalation_sends_no_message(rtm: RTMDouble, settings) -> None:
    demo_data_load()
    settings.AGORA_CUSTOMER_SECRET = ""
    result = call_tool("escalate_ticket", {"customerId": "hana"})
    assert "callerNotified" not in result and rtm.requests == []


def _tool_results(openai_double) -> list[dict]:
    return [
        orjson.loads(message["content"])
        for request in openai_double.model_requests
        for message in request["json"].get("messages", [])
        if message.get("role") == "tool"
    ]


def test_voice_turn_sends_the_caller_a_message(client, openai_double, rtm: RTMDouble) -> None:
    openai_double.queue(
        Reply(tool_calls=[ToolCallSpec("send_caller_message", {"text": "Tracking: https://example.com/t/42"})]),
        Reply(text="I've sent you the tracking link."),
    )
    reply = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "Can you text me the tracking link?"}], extra_body={"context": CONTEXT},
    )
    assert reply.choices[0].message.content == "I've sent you the tracking link."
    [request] = rtm.requests
    assert request.path == "/dev/v2/project/agora-app-9/rtm/users/support-agent/channel_messages"
    assert request.body["channel_name"] == "call-abc" and _payload(request)["text"] == "Tracking: https://example.com/t/42"
    assert _tool_results(openai_double) == [{"sent": True, "to": "channel", "channel": "call-abc", "result": "success"}]


def test_voice_turn_still_answers_when_signaling_is_down(client, openai_double, rtm: RTMDouble, settings) -> None:
    settings.AGORA_RTM_BASE_URL = f"http://127.0.0.1:{free_port()}"
    openai_double.queue(
        Reply(tool_calls=[ToolCallSpec("send_caller_message", {"text": "Your reference is 8FD4F67C"})]),
        Reply(text="I couldn't send the message, so here it is: 8 F D 4 F 6 7 C."),
    )
    stream = client.chat.completions.create(
        model="m", stream=True, messages=[{"role": "user", "content": "Text me my reference."}], extra_body={"context": CONTEXT},
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text.endswith("here it is: 8 F D 4 F 6 7 C.")
    [result] = _tool_results(openai_double)
    assert "Could not reach Agora Signaling" in result["error"]


def test_rate_limiter_spreads_a_burst_to_the_per_second_limit() -> None:
    """500 calls/s: a burst of 1,000 calls is spread over two seconds, none refused (clock injected)."""
    import asyncio

    from tools.rtm import RateLimiter

    now = [100.0]
    started: list[float] = []

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0)
        started.append(now[0] + seconds)

    async def burst() -> None:
        limiter = RateLimiter(500, clock=lambda: now[0], sleep=sleep)
        for _ in range(1000):
            await limiter.acquire()

    asyncio.run(burst())
    assert len(started) == 999  # the first call goes at once
    assert max(started) == pytest.approx(100.0 + 999 / 500)
    times = [100.0, *started]
    assert all(later - earlier == pytest.approx(1 / 500) for earlier, later in zip(times, times[1:]))
