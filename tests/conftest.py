"""Shared fixtures: the OpenAI double and our own service, each on a real loopback socket.

Tests use SQLite unless DATABASE_URL points elsewhere (CI runs them on PostgreSQL too).
"""

from __future__ import annotations

from typing import Iterator

import httpx
import openai
import pytest

from tests.doubles.openai_server import OpenAIDouble
from tests.doubles.serve import ServerThread

LLM_KEY = "test-llm-key"
OPENAI_KEY = "test-openai-key"


@pytest.fixture(scope="session")
def _openai_double_server() -> Iterator[tuple[OpenAIDouble, ServerThread]]:
    double = OpenAIDouble()
    with ServerThread(double) as server:
        yield double, server


@pytest.fixture
def openai_double(_openai_double_server: tuple[OpenAIDouble, ServerThread], settings) -> Iterator[OpenAIDouble]:
    """The OpenAI double, reset, with our service pointed at it."""
    double, server = _openai_double_server
    double.reset()
    settings.OPENAI_BASE_URL = f"{server.url}/v1"
    settings.OPENAI_API_KEY = OPENAI_KEY
    yield double
    assert not double.problems, f"the double rejected a conversation: {double.problems}"


@pytest.fixture(autouse=True)
def _service_settings(settings) -> None:
    settings.LLM_API_KEY = LLM_KEY
    settings.OPENAI_BASE_URL = ""
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_MAX_RETRIES = 0


@pytest.fixture(scope="session")
def live_service() -> Iterator[ServerThread]:
    """Our ASGI application served on a real socket, in this process (settings overridable)."""
    from convoai.asgi import application

    with ServerThread(application) as server:
        yield server


@pytest.fixture
def service_url(live_service: ServerThread, django_db_blocker) -> Iterator[str]:
    # Django's request_started/finished receivers look at the server thread's connection on
    # every request; that is the service's own business, not the test's database use.
    with django_db_blocker.unblock():
        yield live_service.url
    # The chat handler runs thread-sensitive work on asgiref's one shared sync thread (see
    # convoai/asgi.py), which keeps its database connection between requests, as in production.
    # Between tests, close it: the next test may not have database access, and PostgreSQL
    # cannot drop the test database while a connection is open.
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture
def http(service_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service_url, timeout=10, headers={"Authorization": f"Bearer {LLM_KEY}"}) as client:
        yield client


@pytest.fixture
def client(service_url: str) -> Iterator[openai.OpenAI]:
    """The official openai client, pointed at our service as any OpenAI user would."""
    with openai.OpenAI(base_url=f"{service_url}/v1", api_key=LLM_KEY, max_retries=0, timeout=10) as c:
        yield c


@pytest.fixture(autouse=True)
def _fresh_api_key_state(settings) -> Iterator[None]:
    """Each test starts with no cached API keys and no rate-limit counts (ids repeat after a flush)."""
    from django.core.cache import caches

    from convoai.api_keys import api_key_cache_clear

    settings.API_KEY_RATE_LIMIT = 0  # tests of the limit set their own
    api_key_cache_clear()
    caches["default"].clear()
    yield
    api_key_cache_clear()
