"""System checks: configuration mistakes show up in `manage.py check`, before the first call."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_llm_api_key(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems = []
    if not settings.LLM_API_KEY:
        problems.append(
            Warning(
                "LLM_API_KEY is not set: only API keys created in the admin are accepted "
                "(and with DEBUG on, requests without a key too).",
                hint="Set LLM_API_KEY to the api_key configured in Convo AI's properties.llm, "
                "or create keys under Admin > API keys.",
                id="convoai.W004",
            )
        )
    elif len(settings.LLM_API_KEY) < 16:
        problems.append(Warning("LLM_API_KEY is shorter than 16 characters.", id="convoai.W001"))
    return problems


@register(Tags.security, deploy=True)
def check_hosts(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems = []
    if "*" in settings.ALLOWED_HOSTS:
        problems.append(
            Warning(
                "ALLOWED_HOSTS accepts any host name.",
                hint="List the service's public host names, e.g. ALLOWED_HOSTS=convoai.example.com.",
                id="convoai.W005",
            )
        )
    if not settings.DEBUG and not getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and settings.SECURE_SSL_REDIRECT:
        problems.append(
            Warning(
                "SECURE_SSL_REDIRECT is on but X-Forwarded-Proto is not trusted: behind a TLS-terminating "
                "load balancer every request would be redirected forever.",
                hint="Set TRUST_X_FORWARDED_PROTO=true behind a load balancer, or SECURE_SSL_REDIRECT=false "
                "when something else enforces HTTPS.",
                id="convoai.W006",
            )
        )
    return problems


@register()
def check_upstream(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems = []
    if not (settings.OPENAI_API_KEY or settings.OPENAI_BASE_URL):
        problems.append(
            Warning(
                "No upstream model: chat requests answer 503.",
                hint="Set OPENAI_API_KEY, and OPENAI_BASE_URL for an OpenAI-compatible server.",
                id="convoai.W002",
            )
        )
    if bool(settings.PINECONE_API_KEY) != bool(settings.PINECONE_INDEX or settings.PINECONE_HOST):
        problems.append(
            Warning(
                "Pinecone is half configured: the embedded knowledge base is used.",
                hint="Set both PINECONE_API_KEY and PINECONE_INDEX (or PINECONE_HOST).",
                id="convoai.W003",
            )
        )
    return problems
