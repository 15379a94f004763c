"""The support desk in real Chromium: a staff member works the ticket queue the voice agent fills.

The data is the demo data set (`load_demo_data`, as `make run` loads it), rows the services write,
and tickets the agent opens through /v1/chat/completions; nothing is inserted behind the app's back.
Set BROWSER_SHOTS_DIR to keep screenshots of the pages (e.g. /tmp/browser-shots) for a look.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from support import services
from support.actors import Actor
from support.demo import TICKETS
from support.models import Customer, Escalation, Interaction, Ticket
from tests.doubles.openai_server import Reply, ToolCallSpec
from tests.rag_support import fresh_store  # noqa: F401  (fixture: no index left from another test's database)

TICKETS_URL = "/admin/support/ticket/"
CALL = {"appId": "agora-app-9", "userId": "caller-2002", "channel": "call-browser-1"}
# Colours of support/admin/display.py, as Chromium computes them.
BLUE, AMBER, RED, ORANGE = "rgb(29, 78, 216)", "rgb(180, 83, 9)", "rgb(185, 28, 28)", "rgb(194, 65, 12)"


@pytest.fixture(autouse=True)
def demo_data(transactional_db: None) -> None:
    """The demo desk: 8 customers, 10 orders, 4 tickets (one escalated), loaded by its command."""
    call_command("load_demo_data", stdout=open(os.devnull, "w"))


def demo_ticket(key: str) -> Ticket:
    return Ticket.objects.get(pk=next(t.pk for t in TICKETS if t.key == key))


def shot(page: Any, name: str) -> None:
    """Keep a full-page screenshot when BROWSER_SHOTS_DIR is set (for a person to look at)."""
    folder = os.environ.get("BROWSER_SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def rows(page: Any) -> Any:
    return page.locator("#result_list tbody tr")


def filter_link(page: Any, title: str, label: str) -> Any:
    return page.locator(f"#changelist-filter details[data-filter-title='{title}']").get_by_role("link", name=label, exact=True)


def background(locator: Any) -> str:
    return locator.evaluate("el => getComputedStyle(el).backgroundColor")


def run_action(page: Any, action_label: str) -> None:
    page.locator("select[name=action]").select_option(label=action_label)
    page.get_by_role("button", name="Run").or_(page.get_by_role("button", name="Go")).click()


def test_staff_filter_the_queue_open_a_ticket_change_its_status_and_add_a_note(admin_page):
    page = admin_page
    page.goto(TICKETS_URL)
    expect(rows(page)).to_have_count(4)

    # Status filter: the one ticket waiting on its customer.
    filter_link(page, "status", "Pending (waiting on customer)").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Tablet screen flickers")

    # Status and priority filters together: the escalated, urgent one.
    page.goto(TICKETS_URL)
    filter_link(page, "priority", "Urgent").click()
    filter_link(page, "status", "Escalated").click()
    expect(page).to_have_url(re.compile(r"status__exact=escalated"))
    expect(page).to_have_url(re.compile(r"priority__exact=urgent"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Running shoes delayed")
    expect(rows(page).first.locator("td.field-status_badge span")).to_have_text("escalated")

    # The search box: by the customer's email.
    page.goto(TICKETS_URL)
    page.locator("#searchbar").fill("alice.martin@example.com")
    page.locator("#searchbar").press("Enter")
    expect(rows(page)).to_have_count(1)
    row = rows(page).first
    expect(row).to_contain_text("Charger not in the box")
    # Colour-coded: open in blue, high priority in orange.
    assert background(row.locator("td.field-status_badge span")) == BLUE
    assert background(row.locator("td.field-priority_badge span")) == ORANGE

    row.get_by_role("link", name="Charger not in the box").click()
    expect(page.get_by_role("heading", name=re.compile("Change ticket"))).to_be_visible()
    page.get_by_label("Status").select_option(label="Pending (waiting on customer)")
    page.get_by_label("Add a staff note").fill("Called the warehouse: a charger ships tomorrow by courier.")
    page.get_by_role("button", name="Save and continue editing").click()

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    history = page.locator(".field-history table")
    expect(history.locator("tr", has_text="status: open → pending")).to_contain_text("staff")
    note_row = history.locator("tr", has_text="Called the warehouse")
    expect(note_row).to_contain_text("staff staff")
    # Oldest first: created, the caller's note, then today's status change and staff note.
    texts = history.locator("tbody tr").all_inner_texts()
    assert [i for i, t in enumerate(texts) if "status: open → pending" in t or "Called the warehouse" in t] == [len(texts) - 2, len(texts) - 1]
    expect(page.get_by_label("Status")).to_have_value("pending")
    badges = page.locator(".field-state span")
    expect(badges).to_have_text(["pending", "high"])  # colour-coded here as in the list
    assert [background(badges.nth(0)), background(badges.nth(1))] == [AMBER, ORANGE]
    expect(page.get_by_label("Add a staff note")).to_have_value("")  # not saved twice on the next save
    shot(page, "ticket-page")

    ticket = demo_ticket("alice-charger")
    assert ticket.status == "pending" and ticket.updated_channel == "admin"
    assert Interaction.objects.filter(ticket=ticket, author__username="staff", note__startswith="Called the warehouse").count() == 1


def test_bulk_assign_to_me_then_close_from_the_list(admin_page):
    page = admin_page
    page.goto(TICKETS_URL + "?queue=unassigned")
    expect(rows(page)).to_have_count(3)  # every active demo ticket; the refunded one is resolved
    for subject in ("Charger not in the box", "Tablet screen flickers"):
        rows(page).filter(has_text=subject).locator("input.action-select").check()
    run_action(page, "Assign selected tickets to me")

    expect(page.locator(".messagelist")).to_contain_text("2 of 2 ticket(s) assigned to staff")
    page.goto(TICKETS_URL + "?queue=mine")
    expect(rows(page)).to_have_count(2)
    expect(rows(page).locator("td.field-assignee")).to_have_text(["staff", "staff"])

    page.locator("#action-toggle").check()  # select all on the page
    run_action(page, "Close selected tickets")
    expect(page.locator(".messagelist")).to_contain_text("2 of 2 ticket(s) closed")
    expect(rows(page).locator("td.field-status_badge span")).to_have_text(["closed", "closed"])

    closed = Ticket.objects.filter(status="closed")
    assert {t.subject for t in closed} == {"Charger not in the box", "Tablet screen flickers"}
    assert all(t.assignee.username == "staff" for t in closed)
    # Both steps are in each ticket's history, by this staff member.
    page.goto(f"{TICKETS_URL}{demo_ticket('gustavo-tablet').pk}/change/")
    history = page.locator(".field-history table")
    expect(history.locator("tr", has_text="assignee: — → staff")).to_have_count(1)
    expect(history.locator("tr", has_text="status: pending → closed")).to_have_count(1)


def test_the_customer_page_shows_their_orders_and_tickets(admin_page):
    page = admin_page
    page.goto("/admin/support/customer/")
    page.locator("#searchbar").fill("Alice")
    page.locator("#searchbar").press("Enter")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first.locator("td.field-open_tickets")).to_have_text("1")
    rows(page).first.get_by_role("link", name="alice").click()

    tickets = page.locator("#tickets-group")
    expect(tickets).to_contain_text("Charger not in the box")
    expect(tickets.locator("td.field-priority_badge span")).to_have_text("high")
    orders = page.locator("#orders-group")
    expect(orders).to_contain_text("ORD-1042")
    expect(orders).to_contain_text("Phone case and charger")
    expect(orders).to_contain_text("ORD-1001")
    expect(orders).not_to_contain_text("ORD-1050")  # Bruno's
    shot(page, "customer-page")


def test_the_escalation_review_list_shows_open_and_severe_first(admin_page):
    actor = Actor.system("test")
    customer = Customer.objects.get

    def escalate(who: str, severity: str, reason: str) -> Escalation:
        escalation, _ = services.escalation_create(actor=actor, customer=customer(pk=who), severity=severity, reason=reason)
        return escalation

    escalate("hana", "low", "Keyboard refund question")
    escalate("chen", "critical", "Laptop order stuck for a VIP")
    done = escalate("bruno", "critical", "Speaker replaced")
    services.escalation_set_status(actor=actor, escalation=done, status="resolved")

    page = admin_page
    page.goto("/admin/support/escalation/")
    expect(rows(page).locator("td.field-reason")).to_have_text([
        "Laptop order stuck for a VIP",  # open, critical
        "Race on Sunday; carrier cannot promise delivery.",  # open, high (demo data)
        "Keyboard refund question",  # open, low
        "Speaker replaced",  # resolved, however severe
    ])
    first = rows(page).first
    assert background(first.locator("td.field-severity_badge span")) == RED
    assert background(first.locator("td.field-status_badge span")) == RED  # open

    # Acknowledging one from the list moves it below the other open ones.
    rows(page).filter(has_text="Laptop order stuck").locator("input.action-select").check()
    run_action(page, "Acknowledge selected escalations")
    expect(page.locator(".messagelist")).to_contain_text("1 escalation(s) marked acknowledged")
    expect(rows(page).locator("td.field-reason")).to_have_text([
        "Race on Sunday; carrier cannot promise delivery.",
        "Keyboard refund question",
        "Laptop order stuck for a VIP",
        "Speaker replaced",
    ])
    assert background(rows(page).nth(2).locator("td.field-status_badge span")) == AMBER
    shot(page, "escalations")


@pytest.mark.skipif(
    importlib.util.find_spec("support.emails") is None,
    reason="the escalation email preview is built on the `email` branch, not merged yet",
)
def test_escalation_email_preview(admin_page, client, openai_double):
    """The voice agent escalates a call; staff open the escalation and read the email as it was sent.

    The email outbox (support.emails) is built on the `email` branch: until it is merged this test
    skips, saying so; checked against a trial merge of that branch.
    """
    openai_double.queue(
        Reply(tool_calls=[ToolCallSpec("escalate_ticket", {
            "customerId": "chen", "severity": "critical", "reason": "Laptop order stuck; VIP wants a manager",
        })]),
        Reply(text="I've asked a manager to call you back within the hour."),
    )
    client.chat.completions.create(
        model="m",
        messages=[
            {"role": "user", "content": "My laptop order has been processing for days."},
            {"role": "assistant", "content": "I'm sorry, it is still processing."},
            {"role": "user", "content": "I want to speak to a manager <now>."},
        ],
        extra_body={"context": CALL},
    )

    page = admin_page
    page.goto("/admin/support/escalation/")
    rows(page).filter(has_text="Laptop order stuck").get_by_role("link").first.click()
    expect(page.locator(".field-reason .readonly")).to_have_text("Laptop order stuck; VIP wants a manager")
    preview = page.frame_locator("iframe[title='Escalation email']")
    body = preview.locator("body")
    expect(body).to_contain_text("Laptop order stuck; VIP wants a manager")
    expect(body).to_contain_text("Chen Wei")
    expect(body).to_contain_text("I want to speak to a manager <now>.")  # the caller's words, as text, not markup
    shot(page, "escalation-email")

    with page.expect_popup() as popup:
        page.locator(".field-email_preview").get_by_role("link", name="plain text").click()
    text = popup.value
    expect(text.locator("body")).to_contain_text("I want to speak to a manager <now>.")
    text.close()


def test_try_a_query_finds_the_sample_shipping_passage(admin_page, fresh_store):
    call_command("ingest_sample_kb", stdout=open(os.devnull, "w"))
    page = admin_page
    page.goto("/admin/rag/knowledgedocument/")
    page.get_by_role("link", name=re.compile("Try a query", re.I)).click()
    page.get_by_label("Query").fill("How long does standard shipping take?")
    page.get_by_label("Ignore the latency budget").check()  # a loaded CI machine must not time the store out
    page.get_by_role("button", name="Search").click()

    expect(page.locator("#retrieval h2").first).to_have_text("Outcome: hits")
    top = page.locator("#hits tbody tr").first
    expect(top).to_contain_text("https://help.northwind.example/shipping")
    expect(top).to_contain_text("Standard shipping: 3 to 5 business days")
    expect(page.locator("#context")).to_contain_text("Standard shipping: 3 to 5 business days")
    shot(page, "kb-try-query")


def test_a_user_who_is_not_staff_is_refused(page):
    get_user_model().objects.create_user("caller", "caller@example.com", "a perfectly good password")
    page.goto(TICKETS_URL)
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/admin/support/ticket/"))
    page.get_by_label("Username").fill("caller")
    page.get_by_label("Password").fill("a perfectly good password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".errornote")).to_contain_text("staff account")
    page.goto(TICKETS_URL)
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.locator("#result_list")).to_have_count(0)


def test_a_ticket_the_voice_agent_opens_appears_in_the_list_after_a_reload(admin_page, client, openai_double, settings):
    settings.AGENT_ID = "agent-7"
    page = admin_page
    page.goto(TICKETS_URL)
    expect(rows(page)).to_have_count(4)

    openai_double.queue(
        Reply(tool_calls=[ToolCallSpec("create_support_ticket", {
            "subject": "Coffee beans not delivered", "description": "The subscription box from ORD-1080 never came.",
            "customerEmail": "emma.schulz@example.com", "orderId": "ORD-1080", "priority": "urgent",
        })]),
        Reply(text="I've opened an urgent ticket; a colleague will email you today."),
    )
    reply = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "My coffee beans never arrived."}], extra_body={"context": CALL},
    )
    assert reply.choices[0].message.content == "I've opened an urgent ticket; a colleague will email you today."

    page.reload()
    expect(rows(page)).to_have_count(5)
    row = rows(page).filter(has_text="Coffee beans not delivered")
    ticket = Ticket.objects.get(subject="Coffee beans not delivered")
    expect(row.locator("th.field-reference")).to_have_text(ticket.short_id.upper())
    expect(row.locator("td.field-customer_link")).to_have_text("Emma Schulz (emma)")
    expect(row.locator("td.field-status_badge span")).to_have_text("open")
    expect(row.locator("td.field-priority_badge span")).to_have_text("urgent")
    expect(row.locator("td.field-channel")).to_have_text("call-browser-1")
    shot(page, "ticket-list")

    filter_link(page, "channel", "Voice agent (a call)").click()
    expect(rows(page)).to_have_count(1)
    rows(page).first.get_by_role("link", name="Coffee beans not delivered").click()
    expect(page.locator(".field-history table")).to_contain_text("agent-7")
