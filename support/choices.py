"""The value sets of tickets and escalations, and how loose words map onto them.

The voice agent (and the reference deployment before us) writes what the caller said: "in
progress", "medium", "ASAP". We store one helpdesk-standard set and map the common synonyms
onto it, so filters, colours and reports see one vocabulary.
"""

from __future__ import annotations

import re

from django.db import models

__all__ = [
    "TicketStatus",
    "Priority",
    "Severity",
    "EscalationStatus",
    "EmailStatus",
    "normalise_status",
    "normalise_priority",
    "normalise_severity",
    "CLOSED_STATUSES",
]


class TicketStatus(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending (waiting on customer)"
    ESCALATED = "escalated", "Escalated"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued (waiting for the worker)"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up; resend)"
    NOT_CONFIGURED = "not_configured", "Not sent (no mail server configured)"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class EscalationStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


CLOSED_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})

_STATUS_SYNONYMS = {
    "new": TicketStatus.OPEN,
    "reopened": TicketStatus.OPEN,
    "reopen": TicketStatus.OPEN,
    "in_progress": TicketStatus.OPEN,
    "inprogress": TicketStatus.OPEN,
    "working": TicketStatus.OPEN,
    "active": TicketStatus.OPEN,
    "assigned": TicketStatus.OPEN,
    "investigating": TicketStatus.OPEN,
    "waiting": TicketStatus.PENDING,
    "on_hold": TicketStatus.PENDING,
    "hold": TicketStatus.PENDING,
    "awaiting_customer": TicketStatus.PENDING,
    "waiting_on_customer": TicketStatus.PENDING,
    "waiting_for_customer": TicketStatus.PENDING,
    "escalate": TicketStatus.ESCALATED,
    "solved": TicketStatus.RESOLVED,
    "fixed": TicketStatus.RESOLVED,
    "done": TicketStatus.RESOLVED,
    "complete": TicketStatus.RESOLVED,
    "completed": TicketStatus.RESOLVED,
    "cancelled": TicketStatus.CLOSED,
    "canceled": TicketStatus.CLOSED,
    "archived": TicketStatus.CLOSED,
}
_PRIORITY_SYNONYMS = {
    "medium": Priority.NORMAL,
    "moderate": Priority.NORMAL,
    "standard": Priority.NORMAL,
    "regular": Priority.NORMAL,
    "minor": Priority.LOW,
    "major": Priority.HIGH,
    "critical": Priority.URGENT,
    "emergency": Priority.URGENT,
    "asap": Priority.URGENT,
    "highest": Priority.URGENT,
    "p1": Priority.URGENT,
    "p2": Priority.HIGH,
    "p3": Priority.NORMAL,
    "p4": Priority.LOW,
}
_SEVERITY_SYNONYMS = {
    "normal": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "minor": Severity.LOW,
    "major": Severity.HIGH,
    "severe": Severity.HIGH,
    "urgent": Severity.CRITICAL,
    "emergency": Severity.CRITICAL,
    "sev1": Severity.CRITICAL,
    "sev2": Severity.HIGH,
    "sev3": Severity.MEDIUM,
    "sev4": Severity.LOW,
}


def _key(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def _normalise(value: str, choices: type[models.TextChoices], synonyms: dict[str, str], what: str) -> str:
    key = _key(value)
    if key in choices.values:
        return key
    if key in synonyms:
        return str(synonyms[key])
    allowed = ", ".join(choices.values)
    raise ValueError(f"Unknown {what} {value!r}; use one of: {allowed}.")


def normalise_status(value: str) -> str:
    """'In progress' -> 'open', 'Done' -> 'resolved'; ValueError names the allowed values."""
    return _normalise(value, TicketStatus, _STATUS_SYNONYMS, "status")


def normalise_priority(value: str) -> str:
    """'medium' (the reference's word) -> 'normal', 'critical' -> 'urgent'."""
    return _normalise(value, Priority, _PRIORITY_SYNONYMS, "priority")


def normalise_severity(value: str) -> str:
    """'normal' -> 'medium', 'urgent' -> 'critical'."""
    return _normalise(value, Severity, _SEVERITY_SYNONYMS, "severity")
