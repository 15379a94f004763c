"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the email tests.

`SMTPDouble(port=...)` can be started on a port chosen earlier, so a test can point the service at
a dead port first ("SMTP down") and bring the server up on it later.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["SMTPDouble", "Received", "free_port"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type and not part.is_multipart():
                return part.get_content()
        raise AssertionError(f"no {content_type} part in the message")


class _Handler:
    def __init__(self, inbox: list[Received]) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.inbox.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SMTPDouble:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.inbox: list[Received] = []
        self.controller = Controller(_Handler(self.inbox), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SMTPDouble":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
