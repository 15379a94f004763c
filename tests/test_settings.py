"""Settings come from the environment; a bad value stops start-up with a message naming the variable.

The settings module is executed in-process with a controlled environment (no child process):
what a platform's start would read, nothing of the test run's own settings.
"""

from __future__ import annotations

import os
import runpy
from pathlib import Path
from typing import Any, Callable

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parent.parent
KEEP = ("PATH", "HOME", "LANG")

Load = Callable[..., dict[str, Any]]


@pytest.fixture
def load_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Load:
    """Run convoai/settings.py with only the given variables set (plus PATH, HOME, LANG)."""

    def load(**env: str) -> dict[str, Any]:
        for name in list(os.environ):
            if name not in KEEP:
                monkeypatch.delenv(name)
        monkeypatch.setenv("SQLITE_PATH", str(tmp_path / "db.sqlite3"))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(ROOT / "convoai" / "settings.py"))

    return load


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_TOOL_ROUNDS", "many"),
        ("MAX_TOOL_ROUNDS", "-1"),
        ("PORT", "0"),
        ("RAG_TIMEOUT_MS", "0"),
        ("OPENAI_TIMEOUT", "soon"),
        ("DEBUG", "perhaps"),
        ("LOG_LEVEL", "LOUD"),
        ("LOG_FORMAT", "xml"),
        ("API_KEY_RATE_LIMIT", "-1"),
        ("CACHE_URL", "nope://"),
        ("DATABASE_URL", "nope://somewhere"),
        ("RAG_STORE", "faiss"),
        ("SMTP_SECURITY", "tls13"),
        ("OPENAI_HTTP_CLIENT", "curl"),
        ("RAG_CHUNK_OVERLAP", "5000"),
        ("SYSTEM_PROMPT_TEMPLATE", "{instructions} {who}"),
        ("SYSTEM_PROMPT_TEMPLATE", "{instructions"),
        ("EMAIL_TIMEOUT", "0"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(load_settings: Load, name: str, value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=name):
        load_settings(**({"DEBUG": "true"} | {name: value}))


def test_debug_runs_need_no_environment_at_all(load_settings: Load) -> None:
    settings = load_settings(DEBUG="true")
    assert settings["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["SECRET_KEY"]  # a development key, never used without DEBUG
    assert settings["LOG_FORMAT"] == "plain"


def test_production_start_without_secret_key_stops_naming_the_variable(load_settings: Load) -> None:
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load_settings()
    assert load_settings(SECRET_KEY="k" * 50)["LOG_FORMAT"] == "json"


def test_database_url_selects_postgresql(load_settings: Load) -> None:
    db = load_settings(DEBUG="true", DATABASE_URL="postgres://user:pw@db.example.supabase.co:5432/postgres")
    default = db["DATABASES"]["default"]
    assert default["ENGINE"] == "django.db.backends.postgresql"
    assert (default["HOST"], default["NAME"], default["CONN_HEALTH_CHECKS"]) == ("db.example.supabase.co", "postgres", True)


@pytest.mark.parametrize(
    ("env", "disabled"),
    [
        ({"DATABASE_URL": "postgres://u:p@aws-0-eu-west-1.pooler.supabase.com:6543/postgres"}, True),
        ({"DATABASE_URL": "postgres://u:p@aws-0-eu-west-1.pooler.supabase.com:5432/postgres"}, False),
        ({"DATABASE_URL": "postgres://u:p@pgbouncer:6432/app", "DATABASE_TRANSACTION_POOLING": "true"}, True),
    ],
)
def test_a_transaction_mode_pooler_gets_no_server_side_cursors(load_settings: Load, env: dict[str, str], disabled: bool) -> None:
    settings = load_settings(DEBUG="true", **env)
    assert settings["DATABASES"]["default"]["DISABLE_SERVER_SIDE_CURSORS"] is disabled


def test_choices_are_read_case_insensitively(load_settings: Load) -> None:
    settings = load_settings(DEBUG="true", LOG_LEVEL="debug", RAG_STORE="Pinecone", SMTP_SECURITY="STARTTLS")
    assert (settings["LOG_LEVEL"], settings["RAG_STORE"], settings["SMTP_SECURITY"]) == ("DEBUG", "pinecone", "starttls")
    assert settings["EMAIL_USE_TLS"] is True and settings["EMAIL_USE_SSL"] is False


def test_hosts_lists_and_the_platform_hostname(load_settings: Load) -> None:
    settings = load_settings(DEBUG="true", ALLOWED_HOSTS="a.example.com, b.example.com,", RENDER_EXTERNAL_HOSTNAME="svc.onrender.com")
    assert settings["ALLOWED_HOSTS"] == ["a.example.com", "b.example.com", "svc.onrender.com"]


def test_anymail_variables_become_anymail_settings(load_settings: Load) -> None:
    settings = load_settings(DEBUG="true", ANYMAIL_POSTMARK_SERVER_TOKEN="tok", SMTP_PORT="465")
    assert settings["ANYMAIL"] == {"POSTMARK_SERVER_TOKEN": "tok"}
    assert settings["EMAIL_USE_SSL"] is True  # SMTP_SECURITY=auto on port 465


def test_rag_top_k_defaults_to_the_pinecone_top_k(load_settings: Load) -> None:
    assert load_settings(DEBUG="true", PINECONE_TOP_K="7")["RAG_TOP_K"] == 7
    assert load_settings(DEBUG="true", PINECONE_TOP_K="7", RAG_TOP_K="3")["RAG_TOP_K"] == 3
