"""Outbound escalation email: render it into an `Email` row, queue it, deliver it, resend it.

The outbox pattern: `email_queue` runs inside the escalation's transaction, so the escalation, its
rendered email and the delivery task (a django-tasks row) are committed together or not at all.
The voice turn never waits for SMTP. The worker (`manage.py db_worker`) calls `email_send`,
which records every attempt and, on failure, schedules the next one with exponential backoff
until EMAIL_MAX_ATTEMPTS. The outcome is mirrored on the escalation (`email_sent`,
`email_result`) for the tools and the admin.

Mail goes through Django's mail API with an anymail message, so the same code drives our SMTP
backend (`support.smtp`) or any anymail ESP backend chosen by EMAIL_BACKEND.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any, Sequence

from anymail.message import AnymailMessage
from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from support.actors import Actor
from support.choices import EmailStatus, Severity
from support.conversation import conversation_transcript
from support.errors import InvalidInput
from support.models import Email, Escalation, as_json

__all__ = [
    "RenderedEmail",
    "email_delivery_configured",
    "escalation_email_render",
    "email_queue",
    "email_send",
    "email_resend",
    "escalation_email_resend",
    "email_outcome",
    "retry_delay",
]

log = logging.getLogger(__name__)

SMTP_BACKENDS = {"support.smtp.EmailBackend", "django.core.mail.backends.smtp.EmailBackend"}
# A claim older than this is taken to be from a worker that died mid-send.
STALE_CLAIM = datetime.timedelta(minutes=10)
ATTEMPT_LOG_LIMIT = 50

SPEAKERS = {"user": "Caller", "assistant": "Agent"}
RESPONSE_TARGETS = {
    Severity.CRITICAL: "within 15 minutes",
    Severity.HIGH: "within 1 hour",
    Severity.MEDIUM: "within 4 hours",
    Severity.LOW: "within 1 business day",
}


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def support_recipients() -> list[str]:
    """SUPPORT_EMAIL: one address, or several separated by commas."""
    return [address.strip() for address in (settings.SUPPORT_EMAIL or "").split(",") if address.strip()]


def email_delivery_configured() -> tuple[bool, str]:
    """(True, "") when a mail backend can send; otherwise (False, the reason staff will read)."""
    if settings.EMAIL_BACKEND in SMTP_BACKENDS and not settings.EMAIL_HOST:
        return False, "No mail server configured: set SMTP_HOST (or EMAIL_BACKEND for an anymail provider), then resend."
    if not support_recipients():
        return False, "No recipient configured: set SUPPORT_EMAIL, then resend."
    return True, ""


def _customer(escalation: Escalation) -> dict[str, str]:
    customer = escalation.customer
    ticket = escalation.ticket
    return {
        "id": customer.pk if customer else "",
        "name": customer.name if customer else "",
        "email": (customer.email if customer else "") or (ticket.customer_email if ticket else "") or "",
        "tier": customer.tier if customer else "",
    }


def _next_steps(escalation: Escalation, customer: dict[str, str], admin_url: str) -> list[str]:
    target = RESPONSE_TARGETS.get(escalation.severity or "", "as soon as you can")
    who = customer["name"] or customer["id"] or "the caller"
    steps = [f"Take the escalation: acknowledge it in the admin so the team knows it is yours ({target} for {escalation.severity or 'unrated'} severity)."]
    if customer["email"]:
        steps.append(f"Contact {who} at {customer['email']} and tell them you have read the conversation so far.")
    else:
        steps.append(f"Contact {who}: no email on file, use the customer's profile or the ticket.")
    steps.append("Read the conversation and the ticket history before you call, so the caller does not repeat themselves.")
    steps.append("Resolve the escalation (and the ticket) once the customer's issue is fixed.")
    if admin_url:
        steps.append(f"Review it here: {admin_url}")
    return steps


def escalation_email_render(escalation: Escalation, messages: Sequence[dict[str, Any]] = ()) -> RenderedEmail:
    """Subject, text and HTML from templates/support/email/; every value escaped by the template engine."""
    data = escalation.data if isinstance(escalation.data, dict) else {}
    lines = conversation_transcript(messages) if messages else (data.get("conversation") or [])
    conversation = [
        {
            "speaker": SPEAKERS.get(str(line.get("role")), str(line.get("role", ""))),
            "content": str(line.get("content", "")),
            # The text part keeps a multi-line answer under its speaker.
            "content_indented": "\n    ".join(str(line.get("content", "")).splitlines()),
        }
        for line in lines
        if isinstance(line, dict)
    ]
    customer = _customer(escalation)
    ticket = escalation.ticket
    admin_url = ""
    if settings.SITE_URL:
        admin_url = settings.SITE_URL + reverse("admin:support_escalation_change", args=[escalation.pk])
    context = {
        "escalation_id": escalation.pk,
        "severity": escalation.severity or "unrated",
        "reason": escalation.reason,
        "customer": customer,
        "ticket": {
            "id": str(ticket.pk),
            "reference": ticket.short_id.upper(),
            "subject": ticket.subject,
            "description": ticket.description,
            "priority": ticket.priority,
        } if ticket else None,
        "created_at": escalation.created_at or timezone.now(),
        "conversation": conversation,
        "agent": {
            "agent_id": escalation.agent_id or "",
            "user_id": escalation.user_id or "",
            "channel": escalation.channel or "",
            "app_id": escalation.app_id or "",
        },
        "metadata": data.get("metadata") if isinstance(data.get("metadata"), dict) else None,
        "next_steps": _next_steps(escalation, customer, admin_url),
        "admin_url": admin_url,
    }
    subject = " ".join(render_to_string("support/email/subject.txt", context).split())[:200]
    return RenderedEmail(
        subject=subject,
        text=render_to_string("support/email/body.txt", context),
        html=render_to_string("support/email/body.html", context),
    )


def email_outcome(email: Email) -> dict[str, Any]:
    """What the escalation records (`email_result`) and the tools report."""
    outcome: dict[str, Any] = {
        "status": email.status,
        "to": list(email.recipients or []),
        "subject": email.subject,
        "attempts": email.attempts,
    }
    if email.last_error:
        outcome["error"] = email.last_error
    if email.next_attempt_at and email.status == EmailStatus.QUEUED:
        outcome["nextAttemptAt"] = as_json(email.next_attempt_at)
    if email.sent_at:
        outcome["sentAt"] = as_json(email.sent_at)
    if email.message_id:
        outcome["messageId"] = email.message_id
    return outcome


def _mirror(email: Email) -> dict[str, Any]:
    outcome = email_outcome(email)
    Escalation.objects.filter(pk=email.escalation_id).update(
        email_sent=email.status == EmailStatus.SENT, email_result=outcome
    )
    return outcome


def _enqueue(email: Email, run_after: datetime.datetime | None = None) -> None:
    from support.tasks import email_deliver  # the only module that knows the task runner

    task = email_deliver.using(run_after=run_after) if run_after else email_deliver
    task.enqueue(email_id=email.pk)


@transaction.atomic
def email_queue(*, escalation: Escalation, messages: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """Render the escalation's email and queue its delivery in the caller's transaction.

    Idempotent per escalation: a second call returns the existing email's outcome and queues
    nothing. Without a mail server the email is still stored, marked not_configured.
    """
    existing = Email.objects.filter(escalation=escalation).first()
    if existing is not None:
        return email_outcome(existing)
    rendered = escalation_email_render(escalation, messages)
    configured, reason = email_delivery_configured()
    email = Email.objects.create(
        escalation=escalation,
        status=EmailStatus.QUEUED if configured else EmailStatus.NOT_CONFIGURED,
        recipients=support_recipients(),
        from_email=settings.DEFAULT_FROM_EMAIL,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        last_error="" if configured else reason,
        next_attempt_at=timezone.now() if configured else None,
    )
    if configured:
        _enqueue(email)
    return email_outcome(email)


def retry_delay(attempt: int) -> datetime.timedelta:
    """Exponential backoff after the n-th failed attempt, capped."""
    seconds = settings.EMAIL_RETRY_BASE_SECONDS * (2 ** max(attempt - 1, 0))
    return datetime.timedelta(seconds=min(seconds, settings.EMAIL_RETRY_MAX_SECONDS))


def _claim(email_id: int) -> Email | None:
    """Lock the row and mark it sending; None when there is nothing to do (sent, gone, claimed)."""
    with transaction.atomic():
        email = Email.objects.select_for_update().filter(pk=email_id).first()
        if email is None:
            return None
        stale = email.status == EmailStatus.SENDING and email.updated_at < timezone.now() - STALE_CLAIM
        if email.status != EmailStatus.QUEUED and not stale:
            return None
        configured, reason = email_delivery_configured()
        if not configured:
            email.status = EmailStatus.NOT_CONFIGURED
            email.last_error = reason
            email.next_attempt_at = None
            email.save()
            _mirror(email)
            return None
        email.status = EmailStatus.SENDING
        email.attempts += 1
        email.save(update_fields=["status", "attempts", "updated_at"])
        return email


def _deliver(email: Email) -> str:
    """Hand the message to the mail backend; returns the provider's message id (may be empty)."""
    message = AnymailMessage(
        subject=email.subject,
        body=email.text,
        from_email=email.from_email,
        to=list(email.recipients),
        connection=get_connection(fail_silently=False),
        tags=["escalation"],
        metadata={"escalation_id": email.escalation_id},
    )
    message.attach_alternative(email.html, "text/html")
    message.extra_headers["X-Escalation-Id"] = email.escalation_id
    if message.send() != 1:
        raise RuntimeError("the mail backend accepted no message")
    status = getattr(message, "anymail_status", None)
    rejected = set(getattr(status, "status", None) or ()) & {"rejected", "failed", "invalid"}
    if rejected:
        raise RuntimeError(f"the provider reported the message {', '.join(sorted(rejected))}")
    return str(getattr(status, "message_id", None) or "")


