"""Read-only records: the change log, the agent events, and every interaction note."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.safestring import SafeString

from support.admin.display import admin_link
from support.models import AgentEvent, Change, Interaction

__all__ = ["ChangeAdmin", "AgentEventAdmin", "InteractionAdmin"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit data: staff can look, nobody edits or deletes it here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "entity_type", "entity_id", "status", "made_by", "agent_id", "channel", "reason")
    list_filter = ("entity_type", ("created_at", admin.DateFieldListFilter))
    search_fields = ("entity_id", "status", "made_by", "reason", "channel")
    date_hierarchy = "created_at"


@admin.register(AgentEvent)
class AgentEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "customer_link", "intent", "sentiment_label", "sentiment_score", "urgency", "agent_id", "channel_name")
    list_filter = ("sentiment_label", "urgency", "intent", ("created_at", admin.DateFieldListFilter))
    search_fields = ("customer__id", "intent", "channel_name", "agent_id")
    list_select_related = ("customer",)
    date_hierarchy = "created_at"

    @admin.display(description="customer", ordering="customer__id")
    def customer_link(self, obj: AgentEvent) -> SafeString | str:
        return admin_link(obj.customer)


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket_link", "note", "sentiment", "user_id", "channel", "author")
    list_filter = ("sentiment", ("ticket", admin.EmptyFieldListFilter))
    search_fields = ("note", "user_id", "channel", "ticket__subject")
    list_select_related = ("ticket", "author")

    @admin.display(description="ticket")
    def ticket_link(self, obj: Interaction) -> SafeString | str:
        return admin_link(obj.ticket, obj.ticket.short_id.upper()) if obj.ticket else "—"
