"""Helpers for tests that run the service as its own process (daphne, `convoai.serve`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

__all__ = ["ROOT", "wait_for", "migrated_env"]

ROOT = Path(__file__).resolve().parent.parent


def wait_for(condition: Callable[[], bool], timeout: float = 5.0, interval: float = 0.02) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def migrated_env(sqlite_path: Path, double_url: str, llm_key: str) -> dict[str, str]:
    """Production settings on a fresh SQLite file, the OpenAI double upstream; migrated."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "convoai.settings",
        "SQLITE_PATH": str(sqlite_path),
        "DEBUG": "false",
        "SECRET_KEY": "process-test-secret-key-0123456789abcdefghijklmnop",
        "LLM_API_KEY": llm_key,
        "OPENAI_API_KEY": "test-openai-key",
        "OPENAI_BASE_URL": f"{double_url}/v1",
        "OPENAI_MAX_RETRIES": "0",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    return env
