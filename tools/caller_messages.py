"""send_caller_message: the agent texts the caller in the call's Agora Signaling channel.

Some things are better read than heard: a ticket reference, a link, an address. The message goes
to the call's Signaling channel (the channel Convo AI names in the request) or, with
`to="caller"` or when no channel is known, to the caller's user id as a peer message. The app id
is the call's, or AGORA_APP_ID. Payloads are JSON strings the client app can tell apart:

    {"type": "agent_message", "text": "..."}
    {"type": "escalation", "text": "...", "escalationId", "ticketId", "reference", "severity"}

A failure (not configured, Agora down, too long) is a ToolError the model hears; the turn goes on.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tools.registry import ToolContext, ToolError, tool
from tools.rtm import RtmError, rtm_configured, send_channel_message, send_peer_message

__all__ = ["CallerMessageArgs", "caller_message_send", "caller_notify_escalation"]

log = logging.getLogger(__name__)


class CallerMessageArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)] = Field(
        description="What the caller should be able to read: a ticket reference, a link, an address. Plain text."
    )
    to: Literal["channel", "caller"] = Field(
        "channel", description="channel: the call's messaging channel (default); caller: only the caller."
    )


async def caller_message_send(ctx: ToolContext, payload: dict[str, Any], *, to: str = "channel") -> dict[str, Any]:
    """Deliver `payload` to the call's channel or the caller; raises RtmError when it cannot."""
    identity = ctx.identity
    app_id = identity.app_id or settings.AGORA_APP_ID
    if to == "channel" and identity.channel:
        answer = await send_channel_message(app_id=app_id, channel=identity.channel, payload=payload)
        return {"sent": True, "to": "channel", "channel": identity.channel, "result": answer.get("result")}
    if identity.user_id:
        answer = await send_peer_message(app_id=app_id, to_user=identity.user_id, payload=payload)
        return {"sent": True, "to": "caller", "userId": identity.user_id, "result": answer.get("result")}
    raise RtmError("This call has no channel or caller id to message.")


@tool(
    "send_caller_message",
    "Send the caller a short text message they can read in the app during the call: a ticket reference, "
    "a link, an address. Say out loud that you sent it.",
    CallerMessageArgs,
)
async def send_caller_message(ctx: ToolContext, args: CallerMessageArgs) -> dict[str, Any]:
    try:
        return await caller_message_send(ctx, {"type": "agent_message", "text": args.text}, to=args.to)
    except RtmError as exc:
        raise ToolError(str(exc)) from exc


async def caller_notify_escalation(ctx: ToolContext, escalation: dict[str, Any]) -> dict[str, Any] | None:
    """Tell the caller their case went to people (when Signaling is configured); never raises.

    Returns what happened for the tool result (None when messaging is not set up).
    """
    if not rtm_configured():
        return None
    reference = (escalation.get("ticketId") or "")[:8].upper()
    text = (
        f"Your ticket {reference} has been passed to our support team. A person will contact you."
        if reference
        else "Your request has been passed to our support team. A person will contact you."
    )
    payload = {
        "type": "escalation",
        "text": text,
        "escalationId": escalation.get("escalationId"),
        "ticketId": escalation.get("ticketId"),
        "reference": reference or None,
        "severity": escalation.get("severity"),
    }
    try:
        return await caller_message_send(ctx, payload)
    except RtmError as exc:
        log.warning("escalation %s: caller not notified: %s", escalation.get("escalationId"), exc)
        return {"sent": False, "error": str(exc)}
