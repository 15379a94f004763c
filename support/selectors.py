"""Reads of the support data, shared by the tools, the admin and the commands.

Async twins (`a` prefix) run the sync selector in Django's thread-sensitive executor so the turn
loop's event loop never blocks on the database.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone

from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Lower

from support.errors import InvalidInput, NotFound
from support.models import Change, Customer, Escalation, Interaction, Order, Ticket

__all__ = [
    "customer_get",
    "orders_recent",
    "ticket_get",
    "ticket_interactions_recent",
    "ticket_changes",
    "ticket_history",
    "HistoryEntry",
    "interaction_author",
    "escalations_for_review",
]

TICKET_REF_MIN = 8


def _clean(value: str | None) -> str:
    return (value or "").strip()


def customer_get(*, customer_id: str | None = None, customer_email: str | None = None) -> Customer:
    """By id (exact, then case-insensitive), else by email (case-insensitive)."""
    customer_id, customer_email = _clean(customer_id), _clean(customer_email)
    if not customer_id and not customer_email:
        raise InvalidInput("Give a customerId or a customerEmail to find the customer.")
    if customer_id:
        found = Customer.objects.filter(pk=customer_id).first() or Customer.objects.filter(id__iexact=customer_id).first()
        if found is not None:
            return found
        if "@" in customer_id and not customer_email:
            customer_email = customer_id
    if customer_email:
        found = (
            Customer.objects.annotate(email_lower=Lower(KT("data__email")))
            .filter(email_lower=customer_email.lower())
            .order_by("id")
            .first()
        )
        if found is not None:
            return found
    what = " or ".join(
        part for part in (customer_id and f"id {customer_id!r}", customer_email and f"email {customer_email!r}") if part
    )
    raise NotFound(f"No customer with {what}. Ask the caller to confirm their email address or customer id.")


def orders_recent(*, customer: Customer, limit: int = 5) -> list[Order]:
    """Newest first (by last update), at most `limit`."""
    return list(Order.objects.filter(customer=customer).order_by("-updated_at", "-id")[:limit])


def parse_ticket_ref(ticket_id: str) -> tuple[str, bool]:
    """A ticket id as the model may say it: a UUID, or its first 8+ hex digits ('3F2A 9C1B').

    Returns (hex digits, is_complete); InvalidInput when it cannot be a ticket id.
    """
    digits = re.sub(r"[\s\-#]", "", _clean(ticket_id)).lower()
    if digits.startswith(("ticket", "t")) and not re.fullmatch(r"[0-9a-f]+", digits):
        digits = re.sub(r"^(ticket|t)", "", digits)
    if not re.fullmatch(r"[0-9a-f]+", digits) or len(digits) > 32:
        raise InvalidInput(f"{ticket_id!r} is not a ticket id: give the id (or its first 8 characters) exactly as the ticket was created.")
    if len(digits) < TICKET_REF_MIN:
        raise InvalidInput(f"Ticket reference {ticket_id!r} is too short: give at least its first {TICKET_REF_MIN} characters.")
    return digits, len(digits) == 32


def ticket_get(*, ticket_id: str) -> Ticket:
    digits, complete = parse_ticket_ref(ticket_id)
    queryset = Ticket.objects.select_related("customer", "assignee")
    if complete:
        ticket = queryset.filter(pk=uuid.UUID(hex=digits)).first()
        if ticket is None:
            raise NotFound(f"Ticket {ticket_id} not found.")
        return ticket
    matches = list(queryset.filter(id__startswith=digits)[:2])
    if not matches:
        raise NotFound(f"Ticket {ticket_id} not found.")
    if len(matches) > 1:
        raise InvalidInput(f"More than one ticket starts with {ticket_id}; give more of the id.")
    return matches[0]


def ticket_interactions_recent(*, ticket: Ticket, limit: int = 5) -> list[Interaction]:
    return list(Interaction.objects.filter(ticket=ticket).select_related("author").order_by("-created_at", "-id")[:limit])


def ticket_changes(*, ticket: Ticket) -> QuerySet[Change]:
    """The change-log rows about this ticket (ours and any the reference or the model wrote)."""
    return Change.objects.filter(entity_type__iexact="ticket", entity_id__in=[str(ticket.pk), ticket.pk.hex, ticket.short_id])


def interaction_author(note: Interaction) -> str:
    """'staff alice', 'agent bot-7 for caller 42', 'system (load_demo_data)'."""
    if note.author_id:
        return f"staff {note.author.get_username()}"
    if note.channel == "system":
        return f"system ({note.user_id})"
    agent = f"agent {note.agent_id}" if note.agent_id else "agent"
    return f"{agent} for caller {note.user_id}" if note.user_id else agent


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime | None
    kind: str  # "change" | "note"
    what: str
    who: str
    detail: str


def ticket_history(*, ticket: Ticket) -> list[HistoryEntry]:
    """Status/priority/assignment changes and notes, oldest first: the ticket's story."""
    entries: list[HistoryEntry] = []
    for change in ticket_changes(ticket=ticket):
        data = change.data if isinstance(change.data, dict) else {}
        if "from" in data and "field" in data:
            what = f"{data['field']}: {data.get('from') or '—'} → {data.get('to') or change.status}"
        elif isinstance(data.get("fields"), list):
            what = f"{change.status}: {', '.join(map(str, data['fields']))}"
        else:
            what = change.status
        who = data.get("actor") or change.made_by or change.agent_id or ""
        entries.append(HistoryEntry(change.created_at, "change", what, str(who), change.reason or ""))
    for note in Interaction.objects.filter(ticket=ticket).select_related("author"):
        what = f"note ({note.sentiment})" if note.sentiment else "note"
        entries.append(HistoryEntry(note.created_at, "note", what, interaction_author(note), note.note))
    far_past = datetime.min.replace(tzinfo=dt_timezone.utc)
    entries.sort(key=lambda entry: entry.at or far_past)
    return entries


def escalations_for_review() -> QuerySet[Escalation]:
    """Open first, then acknowledged, then resolved; most severe first; newest first."""
    from django.db.models import Case, IntegerField, Value, When

    return Escalation.objects.select_related("customer", "ticket").annotate(
        status_rank=Case(
            When(status="open", then=Value(0)),
            When(status="acknowledged", then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        severity_rank=Case(
            When(severity="critical", then=Value(0)),
            When(severity="high", then=Value(1)),
            When(severity="medium", then=Value(2)),
            When(severity="low", then=Value(3)),
            default=Value(4),
            output_field=IntegerField(),
        ),
    ).order_by("status_rank", "severity_rank", "-created_at")

