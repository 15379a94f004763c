"""Escalation email end to end: the escalate tool queues it, the worker delivers it over real SMTP.

The SMTP server is aiosmtpd on loopback; the worker is django-tasks' `db_worker` command.
"""

from __future__ import annotations

import time

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from support import emails
from support.demo import demo_data_load
from support.models import Customer, Email, Escalation, Ticket
from tests.doubles.serve import free_port
from tests.doubles.smtp_server import SMTPDouble, self_signed_certificate
from tests.email_helpers import SENDER, SUPPORT_INBOX, run_worker, use_smtp
from tests.support_helpers import CALLER, call_tool

# The worker closes and reopens connections between tasks, as in production: real transactions.
pytestmark = pytest.mark.django_db(transaction=True)

EVIL = "<script>alert('pwned')</script>"
CONVERSATION = (
    {"role": "system", "content": "You are a support agent."},
    {"role": "user", "content": f"My charger is missing {EVIL} & I need it today!"},
    {"role": "assistant", "content": "I am passing this to a colleague."},
)


@pytest.fixture(autouse=True)
def demo() -> None:
    demo_data_load()


@pytest.fixture
def smtp(settings):
    with SMTPDouble() as server:
        use_smtp(settings, server.port)
        yield server


def _charger_ticket() -> Ticket:
    return Ticket.objects.filter(customer_id="alice").order_by("created_at").first()


def _escalate(ticket: Ticket, **extra: object) -> dict:
    return call_tool("escalate_ticket", {"ticketId": str(ticket.pk), "severity": "high", "reason": "Needs it today", **extra},
                     messages=CONVERSATION)


def test_escalation_email_is_queued_then_delivered_over_smtp_escaped_with_a_text_part(smtp) -> None:
    alice = Customer.objects.get(pk="alice")
    alice.data = {**alice.data, "name": f"Alice {EVIL}"}
    alice.save()
    ticket = _charger_ticket()

    result = _escalate(ticket)

    # The turn does not wait for SMTP: the email is queued, nothing has reached the inbox yet.
    assert result["emailSent"] is False and result["email"]["status"] == "queued"
    assert smtp.inbox == []
    run_worker()

    [received] = smtp.inbox
    assert received.rcpt_tos == [SUPPORT_INBOX] and received.mail_from == SENDER
    # (a folded header unfolds with a leading space; mail clients trim it)
    subject = received.message["Subject"].strip()
    assert subject == f"[Escalation: HIGH] Alice {EVIL} - ticket {ticket.short_id.upper()}: {ticket.subject}"
    html = received.part("text/html")
    assert "<script>" not in html
    assert "Alice &lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in html
    assert "My charger is missing &lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt; &amp; I need it today!" in html
    for value in ("alice", "alice.martin@example.com", str(ticket.pk), "Needs it today", CALLER.user_id, CALLER.channel, "Next steps"):
        assert value in html
    assert "You are a support agent." not in html  # the system prompt is not conversation
    text = received.part("text/plain")
    assert f"Caller: My charger is missing {EVIL} & I need it today!" in text
    assert "Agent: I am passing this to a colleague." in text and "NEXT STEPS" in text

    escalation = Escalation.objects.get(pk=result["id"])
    assert escalation.email_sent is True
    assert escalation.email_result["status"] == "sent" and escalation.email_result["attempts"] == 1
    assert escalation.email_result["to"] == [SUPPORT_INBOX]


def test_with_smtp_down_the_email_waits_and_the_worker_delivers_it_when_smtp_is_back(settings) -> None:
    port = free_port()  # nothing listens here yet: the mail server is down
    use_smtp(settings, port)
    settings.EMAIL_RETRY_BASE_SECONDS = 1
    result = _escalate(_charger_ticket())
    assert result["email"]["status"] == "queued"

    run_worker()  # the first attempt fails: connection refused

    email = Email.objects.get(escalation_id=result["id"])
    assert email.status == "queued" and email.attempts == 1 and "ConnectionRefused" in email.last_error
    assert email.next_attempt_at > timezone.now() - timezone.timedelta(seconds=5)
    escalation = Escalation.objects.get(pk=result["id"])
    assert escalation.email_sent is False
    assert escalation.email_result["status"] == "queued" and "ConnectionRefused" in escalation.email_result["error"]
    assert "nextAttemptAt" in escalation.email_result

    with SMTPDouble(port=port) as server:  # the mail server comes back on the same port
        while timezone.now() < email.next_attempt_at:  # the backoff interval passes
            time.sleep(0.05)
        run_worker()
        assert len(server.inbox) == 1

    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 2
    assert [entry["ok"] for entry in email.attempt_log] == [False, True]
    escalation.refresh_from_db()
    assert escalation.email_sent is True and escalation.email_result["status"] == "sent"


def test_the_same_ticket_escalated_twice_in_one_conversation_sends_one_email(smtp) -> None:
    ticket = _charger_ticket()
    first = _escalate(ticket)
    second = _escalate(ticket, severity="critical")
    assert second["alreadyOpen"] is True and second["id"] == first["id"]
    run_worker()
    run_worker()
    assert len(smtp.inbox) == 1
    assert Email.objects.filter(escalation__ticket=ticket).count() == 1


