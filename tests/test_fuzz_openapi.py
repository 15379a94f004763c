"""Schemathesis against the service's own OpenAPI schema (issue 7, item 4).

The schema is the one the service publishes at /v1/openapi.json, fetched over a real socket;
the calls go to the same live service, which talks to the OpenAI double. Schemathesis generates
schema-valid and schema-invalid requests and runs its checks (no 5xx, documented status codes
and content types, responses matching the documented schemas, invalid data rejected, valid data
accepted), and we assert OpenAI's error shape on every error on top.
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, note, settings
from schemathesis import GenerationMode, checks

from tests.conftest import LLM_KEY
from tests.fuzz_support import assert_error_shape

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published_schema(service_url: str, openai_double: Any, settings: Any) -> Any:
    # The docs are public with DEBUG on, staff-only otherwise; DEBUG is on only for the fetch.
    settings.DEBUG = True
    raw = httpx.get(f"{service_url}/v1/openapi.json", timeout=10).raise_for_status().json()
    settings.DEBUG = False
    schema = schemathesis.openapi.from_dict(raw)
    schema.config.base_url = service_url
    return schema


# Schemathesis' own pytest integration (`from_fixture` + `parametrize`) breaks on pytest 9.2
# (it reads `Function._nodeid`, which pytest 9.2's Function lacks); its Hypothesis strategy works the same.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


# Excluded: `positive_data_acceptance`. JSON Schema cannot say that a `tool` message must
# answer a tool call of the assistant message before it (OpenAI's rule, which the service checks
# with a 400 rather than let the model server refuse it); schema-valid histories that break it
# are rightly rejected. tests/test_fuzz_requests.py checks that valid conversations get a 200.
EXCLUDED_CHECKS = [checks.positive_data_acceptance]


def _check(case: Any) -> None:
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {LLM_KEY}"}, excluded_checks=EXCLUDED_CHECKS, timeout=30
    )
    if response.status_code >= 400:
        headers = {name: values[0] for name, values in response.headers.items()}
        assert_error_shape(httpx.Response(response.status_code, headers=headers, content=response.content))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_published_api_survives_schemathesis(published_schema: Any, openai_double: Any, mode: GenerationMode) -> None:
    strategy = published_schema.as_strategy(generation_mode=mode)

    @FUZZ
    @given(case=strategy)
    def run(case: Any) -> None:
        # The known engine bug (see tests/test_fuzz_findings.py) is not what this test hunts.
        assume(not set(json.dumps(case.body, ensure_ascii=False, default=str)) & set("\x85\u2028\u2029"))
        openai_double.reset()
        note(f"{case.method} {case.path} body={case.body!r} headers={case.headers!r}")
        _check(case)

    run()
