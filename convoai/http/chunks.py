"""Events to OpenAI `chat.completion.chunk` SSE frames and `chat.completion` objects (contract §4).

Content frames are the hot path (one per token): the constant head of each chunk (id, created,
model) is serialised once per turn, so a content frame costs one `orjson.dumps` of the text.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import orjson

from convoai.engine.events import Usage
from convoai.http.sse import frame

__all__ = ["ChunkEncoder", "completion_object", "new_completion_id", "CUSTOM_METADATA"]


def new_completion_id() -> str:
    return "chatcmpl-" + secrets.token_hex(12)


CUSTOM_METADATA = frame({"object": "chat.completion.custom_metadata", "choices": [], "metadata": {"interruptable": False}})


class ChunkEncoder:
    def __init__(self, model: str, completion_id: str | None = None, created: int | None = None) -> None:
        self.id = completion_id or new_completion_id()
        self.created = created or int(time.time())
        self.model = model
        self._head = (
            b'data: {"id":'
            + orjson.dumps(self.id)
            + b',"object":"chat.completion.chunk","created":'
            + str(self.created).encode()
            + b',"model":'
            + orjson.dumps(model)
            + b',"system_fingerprint":null,"choices":[{"index":0,"delta":'
        )

    def _choice(self, delta: bytes, finish_reason: str | None) -> bytes:
        finish = b"null" if finish_reason is None else orjson.dumps(finish_reason)
        return self._head + delta + b',"logprobs":null,"finish_reason":' + finish + b"}]}\n\n"

    def role(self) -> bytes:
        return self._choice(b'{"role":"assistant","content":""}', None)

    def content(self, text: str) -> bytes:
        return self._choice(b'{"content":' + orjson.dumps(text) + b"}", None)

    def stop(self, finish_reason: str = "stop") -> bytes:
        return self._choice(b"{}", finish_reason)

    def usage(self, usage: Usage) -> bytes:
        """The extra final chunk a client asks for with stream_options.include_usage."""
        return frame(
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": [],
                "usage": usage.as_dict(),
            }
        )


def completion_object(model: str, content: str, finish_reason: str, usage: Usage | None) -> dict[str, Any]:
    return {
        "id": new_completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": (usage or Usage()).as_dict(),
    }