def test_a_second_task_for_a_sent_email_sends_nothing(smtp) -> None:
    result = _escalate(_charger_ticket())
    email = Email.objects.get(escalation_id=result["id"])
    run_worker()
    outcome = emails.email_send(email_id=email.pk)  # e.g. a duplicate task from a resend race
    assert outcome["skipped"] is True and outcome["status"] == "sent"
    assert len(smtp.inbox) == 1


def test_without_a_mail_server_the_email_is_stored_and_marked_not_configured(settings) -> None:
    settings.EMAIL_BACKEND = "support.smtp.EmailBackend"
    settings.EMAIL_HOST = ""
    result = _escalate(_charger_ticket())
    assert result["emailSent"] is False and result["email"]["status"] == "not_configured"
    assert "SMTP_HOST" in result["email"]["error"]
    email = Email.objects.get(escalation_id=result["id"])
    assert "Needs it today" in email.html and "Needs it today" in email.text
    assert not DBTaskResult.objects.exists()  # nothing for a worker to retry in vain


def test_delivery_gives_up_after_the_last_attempt_and_says_so(settings) -> None:
    use_smtp(settings, free_port())
    settings.EMAIL_MAX_ATTEMPTS = 2
    settings.EMAIL_RETRY_BASE_SECONDS = 3600
    settings.EMAIL_RETRY_MAX_SECONDS = 7200
    result = _escalate(_charger_ticket())
    email = Email.objects.get(escalation_id=result["id"])
    emails.email_send(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == "queued" and email.next_attempt_at > timezone.now() + timezone.timedelta(minutes=59)
    emails.email_send(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == "failed" and email.attempts == 2 and email.next_attempt_at is None
    escalation = Escalation.objects.get(pk=result["id"])
    assert escalation.email_sent is False and escalation.email_result["status"] == "failed"


def test_the_escalation_and_its_queued_email_commit_together(smtp) -> None:
    """A failure after the escalation row is written rolls the email back with it."""
    from django.db import transaction

    from support import services
    from support.actors import Actor

    ticket = _charger_ticket()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.escalation_create(actor=Actor.system("test"), ticket=ticket, severity="high", messages=CONVERSATION)
            assert DBTaskResult.objects.count() == 1 and Email.objects.count() == 1
            raise RuntimeError("the caller's transaction fails")
    assert not Escalation.objects.filter(ticket=ticket).exists()
    assert not Email.objects.exists() and not DBTaskResult.objects.exists()


def test_retry_backoff_doubles_and_is_capped(settings) -> None:
    settings.EMAIL_RETRY_BASE_SECONDS = 30
    settings.EMAIL_RETRY_MAX_SECONDS = 900
    assert [emails.retry_delay(n).total_seconds() for n in (1, 2, 3, 6, 12)] == [30, 60, 120, 900, 900]


def test_starttls_is_used_when_offered_and_the_certificate_is_verified(settings, tmp_path, monkeypatch) -> None:
    cert, key = self_signed_certificate(tmp_path)
    with SMTPDouble(tls=(cert, key)) as server:  # offers STARTTLS, refuses mail in the clear
        use_smtp(settings, server.port)
        result = _escalate(_charger_ticket())
        run_worker()  # our certificate is not trusted: no delivery, and nothing sent in the clear
        email = Email.objects.get(escalation_id=result["id"])
        assert email.status == "queued" and "CERTIFICATE_VERIFY_FAILED" in email.last_error
        assert server.inbox == []

        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # now the system trusts it
        emails.email_send(email_id=email.pk)  # the retry, without waiting for its backoff
        [received] = server.inbox
    assert received.rcpt_tos == [SUPPORT_INBOX]
    email.refresh_from_db()
    assert email.status == "sent"


def test_a_password_is_never_sent_to_a_remote_server_without_tls(settings) -> None:
    from support.smtp import EmailBackend, PlaintextRefused

    with SMTPDouble() as server:  # no STARTTLS on offer
        backend = EmailBackend(host="127.0.0.1", port=server.port, username="u", password="p", security="auto", timeout=5)
        backend.LOOPBACK = frozenset()  # treat 127.0.0.1 as the remote relay it stands in for
        with pytest.raises(PlaintextRefused, match="refusing to send SMTP_USER/SMTP_PASS in the clear"):
            backend.open()


def test_an_escalation_during_a_call_reaches_the_inbox(client, openai_double, smtp) -> None:
    from tests.doubles.openai_server import Reply, ToolCallSpec

    openai_double.queue(
        Reply(tool_calls=[ToolCallSpec("escalate_ticket", {"customerId": "chen", "severity": "critical", "reason": "Laptop never arrived"})]),
        Reply(text="A colleague will call you back shortly."),
    )
    reply = client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "My laptop never arrived, I want a person."}],
        extra_body={"context": {"appId": "agora-app-9", "userId": "caller-1001", "channel": "call-abc"}},
    )
    assert reply.choices[0].message.content == "A colleague will call you back shortly."
    assert smtp.inbox == []  # the turn answered without waiting for the mail server
    run_worker()
    [received] = smtp.inbox
    assert received.message["Subject"].strip().startswith("[Escalation: CRITICAL]")
    assert "My laptop never arrived, I want a person." in received.part("text/html")
    assert "call-abc" in received.part("text/plain")


def test_several_support_inboxes_each_get_the_email(smtp, settings) -> None:
    settings.SUPPORT_EMAIL = "tier2@example.com, lead@example.com"
    _escalate(_charger_ticket())
    run_worker()
    [received] = smtp.inbox
    assert received.rcpt_tos == ["tier2@example.com", "lead@example.com"]
