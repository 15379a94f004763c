"""A small, realistic demo data set: customers, orders, a few tickets with their history.

`demo_data_load()` is idempotent (fixed ids; existing rows are left as staff may have worked
them), so `make run` can call it on every start.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from support import services
from support.actors import Actor
from support.models import Customer, Order, Ticket

__all__ = ["CUSTOMERS", "ORDERS", "TICKETS", "demo_data_load", "DemoSummary"]

DEMO_NAMESPACE = uuid.UUID("6f1c2a9e-4b7d-4c1e-9a57-3d2f8e0b5c11")

CUSTOMERS: list[dict[str, Any]] = [
    {"id": "alice", "data": {"name": "Alice Martin", "email": "alice.martin@example.com", "tier": "gold", "language": "en",
                             "phone": "+1 415 555 0101", "preferences": {"contact": "email"}, "history": ["2024: upgraded to Gold"]}},
    {"id": "bruno", "data": {"name": "Bruno Costa", "email": "bruno.costa@example.com", "tier": "silver", "language": "pt",
                             "preferences": {"contact": "phone"}, "history": []}},
    {"id": "chen", "data": {"name": "Chen Wei", "email": "chen.wei@example.com", "tier": "platinum", "language": "zh",
                            "preferences": {"contact": "email", "callback_hours": "09:00-12:00"}, "history": ["VIP since 2022"]}},
    {"id": "divya", "data": {"name": "Divya Nair", "email": "divya.nair@example.com", "tier": "standard", "language": "en",
                             "preferences": {}, "history": []}},
    {"id": "emma", "data": {"name": "Emma Schulz", "email": "emma.schulz@example.com", "tier": "gold", "language": "de",
                            "preferences": {"contact": "email"}, "history": ["2025: late delivery refunded"]}},
    {"id": "farid", "data": {"name": "Farid Haddad", "email": "farid.haddad@example.com", "tier": "silver", "language": "fr",
                             "preferences": {}, "history": []}},
    # A phone-only customer: tickets for him must work without an email (a reference bug).
    {"id": "gustavo", "data": {"name": "Gustavo Rojas", "phone": "+52 55 5555 0199", "tier": "standard", "language": "es",
                               "preferences": {"contact": "phone"}, "history": []}},
    {"id": "hana", "data": {"name": "Hana Sato", "email": "hana.sato@example.com", "tier": "platinum", "language": "ja",
                            "preferences": {"contact": "chat"}, "history": ["Beta tester"]}},
]


def _order(order_id: str, customer: str, days_ago: int, status: str, summary: str, total: float, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": order_id,
        "customer_id": customer,
        "days_ago": days_ago,
        "data": {"status": status, "summary": summary, "total": total, "currency": "USD", "items": items},
    }


ORDERS: list[dict[str, Any]] = [
    _order("ORD-1001", "alice", 40, "delivered", "Noise-cancelling headphones", 249.0, [{"sku": "HP-900", "qty": 1, "price": 249.0}]),
    _order("ORD-1042", "alice", 3, "shipped", "Phone case and charger", 58.5, [{"sku": "CS-12", "qty": 1, "price": 19.5}, {"sku": "CH-65W", "qty": 1, "price": 39.0}]),
    _order("ORD-1050", "bruno", 12, "delivered", "Smart speaker", 99.0, [{"sku": "SP-1", "qty": 1, "price": 99.0}]),
    _order("ORD-1063", "chen", 1, "processing", "Laptop 14\" (32 GB)", 1899.0, [{"sku": "LT-14-32", "qty": 1, "price": 1899.0}]),
    _order("ORD-1007", "chen", 90, "delivered", "4K monitor", 429.0, [{"sku": "MN-4K", "qty": 1, "price": 429.0}]),
    _order("ORD-1071", "divya", 6, "delayed", "Running shoes", 120.0, [{"sku": "RS-42", "qty": 1, "price": 120.0}]),
    _order("ORD-1033", "emma", 20, "returned", "Coffee machine", 310.0, [{"sku": "CM-2", "qty": 1, "price": 310.0}]),
    _order("ORD-1080", "emma", 2, "shipped", "Coffee beans subscription", 24.0, [{"sku": "CB-SUB", "qty": 1, "price": 24.0}]),
    _order("ORD-1090", "gustavo", 5, "delivered", "Tablet 11\"", 379.0, [{"sku": "TB-11", "qty": 1, "price": 379.0}]),
    _order("ORD-1095", "hana", 8, "cancelled", "Mechanical keyboard", 149.0, [{"sku": "KB-MX", "qty": 1, "price": 149.0}]),
]


@dataclass
class DemoTicket:
    key: str
    customer: str
    subject: str
    description: str
    priority: str = "normal"
    order_id: str | None = None
    notes: list[tuple[str, str | None]] = field(default_factory=list)
    status: str | None = None
    escalate: tuple[str, str] | None = None  # (severity, reason)

    @property
    def pk(self) -> uuid.UUID:
        return uuid.uuid5(DEMO_NAMESPACE, self.key)


TICKETS: list[DemoTicket] = [
    DemoTicket("alice-charger", "alice", "Charger not in the box", "Order ORD-1042 arrived without the 65 W charger.",
               "high", "ORD-1042", [("Caller confirmed the box was sealed; charger missing.", "negative")]),
    DemoTicket("divya-late", "divya", "Running shoes delayed", "ORD-1071 is six days late; the caller needs them for a race on Sunday.",
               "urgent", "ORD-1071", [("Carrier reports a depot delay.", "negative")], escalate=("high", "Race on Sunday; carrier cannot promise delivery.")),
    DemoTicket("gustavo-tablet", "gustavo", "Tablet screen flickers", "The tablet from ORD-1090 flickers after updating.",
               "normal", "ORD-1090", [("Suggested a restart and a firmware re-install; caller will call back.", "neutral")], status="pending"),
    DemoTicket("emma-refund", "emma", "Refund for returned coffee machine", "Return of ORD-1033 was received; refund not yet visible.",
               "normal", "ORD-1033", [("Refund issued; 3-5 business days.", "positive")], status="resolved"),
]


@dataclass
class DemoSummary:
    customers: int = 0
    orders: int = 0
    tickets: int = 0

    def __str__(self) -> str:
        return f"demo data: {self.customers} customers, {self.orders} orders, {self.tickets} tickets added"


@transaction.atomic
def demo_data_load() -> DemoSummary:
    summary = DemoSummary()
    now = timezone.now()
    actor = Actor.system("load_demo_data")
    for row in CUSTOMERS:
        _, created = Customer.objects.get_or_create(pk=row["id"], defaults={"data": row["data"], "updated_at": now})
        summary.customers += created
    for row in ORDERS:
        _, created = Order.objects.get_or_create(
            pk=row["id"],
            defaults={"customer_id": row["customer_id"], "data": row["data"], "updated_at": now - timedelta(days=row["days_ago"])},
        )
        summary.orders += created
    for spec in TICKETS:
        if Ticket.objects.filter(pk=spec.pk).exists():
            continue
        customer = Customer.objects.get(pk=spec.customer)
        ticket = services.ticket_create(
            actor=actor, subject=spec.subject, description=spec.description, customer=customer,
            priority=spec.priority, order_id=spec.order_id, metadata={"demo": True}, ticket_id=spec.pk,
        )
        for note, sentiment in spec.notes:
            services.interaction_log(actor=actor, ticket=ticket, note=note, sentiment=sentiment)
        if spec.status:
            services.ticket_set_status(actor=actor, ticket=ticket, status=spec.status)
        if spec.escalate:
            severity, reason = spec.escalate
            services.escalation_create(actor=actor, ticket=ticket, severity=severity, reason=reason, notify=False)  # no demo mail
        summary.tickets += 1
    return summary
