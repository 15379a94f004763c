"""The escalation review list: open before acknowledged before resolved, most severe first.

An escalation's page shows its email as sent (a sandboxed preview of the stored HTML, the text
part, the delivery status and every attempt) with buttons to resend it and to mark the
escalation resolved.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from support import emails, services
from support.actors import Actor
from support.admin import actions
from support.admin.display import ESCALATION_COLOURS, SEVERITY_COLOURS, admin_link, badge
from support.admin.filters import EmailOutcomeFilter
from support.choices import EscalationStatus
from support.errors import SupportError
from support.models import Email, Escalation
from support.selectors import escalations_for_review

__all__ = ["EscalationAdmin"]

EMAIL_COLOURS = {"sent": "#15803d", "queued": "#1d4ed8", "sending": "#1d4ed8", "failed": "#b91c1c", "not_configured": "#6b7280"}


def _email_of(escalation: Escalation) -> Email | None:
    try:
        return escalation.email
    except Email.DoesNotExist:
        return None


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("short_id", "severity_badge", "status_badge", "ticket_link", "customer_link", "reason", "email_outcome", "created_at")
    list_filter = ("status", "severity", EmailOutcomeFilter, ("created_at", admin.DateFieldListFilter))
    search_fields = ("escalation_id", "customer__id", "customer__data__name", "ticket__subject", "data__reason")
    actions = [actions.acknowledge_escalations, actions.resolve_escalations, actions.resend_escalation_emails]
    fields = ("status", "severity", "ticket_link", "customer_link", "reason", "conversation", "email_delivery",
              "email_attempts", "email_preview", "email_sent", "email_result", "who", "created_at", "resolved_at", "data")
    readonly_fields = ("severity", "ticket_link", "customer_link", "reason", "conversation", "email_delivery",
                       "email_attempts", "email_preview", "email_sent", "email_result", "who", "created_at",
                       "resolved_at", "data")
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Escalation]:
        return escalations_for_review().select_related("email")

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
    def email_outcome(self, obj: Escalation) -> SafeString | str:
        result = obj.email_result if isinstance(obj.email_result, dict) else {}
        return badge("sent" if obj.email_sent else str(result.get("status") or "") or None, EMAIL_COLOURS)

    @admin.display(description="email delivery")
    def email_delivery(self, obj: Escalation) -> SafeString | str:
        email = _email_of(obj)
        if email is None:
            return "No email was queued for this escalation. Use “Resend email” to send one."
        rows = [
            ("status", badge(email.status, EMAIL_COLOURS)),
            ("to", ", ".join(email.recipients or []) or "—"),
            ("subject", email.subject),
            ("attempts", f"{email.attempts} of at most {settings.EMAIL_MAX_ATTEMPTS}"),
        ]
        if email.sent_at:
            rows.append(("sent at", email.sent_at.isoformat(timespec="seconds")))
        if email.message_id:
            rows.append(("message id", email.message_id))
        if email.next_attempt_at and email.status == "queued":
            rows.append(("next attempt", email.next_attempt_at.isoformat(timespec="seconds")))
        if email.last_error:
            rows.append(("last error", email.last_error))
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    @admin.display(description="delivery attempts")
    def email_attempts(self, obj: Escalation) -> SafeString | str:
        email = _email_of(obj)
        log = [entry for entry in (email.attempt_log if email else None) or [] if isinstance(entry, dict)]
        if not log:
            return "—"
        rows = []
        for entry in log:
            if entry.get("resend"):
                what = f"resend requested by {entry.get('by') or 'staff'}"
            elif entry.get("ok"):
                what = "delivered" + (f" (message id {entry['messageId']})" if entry.get("messageId") else "")
            else:
                what = f"failed: {entry.get('error') or 'unknown error'}"
            rows.append((str(entry.get("attempt", "")), str(entry.get("at", "")), what))
        return format_html(
            "<table><tr><th>#</th><th>when</th><th>outcome</th></tr>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description="email as sent")
    def email_preview(self, obj: Escalation) -> SafeString | str:
        if _email_of(obj) is None:
            return "—"
        html_url = reverse("admin:support_escalation_email_html", args=[obj.pk])
        text_url = reverse("admin:support_escalation_email_text", args=[obj.pk])
        return format_html(
            '<iframe src="{}" title="Escalation email" sandbox="" style="width:100%;max-width:680px;height:640px;'
            'border:1px solid #ccc;background:#fff"></iframe><br><a href="{}" target="_blank" rel="noopener">HTML</a>'
            ' · <a href="{}" target="_blank" rel="noopener">plain text</a>',
            html_url, html_url, text_url,
        )

    # --- the email's own pages and the two buttons -------------------------------------------
    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/email/html/", wrap(self.email_html_view), name="support_escalation_email_html"),
            path("<path:object_id>/email/text/", wrap(self.email_text_view), name="support_escalation_email_text"),
            path("<path:object_id>/email/resend/", wrap(require_POST(self.resend_view)), name="support_escalation_resend"),
            path("<path:object_id>/resolve/", wrap(require_POST(self.resolve_view)), name="support_escalation_resolve"),
            *super().get_urls(),
        ]

    def _viewable(self, request: HttpRequest, object_id: str) -> Escalation:
        escalation = self.get_object(request, object_id)
        if escalation is None:
            raise Http404("No such escalation.")
        if not self.has_view_or_change_permission(request, escalation):
            raise PermissionDenied
        return escalation

    def _changeable(self, request: HttpRequest, object_id: str) -> Escalation:
        escalation = self._viewable(request, object_id)
        if not self.has_change_permission(request, escalation):
            raise PermissionDenied
        return escalation

    def email_html_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        email = _email_of(self._viewable(request, object_id))
        if email is None:
            raise Http404("No email for this escalation.")
        response = HttpResponse(email.html, content_type="text/html; charset=utf-8")
        # The stored email is escaped, but staff must never run anything from it: no scripts, no fetches.
        response["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        response["X-Frame-Options"] = "SAMEORIGIN"  # the change page frames it
        return response

    def email_text_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        email = _email_of(self._viewable(request, object_id))
        if email is None:
            raise Http404("No email for this escalation.")
        return HttpResponse(email.text, content_type="text/plain; charset=utf-8")

    def _back(self, escalation: Escalation) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:support_escalation_change", args=[escalation.pk]))

    def resend_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        escalation = self._changeable(request, object_id)
        try:
            emails.escalation_email_resend(actor=Actor.for_staff(request.user), escalation=escalation)
        except SupportError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, "The email is queued; the worker sends it within seconds.", messages.SUCCESS)
        return self._back(escalation)

    def resolve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        escalation = self._changeable(request, object_id)
        try:
            services.escalation_set_status(
                actor=Actor.for_staff(request.user), escalation=escalation, status=EscalationStatus.RESOLVED
            )
        except SupportError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, "Escalation marked resolved.", messages.SUCCESS)
        return self._back(escalation)

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
