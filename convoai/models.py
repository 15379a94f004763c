"""API keys that Convo AI agents send as their bearer token, managed by staff in the admin.

Only a SHA-256 digest of each key is stored: the key is shown once, when it is created or
rotated. A key looks like `cvai_<prefix>_<secret>`; the prefix is public (it finds the row and
tells staff which key a log line or a caller used), the secret is 256 random bits, so a fast
hash is enough (a password hasher's deliberate slowness guards guessable secrets, not these).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["ApiKey", "TurnRecord"]


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


class TurnRecord(models.Model):
    """One caller turn as the service saw it: who, which upstream, how long each step took.

    Written off the hot path in batches (convoai.turn_records); never holds prompts or keys.
    Times are milliseconds from the moment the request reached the view.
    """

    class Outcome(models.TextChoices):
        OK = "ok", "answered"
        ERROR = "error", "error"
        CANCELLED = "cancelled", "caller hung up"

    created_at = models.DateTimeField(db_index=True)
    turn_id = models.CharField(max_length=64, blank=True)
    app_id = models.CharField(max_length=128, blank=True)
    user_id = models.CharField(max_length=128, blank=True, db_index=True)
    channel = models.CharField(max_length=256, blank=True, db_index=True)
    api_key = models.CharField(max_length=100, blank=True, help_text="The key's name, never the key.")
    model = models.CharField(max_length=128, blank=True)
    upstream_api = models.CharField(max_length=16)
    stream = models.BooleanField(default=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, db_index=True)
    error_code = models.CharField(max_length=64, blank=True)
    finish_reason = models.CharField(max_length=32, blank=True)
    context_ms = models.FloatField(null=True, blank=True, help_text="Knowledge-base context ready.")
    first_token_ms = models.FloatField(null=True, blank=True, help_text="First text from the upstream.")
    first_byte_ms = models.FloatField(null=True, blank=True, help_text="First text handed to the caller.")
    done_ms = models.FloatField(null=True, blank=True)
    upstream_ms = models.FloatField(default=0, help_text="Time waiting on the model, all rounds.")
    tools_ms = models.FloatField(default=0, help_text="Time running tools, all rounds.")
    overhead_ms = models.FloatField(null=True, blank=True, help_text="done − upstream − tools: the service's own time.")
    tool_rounds = models.PositiveSmallIntegerField(default=0)
    tool_calls = models.JSONField(default=list, blank=True, help_text="Names of the tools called, in order.")
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0, help_text="Messages in the request.")
    knowledge = models.BooleanField(default=False, help_text="Retrieval found passages (not the fallback).")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "turn"
        indexes = [models.Index(fields=["outcome", "-created_at"], name="turn_outcome_recent")]

    def __str__(self) -> str:
        return f"turn {self.turn_id or self.pk} ({self.outcome})"
