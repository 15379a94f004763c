"""Staff manage Convo AI's API keys in the admin, in Chromium, and the chat endpoint obeys at once."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import openai
from playwright.sync_api import expect

from convoai.models import ApiKey

HI = [{"role": "user", "content": "hi there"}]
KEY_PATTERN = re.compile(r"^cvai_[0-9a-f]{12}_\S{20,}$")


def _chat_status(service_url: str, key: str) -> int:
    r = httpx.post(
        f"{service_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "m", "messages": HI},
        timeout=10,
    )
    return r.status_code


def _create_key(page: Any, name: str) -> str:
    page.goto("/admin/convoai/apikey/add/")
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("It is shown only once")).to_be_visible()
    secret = page.locator("code.api-key-secret").inner_text().strip()
    assert KEY_PATTERN.match(secret), secret
    return secret


def _run_action(page: Any, key_name: str, action_label: str) -> None:
    page.goto("/admin/convoai/apikey/")
    row = page.locator("#result_list tbody tr", has_text=key_name)
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label=action_label)
    page.get_by_role("button", name="Run").or_(page.get_by_role("button", name="Go")).click()


def test_staff_log_in_and_reach_the_api_keys(admin_page):
    admin_page.get_by_role("link", name="API keys").first.click()
    expect(admin_page).to_have_url(re.compile(r"/admin/convoai/apikey/$"))
    expect(admin_page.get_by_role("heading", name=re.compile("API key"))).to_be_visible()


def test_a_wrong_password_is_refused(page, staff_user):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(staff_user.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".errornote")).to_contain_text("correct username and password")


def test_a_created_key_is_shown_once_works_for_chat_and_stops_when_revoked(admin_page, service_url, openai_double):
    secret = _create_key(admin_page, "agent eu-west")

    # Shown once: neither the list nor the key's own page shows it again.
    admin_page.get_by_role("link", name="Back to API keys").click()
    row = admin_page.locator("#result_list tbody tr", has_text="agent eu-west")
    expect(row).to_contain_text("active")
    assert secret not in admin_page.content()
    row.get_by_role("link", name="agent eu-west").click()
    prefix = secret.split("_")[1]
    expect(admin_page.locator(".field-masked .readonly")).to_have_text(f"cvai_{prefix}_…")
    assert secret not in admin_page.content()

    # The key works with the official SDK, and the admin shows when it was last used.
    with openai.OpenAI(base_url=f"{service_url}/v1", api_key=secret, max_retries=0, timeout=10) as client:
        reply = client.chat.completions.create(model="m", messages=HI)
    assert reply.choices[0].message.content == "You said: hi there"
    admin_page.reload()
    expect(admin_page.locator(".field-last_used_at .readonly")).not_to_have_text("-")

    _run_action(admin_page, "agent eu-west", "Revoke selected API keys")

    expect(admin_page.locator(".messagelist")).to_contain_text("Revoked 1 API key")
    expect(admin_page.locator("#result_list tbody tr", has_text="agent eu-west")).to_contain_text("revoked")
    assert _chat_status(service_url, secret) == 401


def test_rotating_a_key_shows_the_new_secret_once_and_retires_the_old(admin_page, service_url, openai_double):
    old = _create_key(admin_page, "agent us-east")
    assert _chat_status(service_url, old) == 200

    _run_action(admin_page, "agent us-east", "Rotate selected API keys (new secret, old one stops working)")

    expect(admin_page.get_by_text("It is shown only once")).to_be_visible()
    new = admin_page.locator("code.api-key-secret").inner_text().strip()
    assert KEY_PATTERN.match(new) and new != old
    assert _chat_status(service_url, old) == 401
    assert _chat_status(service_url, new) == 200
    assert ApiKey.objects.get().name == "agent us-east"


def test_a_rate_limit_set_in_the_admin_applies_to_the_next_request(admin_page, service_url, openai_double):
    secret = _create_key(admin_page, "chatty agent")
    admin_page.goto("/admin/convoai/apikey/")
    admin_page.locator("#result_list tbody tr", has_text="chatty agent").get_by_role("link", name="chatty agent").click()
    admin_page.get_by_label("Rate limit per minute").fill("1")
    admin_page.get_by_role("button", name="Save", exact=True).click()
    expect(admin_page.locator(".messagelist")).to_contain_text("was changed successfully")

    if time.time() % 60 > 55:  # the limit counts per calendar minute: start well inside one
        time.sleep(60 - time.time() % 60 + 0.1)
    assert [_chat_status(service_url, secret) for _ in range(2)] == [200, 429]
