"""API keys that Convo AI agents send as their bearer token, managed by staff in the admin.

Only a SHA-256 digest of each key is stored: the key is shown once, when it is created or
rotated. A key looks like `cvai_<prefix>_<secret>`; the prefix is public (it finds the row and
tells staff which key a log line or a caller used), the secret is 256 random bits, so a fast
hash is enough (a password hasher's deliberate slowness guards guessable secrets, not these).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["ApiKey"]


class ApiKey(models.Model):
    name = models.CharField(max_length=100, help_text="Who uses the key, e.g. the agent or environment.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False, help_text="SHA-256 of the whole key, hex.")
    rate_limit_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Chat requests per minute with this key. Blank: the API_KEY_RATE_LIMIT setting; 0: no limit.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (cvai_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def masked(self) -> str:
        """What staff see in lists and what logs may show: the prefix, never the secret."""
        return f"cvai_{self.prefix}_…"
