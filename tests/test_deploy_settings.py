"""Production settings: what `check --deploy` says, what start-up refuses, HTTPS behind a proxy.

The `manage.py` runs use `convoai.settings` itself (not the tests' settings) in a child process
with only the environment given here, as a platform would start it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "e3Jw9_pQx-7sVb2LmN4rT8yUz1AaKk5HhGgFfDdSsXxCcVvBbNnMm0",
    "ALLOWED_HOSTS": "convoai.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://convoai.example.com",
    "LLM_API_KEY": "a-long-random-key-for-convo-ai",
    "OPENAI_API_KEY": "sk-test-not-real",
}


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    base |= {"DJANGO_SETTINGS_MODULE": "convoai.settings", "SQLITE_PATH": str(tmp_path / "db.sqlite3")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_a_careless_production_config_misses(tmp_path):
    careless = PRODUCTION_ENV | {"ALLOWED_HOSTS": "*", "SESSION_COOKIE_SECURE": "false", "SECURE_HSTS_SECONDS": "0"}
    del careless["LLM_API_KEY"]
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=careless, tmp_path=tmp_path)
    assert result.returncode != 0
    for check_id in ("convoai.W004", "convoai.W005", "security.W012", "security.W004"):
        assert check_id in result.stderr


# In-process, through Django's test client: each client builds its middleware from the settings
# in force at its first request.


@pytest.fixture
def production_https(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.ALLOWED_HOSTS = ["convoai.example.com"]


HOST = {"HTTP_HOST": "convoai.example.com"}


def web() -> Client:
    return Client()
BEHIND_TLS = {**HOST, "HTTP_X_FORWARDED_PROTO": "https"}


def test_plain_http_is_redirected_to_https(production_https):
    r = web().get("/admin/login/", **HOST)
    assert r.status_code == 301 and r["Location"] == "https://convoai.example.com/admin/login/"


@pytest.mark.django_db
def test_behind_the_load_balancer_pages_get_hsts_and_secure_cookies(production_https):
    r = web().get("/admin/login/", **BEHIND_TLS)
    assert r.status_code == 200
    assert r["Strict-Transport-Security"].startswith("max-age=31536000")
    assert r.cookies["csrftoken"]["secure"] is True
    assert r["X-Frame-Options"] == "DENY"


def test_an_unknown_host_is_refused(production_https):
    r = web().get("/", HTTP_HOST="attacker.example", HTTP_X_FORWARDED_PROTO="https")
    assert r.status_code == 400


def test_health_check_answers_over_plain_http_on_any_host(production_https):
    r = web().get("/ping", HTTP_HOST="10.0.3.7:3000")
    assert r.status_code == 200 and r.json() == {"message": "pong"}


def test_the_admin_stylesheets_are_served(production_https):
    r = web().get("/static/admin/css/base.css", **BEHIND_TLS)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/css")
    assert b"body" in r.content and int(r["Content-Length"]) == len(r.content)
