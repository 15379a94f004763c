"""Bulk actions on tickets and escalations: plain functions that call the services.

The target status / staff member is chosen in the action bar (`TicketActionForm`), next to the
action menu, so one click applies it to every selected ticket.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from support import services
from support.actors import Actor
from support.choices import EscalationStatus, TicketStatus
from support.errors import SupportError

__all__ = [
    "TicketActionForm",
    "assign_to_me",
    "assign_to_chosen",
    "set_chosen_status",
    "close_tickets",
    "acknowledge_escalations",
    "resolve_escalations",
]


class TicketActionForm(ActionForm):
    status = forms.ChoiceField(choices=[("", "— status —"), *TicketStatus.choices], required=False)
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username"),
        required=False,
        empty_label="— staff member —",
    )


def _chosen(request: HttpRequest, name: str) -> Any:
    """The value picked in the action bar (the form's `action` field is validated by the admin)."""
    field = TicketActionForm.base_fields[name]
    try:
        return field.clean(request.POST.get(name) or None)
    except forms.ValidationError:
        return None


def _report(modeladmin: Any, request: HttpRequest, changed: int, total: int, what: str) -> None:
    modeladmin.message_user(request, f"{changed} of {total} ticket(s) {what}.", messages.SUCCESS)


@admin.action(permissions=["change"], description="Assign selected tickets to me")
def assign_to_me(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    tickets = list(queryset.select_related("assignee"))
    changed = services.tickets_assign(actor=Actor.for_staff(request.user), tickets=tickets, assignee=request.user)
    _report(modeladmin, request, changed, len(tickets), f"assigned to {request.user.get_username()}")


@admin.action(permissions=["change"], description="Assign selected tickets to the chosen staff member")
def assign_to_chosen(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    assignee = _chosen(request, "assignee")
    if assignee is None:
        modeladmin.message_user(request, "Choose a staff member in the action bar first.", messages.WARNING)
        return
    tickets = list(queryset.select_related("assignee"))
    changed = services.tickets_assign(actor=Actor.for_staff(request.user), tickets=tickets, assignee=assignee)
    _report(modeladmin, request, changed, len(tickets), f"assigned to {assignee.get_username()}")


@admin.action(permissions=["change"], description="Set selected tickets to the chosen status")
def set_chosen_status(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    status = _chosen(request, "status")
    if not status:
        modeladmin.message_user(request, "Choose a status in the action bar first.", messages.WARNING)
        return
    tickets = list(queryset)
    changed = services.tickets_set_status(actor=Actor.for_staff(request.user), tickets=tickets, status=status)
    _report(modeladmin, request, changed, len(tickets), f"set to {status}")


@admin.action(permissions=["change"], description="Close selected tickets")
def close_tickets(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    tickets = list(queryset)
    changed = services.tickets_set_status(actor=Actor.for_staff(request.user), tickets=tickets, status=TicketStatus.CLOSED)
    _report(modeladmin, request, changed, len(tickets), "closed")


def _escalations_to(modeladmin: Any, request: HttpRequest, queryset: QuerySet, status: str) -> None:
    actor = Actor.for_staff(request.user)
    done = 0
    for escalation in queryset.select_related("ticket"):
        try:
            if escalation.status != status:
                services.escalation_set_status(actor=actor, escalation=escalation, status=status)
                done += 1
        except SupportError as exc:
            modeladmin.message_user(request, str(exc), messages.ERROR)
    modeladmin.message_user(request, f"{done} escalation(s) marked {status}.", messages.SUCCESS)


@admin.action(permissions=["change"], description="Acknowledge selected escalations")
def acknowledge_escalations(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    _escalations_to(modeladmin, request, queryset, EscalationStatus.ACKNOWLEDGED)


@admin.action(permissions=["change"], description="Resolve selected escalations")
def resolve_escalations(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    _escalations_to(modeladmin, request, queryset, EscalationStatus.RESOLVED)


@admin.action(permissions=["change"], description="Resend the escalation email")
def resend_escalation_emails(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    from support.emails import escalation_email_resend

    actor = Actor.for_staff(request.user)
    queued = 0
    for escalation in queryset.select_related("ticket", "customer"):
        try:
            escalation_email_resend(actor=actor, escalation=escalation)
            queued += 1
        except SupportError as exc:
            modeladmin.message_user(request, f"{escalation}: {exc}", messages.ERROR)
    if queued:
        modeladmin.message_user(request, f"{queued} email(s) queued; the worker sends them within seconds.", messages.SUCCESS)
