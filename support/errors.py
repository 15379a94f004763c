"""The one error family of the support services: plain words a caller or staff member can act on.

Tools turn these into `{"error": ...}` results, the admin into a message, commands into a
CommandError. Anything else is a bug and is allowed to raise.
"""

from __future__ import annotations

__all__ = ["SupportError", "NotFound", "InvalidInput"]


class SupportError(Exception):
    """A request the support data cannot satisfy, explained."""


class NotFound(SupportError):
    """An unknown customer, ticket, order or escalation."""


class InvalidInput(SupportError):
    """A value outside what the data model accepts (status, priority, missing identifier...)."""
