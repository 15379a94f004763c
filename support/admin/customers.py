"""Customers (with their orders, tickets and agent events on one page) and orders."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from support.admin.display import PRIORITY_COLOURS, STATUS_COLOURS, admin_link, badge
from support.admin.filters import TierFilter
from support.choices import CLOSED_STATUSES
from support.models import AgentEvent, Customer, Order, Ticket

__all__ = ["CustomerAdmin", "OrderAdmin"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderColumns:
    """The order's status and summary (kept in its JSON `data`) as columns."""

    @admin.display(description="status")
    def order_status(self, obj: Order) -> str:
        return obj.status

    @admin.display(description="summary")
    def order_summary(self, obj: Order) -> str:
        return obj.summary


class OrderInline(OrderColumns, ReadOnlyInline):
    model = Order
    fields = ("id", "order_status", "order_summary", "updated_at")
    readonly_fields = fields
    ordering = ("-updated_at",)



class TicketInline(ReadOnlyInline):
    model = Ticket
    fk_name = "customer"
    fields = ("subject", "status_badge", "priority_badge", "channel", "created_at")
    readonly_fields = fields
    ordering = ("-created_at",)

    @admin.display(description="status")
    def status_badge(self, obj: Ticket) -> SafeString:
        return badge(obj.status, STATUS_COLOURS)

    @admin.display(description="priority")
    def priority_badge(self, obj: Ticket) -> SafeString:
        return badge(obj.priority, PRIORITY_COLOURS)


class AgentEventInline(ReadOnlyInline):
    model = AgentEvent
    fields = ("created_at", "intent", "sentiment_label", "sentiment_score", "urgency", "channel_name")
    readonly_fields = fields
    ordering = ("-created_at",)
    verbose_name_plural = "Agent events"


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("id", "customer_name", "customer_email", "customer_tier", "open_tickets", "updated_at")
    list_filter = (TierFilter,)
    search_fields = ("id", "data__name", "data__email")
    search_help_text = "Customer id, name or email."
    readonly_fields = ("updated_at",)
    inlines = (TicketInline, OrderInline, AgentEventInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return super().get_queryset(request).annotate(
            active_tickets=Count("tickets", filter=~Q(tickets__status__in=CLOSED_STATUSES))
        )

    @admin.display(description="name", ordering="data__name")
    def customer_name(self, obj: Customer) -> str:
        return obj.name

    @admin.display(description="email", ordering="data__email")
    def customer_email(self, obj: Customer) -> str:
        return obj.email

    @admin.display(description="tier", ordering="data__tier")
    def customer_tier(self, obj: Customer) -> str:
        return obj.tier

    @admin.display(description="active tickets", ordering="active_tickets")
    def open_tickets(self, obj: Customer) -> int:
        return getattr(obj, "active_tickets", 0)


@admin.register(Order)
class OrderAdmin(OrderColumns, admin.ModelAdmin):
    list_display = ("id", "customer_link", "order_status", "order_summary", "updated_at")
    search_fields = ("id", "customer__id", "customer__data__email")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)
    date_hierarchy = "updated_at"

    @admin.display(description="customer", ordering="customer__id")
    def customer_link(self, obj: Order) -> SafeString | str:
        return admin_link(obj.customer)

