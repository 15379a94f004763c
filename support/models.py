"""The support data: the seven tables of the reference deployment (contract §8), same names.

Column names and types follow the reference's Supabase schema so an existing database can be
adopted in place (docs/support.md). Our additions (who did what, assignment, the ticket link of an
escalation) are extra nullable columns, added by a later migration. A ticket's history is the
`changes` rows whose entity is that ticket (status, priority, assignment, escalation, creation)
plus its interactions (notes).
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.fields.json import KT
from django.db.models.functions import Lower, Now
from django.utils import timezone

from support.choices import EmailStatus, EscalationStatus, Priority, Severity, TicketStatus

__all__ = ["Customer", "Order", "Ticket", "Interaction", "Escalation", "Change", "AgentEvent", "Email", "as_json"]


def _new_text_id() -> str:
    return str(uuid.uuid4())


def _created() -> models.DateTimeField:
    """Set by us on insert and by the database for rows other writers insert (Supabase)."""
    return models.DateTimeField(default=timezone.now, db_default=Now(), null=True, blank=True)


class Customer(models.Model):
    id = models.CharField(primary_key=True, help_text="Customer id (the reference used lower-case first names).")
    # name, email, tier, language, preferences, history...
    data = models.JSONField(default=dict, blank=True)
    updated_at = _created()

    class Meta:
        db_table = "customers"
        ordering = ("id",)
        indexes = [models.Index(Lower(KT("data__email")), name="customers_email_lower_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id

    def _field(self, key: str) -> str:
        value = (self.data or {}).get(key) if isinstance(self.data, dict) else None
        return str(value) if value not in (None, "") else ""

    @property
    def name(self) -> str:
        return self._field("name")

    @property
    def email(self) -> str:
        return self._field("email")

    @property
    def tier(self) -> str:
        return self._field("tier")


class Order(models.Model):
    id = models.CharField(primary_key=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders", db_column="customer_id"
    )
    # status, summary, total, currency, items...
    data = models.JSONField(default=dict, blank=True)
    updated_at = _created()

    class Meta:
        db_table = "orders"
        ordering = ("-updated_at",)
        indexes = [models.Index(fields=["customer", "-updated_at"], name="orders_customer_recent_idx")]

    def __str__(self) -> str:
        return self.id

    @property
    def status(self) -> str:
        return str((self.data or {}).get("status") or "") if isinstance(self.data, dict) else ""

    @property
    def summary(self) -> str:
        if not isinstance(self.data, dict):
            return ""
        return str(self.data.get("summary") or self.data.get("description") or "")


class Ticket(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.CharField()
    description = models.TextField(blank=True, default="")
    customer_email = models.CharField(null=True, blank=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets", db_column="customer_id"
    )
    priority = models.CharField(choices=Priority.choices, default=Priority.NORMAL, null=True)
    status = models.CharField(choices=TicketStatus.choices, default=TicketStatus.OPEN, null=True)
    # Who opened it: the caller's Agora identity (channel is also the "source" column of the list).
    channel = models.CharField(null=True, blank=True)
    user_id = models.CharField(null=True, blank=True)
    app_id = models.CharField(null=True, blank=True)
    # Free text in the reference (it also held subscription ids); validated against orders on create.
    order_id = models.CharField(null=True, blank=True)
    created_at = _created()
    updated_at = _created()
    updated_by = models.CharField(null=True, blank=True)
    updated_channel = models.CharField(null=True, blank=True)
    metadata = models.JSONField(default=dict, null=True, blank=True)
    # Ours (migration 0002).
    agent_id = models.CharField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="support_tickets"
    )

    class Meta:
        db_table = settings.SUPPORT_TICKETS_TABLE
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["status", "-created_at"], name="tickets_status_recent_idx"),
            models.Index(fields=["-created_at"], name="tickets_recent_idx"),
            models.Index(fields=["customer_email"], name="tickets_customer_email_idx"),
            models.Index(fields=["assignee", "status"], name="tickets_assignee_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.short_id} {self.subject}"

    @property
    def short_id(self) -> str:
        """The first 8 hex digits: what staff and callers say out loud."""
        return self.id.hex[:8] if isinstance(self.id, uuid.UUID) else str(self.id)[:8]


class Interaction(models.Model):
    id = models.BigAutoField(primary_key=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="interactions", db_column="ticket_id"
    )
    note = models.TextField()
    sentiment = models.CharField(null=True, blank=True)
    channel = models.CharField(null=True, blank=True)
    user_id = models.CharField(null=True, blank=True)
    app_id = models.CharField(null=True, blank=True)
    created_at = _created()
    # Ours (migration 0002): the agent that wrote it, or the staff member (a staff note).
    agent_id = models.CharField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="support_notes"
    )

    class Meta:
        db_table = settings.SUPPORT_INTERACTIONS_TABLE
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["ticket", "-created_at"], name="interactions_ticket_recent_idx")]

    def __str__(self) -> str:
        return f"#{self.id}: {self.note[:60]}"


class Escalation(models.Model):
    escalation_id = models.CharField(primary_key=True, default=_new_text_id, editable=False)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations", db_column="customer_id"
    )
    status = models.CharField(choices=EscalationStatus.choices, default=EscalationStatus.OPEN)
    severity = models.CharField(choices=Severity.choices, default=Severity.MEDIUM, null=True, blank=True)
    email_sent = models.BooleanField(default=False, null=True)
    email_result = models.JSONField(null=True, blank=True)
    # reason, metadata, conversation, triggered_by...
    data = models.JSONField(default=dict, null=True, blank=True)
    created_at = _created()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Ours (migration 0002).
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations", db_column="ticket_id"
    )
    agent_id = models.CharField(null=True, blank=True)
    user_id = models.CharField(null=True, blank=True)
    channel = models.CharField(null=True, blank=True)
    app_id = models.CharField(null=True, blank=True)

    class Meta:
        db_table = "escalations"
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["status", "severity"], name="escalations_status_sev_idx")]

    def __str__(self) -> str:
        return f"Escalation {self.escalation_id[:8]} ({self.severity or 'unrated'}, {self.status})"

    @property
    def reason(self) -> str:
        return str((self.data or {}).get("reason") or "") if isinstance(self.data, dict) else ""


class Email(models.Model):
    """The escalation email as rendered, and its delivery: the outbox row staff review and resend.

    One per escalation (the unique link is what keeps a second escalate call from mailing twice).
    `attempt_log` lists every delivery attempt: {at, ok, error | messageId, by}.
    """

    escalation = models.OneToOneField(
        Escalation, on_delete=models.CASCADE, related_name="email", db_column="escalation_id"
    )
    status = models.CharField(choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    recipients = models.JSONField(default=list)
    from_email = models.CharField()
    subject = models.CharField()
    text = models.TextField()
    html = models.TextField()
    attempts = models.PositiveIntegerField(default=0)
    attempt_log = models.JSONField(default=list, blank=True)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "escalation_emails"
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="escalation_emails_status_idx")]

    def __str__(self) -> str:
        return f"Email for escalation {self.escalation_id[:8]} ({self.status})"


class Change(models.Model):
    change_id = models.CharField(primary_key=True, default=_new_text_id, editable=False)
    entity_type = models.CharField()
    entity_id = models.CharField()
    status = models.CharField()
    made_by = models.CharField(null=True, blank=True)
    agent_id = models.CharField(null=True, blank=True)
    reason = models.TextField(null=True, blank=True)
    data = models.JSONField(null=True, blank=True)
    created_at = _created()
    applied_at = models.DateTimeField(null=True, blank=True)
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    rollback_reason = models.TextField(null=True, blank=True)
    # Ours (migration 0002).
    channel = models.CharField(null=True, blank=True)
    app_id = models.CharField(null=True, blank=True)

    class Meta:
        db_table = "changes"
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["entity_type", "entity_id"], name="changes_entity_idx"),
            models.Index(fields=["-created_at"], name="changes_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.entity_type} {self.entity_id}: {self.status}"


class AgentEvent(models.Model):
    event_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="agent_events", db_column="customer_id"
    )
    agent_id = models.CharField(null=True, blank=True)
    channel_name = models.CharField(null=True, blank=True)
    intent = models.CharField(null=True, blank=True)
    sentiment_label = models.CharField(null=True, blank=True)
    sentiment_score = models.FloatField(null=True, blank=True)
    urgency = models.CharField(null=True, blank=True)
    tasks = models.JSONField(null=True, blank=True)
    payload = models.JSONField(null=True, blank=True)
    created_at = _created()
    # Ours (migration 0002).
    user_id = models.CharField(null=True, blank=True)
    app_id = models.CharField(null=True, blank=True)

    class Meta:
        db_table = "agent_events"
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["agent_id"], name="agent_events_agent_idx")]

    def __str__(self) -> str:
        return f"{self.intent or 'event'} ({self.customer_id or 'unknown customer'})"


def as_json(value: Any) -> Any:
    """Model values in JSON-safe form (UUIDs, datetimes, Decimals from adopted numeric columns)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
