"""Contract §2: the small endpoints, auth, and the docs."""

import httpx
import pytest


def test_ping_needs_no_auth(service_url):
    r = httpx.get(f"{service_url}/ping")
    assert r.status_code == 200
    assert r.json() == {"message": "pong"}


def test_index_names_the_docs(service_url):
    r = httpx.get(f"{service_url}/")
    assert r.status_code == 200
    assert r.json()["docs"].endswith("/v1/docs")


def test_docs_open_in_debug_and_staff_only_otherwise(service_url, settings):
    settings.DEBUG = True
    r = httpx.get(f"{service_url}/v1/docs")
    assert r.status_code == 200 and "swagger" in r.text.lower()
    assert httpx.get(f"{service_url}/v1/openapi.json").json()["paths"]["/v1/chat/completions"]["post"]
    settings.DEBUG = False
    r = httpx.get(f"{service_url}/v1/docs")
    assert r.status_code == 302 and "/admin/login/" in r.headers["location"]


@pytest.mark.parametrize(
    "headers, code",
    [
        ({}, "missing_api_key"),
        ({"Authorization": "Bearer wrong-key"}, "invalid_api_key"),
        ({"Authorization": "Basic dGVzdC1sbG0ta2V5"}, "missing_api_key"),
        ({"Authorization": "Bearer"}, "missing_api_key"),
        ({"Authorization": "Bearer test-openai-key"}, "invalid_api_key"),  # never the OpenAI key
    ],
)
def test_bad_or_missing_key_is_401_in_openai_shape(service_url, openai_double, headers, code):
    r = httpx.post(
        f"{service_url}/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]}, headers=headers
    )
    assert r.status_code == 401
    assert r.json()["error"]["type"] == "authentication_error"
    assert r.json()["error"]["code"] == code
    assert openai_double.requests == []


def test_right_key_works_on_both_paths(http, openai_double):
    for path in ("/v1/chat/completions", "/v1/chat/completion"):
        r = http.post(path, json={"messages": [{"role": "user", "content": "hi"}]})
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"] == "You said: hi"


def test_unset_key_closes_the_endpoint_unless_debug(service_url, openai_double, settings):
    settings.LLM_API_KEY = ""
    body = {"messages": [{"role": "user", "content": "hi"}]}
    r = httpx.post(f"{service_url}/v1/chat/completions", json=body)
    assert r.status_code == 401  # only keys created in the admin can open it now
    r = httpx.post(f"{service_url}/v1/chat/completions", json=body, headers={"Authorization": "Bearer anything"})
    assert r.status_code == 401
    settings.DEBUG = True
    r = httpx.post(f"{service_url}/v1/chat/completions", json=body)
    assert r.status_code == 200


def test_get_on_chat_path_is_405_json(http):
    r = http.get("/v1/chat/completions")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"


def test_unknown_api_path_is_404_json(http):
    r = http.post("/v1/nope", json={})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
