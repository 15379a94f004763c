"""Small renderers shared by the admin screens: colour badges and links."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

__all__ = ["badge", "STATUS_COLOURS", "PRIORITY_COLOURS", "SEVERITY_COLOURS", "ESCALATION_COLOURS", "admin_link"]

STATUS_COLOURS = {"open": "#1d4ed8", "pending": "#b45309", "escalated": "#b91c1c", "resolved": "#15803d", "closed": "#6b7280"}
PRIORITY_COLOURS = {"low": "#6b7280", "normal": "#1d4ed8", "high": "#c2410c", "urgent": "#b91c1c"}
SEVERITY_COLOURS = {"low": "#6b7280", "medium": "#1d4ed8", "high": "#c2410c", "critical": "#b91c1c"}
ESCALATION_COLOURS = {"open": "#b91c1c", "acknowledged": "#b45309", "resolved": "#15803d"}


def badge(value: str | None, colours: dict[str, str]) -> SafeString:
    """A coloured pill; values outside the set (adopted data) show in grey, as written."""
    text = value or "—"
    colour = colours.get(value or "", "#6b7280")
    return format_html(
        '<span style="background:{};color:#fff;border-radius:9px;padding:1px 8px;font-weight:600;white-space:nowrap">{}</span>',
        colour,
        text,
    )


def admin_link(obj: Any, text: str | None = None) -> SafeString | str:
    if obj is None:
        return "—"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else str(obj))
