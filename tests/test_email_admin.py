"""Staff review of escalation emails in the admin: what was sent, how delivery went, resend, resolve."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from support.demo import demo_data_load
from support.models import Email, Escalation, Ticket
from tests.doubles.serve import free_port
from tests.doubles.smtp_server import SMTPDouble
from tests.email_helpers import run_worker, use_smtp
from tests.support_helpers import call_tool

pytestmark = pytest.mark.django_db(transaction=True)

CONVERSATION = ({"role": "user", "content": "Charger <b>missing</b>, I want a person."},)


@pytest.fixture(autouse=True)
def demo() -> None:
    demo_data_load()


def agent_client() -> Client:
    """A support agent's escalation rights (the group itself is flushed with transactional tests)."""
    user = User.objects.create_user("sam", password="pw-unused-123", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="support", codename__in=["view_escalation", "change_escalation", "view_ticket"]
    ))
    client = Client()
    client.force_login(user)
    return client


def _escalate(customer: str = "alice") -> Escalation:
    ticket = Ticket.objects.filter(customer_id=customer).first()
    args = {"ticketId": str(ticket.pk)} if ticket else {"customerId": customer}
    result = call_tool("escalate_ticket", {**args, "severity": "high", "reason": "Wants a person"}, messages=CONVERSATION)
    return Escalation.objects.get(pk=result["id"])


def test_the_escalation_page_shows_the_email_its_status_and_attempts_and_previews_it_safely(settings) -> None:
    use_smtp(settings, free_port())  # SMTP down: one failed attempt to show
    escalation = _escalate()
    run_worker()
    client = agent_client()

    page = client.get(reverse("admin:support_escalation_change", args=[escalation.pk])).content.decode()
    assert "Email delivery" in page and "Delivery attempts" in page and "queued" in page and "ConnectionRefusedError" in page
    assert "1 of at most" in page and "failed: ConnectionRefusedError" in page
    html_url = reverse("admin:support_escalation_email_html", args=[escalation.pk])
    assert f'<iframe src="{html_url}"' in page and 'sandbox=""' in page
    assert "Resend email" in page and "Mark resolved" in page

    preview = client.get(html_url)
    assert preview.status_code == 200 and preview["Content-Type"].startswith("text/html")
    assert preview["Content-Security-Policy"].startswith("sandbox") and preview["X-Frame-Options"] == "SAMEORIGIN"
    assert "Charger &lt;b&gt;missing&lt;/b&gt;, I want a person." in preview.content.decode()
    text = client.get(reverse("admin:support_escalation_email_text", args=[escalation.pk]))
    assert text["Content-Type"].startswith("text/plain") and "Caller: Charger <b>missing</b>, I want a person." in text.content.decode()


def test_the_filter_lists_escalations_whose_email_was_not_delivered(settings) -> None:
    with SMTPDouble() as smtp:
        use_smtp(settings, smtp.port)
        delivered = _escalate("alice")
        run_worker()
    use_smtp(settings, free_port())
    stuck = _escalate("bruno")
    run_worker()
    client = agent_client()
    url = reverse("admin:support_escalation_changelist")
    not_sent = client.get(url, {"email": "not_sent"}).content.decode()
    assert stuck.pk[:8] in not_sent and delivered.pk[:8] not in not_sent
    queued = client.get(url, {"email": "queued"}).content.decode()
    assert stuck.pk[:8] in queued and delivered.pk[:8] not in queued
    sent = client.get(url, {"email": "sent"}).content.decode()
    assert delivered.pk[:8] in sent and stuck.pk[:8] not in sent


def test_resend_delivers_again_and_mark_resolved_resolves(settings) -> None:
    with SMTPDouble() as smtp:
        use_smtp(settings, smtp.port)
        escalation = _escalate()
        run_worker()
        client = agent_client()
        response = client.post(reverse("admin:support_escalation_resend", args=[escalation.pk]))
        assert response.status_code == 302
        email = Email.objects.get(escalation=escalation)
        assert email.status == "queued" and email.attempt_log[-1]["by"] == "staff sam"
        run_worker()
        assert len(smtp.inbox) == 2

    response = client.post(reverse("admin:support_escalation_resolve", args=[escalation.pk]))
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == "resolved" and escalation.resolved_at is not None
    assert escalation.email_sent is True
    assert client.get(reverse("admin:support_escalation_resend", args=[escalation.pk])).status_code == 405


def test_resend_without_a_mail_server_says_why(settings) -> None:
    settings.EMAIL_BACKEND = "support.smtp.EmailBackend"
    settings.EMAIL_HOST = ""
    escalation = _escalate()
    client = agent_client()
    response = client.post(reverse("admin:support_escalation_resend", args=[escalation.pk]), follow=True)
    assert "No mail server configured" in response.content.decode()
    assert Email.objects.get(escalation=escalation).status == "not_configured"


def test_resend_action_queues_emails_for_old_escalations_too(settings) -> None:
    legacy = Escalation.objects.get(ticket__isnull=False)  # the demo escalation: no email was ever queued
    assert not Email.objects.filter(escalation=legacy).exists()
    with SMTPDouble() as smtp:
        use_smtp(settings, smtp.port)
        client = agent_client()
        response = client.post(
            reverse("admin:support_escalation_changelist"),
            {"action": "resend_escalation_emails", "_selected_action": [legacy.pk], "index": "0"},
        )
        assert response.status_code == 302
        run_worker()
        [received] = smtp.inbox
    assert "Wants" not in received.message["Subject"]  # the demo's own reason, not ours
    legacy.refresh_from_db()
    assert legacy.email_sent is True


def test_people_without_change_permission_cannot_resend() -> None:
    escalation = _escalate()
    viewer = User.objects.create_user("vic", password="pw-unused-123", is_staff=True)
    client = Client()
    client.force_login(viewer)
    assert client.post(reverse("admin:support_escalation_resend", args=[escalation.pk])).status_code == 403
