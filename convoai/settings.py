"""Settings for the Convo AI custom LLM service.

Everything is read from the environment (or a `.env` file beside `manage.py`) through
the typed readers of `convoai/env.py`, once, here. Each integration stays off until its key is set: SQLite and the
embedded knowledge base when `DATABASE_URL` / `PINECONE_API_KEY` are absent, PostgreSQL and
Pinecone when they are present. A malformed value stops start-up with the variable's name.
"""

from __future__ import annotations

import os
import string
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from convoai.env import (
    env_cache,
    env_choice,
    env_database,
    env_flag,
    env_float,
    env_int,
    env_list,
    env_str,
    read_dotenv,
)

BASE_DIR = Path(__file__).resolve().parent.parent
read_dotenv(BASE_DIR / ".env")


# --- Core -----------------------------------------------------------------------------------
DEBUG: bool = env_flag("DEBUG", False)
SECRET_KEY: str = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # Sessions, CSRF tokens and password-reset links are signed with it: a production start
        # without one must stop here, not on the first admin login. `make run` sets DEBUG=true;
        # the test suite sets its own key (tests/settings.py).
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random value (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), or DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-dev-key-do-not-use-in-production"
ALLOWED_HOSTS: list[str] = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
# Render names the service's public host; accept it without repeating it in ALLOWED_HOSTS.
if _render_host := env_str("RENDER_EXTERNAL_HOSTNAME").strip():
    ALLOWED_HOSTS.append(_render_host)
CSRF_TRUSTED_ORIGINS: list[str] = env_list("CSRF_TRUSTED_ORIGINS", [])
PORT: int = env_int("PORT", 3000, above=0)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "convoai",
    "support",
    "rag",
    "tools",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # Answers GET /ping before host validation and the HTTPS redirect: load balancers and the
    # container HEALTHCHECK call it over plain HTTP on an internal address.
    "convoai.middleware.HealthCheckMiddleware",
    # X-Request-ID in/out, the id on every log record, one access-log line per request.
    "convoai.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The admin's CSS/JS under daphne (WhiteNoise, wrapped so the stack stays async).
    "convoai.middleware.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# The chat endpoint's own middleware chain (convoai.asgi): keep it to async-native middleware.
API_MIDDLEWARE: list[str] = ["convoai.middleware.RequestIdMiddleware"]

