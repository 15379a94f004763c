"""Helpers for the email tests: point the mail settings at a loopback SMTP server, run the worker."""

from __future__ import annotations

from django.core.management import call_command

SUPPORT_INBOX = "escalations@example.com"
SENDER = "agent@example.com"


def use_smtp(settings, port: int) -> None:
    """Our SMTP backend, as production configures it from SMTP_HOST/SMTP_PORT (no credentials)."""
    settings.EMAIL_BACKEND = "support.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.SMTP_SECURITY = "auto"
    settings.SUPPORT_EMAIL = SUPPORT_INBOX
    settings.DEFAULT_FROM_EMAIL = SENDER


def run_worker() -> None:
    """What `manage.py db_worker` does, until no task is ready."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
