"""Upstream model APIs, each an adapter from its own stream to `convoai.engine.events`."""

from __future__ import annotations

from django.conf import settings

from convoai.engine.upstream.base import Upstream

__all__ = ["Upstream", "get_upstream"]


def get_upstream() -> Upstream:
    """The adapter `USE_RESPONSES_API` selects."""
    if settings.USE_RESPONSES_API:
        from convoai.engine.upstream.responses import ResponsesUpstream

        return ResponsesUpstream()
    from convoai.engine.upstream.chat_completions import ChatCompletionsUpstream

    return ChatCompletionsUpstream()
