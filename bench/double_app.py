"""The OpenAI double as a standalone ASGI app for benchmarks: `uvicorn bench.double_app:app`.

Paced like a real model: first token after BENCH_FIRST_TOKEN_MS, then one token every
BENCH_TOKEN_MS, answering BENCH_WORDS words (defaults 50 ms, 5 ms, 25 words, as in
shared/spec/performance.md). With BENCH_TOOL (a tool name) and BENCH_TOOL_ARGS (JSON), the
first model call of each turn asks for that tool and the second answers.
"""

from __future__ import annotations

import os
from typing import Any

import orjson

from tests.doubles.openai_server import OpenAIDouble, Reply, Send, ToolCallSpec


class BenchDouble(OpenAIDouble):
    def __init__(self) -> None:
        super().__init__()
        self.first_token_delay = int(os.environ.get("BENCH_FIRST_TOKEN_MS", "50")) / 1000
        self.token_delay = int(os.environ.get("BENCH_TOKEN_MS", "5")) / 1000
        self.text = " ".join(f"word{i}" for i in range(int(os.environ.get("BENCH_WORDS", "25"))))
        self.tool = os.environ.get("BENCH_TOOL", "")
        self.tool_args = orjson.loads(os.environ.get("BENCH_TOOL_ARGS", "{}"))
        self._answered_tool = False

    async def _chat(self, payload: dict[str, Any], send: Send) -> None:
        # Nothing between this line and _next_reply awaits, so the flag cannot be mixed up.
        self._answered_tool = any(m.get("role") == "tool" for m in payload.get("messages", []))
        await super()._chat(payload, send)

    def _next_reply(self, last_user_text: str) -> Reply:
        self.requests.clear()  # a benchmark double keeps no history
        if self.tool and not self._answered_tool:
            return Reply(tool_calls=[ToolCallSpec(self.tool, self.tool_args)])
        return Reply(text=self.text)


app = BenchDouble()
