"""Writes to the support data: the one place the business rules live.

The tools, the admin and the commands all call these functions (HackSoft style: `<entity>_<action>`,
keyword-only, `a` prefix for the async twins the tools await). Every write takes an `Actor` and
leaves a trace: ticket changes (creation, status, priority, assignment, escalation) become rows in
the `changes` table with entity_type "ticket" — that is the ticket's history, together with its
interactions (notes).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from support.actors import Actor
from support.choices import EscalationStatus, Severity, TicketStatus, normalise_priority, normalise_severity, normalise_status
from support.conversation import conversation_transcript
from support.errors import InvalidInput, NotFound
from support.models import AgentEvent, Change, Customer, Escalation, Interaction, Order, Ticket

__all__ = [
    "ticket_create", "ticket_set_status", "ticket_set_priority", "ticket_update_details", "ticket_assign",
    "tickets_set_status", "tickets_assign", "interaction_log",
    "escalation_create", "escalation_notify", "escalation_set_status", "change_log", "agent_event_record",
]

log = logging.getLogger(__name__)

SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}


def _normalised(normalise: Any, value: str) -> str:
    try:
        return str(normalise(value))
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc


def change_log(
    *,
    actor: Actor,
    entity_type: str,
    entity_id: str,
    status: str,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
    applied: bool = False,
) -> Change:
    """One audit row in `changes` (what the reference's log_change_event wrote, plus channel/app)."""
    entity_type, entity_id, status = entity_type.strip(), entity_id.strip(), status.strip()
    if not entity_type or not entity_id or not status:
        raise InvalidInput("A change needs an entityType, an entityId and a status.")
    now = timezone.now()
    return Change.objects.create(
        entity_type=entity_type,
        entity_id=entity_id,
        status=status,
        made_by=actor.user_id,
        agent_id=actor.agent_id,
        reason=reason or None,
        data=data,
        channel=actor.channel,
        app_id=actor.app_id,
        created_at=now,
        applied_at=now if applied else None,
    )


def _ticket_event(actor: Actor, ticket: Ticket, status: str, reason: str | None = None, **data: Any) -> Change:
    return change_log(
        actor=actor,
        entity_type="ticket",
        entity_id=str(ticket.pk),
        status=status,
        reason=reason,
        data={**data, "actor": actor.label},
        applied=True,
    )


def _touch(ticket: Ticket, actor: Actor) -> list[str]:
    ticket.updated_at = timezone.now()
    ticket.updated_by = actor.user_id
    ticket.updated_channel = actor.channel
    return ["updated_at", "updated_by", "updated_channel"]


@transaction.atomic
def ticket_create(
    *,
    actor: Actor,
    subject: str,
    description: str,
    customer: Customer,
    customer_email: str | None = None,
    priority: str | None = None,
    order_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    ticket_id: uuid.UUID | None = None,
) -> Ticket:
    """A new open ticket for a known customer; the order, when given, must be theirs.

    `ticket_id` fixes the id (demo data); normally a new UUID is drawn.
    """
    subject, description = subject.strip(), description.strip()
    if not subject:
        raise InvalidInput("A ticket needs a subject.")
    order_id = (order_id or "").strip() or None
    if order_id is not None:
        order = Order.objects.filter(pk=order_id).first()
        if order is None:
            raise NotFound(f"Order {order_id} not found. Check the order number with the caller, or leave it out.")
        if order.customer_id and order.customer_id != customer.pk:
            raise InvalidInput(f"Order {order_id} belongs to another customer.")
    ticket = Ticket.objects.create(
        id=ticket_id or uuid.uuid4(),
        subject=subject,
        description=description,
        customer=customer,
        customer_email=(customer_email or "").strip().lower() or customer.email or None,
        priority=_normalised(normalise_priority, priority or "normal"),
        status=TicketStatus.OPEN,
        order_id=order_id,
        channel=actor.channel,
        user_id=actor.user_id,
        app_id=actor.app_id,
        agent_id=actor.agent_id,
        updated_by=actor.user_id,
        updated_channel=actor.channel,
        metadata=metadata or {},
    )
    _ticket_event(actor, ticket, "created", field="status", to=TicketStatus.OPEN, priority=ticket.priority)
    return ticket


@transaction.atomic
def ticket_set_status(*, actor: Actor, ticket: Ticket, status: str, note: str | None = None) -> Ticket:
    """Change the status (normalised), record the change, and log `note` as an interaction."""
    new = _normalised(normalise_status, status)
    old = ticket.status
    if new != old:
        ticket.status = new
        ticket.save(update_fields=["status", *_touch(ticket, actor)])
        _ticket_event(actor, ticket, new, reason=note, field="status", **{"from": old, "to": new})
    if note and note.strip():
        interaction_log(actor=actor, ticket=ticket, note=note)
    return ticket


DETAIL_FIELDS = ("subject", "description", "customer", "customer_email", "order_id")


@transaction.atomic
def ticket_update_details(*, actor: Actor, ticket: Ticket, **changes: Any) -> Ticket:
    """Edit subject, description, customer link, email or order; the history lists what changed."""
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise InvalidInput(f"Cannot edit {', '.join(sorted(unknown))} here.")
    changed = {name: value for name, value in changes.items() if getattr(ticket, name) != value}
    if not changed:
        return ticket
    if not (changed.get("subject", ticket.subject) or "").strip():
        raise InvalidInput("A ticket needs a subject.")
    for name, value in changed.items():
        setattr(ticket, name, value)
    ticket.save(update_fields=[*changed, *_touch(ticket, actor)])
    _ticket_event(actor, ticket, "edited", fields=sorted(changed))
    return ticket


@transaction.atomic
def ticket_set_priority(*, actor: Actor, ticket: Ticket, priority: str) -> Ticket:
    new = _normalised(normalise_priority, priority)
    old = ticket.priority
    if new != old:
        ticket.priority = new
        ticket.save(update_fields=["priority", *_touch(ticket, actor)])
        _ticket_event(actor, ticket, f"priority {new}", field="priority", **{"from": old, "to": new})
    return ticket


@transaction.atomic
def ticket_assign(*, actor: Actor, ticket: Ticket, assignee: Any) -> Ticket:
    """Give the ticket to a staff member (None: unassign)."""
    if assignee is not None and not assignee.is_staff:
        raise InvalidInput(f"{assignee.get_username()} is not a staff member.")
    old = ticket.assignee.get_username() if ticket.assignee_id and ticket.assignee else None
    new = assignee.get_username() if assignee is not None else None
    if ticket.assignee_id != (assignee.pk if assignee is not None else None):
        ticket.assignee = assignee
        ticket.save(update_fields=["assignee", *_touch(ticket, actor)])
        status = f"assigned to {new}" if new else "unassigned"
        _ticket_event(actor, ticket, status, field="assignee", **{"from": old, "to": new})
    return ticket


def tickets_set_status(*, actor: Actor, tickets: Iterable[Ticket], status: str, note: str | None = None) -> int:
    """Bulk status change (admin action); returns how many tickets changed."""
    new = _normalised(normalise_status, status)
    changed = 0
    with transaction.atomic():
        for ticket in tickets:
            if ticket.status != new:
                ticket_set_status(actor=actor, ticket=ticket, status=new, note=note)
                changed += 1
    return changed


def tickets_assign(*, actor: Actor, tickets: Iterable[Ticket], assignee: Any) -> int:
    changed = 0
    with transaction.atomic():
        for ticket in tickets:
            if ticket.assignee_id != (assignee.pk if assignee is not None else None):
                ticket_assign(actor=actor, ticket=ticket, assignee=assignee)
                changed += 1
    return changed


def interaction_log(
    *, actor: Actor, note: str, ticket: Ticket | None = None, sentiment: str | None = None
) -> Interaction:
    """A note on a ticket (or, without one, on the call): the agent's summary or a staff note."""
    note = note.strip()
    if not note:
        raise InvalidInput("A note cannot be empty.")
    interaction = Interaction.objects.create(
        ticket=ticket,
        note=note,
        sentiment=(sentiment or "").strip().lower() or None,
        channel=actor.channel,
        user_id=actor.user_id,
        app_id=actor.app_id,
        agent_id=actor.agent_id,
        author=actor.staff,
    )
    if ticket is not None:
        Ticket.objects.filter(pk=ticket.pk).update(
            updated_at=interaction.created_at, updated_by=actor.user_id, updated_channel=actor.channel
        )
    return interaction


def escalation_notify(escalation: Escalation, messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Tell the support inbox about an escalation; returns the outcome recorded on the row.

    Renders the email into the outbox and queues its delivery (support.emails.email_queue) in
    the caller's transaction, so nothing waits for SMTP: the outcome is "queued" (the worker
    sends it and updates `email_sent` / `email_result`) or "not_configured" (stored, not sent).
    It may raise: the caller records the failure and the escalation still stands.
    """
    from support.emails import email_queue

    return email_queue(escalation=escalation, messages=messages)


def _notify(escalation: Escalation, messages: Sequence[dict[str, Any]]) -> None:
    try:
        with transaction.atomic():  # a savepoint: a failing email leaves the escalation standing
            result = escalation_notify(escalation, messages)
    except Exception as exc:  # the email boundary: record the failure, keep the escalation
        log.exception("escalation %s: notification failed", escalation.pk)
        result = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    if not isinstance(result, dict):
        result = {"status": "failed", "error": f"unexpected notification result {result!r}"}
    escalation.email_result = result
    escalation.email_sent = result.get("status") == "sent"
    escalation.save(update_fields=["email_result", "email_sent"])


def escalation_create(
    *,
    actor: Actor,
    ticket: Ticket | None = None,
    customer: Customer | None = None,
    severity: str | None = None,
    reason: str | None = None,
    metadata: dict[str, Any] | None = None,
    messages: Sequence[dict[str, Any]] = (),
    notify: bool = True,
) -> tuple[Escalation, bool]:
    """Hand a ticket (or a customer) over to people; returns (escalation, created).

    The ticket is marked escalated. A ticket with an open escalation keeps that one (raised to the
    higher severity) instead of paging the team twice. The email is queued in the same
    transaction (delivered by the worker); its outcome is recorded on the row. `notify=False`
    (demo data) writes no email.
    """
    if ticket is None and customer is None:
        raise InvalidInput("Give a ticketId or a customerId to escalate.")
    level = _normalised(normalise_severity, severity or "medium")
    reason = (reason or "").strip() or "Customer issue escalated by the voice agent."
    if ticket is not None and ticket.customer_id:
        customer = ticket.customer  # the ticket's customer wins over a customerId the model guessed
    with transaction.atomic():
        if ticket is not None:
            # Lock the ticket so two escalations racing for it cannot both page the team.
            Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
            existing = ticket.escalations.filter(status=EscalationStatus.OPEN).order_by("-created_at").first()
            if existing is not None:
                if SEVERITY_RANK[level] > SEVERITY_RANK.get(existing.severity or "", 0):
                    existing.severity = level
                    existing.save(update_fields=["severity"])
                    _ticket_event(actor, ticket, f"escalation raised to {level}", reason=reason, escalation=existing.pk)
                return existing, False
            if ticket.customer_id is None and customer is not None:
                ticket.customer = customer
                ticket.save(update_fields=["customer"])
        escalation = Escalation.objects.create(
            customer=customer,
            ticket=ticket,
            status=EscalationStatus.OPEN,
            severity=level,
            data={
                "reason": reason,
                "metadata": metadata or None,
                "triggered_by": actor.user_id,
                "channel": actor.channel,
                "ticket_id": str(ticket.pk) if ticket else None,
                "conversation": conversation_transcript(messages),
            },
            agent_id=actor.agent_id,
            user_id=actor.user_id,
            channel=actor.channel,
            app_id=actor.app_id,
        )
        if ticket is not None:
            old = ticket.status
            if old != TicketStatus.ESCALATED:
                ticket.status = TicketStatus.ESCALATED
                ticket.save(update_fields=["status", *_touch(ticket, actor)])
                change = {"field": "status", "from": old, "to": TicketStatus.ESCALATED}
            else:
                change = {}
            _ticket_event(
                actor, ticket, TicketStatus.ESCALATED if change else f"escalation opened ({level})",
                reason=reason, escalation=escalation.pk, severity=level, **change,
            )
        # Queued in this transaction: the escalation and its email commit together.
        if notify:
            _notify(escalation, messages)
    return escalation, True


@transaction.atomic
def escalation_set_status(*, actor: Actor, escalation: Escalation, status: str, note: str | None = None) -> Escalation:
    """Acknowledge or resolve an escalation (staff); resolving stamps resolved_at."""
    if status not in EscalationStatus.values:
        raise InvalidInput(f"Unknown escalation status {status!r}; use one of: {', '.join(EscalationStatus.values)}.")
    old = escalation.status
    if old == status:
        return escalation
    escalation.status = status
    escalation.resolved_at = timezone.now() if status == EscalationStatus.RESOLVED else None
    escalation.save(update_fields=["status", "resolved_at"])
    change_log(
        actor=actor, entity_type="escalation", entity_id=escalation.pk, status=status, reason=note,
        data={"from": old, "to": status, "field": "status", "actor": actor.label}, applied=True,
    )
    if escalation.ticket_id:
        _ticket_event(actor, escalation.ticket, f"escalation {status}", reason=note, escalation=escalation.pk)
    return escalation


def agent_event_record(
    *,
    actor: Actor,
    customer: Customer,
    intent: str | None = None,
    sentiment_label: str | None = None,
    sentiment_score: float | None = None,
    urgency: str | None = None,
    tasks: Any = None,
    payload: dict[str, Any] | None = None,
) -> AgentEvent:
    """One decision cycle of the agent (intent, sentiment, tasks) about a known customer."""
    return AgentEvent.objects.create(
        customer=customer,
        agent_id=actor.agent_id,
        channel_name=actor.channel,
        intent=(intent or "").strip() or None,
        sentiment_label=(sentiment_label or "").strip().lower() or None,
        sentiment_score=sentiment_score,
        urgency=(urgency or "").strip().lower() or None,
        tasks=tasks,
        payload=payload,
        user_id=actor.user_id,
        app_id=actor.app_id,
    )