def email_send(*, email_id: int) -> dict[str, Any]:
    """One delivery attempt (the worker's task); records it and schedules the next on failure."""
    email = _claim(email_id)
    if email is None:
        current = Email.objects.filter(pk=email_id).first()
        return {"skipped": True, **(email_outcome(current) if current else {"status": "missing"})}
    error = ""
    message_id = ""
    try:
        message_id = _deliver(email)
    except Exception as exc:  # the email boundary: every failure is recorded and retried
        error = f"{type(exc).__name__}: {exc}"[:1000]
        log.warning("escalation email %s: attempt %s failed: %s", email.pk, email.attempts, error)
    now = timezone.now()
    with transaction.atomic():
        email = Email.objects.select_for_update().get(pk=email_id)
        entry: dict[str, Any] = {"attempt": email.attempts, "at": as_json(now), "ok": not error}
        if not error:
            email.status = EmailStatus.SENT
            email.sent_at = now
            email.message_id = message_id
            email.last_error = ""
            email.next_attempt_at = None
            if message_id:
                entry["messageId"] = message_id
        else:
            entry["error"] = error
            email.last_error = error
            if email.attempts < settings.EMAIL_MAX_ATTEMPTS:
                email.status = EmailStatus.QUEUED
                email.next_attempt_at = now + retry_delay(email.attempts)
                _enqueue(email, run_after=email.next_attempt_at)
            else:
                email.status = EmailStatus.FAILED
                email.next_attempt_at = None
        email.attempt_log = [*(email.attempt_log or []), entry][-ATTEMPT_LOG_LIMIT:]
        email.save()
        return _mirror(email)


