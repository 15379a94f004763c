"""Audit tools: log_change_event, record_agent_event (contract §9)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from support import services
from support.selectors import customer_get
from tools.registry import ToolContext, tool
from tools.support_calls import actor_for, agent_event_record_json, change_record, support_call

__all__ = ["ChangeEventArgs", "AgentEventArgs"]

Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class ChangeEventArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    entityType: Required = Field(description="What changed: order, ticket, subscription...")
    entityId: Required = Field(description="The id of the record that changed.")
    status: Required = Field(description="The new status or outcome.")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = Field(
        None, description="Why the change was made."
    )
    data: dict[str, Any] | None = Field(None, description="The raw change data.")


class AgentEventArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    customerId: Required = Field(description="The customer this decision is about.")
    intent: Short | None = Field(None, description="The caller's intent this turn.")
    sentimentLabel: Short | None = Field(None, description="positive, neutral or negative.")
    sentimentScore: float | None = Field(None, ge=-1, le=1, description="Sentiment score from -1 to 1.")
    urgency: Short | None = Field(None, description="low, normal, high or urgent.")
    tasks: dict[str, Any] | list[Any] | None = Field(None, description="Tasks planned or done.")
    payload: dict[str, Any] | None = Field(None, description="Anything else worth keeping.")


def _change(ctx: ToolContext, args: ChangeEventArgs) -> dict[str, Any]:
    change = services.change_log(
        actor=actor_for(ctx),
        entity_type=args.entityType,
        entity_id=args.entityId,
        status=args.status,
        reason=args.reason,
        data=args.data,
    )
    return change_record(change)


@tool("log_change_event", "Record an auditable change (a refund, a plan change, a status update).", ChangeEventArgs)
async def log_change_event(ctx: ToolContext, args: ChangeEventArgs) -> dict[str, Any]:
    return await support_call(_change, ctx, args)


def _event(ctx: ToolContext, args: AgentEventArgs) -> dict[str, Any]:
    customer = customer_get(customer_id=args.customerId)
    event = services.agent_event_record(
        actor=actor_for(ctx),
        customer=customer,
        intent=args.intent,
        sentiment_label=args.sentimentLabel,
        sentiment_score=args.sentimentScore,
        urgency=args.urgency,
        tasks=args.tasks,
        payload=args.payload,
    )
    return agent_event_record_json(event)


@tool("record_agent_event", "Record this turn's decision: intent, sentiment, urgency and tasks.", AgentEventArgs)
async def record_agent_event(ctx: ToolContext, args: AgentEventArgs) -> dict[str, Any]:
    return await support_call(_event, ctx, args)
