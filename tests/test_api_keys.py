"""API keys from the admin's store on the chat endpoint: accepted, revoked, rotated, limited."""

from __future__ import annotations

import logging
import time

import httpx
import openai
import pytest
from django.utils import timezone

from convoai.api_keys import api_key_cache_clear, api_key_create, api_key_revoke, api_key_rotate
from convoai.models import ApiKey

pytestmark = pytest.mark.django_db(transaction=True)

HI = [{"role": "user", "content": "hi there"}]


def _chat(service_url: str, key: str) -> httpx.Response:
    return httpx.post(
        f"{service_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "m", "messages": HI},
        timeout=10,
    )


def _sdk(service_url: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{service_url}/v1", api_key=key, max_retries=0, timeout=10)


def _away_from_minute_boundary() -> None:
    """The limit counts per calendar minute; start a burst well inside one."""
    if time.time() % 60 > 55:
        time.sleep(60 - time.time() % 60 + 0.1)


def test_a_new_key_works_with_the_openai_sdk_and_only_its_hash_is_stored(service_url, openai_double):
    api_key, key = api_key_create(name="agent eu-west")
    assert key.startswith(f"cvai_{api_key.prefix}_")
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert key not in {stored.secret_hash, stored.prefix, stored.name} and len(stored.secret_hash) == 64

    reply = _sdk(service_url, key).chat.completions.create(model="m", messages=HI)

    assert reply.choices[0].message.content == "You said: hi there"
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at is not None


def test_the_environment_key_keeps_working_beside_admin_keys(service_url, openai_double):
    api_key_create(name="agent")
    assert _chat(service_url, "test-llm-key").status_code == 200


@pytest.mark.parametrize("transform", [lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"), lambda k: k + "x", lambda k: k.upper()])
def test_a_wrong_secret_with_a_real_prefix_is_refused(service_url, openai_double, transform):
    _, key = api_key_create(name="agent")
    r = _chat(service_url, transform(key))
    assert r.status_code == 401
    assert r.json() == {"error": {"message": "Invalid API key.", "type": "authentication_error", "code": "invalid_api_key"}}


def test_revoking_a_key_makes_its_next_request_401(service_url, openai_double):
    api_key, key = api_key_create(name="agent")
    assert _chat(service_url, key).status_code == 200

    assert api_key_revoke(api_key=api_key) is True

    with pytest.raises(openai.AuthenticationError) as raised:
        _sdk(service_url, key).chat.completions.create(model="m", messages=HI)
    assert raised.value.status_code == 401
    assert api_key_revoke(api_key=ApiKey.objects.get(pk=api_key.pk)) is False  # already revoked


def test_rotating_a_key_retires_the_old_secret_and_issues_a_working_new_one(service_url, openai_double):
    api_key, old = api_key_create(name="agent", rate_limit_per_minute=7)
    assert _chat(service_url, old).status_code == 200

    new = api_key_rotate(api_key=api_key)

    assert new != old and _chat(service_url, old).status_code == 401
    assert _chat(service_url, new).status_code == 200
    row = ApiKey.objects.get(pk=api_key.pk)
    assert (row.name, row.rate_limit_per_minute, row.rotated_at is not None) == ("agent", 7, True)


def test_a_revoked_key_cannot_be_rotated_back_to_life(db):
    api_key, _ = api_key_create(name="agent")
    api_key_revoke(api_key=api_key)
    with pytest.raises(ValueError, match="revoked"):
        api_key_rotate(api_key=api_key)


def test_a_change_made_by_another_process_is_seen_once_the_cache_entry_expires(service_url, openai_double, settings):
    """Another process revokes through the database; this one's cache ages out (here: at once)."""
    api_key, key = api_key_create(name="agent")
    settings.API_KEY_CACHE_SECONDS = 3600
    assert _chat(service_url, key).status_code == 200
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())  # no cache eviction here

    assert _chat(service_url, key).status_code == 200  # still cached in this process
    api_key_cache_clear()  # what the TTL does after API_KEY_CACHE_SECONDS
    assert _chat(service_url, key).status_code == 401

    settings.API_KEY_CACHE_SECONDS = 0
    other, other_key = api_key_create(name="second")
    assert _chat(service_url, other_key).status_code == 200
    ApiKey.objects.filter(pk=other.pk).update(revoked_at=timezone.now())
    assert _chat(service_url, other_key).status_code == 401


def test_a_key_made_after_a_failed_attempt_with_it_works_at_once(service_url, openai_double, settings):
    settings.API_KEY_CACHE_SECONDS = 3600
    api_key, key = api_key_create(name="agent")
    new = api_key_rotate(api_key=api_key)
    assert _chat(service_url, key).status_code == 401  # the old prefix is now cached as unknown
    assert _chat(service_url, new).status_code == 200


def test_keys_never_reach_the_logs(service_url, openai_double, caplog):
    _, key = api_key_create(name="agent")
    with caplog.at_level(logging.DEBUG):
        _chat(service_url, key)
        _chat(service_url, key + "wrong")
        _chat(service_url, "test-llm-key-wrong")
        httpx.post(f"{service_url}/v1/chat/completions", headers={"Authorization": f"Basic {key}"}, json={})
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "POST /v1/chat/completions 200" in logged and "POST /v1/chat/completions 401" in logged
    assert key not in logged and "test-llm-key-wrong" not in logged


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(service_url, openai_double):
    _, key = api_key_create(name="agent", rate_limit_per_minute=2)
    _, other = api_key_create(name="other agent", rate_limit_per_minute=2)
    _away_from_minute_boundary()
    assert [_chat(service_url, key).status_code for _ in range(2)] == [200, 200]

    limited = _chat(service_url, key)

    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    error = limited.json()["error"]
    assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limit_exceeded")
    assert "2 requests per minute" in error["message"] and key not in error["message"]
    assert _chat(service_url, other).status_code == 200  # each key has its own count
    with pytest.raises(openai.RateLimitError):
        _sdk(service_url, key).chat.completions.create(model="m", messages=HI)


def test_the_setting_limits_the_environment_key_and_keys_without_their_own_limit(service_url, openai_double, settings):
    settings.API_KEY_RATE_LIMIT = 1
    _, key = api_key_create(name="agent")
    _, unlimited = api_key_create(name="unlimited", rate_limit_per_minute=0)
    _away_from_minute_boundary()
    assert [_chat(service_url, "test-llm-key").status_code for _ in range(2)] == [200, 429]
    assert [_chat(service_url, key).status_code for _ in range(2)] == [200, 429]
    assert [_chat(service_url, unlimited).status_code for _ in range(3)] == [200, 200, 200]


def test_a_rejected_key_is_not_counted_against_anyone(service_url, openai_double, settings):
    settings.API_KEY_RATE_LIMIT = 1
    _away_from_minute_boundary()
    assert [_chat(service_url, "nope").status_code for _ in range(3)] == [401, 401, 401]
    assert _chat(service_url, "test-llm-key").status_code == 200


def test_a_key_deleted_in_the_admin_stops_working_at_once(service_url, openai_double, settings, admin_client):
    settings.API_KEY_CACHE_SECONDS = 3600
    api_key, key = api_key_create(name="agent")
    assert _chat(service_url, key).status_code == 200

    r = admin_client.post(
        "/admin/convoai/apikey/", {"action": "delete_selected", "_selected_action": [api_key.pk], "post": "yes"}
    )

    assert r.status_code == 302 and not ApiKey.objects.exists()
    assert _chat(service_url, key).status_code == 401
