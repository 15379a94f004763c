"""The staff admin: pages render for staff, anonymous users go to login, bulk actions and the
ticket page write through the services so every step shows in the ticket's history."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from support.demo import TICKETS, demo_data_load
from support.models import Change, Escalation, Interaction, Ticket
from tests.support_helpers import call_tool

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo() -> None:
    demo_data_load()


def ticket(key: str) -> Ticket:
    return Ticket.objects.get(pk=next(t.pk for t in TICKETS if t.key == key))


def staff_in(group: str, username: str = "sam") -> Client:
    user = User.objects.create_user(username, password="pw-unused-123", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


PAGES = [
    ("admin:support_ticket_changelist", {}),
    ("admin:support_ticket_changelist", {"q": "charger"}),
    ("admin:support_ticket_changelist", {"q": "alice.martin@example.com"}),
    ("admin:support_ticket_changelist", {"status__exact": "escalated", "priority__exact": "urgent"}),
    ("admin:support_ticket_changelist", {"queue": "active", "source": "system"}),
    ("admin:support_ticket_changelist", {"created_at__year": "2026"}),
    ("admin:support_customer_changelist", {"q": "Emma"}),
    ("admin:support_customer_changelist", {"tier": "gold"}),
    ("admin:support_order_changelist", {}),
    ("admin:support_escalation_changelist", {}),
    ("admin:support_escalation_changelist", {"email": "not_sent"}),
    ("admin:support_change_changelist", {}),
    ("admin:support_agentevent_changelist", {}),
    ("admin:support_interaction_changelist", {}),
    ("admin:support_ticket_add", {}),
]


@pytest.mark.parametrize(("name", "query"), PAGES)
def test_pages_render_for_staff(admin_client: Client, name: str, query: dict) -> None:
    response = admin_client.get(reverse(name), query)
    assert response.status_code == 200, response.content[:500]


def test_search_by_ticket_id_and_filters_narrow_the_list(admin_client: Client) -> None:
    charger = ticket("alice-charger")
    page = admin_client.get(reverse("admin:support_ticket_changelist"), {"q": charger.short_id}).content.decode()
    assert "Charger not in the box" in page and "Running shoes delayed" not in page
    page = admin_client.get(reverse("admin:support_ticket_changelist"), {"status__exact": "escalated"}).content.decode()
    assert "Running shoes delayed" in page and "Charger not in the box" not in page


def test_channel_filter_separates_calls_from_staff_and_demo(admin_client: Client) -> None:
    call_tool("create_support_ticket", {"subject": "From a call", "description": "d", "customerId": "bruno"})
    url = reverse("admin:support_ticket_changelist")
    voice = admin_client.get(url, {"source": "voice"}).content.decode()
    assert "From a call" in voice and "Charger not in the box" not in voice
    demo = admin_client.get(url, {"source": "system"}).content.decode()
    assert "Charger not in the box" in demo and "From a call" not in demo
    assert "From a call" in admin_client.get(url, {"q": "support-line-7"}).content.decode()


def test_status_and_priority_are_colour_coded(admin_client: Client) -> None:
    page = admin_client.get(reverse("admin:support_ticket_changelist")).content.decode()
    assert 'background:#b91c1c;color:#fff;border-radius:9px;padding:1px 8px;font-weight:600;white-space:nowrap">escalated<' in page
    assert 'background:#c2410c;color:#fff;border-radius:9px;padding:1px 8px;font-weight:600;white-space:nowrap">high<' in page


def test_detail_pages_show_related_records(admin_client: Client) -> None:
    late = ticket("divya-late")
    page = admin_client.get(reverse("admin:support_ticket_change", args=[late.pk])).content.decode()
    assert "Carrier reports a depot delay." in page  # interaction inline
    assert "Race on Sunday" in page  # escalation inline
    assert "status: open → escalated" in page  # history
    customer = admin_client.get(reverse("admin:support_customer_change", args=["divya"])).content.decode()
    assert "ORD-1071" in customer and "Running shoes delayed" in customer
    call_tool("record_agent_event", {"customerId": "divya", "intent": "delivery_status"})
    assert "delivery_status" in admin_client.get(reverse("admin:support_customer_change", args=["divya"])).content.decode()
    escalation = Escalation.objects.get(ticket=late)
    assert admin_client.get(reverse("admin:support_escalation_change", args=[escalation.pk])).status_code == 200


@pytest.mark.parametrize("name", ["admin:support_ticket_changelist", "admin:support_escalation_changelist", "admin:support_customer_changelist", "admin:index"])
def test_anonymous_users_are_sent_to_login(name: str) -> None:
    url = reverse(name)
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_non_staff_users_are_sent_to_login() -> None:
    user = User.objects.create_user("caller", password="pw-unused-123")
    user.groups.add(Group.objects.get(name="Support supervisors"))
    client = Client()
    client.force_login(user)
    response = client.get(reverse("admin:support_ticket_changelist"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_agents_work_tickets_but_cannot_edit_customers_or_the_audit_log() -> None:
    client = staff_in("Support agents")
    assert client.get(reverse("admin:support_ticket_changelist")).status_code == 200
    assert client.get(reverse("admin:support_change_changelist")).status_code == 200
    assert client.get(reverse("admin:support_customer_change", args=["alice"])).status_code == 200  # view only
    response = client.post(reverse("admin:support_customer_change", args=["alice"]), {"id": "alice", "data": "{}"})
    assert response.status_code == 403
    assert client.get(reverse("admin:support_customer_add")).status_code == 403
    supervisor = staff_in("Support supervisors", "sue")
    assert supervisor.get(reverse("admin:support_customer_add")).status_code == 200


def _bulk(client: Client, action: str, tickets: list[Ticket], **extra: str) -> None:
    response = client.post(
        reverse("admin:support_ticket_changelist"),
        {"action": action, "_selected_action": [str(t.pk) for t in tickets], "index": "0", **extra},
    )
    assert response.status_code == 302, response.content[:500]


def test_bulk_assign_to_me_and_to_someone() -> None:
    client = staff_in("Support agents", "sam")
    User.objects.create_user("lee", is_staff=True)
    chosen = [ticket("alice-charger"), ticket("gustavo-tablet")]
    _bulk(client, "assign_to_me", chosen)
    assert set(Ticket.objects.filter(assignee__username="sam")) == set(chosen)
    _bulk(client, "assign_to_chosen", chosen[:1], assignee=str(User.objects.get(username="lee").pk))
    charger = ticket("alice-charger")
    assert charger.assignee.username == "lee"
    history = Change.objects.filter(entity_id=str(charger.pk), data__field="assignee").order_by("created_at")
    assert [c.status for c in history] == ["assigned to sam", "assigned to lee"]
    assert all(c.made_by == "sam" and c.channel == "admin" for c in history)


def test_bulk_status_change_and_close() -> None:
    client = staff_in("Support agents")
    chosen = [ticket("alice-charger"), ticket("divya-late")]
    _bulk(client, "set_chosen_status", chosen, status="pending")
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in chosen]).values_list("status", flat=True)) == {"pending"}
    _bulk(client, "close_tickets", chosen)
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in chosen]).values_list("status", flat=True)) == {"closed"}
    closed = Change.objects.get(entity_id=str(chosen[0].pk), status="closed")
    assert closed.data["from"] == "pending" and closed.made_by == "sam"


def test_bulk_status_without_a_choice_changes_nothing() -> None:
    client = staff_in("Support agents")
    _bulk(client, "set_chosen_status", [ticket("alice-charger")], status="")
    assert ticket("alice-charger").status == "open"


def test_ticket_page_edit_records_history_and_staff_note() -> None:
    client = staff_in("Support agents", "sam")
    charger = ticket("alice-charger")
    url = reverse("admin:support_ticket_change", args=[charger.pk])
    form = {
        "subject": "Charger (65 W) not in the box", "description": charger.description, "status": "resolved", "priority": "urgent",
        "assignee": str(User.objects.get(username="sam").pk), "staff_note": "Courier delivered the charger.",
        "customer": "alice", "customer_email": charger.customer_email or "", "order_id": charger.order_id or "",
        "interactions-TOTAL_FORMS": "0", "interactions-INITIAL_FORMS": "0",
        "escalations-TOTAL_FORMS": "0", "escalations-INITIAL_FORMS": "0",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    charger.refresh_from_db()
    assert (charger.status, charger.priority, charger.assignee.username) == ("resolved", "urgent", "sam")
    note = Interaction.objects.get(ticket=charger, note="Courier delivered the charger.")
    assert note.author.username == "sam" and note.channel == "admin"
    page = client.get(url).content.decode()
    assert charger.subject == "Charger (65 W) not in the box" and charger.updated_by == "sam"
    for line in ("edited: subject", "status: open → resolved", "priority: high → urgent", "assignee: — → sam", "Courier delivered the charger."):
        assert line in page


def test_staff_can_open_a_ticket_for_a_customer(admin_client: Client) -> None:
    response = admin_client.post(reverse("admin:support_ticket_add"), {
        "subject": "Phoned in: invoice copy", "description": "Wants a PDF invoice", "status": "open", "priority": "low",
        "customer": "bruno", "customer_email": "", "order_id": "ORD-1050", "staff_note": "",
        "interactions-TOTAL_FORMS": "0", "interactions-INITIAL_FORMS": "0",
        "escalations-TOTAL_FORMS": "0", "escalations-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Ticket.objects.get(subject="Phoned in: invoice copy")
    assert created.customer_id == "bruno" and created.customer_email == "bruno.costa@example.com" and created.updated_channel == "admin"
    assert Change.objects.filter(entity_id=str(created.pk), status="created").exists()


def test_escalation_review_lists_open_and_severe_first(admin_client: Client) -> None:
    call_tool("escalate_ticket", {"customerId": "hana", "severity": "low", "reason": "low one"})
    call_tool("escalate_ticket", {"customerId": "chen", "severity": "critical", "reason": "critical one"})
    resolved = call_tool("escalate_ticket", {"customerId": "bruno", "severity": "critical", "reason": "done one"})
    client = staff_in("Support agents")
    response = client.post(reverse("admin:support_escalation_changelist"), {
        "action": "resolve_escalations", "_selected_action": [resolved["id"]], "index": "0",
    })
    assert response.status_code == 302
    row = Escalation.objects.get(pk=resolved["id"])
    assert row.status == "resolved" and row.resolved_at is not None
    page = admin_client.get(reverse("admin:support_escalation_changelist")).content.decode()
    order = [page.index(text) for text in ("critical one", "Race on Sunday", "low one", "done one")]
    assert order == sorted(order)
