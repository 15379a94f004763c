"""Receivers that keep cached clients in step with settings changed at run time (tests)."""

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver


@receiver(setting_changed)
def _reset_upstream_client(setting: str, **kwargs: Any) -> None:
    if setting.startswith("OPENAI_"):
        from convoai.llm.client import reset_clients

        reset_clients()
