"""End to end: a question through our chat endpoint puts the right passage in the system prompt
the model (the OpenAI double) receives, and a stalled store never stalls the answer."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from django.core.management import call_command

from tests.doubles.pinecone_server import API_KEY, PineconeDouble
from tests.doubles.serve import ServerThread
from tests.rag_support import fresh_store  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_store")]


def system_prompt(openai_double: Any) -> str:
    messages = openai_double.model_requests[-1]["json"]["messages"]
    assert messages[0]["role"] == "system"
    return messages[0]["content"]


@pytest.fixture
def sample_kb() -> None:
    call_command("ingest_sample_kb", stdout=open("/dev/null", "w"))


def test_the_right_passage_reaches_the_model(client: Any, openai_double: Any, sample_kb: None, settings: Any) -> None:
    settings.RAG_TIMEOUT_MS = 5000  # the first call also warms the index; the budget is not under test here
    stream = client.chat.completions.create(model="m", stream=True, messages=[{"role": "user", "content": "How long does a refund take to show up?"}])
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    prompt = system_prompt(openai_double)
    assert prompt.startswith(settings.SYSTEM_PROMPT)
    assert "Returns, exchanges and refunds — Refund timing (relevance: " in prompt
    assert "Banks then take 3 to 10 business days" in prompt
    assert "Source: https://help.northwind.example/returns" in prompt
    assert settings.RAG_FALLBACK_TEXT not in prompt


def test_a_short_follow_up_is_searched_with_the_question_before_it(client: Any, openai_double: Any, sample_kb: None, settings: Any) -> None:
    settings.RAG_TIMEOUT_MS = 5000
    client.chat.completions.create(
        model="m",
        messages=[
            {"role": "user", "content": "How long do I have to return something?"},
            {"role": "assistant", "content": "Thirty days for most items."},
            {"role": "user", "content": "And for members?"},
        ],
    )
    assert "Members of Northwind Plus get 60 days" in system_prompt(openai_double)


def test_the_prompt_template_is_configurable(client: Any, openai_double: Any, sample_kb: None, settings: Any) -> None:
    settings.RAG_TIMEOUT_MS = 5000
    settings.SYSTEM_PROMPT = "Be brief."
    settings.SYSTEM_PROMPT_TEMPLATE = "<facts>\n{context}\n</facts>\n{instructions}"
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Do gift cards expire?"}])
    prompt = system_prompt(openai_double)
    assert prompt.startswith("<facts>\nPayments, billing and promotions — Gift cards (relevance: ")
    assert prompt.endswith("</facts>\nBe brief.")


def test_without_a_match_the_model_gets_the_fallback_text(client: Any, openai_double: Any, sample_kb: None, settings: Any) -> None:
    # The double's bag-of-words vectors make any two English sentences look alike; the floor is
    # the per-model knob for that (real embedding models need about 0.25-0.35).
    settings.RAG_MIN_SIMILARITY = 0.9
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Who won the football yesterday?"}])
    assert system_prompt(openai_double).endswith(settings.RAG_FALLBACK_TEXT)


@pytest.fixture
def stalled_pinecone(settings: Any) -> Iterator[PineconeDouble]:
    """A Pinecone index (empty) whose queries can be made to hang."""
    double = PineconeDouble()
    with ServerThread(double) as server:
        settings.PINECONE_API_KEY = API_KEY
        settings.PINECONE_HOST = server.url
        yield double
        double.release()


def test_a_stalled_store_still_gets_an_answer_with_the_fallback(client: Any, openai_double: Any, stalled_pinecone: PineconeDouble, settings: Any) -> None:
    settings.RAG_TIMEOUT_MS = 1000
    # A first call while Pinecone answers opens the connections; then it stops answering.
    stalled_pinecone.release()
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hello"}])
    stalled_pinecone.hang()
    stalled_pinecone.requests.clear()
    stream = client.chat.completions.create(model="m", stream=True, messages=[{"role": "user", "content": "When will my refund arrive?"}])
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "You said: When will my refund arrive?"
    assert system_prompt(openai_double).endswith(settings.RAG_FALLBACK_TEXT)
    assert stalled_pinecone.paths() == ["/query"]  # asked, still silent: the answer did not wait for it
