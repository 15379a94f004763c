"""Settings for the Convo AI custom LLM service.

Everything is read from the environment (or a `.env` file beside `manage.py`) through
django-environ, once, here. Each integration stays off until its key is set: SQLite and the
embedded knowledge base when `DATABASE_URL` / `PINECONE_API_KEY` are absent, PostgreSQL and
Pinecone when they are present. A malformed value stops start-up with the variable's name.
"""

from __future__ import annotations

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
        # A throwaway key keeps a first run working; sessions do not survive a restart and
        # `manage.py check --deploy` reports it (convoai.checks).
        import secrets

        SECRET_KEY = "insecure-ephemeral-" + secrets.token_urlsafe(40)
    else:
        SECRET_KEY = "insecure-dev-key-do-not-use-in-production"
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
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
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# The chat endpoint's own middleware chain (convoai.asgi): keep it to async-native middleware.
API_MIDDLEWARE: list[str] = []

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
        DATABASES["default"].setdefault("CONN_MAX_AGE", 0)
        DATABASES["default"].setdefault("OPTIONS", {})
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
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

# --- The chat endpoint ----------------------------------------------------------------------
# Bearer key Convo AI sends (properties.llm.api_key). Unset: the endpoint is open only with
# DEBUG on (local development); otherwise it answers 503 until the key is set.
LLM_API_KEY: str = env.str("LLM_API_KEY", default="")
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
MAX_TOOL_ROUNDS: int = int(_read("MAX_TOOL_ROUNDS", env.int, 5))
if MAX_TOOL_ROUNDS < 0:
    raise ImproperlyConfigured(f"MAX_TOOL_ROUNDS must be 0 or more (got {MAX_TOOL_ROUNDS})")
# No dead air: in a streaming turn whose tools take longer than TOOL_FILLER_AFTER_MS (a tool
# marked slow: at once), this short sentence is spoken first. Empty disables it.
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

# --- Knowledge base -------------------------------------------------------------------------
PINECONE_API_KEY: str = env.str("PINECONE_API_KEY", default="")
PINECONE_INDEX: str = env.str("PINECONE_INDEX", default="")
PINECONE_HOST: str = env.str("PINECONE_HOST", default="")
PINECONE_NAMESPACE: str = env.str("PINECONE_NAMESPACE", default="")
PINECONE_TOP_K: int = int(_positive("PINECONE_TOP_K", _read("PINECONE_TOP_K", env.int, 4)))
RAG_TOP_K: int = int(_positive("RAG_TOP_K", _read("RAG_TOP_K", env.int, PINECONE_TOP_K)))
RAG_TIMEOUT_MS: int = int(_positive("RAG_TIMEOUT_MS", _read("RAG_TIMEOUT_MS", env.int, 300)))

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
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "openai": {"level": "WARNING"},
    },
}
