"""escalate_ticket (contract §9): hand the caller over to people.

The conversation so far comes from `ToolContext.messages`; it is stored on the escalation for the
staff who pick it up and passed to `support.services.escalation_notify` (the email, queued). When
Agora Signaling is configured the caller also gets a message that people will take over.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from support import services
from support.selectors import customer_get, ticket_get
from tools.caller_messages import caller_notify_escalation
from tools.registry import ToolContext, tool
from tools.support_calls import actor_for, escalation_record, support_call

__all__ = ["EscalateArgs"]

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)]


class EscalateArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ticketId: Short | None = Field(None, description="The ticket to escalate.")
    customerId: Short | None = Field(None, description="The customer, when there is no ticket yet.")
    severity: Short | None = Field("medium", description="low, medium, high or critical (default medium).")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = Field(
        None, description="Why a person must take over."
    )
    metadata: dict[str, Any] | None = Field(None, description="Extra structured details for the support team.")

    @model_validator(mode="after")
    def _one_target(self) -> "EscalateArgs":
        if not self.ticketId and not self.customerId:
            raise ValueError("give a ticketId or a customerId")
        return self


def _escalate(ctx: ToolContext, args: EscalateArgs) -> dict[str, Any]:
    ticket = ticket_get(ticket_id=args.ticketId) if args.ticketId else None
    customer = customer_get(customer_id=args.customerId) if args.customerId else None
    escalation, created = services.escalation_create(
        actor=actor_for(ctx),
        ticket=ticket,
        customer=customer,
        severity=args.severity,
        reason=args.reason,
        metadata=args.metadata,
        messages=ctx.messages,
    )
    return {**escalation_record(escalation), "alreadyOpen": not created, "ticketStatus": ticket.status if ticket else None}


@tool(
    "escalate_ticket",
    "Escalate to the human support team (a ticket, or a customer without a ticket) with a severity and reason.",
    EscalateArgs,
)
async def escalate_ticket(ctx: ToolContext, args: EscalateArgs) -> dict[str, Any]:
    result = await support_call(_escalate, ctx, args)
    if not result["alreadyOpen"]:
        notified = await caller_notify_escalation(ctx, result)  # Agora Signaling, when configured
        if notified is not None:
            result["callerNotified"] = notified
    return result
