"""Customer tools: fetch_customer_profile, fetch_recent_orders (contract §9)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from support.selectors import customer_get, orders_recent
from tools.registry import ToolContext, tool
from tools.support_calls import customer_record, order_record, support_call

__all__ = ["CustomerLookupArgs", "RecentOrdersArgs"]

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)]


class CustomerLookupArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    customerId: Text | None = Field(None, description="Customer id, if known (the demo data uses lower-case first names).")
    customerEmail: Text | None = Field(None, description="Customer email, to find the customer when the id is unknown.")


class RecentOrdersArgs(CustomerLookupArgs):
    limit: int | None = Field(5, ge=1, le=20, description="How many orders to return, newest first (1-20, default 5).")


@tool(
    "fetch_customer_profile",
    "Look up a customer's profile (name, email, tier, language, preferences, history) by id or email.",
    CustomerLookupArgs,
)
async def fetch_customer_profile(ctx: ToolContext, args: CustomerLookupArgs) -> dict[str, Any]:
    customer = await support_call(customer_get, customer_id=args.customerId, customer_email=args.customerEmail)
    return customer_record(customer)


def _recent_orders(args: RecentOrdersArgs) -> dict[str, Any]:
    customer = customer_get(customer_id=args.customerId, customer_email=args.customerEmail)
    orders = orders_recent(customer=customer, limit=args.limit or 5)
    return {
        "customerId": customer.pk,
        "count": len(orders),
        "orders": [order_record(order) for order in orders],
    }


@tool(
    "fetch_recent_orders",
    "List a customer's most recent orders, newest first, with status, summary and total.",
    RecentOrdersArgs,
)
async def fetch_recent_orders(ctx: ToolContext, args: RecentOrdersArgs) -> dict[str, Any]:
    return await support_call(_recent_orders, args)
