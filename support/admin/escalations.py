"""The escalation review list: open before acknowledged before resolved, most severe first."""

from __future__ import annotations


from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from support import services
from support.actors import Actor
from support.admin import actions
from support.admin.display import ESCALATION_COLOURS, SEVERITY_COLOURS, admin_link, badge
from support.admin.filters import EmailOutcomeFilter
from support.errors import SupportError
from support.models import Escalation
from support.selectors import escalations_for_review

__all__ = ["EscalationAdmin"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("short_id", "severity_badge", "status_badge", "ticket_link", "customer_link", "reason", "email_outcome", "created_at")
    list_filter = ("status", "severity", EmailOutcomeFilter, ("created_at", admin.DateFieldListFilter))
    search_fields = ("escalation_id", "customer__id", "customer__data__name", "ticket__subject", "data__reason")
    actions = [actions.acknowledge_escalations, actions.resolve_escalations]
    fields = ("status", "severity", "ticket_link", "customer_link", "reason", "conversation", "email_sent", "email_result",
              "who", "created_at", "resolved_at", "data")
    readonly_fields = ("severity", "ticket_link", "customer_link", "reason", "conversation", "email_sent", "email_result",
                       "who", "created_at", "resolved_at", "data")
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Escalation]:
        return escalations_for_review()

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...]:
        return ("status_rank", "severity_rank", "-created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # escalations come from the agent (or a ticket), not from a blank form

    @admin.display(description="id", ordering="escalation_id")
    def short_id(self, obj: Escalation) -> str:
        return obj.escalation_id[:8]

    @admin.display(description="severity", ordering="severity_rank")
    def severity_badge(self, obj: Escalation) -> SafeString:
        return badge(obj.severity, SEVERITY_COLOURS)

    @admin.display(description="status", ordering="status_rank")
    def status_badge(self, obj: Escalation) -> SafeString:
        return badge(obj.status, ESCALATION_COLOURS)

    @admin.display(description="ticket")
    def ticket_link(self, obj: Escalation) -> SafeString | str:
        return admin_link(obj.ticket)

    @admin.display(description="customer")
    def customer_link(self, obj: Escalation) -> SafeString | str:
        return admin_link(obj.customer)

    @admin.display(description="email")
    def email_outcome(self, obj: Escalation) -> str:
        result = obj.email_result if isinstance(obj.email_result, dict) else {}
        return "sent" if obj.email_sent else str(result.get("status") or "—")

    @admin.display(description="who")
    def who(self, obj: Escalation) -> str:
        parts = [obj.agent_id and f"agent {obj.agent_id}", obj.user_id and f"caller {obj.user_id}",
                 obj.channel and f"channel {obj.channel}", obj.app_id and f"app {obj.app_id}"]
        return ", ".join(p for p in parts if p) or "—"

    @admin.display(description="conversation")
    def conversation(self, obj: Escalation) -> SafeString | str:
        lines = (obj.data or {}).get("conversation") if isinstance(obj.data, dict) else None
        if not lines:
            return "—"
        rows = [(str(line.get("role", "")), str(line.get("content", ""))) for line in lines if isinstance(line, dict)]
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    def save_model(self, request: HttpRequest, obj: Escalation, form: forms.ModelForm, change: bool) -> None:
        wanted = obj.status
        original = Escalation.objects.get(pk=obj.pk)
        try:
            services.escalation_set_status(actor=Actor.for_staff(request.user), escalation=original, status=wanted)
        except SupportError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        obj.resolved_at = original.resolved_at
