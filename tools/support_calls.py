"""The bridge from async tools to the sync support services, and the JSON the model reads.

`support_call` runs one sync function (lookups and writes together) in Django's thread-sensitive
executor (`convoai.db_thread.in_db_thread`), so a tool costs one hop off the event loop, and turns a `SupportError` into a
`ToolError` the model hears in plain words.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from convoai.db_thread import in_db_thread
from support.actors import Actor
from support.errors import SupportError
from support.models import AgentEvent, Change, Customer, Escalation, Interaction, Order, Ticket, as_json
from tools.registry import ToolContext, ToolError

__all__ = [
    "support_call",
    "actor_for",
    "customer_record",
    "order_record",
    "ticket_record",
    "interaction_record",
    "escalation_record",
    "change_record",
    "agent_event_record_json",
]

T = TypeVar("T")


async def support_call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return await in_db_thread(fn, *args, **kwargs)
    except SupportError as exc:
        raise ToolError(str(exc)) from exc


def actor_for(ctx: ToolContext) -> Actor:
    return Actor.for_agent(identity=ctx.identity, agent_id=ctx.agent_id)


def customer_record(customer: Customer) -> dict[str, Any]:
    data = customer.data if isinstance(customer.data, dict) else {}
    return {
        "id": customer.pk,
        "customerId": customer.pk,
        "name": customer.name or None,
        "email": customer.email or None,
        "tier": customer.tier or None,
        "profile": data,
        "updatedAt": as_json(customer.updated_at),
    }


def order_record(order: Order) -> dict[str, Any]:
    data = order.data if isinstance(order.data, dict) else {}
    return {
        "id": order.pk,
        "orderId": order.pk,
        "status": data.get("status"),
        "summary": data.get("summary") or data.get("description"),
        "total": data.get("total"),
        "currency": data.get("currency") or data.get("currency_code"),
        "items": data.get("items") if isinstance(data.get("items"), list) else None,
        "updatedAt": as_json(order.updated_at),
    }


def ticket_record(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": str(ticket.pk),
        "ticketId": str(ticket.pk),
        "reference": ticket.short_id.upper(),
        "subject": ticket.subject,
        "description": ticket.description,
        "status": ticket.status,
        "priority": ticket.priority,
        "customerId": ticket.customer_id,
        "customerEmail": ticket.customer_email,
        "orderId": ticket.order_id,
        "assignee": ticket.assignee.get_username() if ticket.assignee_id and ticket.assignee else None,
        "createdAt": as_json(ticket.created_at),
        "updatedAt": as_json(ticket.updated_at),
    }


def interaction_record(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.pk,
        "ticketId": str(interaction.ticket_id) if interaction.ticket_id else None,
        "note": interaction.note,
        "sentiment": interaction.sentiment,
        "byStaff": interaction.author_id is not None,
        "createdAt": as_json(interaction.created_at),
    }


def escalation_record(escalation: Escalation) -> dict[str, Any]:
    return {
        "id": escalation.pk,
        "escalationId": escalation.pk,
        "ticketId": str(escalation.ticket_id) if escalation.ticket_id else None,
        "customerId": escalation.customer_id,
        "status": escalation.status,
        "severity": escalation.severity,
        "reason": escalation.reason,
        "emailSent": bool(escalation.email_sent),
        "email": escalation.email_result,
        "createdAt": as_json(escalation.created_at),
    }


def change_record(change: Change) -> dict[str, Any]:
    return {
        "id": change.pk,
        "changeId": change.pk,
        "entityType": change.entity_type,
        "entityId": change.entity_id,
        "status": change.status,
        "reason": change.reason,
        "createdAt": as_json(change.created_at),
    }


def agent_event_record_json(event: AgentEvent) -> dict[str, Any]:
    return {
        "id": str(event.pk),
        "eventId": str(event.pk),
        "customerId": event.customer_id,
        "intent": event.intent,
        "sentimentLabel": event.sentiment_label,
        "sentimentScore": as_json(event.sentiment_score),
        "urgency": event.urgency,
        "createdAt": as_json(event.created_at),
    }
