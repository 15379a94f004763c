"""List filters the triage screens need beyond the field filters."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from support.actors import ADMIN_CHANNEL
from support.choices import CLOSED_STATUSES

__all__ = ["QueueFilter", "SourceFilter", "EmailOutcomeFilter", "TierFilter"]


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Needs work (not resolved/closed)"), ("mine", "Assigned to me"), ("unassigned", "Unassigned and active")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        active = ~Q(status__in=CLOSED_STATUSES)
        if self.value() == "active":
            return queryset.filter(active)
        if self.value() == "mine":
            return queryset.filter(assignee=request.user)
        if self.value() == "unassigned":
            return queryset.filter(active, assignee__isnull=True)
        return queryset


class SourceFilter(admin.SimpleListFilter):
    """Where a ticket came from. `channel` holds the Agora channel of the call (one per call, too
    many to list), "admin" for tickets staff opened, "system" for demo/imported ones."""

    title = "channel"
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("voice", "Voice agent (a call)"), ("admin", "Staff (admin)"), ("system", "System / demo"), ("unknown", "Unknown")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "voice":
            return queryset.exclude(channel__in=[ADMIN_CHANNEL, "system"]).exclude(channel__isnull=True).exclude(channel="")
        if self.value() in (ADMIN_CHANNEL, "system"):
            return queryset.filter(channel=self.value())
        if self.value() == "unknown":
            return queryset.filter(Q(channel__isnull=True) | Q(channel=""))
        return queryset


class EmailOutcomeFilter(admin.SimpleListFilter):
    title = "email"
    parameter_name = "email"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("sent", "Sent"),
            ("not_sent", "Not delivered (any reason)"),
            ("queued", "Queued / retrying"),
            ("failed", "Failed (gave up)"),
            ("not_configured", "Not sent: no mail server"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "sent":
            return queryset.filter(email_sent=True)
        if value == "not_sent":
            return queryset.exclude(email_sent=True)
        if value == "queued":
            return queryset.filter(email__status__in=["queued", "sending"])
        if value in ("failed", "not_configured"):
            return queryset.filter(Q(email__status=value) | Q(email__isnull=True, email_result__status=value))
        return queryset


class TierFilter(admin.SimpleListFilter):
    title = "tier"
    parameter_name = "tier"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        tiers = model_admin.get_queryset(request).values_list("data__tier", flat=True).distinct()
        return [(str(t), str(t).title()) for t in sorted({t for t in tiers if t})]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(data__tier=self.value()) if self.value() else queryset