ROOT_URLCONF = "convoai.urls"
ASGI_APPLICATION = "convoai.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_database = env_database("DATABASE_URL")
if _database is not None:
    DATABASES = {"default": _database}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # 0: the admin's per-request threads close theirs at the end of each request (Django's
        # advice under ASGI). The chat path's one database thread keeps its own open for
        # CHAT_DB_CONN_MAX_AGE. Health checks: a kept connection is tested before it is reused.
        DATABASES["default"].setdefault("CONN_MAX_AGE", 0)
        DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
        DATABASES["default"].setdefault("OPTIONS", {})
        # A transaction-mode pooler (Supabase's on port 6543, PgBouncer in transaction mode) hands
        # each transaction a different server connection, where a server-side cursor would not
        # exist. (Prepared statements are off already: Django's default prepare_threshold.)
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_flag(
            "DATABASE_TRANSACTION_POOLING", str(DATABASES["default"].get("PORT", "")) == "6543"
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            "CONN_HEALTH_CHECKS": True,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# `collectstatic` (run in the image build) writes hashed, compressed copies and a manifest that
# WhiteNoise serves with far-future cache headers. Without a collected manifest (`make run`, the
# tests, a first run from a checkout) the files are served straight from the apps' folders.
# The build sets COLLECTSTATIC=1 so that the first `collectstatic` writes the manifest.
STATIC_COLLECTED: bool = (STATIC_ROOT / "staticfiles.json").exists()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_COLLECTED or env_flag("COLLECTSTATIC", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS: bool = not STATIC_COLLECTED
WHITENOISE_MANIFEST_STRICT = False

# --- HTTPS behind a load balancer -------------------------------------------------------------
# Every target (Heroku, Render, a container behind a proxy) terminates TLS at the load balancer
# and forwards plain HTTP with `X-Forwarded-Proto`. Trust that header only there: a service
# reachable directly could be sent a forged one (TRUST_X_FORWARDED_PROTO=false then).
TRUST_X_FORWARDED_PROTO: bool = env_flag("TRUST_X_FORWARDED_PROTO", not DEBUG)
if TRUST_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT: bool = env_flag("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^ping$"]
SESSION_COOKIE_SECURE: bool = env_flag("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE: bool = env_flag("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# HSTS: browsers refuse plain HTTP for a year once they have seen the header. 0 turns it off.
SECURE_HSTS_SECONDS: int = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, min=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS: bool = env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preload-list submission is a decision about the whole domain, taken by its owner: opt in only.
SECURE_HSTS_PRELOAD: bool = env_flag("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS: list[str] = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Cache ----------------------------------------------------------------------------------
# Holds the per-key rate-limit counters. The default is per process; with several web processes
# set CACHE_URL to a shared cache (redis://..., or dbcache://convoai_cache after
# `manage.py createcachetable`) so the limit holds across them.
CACHES = {"default": env_cache("CACHE_URL", "locmemcache://convoai")}

# --- The chat endpoint ----------------------------------------------------------------------
# Bearer key Convo AI sends (properties.llm.api_key). Unset: the endpoint is open only with
# DEBUG on (local development); otherwise it answers 503 until the key is set.
LLM_API_KEY: str = env_str("LLM_API_KEY", "")
# Keys created by staff in the admin (convoai.ApiKey) are accepted as well. A change there reaches
# every process within this many seconds (each process caches a key's record that long).
API_KEY_CACHE_SECONDS: float = env_float("API_KEY_CACHE_SECONDS", 5.0, min=0)
# Chat requests per minute per key (LLM_API_KEY counts as one key); a key in the admin may set
# its own. 0 = no limit. Over it: 429 with Retry-After.
API_KEY_RATE_LIMIT: int = env_int("API_KEY_RATE_LIMIT", 600, min=0)
# Largest accepted request body; bigger bodies get 413 in OpenAI's error shape.
MAX_REQUEST_BYTES: int = env_int("MAX_REQUEST_BYTES", 1_048_576, above=0)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES

# --- Upstream model -------------------------------------------------------------------------
OPENAI_API_KEY: str = env_str("OPENAI_API_KEY", "")
OPENAI_BASE_URL: str = env_str("OPENAI_BASE_URL", "")
OPENAI_MODEL: str = env_str("OPENAI_MODEL", "gpt-4o-mini")
OPENAI_EMBEDDING_MODEL: str = env_str("OPENAI_EMBEDDING_MODEL", "text-embedding-3-small")
USE_RESPONSES_API: bool = env_flag("USE_RESPONSES_API", False)
# Seconds to wait for the upstream to connect / to send the next byte.
OPENAI_CONNECT_TIMEOUT: float = env_float("OPENAI_CONNECT_TIMEOUT", 5.0, above=0)
OPENAI_TIMEOUT: float = env_float("OPENAI_TIMEOUT", 30.0, above=0)
# Retries of a failed upstream call before the first byte reached the caller.
OPENAI_MAX_RETRIES: int = env_int("OPENAI_MAX_RETRIES", 1, min=0)
# HTTP transport under the openai SDK: "aiohttp" (the SDK's aiohttp extra, less CPU per chunk)
# or "httpx" (the SDK's default httpx2 client).
OPENAI_HTTP_CLIENT: str = env_choice("OPENAI_HTTP_CLIENT", "aiohttp", ("aiohttp", "httpx"))
MAX_TOOL_ROUNDS: int = env_int("MAX_TOOL_ROUNDS", 5, min=0)
# No dead air: in a streaming turn whose tools take longer than TOOL_FILLER_AFTER_MS (a tool
# marked slow: at once), this short sentence is spoken first. Empty disables it.
# Longest a single tool call may take before its result is an error the model can speak about.
TOOL_TIMEOUT_MS: int = env_int("TOOL_TIMEOUT_MS", 8000, above=0)
TOOL_FILLER_TEXT: str = env_str("TOOL_FILLER_TEXT", "One moment while I check that. ")
TOOL_FILLER_AFTER_MS: int = env_int("TOOL_FILLER_AFTER_MS", 400, min=0)
SYSTEM_PROMPT: str = env_str(
    "SYSTEM_PROMPT",
    (
        "You are a friendly, concise customer-support voice agent. Your replies are spoken aloud: "
        "use short sentences, no markdown, no lists, no URLs unless asked. Use the support tools to "
        "look up customers, orders and tickets instead of guessing, and say what you did."
    ),
    multiline=True,
)
AGENT_ID: str = env_str("AGENT_ID", "")

# Garbage collector (convoai.asgi.tune_gc): the young generation is collected after this many
# new objects (Python's default is 700, about every other streamed turn). Measured at 50
# streams (bench/README.md): 5000 saves ~0.2 ms of CPU per turn and lowers the p99 against
# 700, for ~30 MB more RSS at 200 streams; 20000 saved no more and cost ~60 MB. 0 keeps 700.
GC_GEN0_THRESHOLD: int = env_int("GC_GEN0_THRESHOLD", 5_000, min=0)

# Seconds the chat path's one database thread (convoai.db_thread: tools, turn records) keeps a
# connection open for reuse, health-checked before each use; 0 opens one for each piece of work,
# a new PostgreSQL session (and TLS handshake, to Supabase) per tool call.
CHAT_DB_CONN_MAX_AGE: int = env_int("CHAT_DB_CONN_MAX_AGE", 300, min=0)

# Per-turn records (convoai.turn_records): a TurnRecord row per turn, written in batches.
TURN_RECORDS: bool = env_flag("TURN_RECORDS", True)
TURN_RECORD_FLUSH_MS: int = env_int("TURN_RECORD_FLUSH_MS", 500, above=0)
TURN_RECORD_BACKLOG: int = env_int("TURN_RECORD_BACKLOG", 10_000, above=0)

# --- Knowledge base -------------------------------------------------------------------------
PINECONE_API_KEY: str = env_str("PINECONE_API_KEY", "")
PINECONE_INDEX: str = env_str("PINECONE_INDEX", "")
PINECONE_HOST: str = env_str("PINECONE_HOST", "")
PINECONE_NAMESPACE: str = env_str("PINECONE_NAMESPACE", "")
PINECONE_TOP_K: int = env_int("PINECONE_TOP_K", 4, above=0)
RAG_TOP_K: int = env_int("RAG_TOP_K", PINECONE_TOP_K, above=0)
RAG_TIMEOUT_MS: int = env_int("RAG_TIMEOUT_MS", 300, above=0)
# Which store answers retrieval: "embedded" (the Django database), "pinecone", or "auto"
# (Pinecone when PINECONE_API_KEY is set, else embedded).
RAG_STORE: str = env_choice("RAG_STORE", "auto", ("auto", "embedded", "pinecone"))
# Ask the embeddings endpoint for shorter vectors (text-embedding-3 models accept 256 to 3072):
# less memory and a faster scan in the embedded store. 0 keeps the model's own size.
OPENAI_EMBEDDING_DIMENSIONS: int = env_int("OPENAI_EMBEDDING_DIMENSIONS", 0, min=0)
# Vector matches below this cosine similarity are dropped, so an unrelated question gets the
# fallback text rather than the least-bad passage.
RAG_MIN_SIMILARITY: float = env_float("RAG_MIN_SIMILARITY", 0.25)
# Ingestion: characters per chunk, characters repeated between neighbouring chunks, texts per
# embeddings request.
RAG_CHUNK_CHARS: int = env_int("RAG_CHUNK_CHARS", 900, above=0)
RAG_CHUNK_OVERLAP: int = env_int("RAG_CHUNK_OVERLAP", 150, min=0)
if not 0 <= RAG_CHUNK_OVERLAP < RAG_CHUNK_CHARS:
    raise ImproperlyConfigured("RAG_CHUNK_OVERLAP must be 0 or more and smaller than RAG_CHUNK_CHARS")
RAG_EMBED_BATCH: int = env_int("RAG_EMBED_BATCH", 64, above=0)
# What the model is told when retrieval finds nothing, fails or misses its budget (contract §7).
RAG_FALLBACK_TEXT: str = env_str(
    "RAG_FALLBACK_TEXT",
    (
        "No knowledge-base article matched this question. Answer from the conversation and the "
        "support tools; do not invent policies, prices or dates. If you are not sure, say so and "
        "offer to open a support ticket."
    ),
    multiline=True,
)
# Our system prompt: {instructions} is SYSTEM_PROMPT, {context} the knowledge-base passages
# (or RAG_FALLBACK_TEXT). Literal braces are written {{ and }}.
SYSTEM_PROMPT_TEMPLATE: str = env_str(
    "SYSTEM_PROMPT_TEMPLATE",
    "{instructions}\n\nKnowledge base (use it when it answers the question):\n{context}",
    multiline=True,
)
try:
    _template_fields = {f for _, f, _, _ in string.Formatter().parse(SYSTEM_PROMPT_TEMPLATE) if f is not None}
except ValueError as exc:
    raise ImproperlyConfigured(f"Invalid value for SYSTEM_PROMPT_TEMPLATE: {exc}") from exc
if not _template_fields <= {"instructions", "context"}:
    raise ImproperlyConfigured(
        "SYSTEM_PROMPT_TEMPLATE may only use {instructions} and {context} "
        f"(found {', '.join(sorted('{' + f + '}' for f in _template_fields - {'instructions', 'context'}))})"
    )

# --- Support data ---------------------------------------------------------------------------
SUPABASE_URL: str = env_str("SUPABASE_URL", "")
SUPABASE_SERVICE_ROLE_KEY: str = env_str("SUPABASE_SERVICE_ROLE_KEY", "")
SUPPORT_TICKETS_TABLE: str = env_str("SUPPORT_TICKETS_TABLE", "support_tickets")
SUPPORT_INTERACTIONS_TABLE: str = env_str("SUPPORT_INTERACTIONS_TABLE", "support_interactions")
SUPPORT_EMAIL: str = env_str("SUPPORT_EMAIL", "support@example.com")

# --- Email ----------------------------------------------------------------------------------
SMTP_HOST: str = env_str("SMTP_HOST", "")
SMTP_PORT: int = env_int("SMTP_PORT", 587, above=0)
SMTP_USER: str = env_str("SMTP_USER", "")
SMTP_PASS: str = env_str("SMTP_PASS", "")
DEFAULT_FROM_EMAIL: str = env_str("DEFAULT_FROM_EMAIL", SMTP_USER or "convoai@localhost")
# How the SMTP connection is secured (docs/email.md): auto = implicit TLS on port 465, otherwise
# STARTTLS whenever the server offers it (certificates verified); a server without STARTTLS is
# used in the clear only when no password would cross the wire. ssl / starttls force one mode;
# none is for a local mail catcher.
SMTP_SECURITY: str = env_choice("SMTP_SECURITY", "auto", ("auto", "ssl", "starttls", "none"))
# The mail backend: our verified-TLS SMTP backend by default; any anymail ESP by name, e.g.
# EMAIL_BACKEND=anymail.backends.postmark.EmailBackend with ANYMAIL_POSTMARK_SERVER_TOKEN=...
EMAIL_BACKEND: str = env_str("EMAIL_BACKEND", "support.smtp.EmailBackend")
EMAIL_HOST: str = SMTP_HOST
EMAIL_PORT: int = SMTP_PORT
EMAIL_HOST_USER: str = SMTP_USER
EMAIL_HOST_PASSWORD: str = SMTP_PASS
EMAIL_USE_SSL: bool = SMTP_SECURITY == "ssl" or (SMTP_SECURITY == "auto" and SMTP_PORT == 465)
EMAIL_USE_TLS: bool = SMTP_SECURITY == "starttls"
EMAIL_TIMEOUT: float = env_float("EMAIL_TIMEOUT", 15.0, above=0)
# Every ANYMAIL_<NAME> variable becomes ANYMAIL["<NAME>"] (anymail's own setting names).
ANYMAIL: dict[str, str] = {
    name.removeprefix("ANYMAIL_"): value for name, value in sorted(os.environ.items()) if name.startswith("ANYMAIL_")
}
# Delivery retries: attempt n waits EMAIL_RETRY_BASE_SECONDS * 2**(n-1), at most
# EMAIL_RETRY_MAX_SECONDS; after EMAIL_MAX_ATTEMPTS the email is marked failed (staff can resend).
EMAIL_MAX_ATTEMPTS: int = env_int("EMAIL_MAX_ATTEMPTS", 12, above=0)
EMAIL_RETRY_BASE_SECONDS: float = env_float("EMAIL_RETRY_BASE_SECONDS", 30.0, above=0)
EMAIL_RETRY_MAX_SECONDS: float = env_float("EMAIL_RETRY_MAX_SECONDS", 900.0, above=0)
# Public address of this service, for the admin link in the escalation email ("" = no link).
SITE_URL: str = env_str("SITE_URL", "").rstrip("/")

# --- Background tasks -----------------------------------------------------------------------
# django-tasks with its database backend: the email queue lives in the database, so it survives
# restarts and is written in the same transaction as the escalation. `manage.py db_worker` runs it.
TASKS: dict[str, Any] = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Agora ----------------------------------------------------------------------------------
AGORA_APP_ID: str = env_str("AGORA_APP_ID", "")
AGORA_APP_CERTIFICATE: str = env_str("AGORA_APP_CERTIFICATE", "")
AGORA_CUSTOMER_ID: str = env_str("AGORA_CUSTOMER_ID", "")
AGORA_CUSTOMER_SECRET: str = env_str("AGORA_CUSTOMER_SECRET", "")
# Signaling (RTM) REST API, legacy v2 (contract §10); tests point it at a double.
AGORA_RTM_BASE_URL: str = env_str("AGORA_RTM_BASE_URL", "https://api.agora.io").rstrip("/")
AGORA_RTM_TIMEOUT: float = env_float("AGORA_RTM_TIMEOUT", 3.0, above=0)
# Calls per second per app id (Agora allows 500).
AGORA_RTM_RATE: float = env_float("AGORA_RTM_RATE", 500.0, above=0)
# The RTM user id our messages come from.
AGORA_RTM_SENDER: str = env_str("AGORA_RTM_SENDER", "support-agent")

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL: str = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), upper=True)
# One JSON object per line (for a log service), or "plain" for reading in a terminal (the
# default with DEBUG on, i.e. `make run`).
LOG_FORMAT: str = env_choice("LOG_FORMAT", "plain" if DEBUG else "json", ("json", "plain"))
from convoai.logs import logging_config  # noqa: E402  (after the values it is built from)

LOGGING = logging_config(LOG_LEVEL, LOG_FORMAT)