@transaction.atomic
def email_resend(*, actor: Actor, email: Email) -> Email:
    """Staff: send it (again) now — after a failure, a fixed configuration, or to a fresh inbox.

    The stored email is re-rendered (so a fixed template or SITE_URL shows) and queued at once.
    """
    email = (
        Email.objects.select_for_update(of=("self",))
        .select_related("escalation__customer", "escalation__ticket")
        .get(pk=email.pk)
    )
    if email.status == EmailStatus.SENDING and email.updated_at >= timezone.now() - STALE_CLAIM:
        raise InvalidInput("This email is being sent right now; look again in a moment.")
    configured, reason = email_delivery_configured()
    if not configured:
        raise InvalidInput(reason)
    rendered = escalation_email_render(email.escalation)
    email.subject, email.text, email.html = rendered.subject, rendered.text, rendered.html
    email.recipients = support_recipients()
    email.from_email = settings.DEFAULT_FROM_EMAIL
    email.status = EmailStatus.QUEUED
    email.attempts = 0  # a fresh retry budget; attempt_log keeps the history
    email.last_error = ""
    email.next_attempt_at = timezone.now()
    email.attempt_log = [
        *(email.attempt_log or []), {"at": as_json(timezone.now()), "resend": True, "by": actor.label}
    ][-ATTEMPT_LOG_LIMIT:]
    email.save()
    _mirror(email)
    _enqueue(email)
    return email


def escalation_email_resend(*, actor: Actor, escalation: Escalation) -> Email:
    """Staff "resend": queue the escalation's email now, creating it for escalations that have none
    (rows from before the outbox, or adopted from the reference deployment)."""
    with transaction.atomic():
        email = Email.objects.filter(escalation=escalation).first()
        if email is None:
            configured, reason = email_delivery_configured()
            if not configured:
                raise InvalidInput(reason)
            email_queue(escalation=escalation)
            email = Email.objects.get(escalation=escalation)
            _mirror(email)
            return email
        return email_resend(actor=actor, email=email)
