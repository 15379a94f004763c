"""Contract §11: settings come from the environment; a bad value stops start-up, naming it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _start(**env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update({"DJANGO_SETTINGS_MODULE": "convoai.settings", "SECRET_KEY": "x" * 50, **env_overrides})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )


@pytest.mark.parametrize(
    "name, value",
    [("MAX_TOOL_ROUNDS", "many"), ("PORT", "0"), ("RAG_TIMEOUT_MS", "0"), ("OPENAI_TIMEOUT", "soon"), ("DEBUG", "perhaps")],
)
def test_invalid_value_fails_naming_the_variable(name, value):
    result = _start(**{name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_database_url_selects_postgresql_and_default_is_sqlite():
    assert _start().stdout.strip() == "django.db.backends.sqlite3"
    pg = _start(DATABASE_URL="postgres://user:pw@db.example.supabase.co:5432/postgres")
    assert pg.stdout.strip() == "django.db.backends.postgresql", pg.stderr
