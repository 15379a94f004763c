"""Who performs a write: the voice agent on a call, a staff member in the admin, or a command.

Every service that writes takes an `Actor`, so each row and history entry says who (agent id,
caller user id, channel, app id, or the staff user) did it; the "when" is the row's timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

__all__ = ["Actor", "ADMIN_CHANNEL"]

ADMIN_CHANNEL = "admin"


@dataclass(frozen=True, slots=True)
class Actor:
    agent_id: str | None = None
    user_id: str | None = None
    channel: str | None = None
    app_id: str | None = None
    # The staff member, for writes made in the admin.
    staff: Any = None

    @classmethod
    def for_agent(cls, *, identity: Any, agent_id: str = "") -> "Actor":
        """The voice agent acting for the caller identified by `identity` (tools.registry.ToolContext)."""
        return cls(
            agent_id=agent_id or settings.AGENT_ID or None,
            user_id=identity.user_id,
            channel=identity.channel,
            app_id=identity.app_id,
        )

    @classmethod
    def for_staff(cls, user: "AbstractBaseUser") -> "Actor":
        return cls(user_id=user.get_username(), channel=ADMIN_CHANNEL, staff=user)

    @classmethod
    def system(cls, name: str) -> "Actor":
        """A management command (demo data, import): `name` says which."""
        return cls(user_id=name, channel="system")

    @property
    def label(self) -> str:
        """One short phrase for history lists: 'staff alice', 'agent bot-7 for caller 42'."""
        if self.staff is not None:
            return f"staff {self.user_id}"
        if self.channel == "system":
            return f"system ({self.user_id})"
        who = f"agent {self.agent_id}" if self.agent_id else "agent"
        return f"{who} for caller {self.user_id}" if self.user_id else who

    def as_dict(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "user_id": self.user_id,
            "channel": self.channel,
            "app_id": self.app_id,
            "staff": self.user_id if self.staff is not None else None,
        }
