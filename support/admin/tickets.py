"""The ticket queue and the ticket page: what a support lead works in all day.

Edits go through the services, so a status, priority or assignee changed on the ticket page
shows in its history exactly like one the voice agent made; a staff note is an interaction.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from support import services
from support.actors import Actor
from support.admin import actions
from support.admin.display import PRIORITY_COLOURS, SEVERITY_COLOURS, STATUS_COLOURS, admin_link, badge
from support.admin.filters import QueueFilter, SourceFilter
from support.errors import SupportError
from support.models import Escalation, Interaction, Ticket
from support.selectors import interaction_author, ticket_history

__all__ = ["TicketAdmin"]


class TicketForm(forms.ModelForm):
    staff_note = forms.CharField(
        label="Add a staff note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Saved to the ticket's notes with your name.",
    )

    class Meta:
        model = Ticket
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "assignee" in self.fields:
            self.fields["assignee"].queryset = get_user_model().objects.filter(is_staff=True, is_active=True)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance._state.adding and not cleaned.get("customer"):
            self.add_error("customer", "Choose the customer this ticket is for.")
        return cleaned


class InteractionInline(admin.TabularInline):
    model = Interaction
    fk_name = "ticket"
    extra = 0
    can_delete = False
    fields = ("created_at", "note", "sentiment", "written_by", "channel")
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    verbose_name_plural = "Notes (newest first)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # staff notes go through the "Add a staff note" field

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="by")
    def written_by(self, obj: Interaction) -> str:
        return interaction_author(obj)


class EscalationInline(admin.TabularInline):
    model = Escalation
    fk_name = "ticket"
    extra = 0
    can_delete = False
    fields = ("link", "severity_badge", "status", "reason_text", "email_outcome", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="escalation")
    def link(self, obj: Escalation) -> SafeString | str:
        return admin_link(obj, obj.escalation_id[:8])

    @admin.display(description="severity")
    def severity_badge(self, obj: Escalation) -> SafeString:
        return badge(obj.severity, SEVERITY_COLOURS)

    @admin.display(description="reason")
    def reason_text(self, obj: Escalation) -> str:
        return obj.reason

    @admin.display(description="email")
    def email_outcome(self, obj: Escalation) -> str:
        return (obj.email_result or {}).get("status", "—") if isinstance(obj.email_result, dict) else "—"


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketForm
    action_form = actions.TicketActionForm
    actions = [actions.assign_to_me, actions.assign_to_chosen, actions.set_chosen_status, actions.close_tickets]
    list_display = ("reference", "subject", "customer_link", "status_badge", "priority_badge", "channel", "assignee", "created_at", "updated_at")
    list_display_links = ("reference", "subject")
    list_filter = (QueueFilter, "status", "priority", SourceFilter, ("created_at", admin.DateFieldListFilter), "assignee")
    search_fields = (
        "subject", "id", "customer_email", "customer__id", "customer__data__name", "customer__data__email", "order_id",
        "channel", "user_id",
    )
    search_help_text = "Subject, ticket id, customer id, name or email, order id, call channel or caller id."
    date_hierarchy = "created_at"
    list_select_related = ("customer", "assignee")
    list_per_page = 50
    raw_id_fields = ("customer",)
    inlines = (InteractionInline, EscalationInline)
    readonly_fields = (
        "id", "channel", "user_id", "app_id", "agent_id", "created_at", "updated_at", "updated_by", "updated_channel",
        "metadata", "history", "state",
    )
    fieldsets = (
        (None, {"fields": ("subject", "description", ("status", "priority", "state"), "assignee", "staff_note")}),
        ("Customer", {"fields": ("customer", "customer_email", "order_id")}),
        ("History", {"fields": ("history",)}),
        ("Where it came from", {"classes": ("collapse",), "fields": (
            "id", ("channel", "user_id", "app_id", "agent_id"), ("created_at", "updated_at"), ("updated_by", "updated_channel"), "metadata",
        )}),
    )

    @admin.display(description="ref", ordering="id")
    def reference(self, obj: Ticket) -> str:
        return obj.short_id.upper()

    @admin.display(description="customer", ordering="customer__id")
    def customer_link(self, obj: Ticket) -> SafeString | str:
        if obj.customer is None:
            return obj.customer_email or (obj.customer_id or "—")
        return admin_link(obj.customer)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Ticket) -> SafeString:
        return badge(obj.status, STATUS_COLOURS)

    @admin.display(description="priority", ordering="priority")
    def priority_badge(self, obj: Ticket) -> SafeString:
        return badge(obj.priority, PRIORITY_COLOURS)

    @admin.display(description="saved as")
    def state(self, obj: Ticket) -> SafeString | str:
        """The list's colour badges on the ticket page too: the selects alone do not stand out."""
        if obj.pk is None or obj._state.adding:
            return "—"
        return format_html("{} {}", self.status_badge(obj), self.priority_badge(obj))

    @admin.display(description="history (oldest first)")
    def history(self, obj: Ticket) -> SafeString | str:
        if obj.pk is None or obj._state.adding:
            return "—"
        rows = [
            (entry.at.strftime("%Y-%m-%d %H:%M:%S") if entry.at else "", entry.what, entry.who, entry.detail)
            for entry in ticket_history(ticket=obj)
        ]
        if not rows:
            return "No history yet."
        body = format_html_join("", "<tr><td style='white-space:nowrap'>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html("<table><thead><tr><th>when</th><th>what</th><th>who</th><th>detail</th></tr></thead><tbody>{}</tbody></table>", body)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return super().get_queryset(request).select_related("customer", "assignee")

    def save_model(self, request: HttpRequest, obj: Ticket, form: forms.ModelForm, change: bool) -> None:
        """Route the tracked fields through the services so each change lands in the history."""
        actor = Actor.for_staff(request.user)
        wanted = {"status": obj.status, "priority": obj.priority, "assignee": obj.assignee}
        try:
            if not change:
                ticket = services.ticket_create(
                    actor=actor, subject=obj.subject, description=obj.description, customer=obj.customer,
                    customer_email=obj.customer_email, priority=obj.priority, order_id=obj.order_id,
                )
                obj.pk = ticket.pk
                obj.refresh_from_db()
                obj._state.adding = False
            else:
                original = Ticket.objects.select_related("assignee", "customer").get(pk=obj.pk)
                details = {name: getattr(obj, name) for name in services.DETAIL_FIELDS}
                obj = original
                services.ticket_update_details(actor=actor, ticket=obj, **details)
            if wanted["status"] and wanted["status"] != obj.status:
                services.ticket_set_status(actor=actor, ticket=obj, status=wanted["status"])
            if wanted["priority"] and wanted["priority"] != obj.priority:
                services.ticket_set_priority(actor=actor, ticket=obj, priority=wanted["priority"])
            if wanted["assignee"] != obj.assignee:
                services.ticket_assign(actor=actor, ticket=obj, assignee=wanted["assignee"])
            note = form.cleaned_data.get("staff_note", "").strip()
            if note:
                services.interaction_log(actor=actor, ticket=obj, note=note)
        except SupportError as exc:
            self.message_user(request, str(exc), messages.ERROR)
