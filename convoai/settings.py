"""Settings for the Convo AI custom LLM service.

Everything is read from the environment (or a `.env` file beside `manage.py`) through
django-environ, once, here. Each integration stays off until its key is set: SQLite and the
embedded knowledge base when `DATABASE_URL` / `PINECONE_API_KEY` are absent, PostgreSQL and
Pinecone when they are present. A malformed value stops start-up with the variable's name.
"""

from __future__ import annotations

import string
import os
from pathlib import Path
from typing import Any, Callable

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _read(name: str, reader: Callable[..., Any], default: Any) -> Any:
    """Read one variable; a value that does not parse names the variable in the error."""
    try:
        return reader(name, default=default)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"Invalid value for {name}: {exc}") from exc


_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f", ""}


def _flag(name: str, default: bool) -> bool:
    """A boolean that refuses typos: "ture" is an error, not a silent False."""
    raw = env.str(name, default="true" if default else "false").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"Invalid value for {name}: {raw!r} (use true or false)")


def _positive(name: str, value: float) -> float:
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be greater than 0 (got {value!r})")
    return value


# --- Core -----------------------------------------------------------------------------------
DEBUG: bool = _flag("DEBUG", False)
SECRET_KEY: str = env.str("SECRET_KEY", default="")
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
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# Render names the service's public host; accept it without repeating it in ALLOWED_HOSTS.
if env.str("RENDER_EXTERNAL_HOSTNAME", default=""):
    ALLOWED_HOSTS.append(env.str("RENDER_EXTERNAL_HOSTNAME"))
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PORT: int = int(_positive("PORT", _read("PORT", env.int, 3000)))

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
_database_url: str = env.str("DATABASE_URL", default="")
if _database_url:
    try:
        DATABASES = {"default": env.db_url_config(_database_url)}
    except Exception as exc:  # django-environ raises several types for a bad URL
        raise ImproperlyConfigured(f"Invalid value for DATABASE_URL: {exc}") from exc
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
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = _read(
            "DATABASE_TRANSACTION_POOLING", env.bool, str(DATABASES["default"].get("PORT", "")) == "6543"
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3")),
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
        if STATIC_COLLECTED or _read("COLLECTSTATIC", env.bool, False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS: bool = not STATIC_COLLECTED
WHITENOISE_MANIFEST_STRICT = False

# --- HTTPS behind a load balancer -------------------------------------------------------------
# Every target (Heroku, Render, a container behind a proxy) terminates TLS at the load balancer
# and forwards plain HTTP with `X-Forwarded-Proto`. Trust that header only there: a service
# reachable directly could be sent a forged one (TRUST_X_FORWARDED_PROTO=false then).
TRUST_X_FORWARDED_PROTO: bool = _read("TRUST_X_FORWARDED_PROTO", env.bool, not DEBUG)
if TRUST_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT: bool = _read("SECURE_SSL_REDIRECT", env.bool, not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^ping$"]
SESSION_COOKIE_SECURE: bool = _read("SESSION_COOKIE_SECURE", env.bool, not DEBUG)
CSRF_COOKIE_SECURE: bool = _read("CSRF_COOKIE_SECURE", env.bool, not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# HSTS: browsers refuse plain HTTP for a year once they have seen the header. 0 turns it off.
SECURE_HSTS_SECONDS: int = int(_read("SECURE_HSTS_SECONDS", env.int, 0 if DEBUG else 31_536_000))
SECURE_HSTS_INCLUDE_SUBDOMAINS: bool = _read("SECURE_HSTS_INCLUDE_SUBDOMAINS", env.bool, True)
# Preload-list submission is a decision about the whole domain, taken by its owner: opt in only.
SECURE_HSTS_PRELOAD: bool = _read("SECURE_HSTS_PRELOAD", env.bool, False)
SILENCED_SYSTEM_CHECKS: list[str] = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Cache ----------------------------------------------------------------------------------
# Holds the per-key rate-limit counters. The default is per process; with several web processes
# set CACHE_URL to a shared cache (redis://..., or dbcache://convoai_cache after
# `manage.py createcachetable`) so the limit holds across them.
try:
    CACHES = {"default": env.cache_url_config(env.str("CACHE_URL", default="locmemcache://convoai"))}
except Exception as exc:  # django-environ raises several types for a bad URL
    raise ImproperlyConfigured(f"Invalid value for CACHE_URL: {exc}") from exc

# --- The chat endpoint ----------------------------------------------------------------------
# Bearer key Convo AI sends (properties.llm.api_key). Unset: the endpoint is open only with
# DEBUG on (local development); otherwise it answers 503 until the key is set.
LLM_API_KEY: str = env.str("LLM_API_KEY", default="")
# Keys created by staff in the admin (convoai.ApiKey) are accepted as well. A change there reaches
# every process within this many seconds (each process caches a key's record that long).
API_KEY_CACHE_SECONDS: float = _read("API_KEY_CACHE_SECONDS", env.float, 5.0)
if API_KEY_CACHE_SECONDS < 0:
    raise ImproperlyConfigured(f"API_KEY_CACHE_SECONDS must be 0 or more (got {API_KEY_CACHE_SECONDS})")
# Chat requests per minute per key (LLM_API_KEY counts as one key); a key in the admin may set
# its own. 0 = no limit. Over it: 429 with Retry-After.
API_KEY_RATE_LIMIT: int = int(_read("API_KEY_RATE_LIMIT", env.int, 600))
if API_KEY_RATE_LIMIT < 0:
    raise ImproperlyConfigured(f"API_KEY_RATE_LIMIT must be 0 or more (got {API_KEY_RATE_LIMIT})")
# Largest accepted request body; bigger bodies get 413 in OpenAI's error shape.
MAX_REQUEST_BYTES: int = int(_positive("MAX_REQUEST_BYTES", _read("MAX_REQUEST_BYTES", env.int, 1_048_576)))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES

# --- Upstream model -------------------------------------------------------------------------
OPENAI_API_KEY: str = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL: str = env.str("OPENAI_BASE_URL", default="")
OPENAI_MODEL: str = env.str("OPENAI_MODEL", default="gpt-4o-mini")
OPENAI_EMBEDDING_MODEL: str = env.str("OPENAI_EMBEDDING_MODEL", default="text-embedding-3-small")
USE_RESPONSES_API: bool = _flag("USE_RESPONSES_API", False)
# Seconds to wait for the upstream to connect / to send the next byte.
OPENAI_CONNECT_TIMEOUT: float = _positive("OPENAI_CONNECT_TIMEOUT", _read("OPENAI_CONNECT_TIMEOUT", env.float, 5.0))
OPENAI_TIMEOUT: float = _positive("OPENAI_TIMEOUT", _read("OPENAI_TIMEOUT", env.float, 30.0))
# Retries of a failed upstream call before the first byte reached the caller.
OPENAI_MAX_RETRIES: int = int(_read("OPENAI_MAX_RETRIES", env.int, 1))
# HTTP transport under the openai SDK: "aiohttp" (the SDK's aiohttp extra, less CPU per chunk)
# or "httpx" (the SDK's default httpx2 client).
OPENAI_HTTP_CLIENT: str = env.str("OPENAI_HTTP_CLIENT", default="aiohttp").strip().lower()
if OPENAI_HTTP_CLIENT not in ("aiohttp", "httpx"):
    raise ImproperlyConfigured(f"Invalid value for OPENAI_HTTP_CLIENT: {OPENAI_HTTP_CLIENT!r} (use aiohttp or httpx)")
MAX_TOOL_ROUNDS: int = int(_read("MAX_TOOL_ROUNDS", env.int, 5))
if MAX_TOOL_ROUNDS < 0:
    raise ImproperlyConfigured(f"MAX_TOOL_ROUNDS must be 0 or more (got {MAX_TOOL_ROUNDS})")
# No dead air: in a streaming turn whose tools take longer than TOOL_FILLER_AFTER_MS (a tool
# marked slow: at once), this short sentence is spoken first. Empty disables it.
# Longest a single tool call may take before its result is an error the model can speak about.
TOOL_TIMEOUT_MS: int = int(_positive("TOOL_TIMEOUT_MS", _read("TOOL_TIMEOUT_MS", env.int, 8000)))
TOOL_FILLER_TEXT: str = env.str("TOOL_FILLER_TEXT", default="One moment while I check that. ")
TOOL_FILLER_AFTER_MS: int = int(_read("TOOL_FILLER_AFTER_MS", env.int, 400))
if TOOL_FILLER_AFTER_MS < 0:
    raise ImproperlyConfigured(f"TOOL_FILLER_AFTER_MS must be 0 or more (got {TOOL_FILLER_AFTER_MS})")
SYSTEM_PROMPT: str = env.str(
    "SYSTEM_PROMPT",
    default=(
        "You are a friendly, concise customer-support voice agent. Your replies are spoken aloud: "
        "use short sentences, no markdown, no lists, no URLs unless asked. Use the support tools to "
        "look up customers, orders and tickets instead of guessing, and say what you did."
    ),
    multiline=True,
)
AGENT_ID: str = env.str("AGENT_ID", default="")

# Garbage collector (convoai.asgi.tune_gc): the young generation is collected after this many
# new objects (Python's default is 700, about every other streamed turn). Measured at 50
# streams (bench/README.md): 5000 saves ~0.2 ms of CPU per turn and lowers the p99 against
# 700, for ~30 MB more RSS at 200 streams; 20000 saved no more and cost ~60 MB. 0 keeps 700.
GC_GEN0_THRESHOLD: int = int(_read("GC_GEN0_THRESHOLD", env.int, 5_000))
if GC_GEN0_THRESHOLD < 0:
    raise ImproperlyConfigured(f"GC_GEN0_THRESHOLD must be 0 or more (got {GC_GEN0_THRESHOLD})")

# Seconds the chat path's one database thread (convoai.db_thread: tools, turn records) keeps a
# connection open for reuse, health-checked before each use; 0 opens one for each piece of work,
# a new PostgreSQL session (and TLS handshake, to Supabase) per tool call.
CHAT_DB_CONN_MAX_AGE: int = int(_read("CHAT_DB_CONN_MAX_AGE", env.int, 300))
if CHAT_DB_CONN_MAX_AGE < 0:
    raise ImproperlyConfigured(f"CHAT_DB_CONN_MAX_AGE must be 0 or more (got {CHAT_DB_CONN_MAX_AGE})")

# Per-turn records (convoai.turn_records): a TurnRecord row per turn, written in batches.
TURN_RECORDS: bool = _flag("TURN_RECORDS", True)
TURN_RECORD_FLUSH_MS: int = int(_positive("TURN_RECORD_FLUSH_MS", _read("TURN_RECORD_FLUSH_MS", env.int, 500)))
TURN_RECORD_BACKLOG: int = int(_positive("TURN_RECORD_BACKLOG", _read("TURN_RECORD_BACKLOG", env.int, 10_000)))

# --- Knowledge base -------------------------------------------------------------------------
PINECONE_API_KEY: str = env.str("PINECONE_API_KEY", default="")
PINECONE_INDEX: str = env.str("PINECONE_INDEX", default="")
PINECONE_HOST: str = env.str("PINECONE_HOST", default="")
PINECONE_NAMESPACE: str = env.str("PINECONE_NAMESPACE", default="")
PINECONE_TOP_K: int = int(_positive("PINECONE_TOP_K", _read("PINECONE_TOP_K", env.int, 4)))
RAG_TOP_K: int = int(_positive("RAG_TOP_K", _read("RAG_TOP_K", env.int, PINECONE_TOP_K)))
RAG_TIMEOUT_MS: int = int(_positive("RAG_TIMEOUT_MS", _read("RAG_TIMEOUT_MS", env.int, 300)))
# Which store answers retrieval: "embedded" (the Django database), "pinecone", or "auto"
# (Pinecone when PINECONE_API_KEY is set, else embedded).
RAG_STORE: str = env.str("RAG_STORE", default="auto").strip().lower()
if RAG_STORE not in ("auto", "embedded", "pinecone"):
    raise ImproperlyConfigured(f"Invalid value for RAG_STORE: {RAG_STORE!r} (auto, embedded or pinecone)")
# Ask the embeddings endpoint for shorter vectors (text-embedding-3 models accept 256 to 3072):
# less memory and a faster scan in the embedded store. 0 keeps the model's own size.
OPENAI_EMBEDDING_DIMENSIONS: int = int(_read("OPENAI_EMBEDDING_DIMENSIONS", env.int, 0))
if OPENAI_EMBEDDING_DIMENSIONS < 0:
    raise ImproperlyConfigured("OPENAI_EMBEDDING_DIMENSIONS must be 0 (the model's size) or more")
# Vector matches below this cosine similarity are dropped, so an unrelated question gets the
# fallback text rather than the least-bad passage.
RAG_MIN_SIMILARITY: float = _read("RAG_MIN_SIMILARITY", env.float, 0.25)
# Ingestion: characters per chunk, characters repeated between neighbouring chunks, texts per
# embeddings request.
RAG_CHUNK_CHARS: int = int(_positive("RAG_CHUNK_CHARS", _read("RAG_CHUNK_CHARS", env.int, 900)))
RAG_CHUNK_OVERLAP: int = int(_read("RAG_CHUNK_OVERLAP", env.int, 150))
if not 0 <= RAG_CHUNK_OVERLAP < RAG_CHUNK_CHARS:
    raise ImproperlyConfigured("RAG_CHUNK_OVERLAP must be 0 or more and smaller than RAG_CHUNK_CHARS")
RAG_EMBED_BATCH: int = int(_positive("RAG_EMBED_BATCH", _read("RAG_EMBED_BATCH", env.int, 64)))
# What the model is told when retrieval finds nothing, fails or misses its budget (contract §7).
RAG_FALLBACK_TEXT: str = env.str(
    "RAG_FALLBACK_TEXT",
    default=(
        "No knowledge-base article matched this question. Answer from the conversation and the "
        "support tools; do not invent policies, prices or dates. If you are not sure, say so and "
        "offer to open a support ticket."
    ),
    multiline=True,
)
# Our system prompt: {instructions} is SYSTEM_PROMPT, {context} the knowledge-base passages
# (or RAG_FALLBACK_TEXT). Literal braces are written {{ and }}.
SYSTEM_PROMPT_TEMPLATE: str = env.str(
    "SYSTEM_PROMPT_TEMPLATE",
    default="{instructions}\n\nKnowledge base (use it when it answers the question):\n{context}",
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
SUPABASE_URL: str = env.str("SUPABASE_URL", default="")
SUPABASE_SERVICE_ROLE_KEY: str = env.str("SUPABASE_SERVICE_ROLE_KEY", default="")
SUPPORT_TICKETS_TABLE: str = env.str("SUPPORT_TICKETS_TABLE", default="support_tickets")
SUPPORT_INTERACTIONS_TABLE: str = env.str("SUPPORT_INTERACTIONS_TABLE", default="support_interactions")
SUPPORT_EMAIL: str = env.str("SUPPORT_EMAIL", default="support@example.com")

# --- Email ----------------------------------------------------------------------------------
SMTP_HOST: str = env.str("SMTP_HOST", default="")
SMTP_PORT: int = int(_read("SMTP_PORT", env.int, 587))
SMTP_USER: str = env.str("SMTP_USER", default="")
SMTP_PASS: str = env.str("SMTP_PASS", default="")
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default=SMTP_USER or "convoai@localhost")
# How the SMTP connection is secured (docs/email.md): auto = implicit TLS on port 465, otherwise
# STARTTLS whenever the server offers it (certificates verified); a server without STARTTLS is
# used in the clear only when no password would cross the wire. ssl / starttls force one mode;
# none is for a local mail catcher.
SMTP_SECURITY: str = env.str("SMTP_SECURITY", default="auto").strip().lower()
if SMTP_SECURITY not in {"auto", "ssl", "starttls", "none"}:
    raise ImproperlyConfigured(f"Invalid value for SMTP_SECURITY: {SMTP_SECURITY!r} (use auto, ssl, starttls or none)")
# The mail backend: our verified-TLS SMTP backend by default; any anymail ESP by name, e.g.
# EMAIL_BACKEND=anymail.backends.postmark.EmailBackend with ANYMAIL_POSTMARK_SERVER_TOKEN=...
EMAIL_BACKEND: str = env.str("EMAIL_BACKEND", default="support.smtp.EmailBackend")
EMAIL_HOST: str = SMTP_HOST
EMAIL_PORT: int = SMTP_PORT
EMAIL_HOST_USER: str = SMTP_USER
EMAIL_HOST_PASSWORD: str = SMTP_PASS
EMAIL_USE_SSL: bool = SMTP_SECURITY == "ssl" or (SMTP_SECURITY == "auto" and SMTP_PORT == 465)
EMAIL_USE_TLS: bool = SMTP_SECURITY == "starttls"
EMAIL_TIMEOUT: float = _positive("EMAIL_TIMEOUT", _read("EMAIL_TIMEOUT", env.float, 15.0))
# Every ANYMAIL_<NAME> variable becomes ANYMAIL["<NAME>"] (anymail's own setting names).
ANYMAIL: dict[str, str] = {
    name.removeprefix("ANYMAIL_"): value for name, value in sorted(os.environ.items()) if name.startswith("ANYMAIL_")
}
# Delivery retries: attempt n waits EMAIL_RETRY_BASE_SECONDS * 2**(n-1), at most
# EMAIL_RETRY_MAX_SECONDS; after EMAIL_MAX_ATTEMPTS the email is marked failed (staff can resend).
EMAIL_MAX_ATTEMPTS: int = int(_positive("EMAIL_MAX_ATTEMPTS", _read("EMAIL_MAX_ATTEMPTS", env.int, 12)))
EMAIL_RETRY_BASE_SECONDS: float = _positive(
    "EMAIL_RETRY_BASE_SECONDS", _read("EMAIL_RETRY_BASE_SECONDS", env.float, 30.0)
)
EMAIL_RETRY_MAX_SECONDS: float = _positive("EMAIL_RETRY_MAX_SECONDS", _read("EMAIL_RETRY_MAX_SECONDS", env.float, 900.0))
# Public address of this service, for the admin link in the escalation email ("" = no link).
SITE_URL: str = env.str("SITE_URL", default="").rstrip("/")

# --- Background tasks -----------------------------------------------------------------------
# django-tasks with its database backend: the email queue lives in the database, so it survives
# restarts and is written in the same transaction as the escalation. `manage.py db_worker` runs it.
TASKS: dict[str, Any] = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Agora ----------------------------------------------------------------------------------
AGORA_APP_ID: str = env.str("AGORA_APP_ID", default="")
AGORA_APP_CERTIFICATE: str = env.str("AGORA_APP_CERTIFICATE", default="")
AGORA_CUSTOMER_ID: str = env.str("AGORA_CUSTOMER_ID", default="")
AGORA_CUSTOMER_SECRET: str = env.str("AGORA_CUSTOMER_SECRET", default="")
# Signaling (RTM) REST API, legacy v2 (contract §10); tests point it at a double.
AGORA_RTM_BASE_URL: str = env.str("AGORA_RTM_BASE_URL", default="https://api.agora.io").rstrip("/")
AGORA_RTM_TIMEOUT: float = _positive("AGORA_RTM_TIMEOUT", _read("AGORA_RTM_TIMEOUT", env.float, 3.0))
# Calls per second per app id (Agora allows 500).
AGORA_RTM_RATE: float = _positive("AGORA_RTM_RATE", _read("AGORA_RTM_RATE", env.float, 500.0))
# The RTM user id our messages come from.
AGORA_RTM_SENDER: str = env.str("AGORA_RTM_SENDER", default="support-agent")

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL: str = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(f"Invalid value for LOG_LEVEL: {LOG_LEVEL!r} (DEBUG, INFO, WARNING, ERROR or CRITICAL)")
# One JSON object per line (for a log service), or "plain" for reading in a terminal (the
# default with DEBUG on, i.e. `make run`).
LOG_FORMAT: str = env.str("LOG_FORMAT", default="plain" if DEBUG else "json").lower()
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"Invalid value for LOG_FORMAT: {LOG_FORMAT!r} (json or plain)")
from convoai.logs import logging_config  # noqa: E402  (after the values it is built from)

LOGGING = logging_config(LOG_LEVEL, LOG_FORMAT)
