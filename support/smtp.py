"""SMTP with verified TLS: implicit TLS on port 465, STARTTLS whenever the server offers it.

Django's SMTP backend either always demands STARTTLS (`EMAIL_USE_TLS`) or never tries it. Most
relays on 587/25 offer it, local mail catchers (Mailpit, MailHog) do not, so `SMTP_SECURITY=auto`
(the default) upgrades when the server offers STARTTLS and otherwise talks in the clear — but
never sends a password in the clear: a server that would need SMTP_USER/SMTP_PASS without
offering TLS is refused with a clear error. Certificates are always verified (Django's default
context: system CA store, host name checked).
"""

from __future__ import annotations

import smtplib
from typing import Any

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from django.core.mail.utils import DNS_NAME

__all__ = ["EmailBackend", "PlaintextRefused"]



class PlaintextRefused(smtplib.SMTPException):
    """The server offers no TLS and we would have sent a password over the wire."""


class EmailBackend(DjangoSMTPBackend):
    # A local relay (a sidecar, a mail catcher) may take credentials in the clear.
    LOOPBACK: frozenset[str] = frozenset({"localhost", "127.0.0.1", "::1"})

    def __init__(self, *args: Any, security: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.security = security or getattr(settings, "SMTP_SECURITY", "auto")

    def open(self) -> bool | None:
        # Implicit TLS (465 / ssl) and forced STARTTLS are Django's own code paths.
        if self.connection or self.use_ssl or self.use_tls or self.security not in ("auto", "none"):
            return super().open()
        params: dict[str, Any] = {"local_hostname": DNS_NAME.get_fqdn()}
        if self.timeout is not None:
            params["timeout"] = self.timeout
        try:
            connection = smtplib.SMTP(self.host, self.port, **params)
            self._partial_connection = connection
            connection.ehlo()
            encrypted = False
            if self.security == "auto" and connection.has_extn("starttls"):
                connection.starttls(context=self.ssl_context)
                connection.ehlo()
                encrypted = True
            if self.username and self.password:
                if not encrypted and self.security == "auto" and self.host not in self.LOOPBACK:
                    raise PlaintextRefused(
                        f"{self.host}:{self.port} offers no STARTTLS; refusing to send SMTP_USER/SMTP_PASS in "
                        "the clear. Use port 465, a server with STARTTLS, or SMTP_SECURITY=none for a local relay."
                    )
                connection.login(self.username, self.password)
            self.connection = connection
            self._partial_connection = None
            return True
        except OSError:
            if not self.fail_silently:
                raise
            return None
