"""Admin for API keys: staff create, revoke and rotate the keys Convo AI agents send.

The key itself is shown once, on the page that answers the create (or rotate) request. It is
rendered straight into that response, never put in a message, session or log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from convoai.api_keys import api_key_cache_clear, api_key_create, api_key_revoke, api_key_rotate
from convoai.models import ApiKey, TurnRecord

SECRET_TEMPLATE = "admin/convoai/apikey/secret.html"


def _show_secrets(
    modeladmin: admin.ModelAdmin, request: HttpRequest, title: str, issued: list[tuple[ApiKey, str]]
) -> TemplateResponse:
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "issued": issued,
    }
    response = TemplateResponse(request, SECRET_TEMPLATE, context)
    response["Cache-Control"] = "no-store"
    return response


@admin.action(description="Revoke selected API keys", permissions=["change"])
def revoke_keys(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
    revoked = sum(api_key_revoke(api_key=key) for key in queryset)
    modeladmin.message_user(request, f"Revoked {revoked} API key(s); callers using them now get 401.", messages.SUCCESS)


@admin.action(description="Rotate selected API keys (new secret, old one stops working)", permissions=["change"])
def rotate_keys(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[ApiKey]) -> HttpResponse | None:
    issued: list[tuple[ApiKey, str]] = []
    for key in queryset:
        try:
            issued.append((key, api_key_rotate(api_key=key)))
        except ValueError as exc:
            modeladmin.message_user(request, str(exc), messages.WARNING)
    if not issued:
        return None
    return _show_secrets(modeladmin, request, "API key rotated", issued)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "masked", "status", "rate_limit_per_minute", "created_at", "last_used_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix")
    readonly_fields = ("masked", "created_at", "created_by", "rotated_at", "last_used_at", "revoked_at")
    actions = [revoke_keys, rotate_keys]

    @admin.display(description="key")
    def masked(self, obj: ApiKey) -> str:
        return obj.masked

    @admin.display(description="status", ordering="revoked_at")
    def status(self, obj: ApiKey) -> str:
        return "active" if obj.is_active else "revoked"

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> list[Any]:
        if obj is None:
            return ["name", "rate_limit_per_minute"]
        return ["name", "masked", "rate_limit_per_minute", "created_at", "created_by", "rotated_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple[str, ...]:
        return self.readonly_fields if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            api_key_cache_clear(obj.prefix)  # a new rate limit applies at once here
            return
        created, key = api_key_create(
            name=obj.name, rate_limit_per_minute=obj.rate_limit_per_minute, created_by=request.user
        )
        obj.pk, obj.prefix = created.pk, created.prefix
        # Read once by response_add, which renders it; it is kept nowhere else.
        request._convoai_new_key = key  # type: ignore[attr-defined]

    def delete_model(self, request: HttpRequest, obj: ApiKey) -> None:
        super().delete_model(request, obj)
        api_key_cache_clear(obj.prefix)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        prefixes = list(queryset.values_list("prefix", flat=True))
        super().delete_queryset(request, queryset)
        for prefix in prefixes:
            api_key_cache_clear(prefix)

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None) -> HttpResponse:
        key = getattr(request, "_convoai_new_key", None)
        if key is None:  # pragma: no cover - save_model always sets it
            return super().response_add(request, obj, post_url_continue)
        return _show_secrets(self, request, "API key created", [(obj, key)])


@admin.register(TurnRecord)
class TurnRecordAdmin(admin.ModelAdmin):
    """Read-only: what each caller turn cost, step by step."""

    list_display = (
        "created_at",
        "outcome",
        "channel",
        "user_id",
        "upstream_api",
        "model",
        "first_token_ms",
        "first_byte_ms",
        "done_ms",
        "overhead_ms",
        "tools_ms",
        "tool_rounds",
        "knowledge",
    )
    list_filter = ("outcome", "upstream_api", "stream", "knowledge", "created_at")
    search_fields = ("turn_id", "user_id", "channel", "app_id", "api_key", "error_code")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser
