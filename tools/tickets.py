"""Ticket tools: create_support_ticket, update_ticket_status, get_ticket_details,
log_customer_interaction (contract §9).

Fixes over the reference: a ticket for a known customer without an email works; an unknown
customer, ticket or order is an error result and writes nothing; updating a missing ticket says
"not found"; status and priority are normalised ('in progress' -> open, 'medium' -> normal).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from support import services
from support.selectors import customer_get, ticket_get, ticket_interactions_recent
from tools.registry import ToolContext, tool
from tools.support_calls import actor_for, interaction_record, support_call, ticket_record

__all__ = ["CreateTicketArgs", "UpdateStatusArgs", "TicketDetailsArgs", "LogInteractionArgs"]

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)]
Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Long = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class CreateTicketArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    subject: Required = Field(description="Short summary of the problem or request.")
    description: Long = Field(description="What the caller reported, in detail.")
    customerEmail: Short | None = Field(None, description="Customer email (needed when the customer id is unknown).")
    customerId: Short | None = Field(None, description="Customer id, if known.")
    priority: Short | None = Field("normal", description="low, normal, high or urgent (default normal).")
    orderId: Short | None = Field(None, description="The related order id, if any.")


class UpdateStatusArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ticketId: Required = Field(description="The ticket id (or its 8-character reference).")
    status: Required = Field(description="open, pending, escalated, resolved or closed.")
    internalNotes: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)] | None = Field(
        None, description="Optional internal note, added to the ticket history."
    )


class TicketDetailsArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ticketId: Required = Field(description="The ticket id (or its 8-character reference).")
    includeInteractions: bool | None = Field(True, description="Include the latest 5 notes (default true).")


class LogInteractionArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    note: Long = Field(description="The note to store: what happened or was agreed.")
    ticketId: Short | None = Field(None, description="The ticket the note belongs to, if any.")
    sentiment: Short | None = Field(None, description="The caller's tone: positive, neutral or negative.")


def _create(ctx: ToolContext, args: CreateTicketArgs) -> dict[str, Any]:
    customer = customer_get(customer_id=args.customerId, customer_email=args.customerEmail)
    ticket = services.ticket_create(
        actor=actor_for(ctx),
        subject=args.subject,
        description=args.description,
        customer=customer,
        customer_email=args.customerEmail,
        priority=args.priority,
        order_id=args.orderId,
    )
    return ticket_record(ticket)


@tool(
    "create_support_ticket",
    "Open a support ticket for a known customer (by id or email), optionally about one of their orders. "
    "Tell the caller the ticket reference.",
    CreateTicketArgs,
)
async def create_support_ticket(ctx: ToolContext, args: CreateTicketArgs) -> dict[str, Any]:
    return await support_call(_create, ctx, args)


def _update(ctx: ToolContext, args: UpdateStatusArgs) -> dict[str, Any]:
    ticket = ticket_get(ticket_id=args.ticketId)
    previous = ticket.status
    services.ticket_set_status(actor=actor_for(ctx), ticket=ticket, status=args.status, note=args.internalNotes)
    return {**ticket_record(ticket), "previousStatus": previous, "noteLogged": bool(args.internalNotes)}


@tool(
    "update_ticket_status",
    "Change a ticket's status (open, pending, escalated, resolved, closed), optionally with an internal note.",
    UpdateStatusArgs,
)
async def update_ticket_status(ctx: ToolContext, args: UpdateStatusArgs) -> dict[str, Any]:
    return await support_call(_update, ctx, args)


def _details(args: TicketDetailsArgs) -> dict[str, Any]:
    ticket = ticket_get(ticket_id=args.ticketId)
    record = ticket_record(ticket)
    if args.includeInteractions is not False:
        record["interactions"] = [interaction_record(i) for i in ticket_interactions_recent(ticket=ticket, limit=5)]
    return record


@tool("get_ticket_details", "Read a ticket and its latest 5 notes.", TicketDetailsArgs)
async def get_ticket_details(ctx: ToolContext, args: TicketDetailsArgs) -> dict[str, Any]:
    return await support_call(_details, args)


def _log(ctx: ToolContext, args: LogInteractionArgs) -> dict[str, Any]:
    ticket = ticket_get(ticket_id=args.ticketId) if args.ticketId else None
    interaction = services.interaction_log(actor=actor_for(ctx), ticket=ticket, note=args.note, sentiment=args.sentiment)
    return interaction_record(interaction)


@tool(
    "log_customer_interaction",
    "Save a note about this conversation, on a ticket when one is given.",
    LogInteractionArgs,
)
async def log_customer_interaction(ctx: ToolContext, args: LogInteractionArgs) -> dict[str, Any]:
    return await support_call(_log, ctx, args)
