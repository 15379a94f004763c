"""Rows as the reference deployment wrote them (its values, its quirks), for import and adoption tests."""

from __future__ import annotations

import uuid

TICKET_A = "6b0f7c1e-2d34-4e8a-9c55-0a1b2c3d4e5f"
TICKET_B = "9e8d7c6b-5a49-4382-8170-6f5e4d3c2b1a"

CUSTOMERS = [
    {"id": "maria", "data": {"name": "Maria Lopez", "email": "maria@example.com", "tier": "gold"}, "updated_at": "2025-03-01T10:00:00+00:00"},
    {"id": "li", "data": {"name": "Li Na", "tier": "silver"}, "updated_at": "2025-03-02T10:00:00+00:00"},
]
ORDERS = [
    {"id": "A-1", "customer_id": "maria", "data": {"status": "shipped", "summary": "Blender", "total": 89.0}, "updated_at": "2025-03-03T10:00:00+00:00"},
    {"id": "A-2", "customer_id": "maria", "data": {"status": "delivered", "summary": "Toaster", "total": 39.0}, "updated_at": "2025-02-01T10:00:00+00:00"},
]
TICKETS = [
    {"id": TICKET_A, "subject": "Blender leaks", "description": "Water under the base", "customer_email": "maria@example.com",
     "customer_id": "maria", "priority": "medium", "status": "in progress", "channel": "ccc", "user_id": "111", "app_id": "app",
     "order_id": "A-1", "created_at": "2025-03-04T09:00:00+00:00", "updated_at": "2025-03-04T09:30:00+00:00",
     "updated_by": "111", "updated_channel": "ccc", "metadata": None},
    # The reference took the model's customerId verbatim: a reference to nobody.
    {"id": TICKET_B, "subject": "Refund?", "description": "", "customer_email": "ghost@example.com", "customer_id": "ghost",
     "priority": "high", "status": "open", "channel": "ccc", "user_id": "112", "app_id": "app", "order_id": None,
     "created_at": "2025-03-05T09:00:00+00:00", "updated_at": "2025-03-05T09:00:00+00:00", "updated_by": None,
     "updated_channel": None, "metadata": {"source": "voice"}},
]
INTERACTIONS = [
    {"id": 1, "ticket_id": TICKET_A, "note": "Asked for photos", "sentiment": "neutral", "channel": "ccc", "user_id": "111", "app_id": "app", "created_at": "2025-03-04T09:10:00+00:00"},
    {"id": 2, "ticket_id": TICKET_A, "note": "Photos received", "sentiment": "positive", "channel": "ccc", "user_id": "111", "app_id": "app", "created_at": "2025-03-04T09:20:00+00:00"},
    {"id": 3, "ticket_id": None, "note": "Caller asked about opening hours", "sentiment": None, "channel": "ccc", "user_id": "113", "app_id": "app", "created_at": "2025-03-06T09:00:00+00:00"},
]
ESCALATIONS = [
    {"escalation_id": "esc-legacy-1", "customer_id": "maria", "status": "open", "severity": "medium", "email_sent": False,
     "email_result": None, "data": {"reason": "Angry caller", "triggered_by": "111", "channel": "ccc"},
     "created_at": "2025-03-04T09:40:00+00:00", "resolved_at": None},
]
CHANGES = [
    {"change_id": "chg-1", "entity_type": "order", "entity_id": "A-2", "status": "refunded", "made_by": "111", "agent_id": "bot",
     "reason": "Damaged", "data": {"amount": 39}, "created_at": "2025-02-02T10:00:00+00:00", "applied_at": "2025-02-02T10:05:00+00:00",
     "rolled_back_at": None, "rollback_reason": None},
]
AGENT_EVENTS = [
    {"event_id": str(uuid.UUID("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")), "customer_id": "maria", "agent_id": "bot", "channel_name": "ccc",
     "intent": "complaint", "sentiment_label": "negative", "sentiment_score": 0.12, "urgency": "high", "tasks": {"todo": ["refund"]},
     "payload": {"source_app_id": "app"}, "created_at": "2025-03-04T09:05:00+00:00"},
]


def reference_tables(tickets_table: str = "support_tickets", interactions_table: str = "support_interactions") -> dict[str, list[dict]]:
    return {
        "customers": CUSTOMERS,
        "orders": ORDERS,
        tickets_table: TICKETS,
        interactions_table: INTERACTIONS,
        "escalations": ESCALATIONS,
        "changes": CHANGES,
        "agent_events": AGENT_EVENTS,
    }


ROW_COUNTS = {"customers": 2, "orders": 2, "tickets": 2, "interactions": 3, "escalations": 1, "changes": 1, "agent_events": 1}
