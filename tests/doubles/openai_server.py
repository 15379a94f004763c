"""A protocol-faithful OpenAI double: a raw ASGI app speaking the real wire format.

Endpoints: POST /v1/chat/completions, /v1/responses (streaming and not) and /v1/embeddings.
Tests script the next model calls with `Reply` objects (text, tool calls, delays, faults); with
no script the double echoes the last user message. Like OpenAI it rejects unknown message keys
and conversations in which a tool call has no result (or a result has no call); each such
rejection is also recorded in `problems`, which the fixture asserts is empty.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import math
import re
import struct
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import orjson
from tests.doubles.serve import read_body, send_json

__all__ = ["OpenAIDouble", "Reply", "ToolCallSpec", "embed_text"]

Send = Callable[[dict[str, Any]], Awaitable[None]]

CHAT_MESSAGE_KEYS = {
    "system": {"role", "content", "name"},
    "developer": {"role", "content", "name"},
    "user": {"role", "content", "name"},
    "assistant": {"role", "content", "name", "tool_calls", "refusal", "audio", "function_call"},
    "tool": {"role", "content", "tool_call_id"},
    "function": {"role", "content", "name"},
}


@dataclass
class ToolCallSpec:
    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    call_id: str | None = None

    def raw_arguments(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return orjson.dumps(self.arguments).decode()


@dataclass
class Reply:
    """What the double answers to one model call."""

    text: str = ""
    tool_calls: list[ToolCallSpec] = field(default_factory=list)
    finish_reason: str | None = None
    refusal: str = ""
    # HTTP error instead of an answer.
    status: int = 200
    error_message: str = "The double was told to fail."
    headers: dict[str, str] = field(default_factory=dict)
    # Pacing.
    first_token_delay: float | None = None
    token_delay: float | None = None
    # Faults inside a stream: "reset" (drop the connection), "malformed" (bad JSON),
    # "error_event" (an in-stream error), "truncate" (end without finish/[DONE]), "hang".
    fault: str | None = None
    fault_after: int = 1
    # Argument fragments per tool call when streaming.
    argument_chunks: int = 3


TOKEN_RE = re.compile(r"\S+\s*|\s+")
WORD_RE = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


def embed_text(text: str, dimensions: int = 64) -> list[float]:
    """Deterministic bag-of-words embedding: texts sharing words get similar vectors."""
    vector = [0.0] * dimensions
    for word in WORD_RE.findall(text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        index = int.from_bytes(digest[:4], "little") % dimensions
        sign = 1.0 if digest[4] % 2 == 0 else -1.0
        vector[index] += sign
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def _chunks(text: str, parts: int) -> list[str]:
    if not text:
        return [""]
    size = max(1, math.ceil(len(text) / parts))
    return [text[i : i + size] for i in range(0, len(text), size)]


class ClientGone(Exception):
    """The client disconnected; the double stops generating."""


class Fault(Exception):
    """Raised inside the app to make uvicorn drop the connection mid-response."""


class OpenAIDouble:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.first_token_delay = 0.0
        self.token_delay = 0.0
        self.active_streams = 0
        self.closed_streams = 0
        self.embedding_calls = 0
        self._ids = itertools.count(1)

    # --- scripting ------------------------------------------------------------------------
    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def reset(self) -> None:
        self.replies.clear()
        self.requests.clear()
        self.problems.clear()
        self.first_token_delay = self.token_delay = 0.0
        self.active_streams = self.closed_streams = self.embedding_calls = 0

    @property
    def model_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] in ("/v1/chat/completions", "/v1/responses")]

    def _next_reply(self, last_user_text: str) -> Reply:
        if self.replies:
            return self.replies.popleft()
        return Reply(text=f"You said: {last_user_text}" if last_user_text else "Hello! How can I help?")

    # --- ASGI -----------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        path = scope["path"]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        try:
            payload = orjson.loads(body) if body else {}
        except orjson.JSONDecodeError:
            await self._json(send, 400, self._error("We could not parse the JSON body of your request."))
            return
        self.requests.append({"path": path, "json": payload, "headers": headers})
        if headers.get("authorization", "") != "Bearer test-openai-key":
            await self._json(send, 401, self._error("Incorrect API key provided.", "invalid_api_key"))
            return
        handler = {
            "/v1/chat/completions": self._chat,
            "/v1/responses": self._responses,
            "/v1/embeddings": self._embeddings,
        }.get(path)
        if handler is None:
            await self._json(send, 404, self._error(f"Unknown path {path}", "not_found"))
            return
        # Like a real server, stop generating as soon as the client hangs up.
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        async def guarded_send(message: dict[str, Any]) -> None:
            if gone.is_set():
                raise ClientGone()
            await send(message)

        watcher = asyncio.create_task(watch())
        try:
            await handler(payload, guarded_send)
        except ClientGone:
            pass
        finally:
            watcher.cancel()

    # --- helpers --------------------------------------------------------------------------
    @staticmethod
    def _error(message: str, code: str | None = None, type_: str = "invalid_request_error") -> dict[str, Any]:
        return {"error": {"message": message, "type": type_, "param": None, "code": code}}

    @staticmethod
    async def _json(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        await send_json(send, status, body, headers)

    async def _start_stream(self, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")],
            }
        )

    async def _emit(self, send: Send, data: bytes) -> None:
        await send({"type": "http.response.body", "body": data, "more_body": True})

    async def _reject(self, send: Send, problem: str) -> None:
        self.problems.append(problem)
        await self._json(send, 400, self._error(problem))

    async def _http_error(self, send: Send, reply: Reply) -> None:
        type_ = "rate_limit_error" if reply.status == 429 else "server_error"
        await self._json(send, reply.status, self._error(reply.error_message, None, type_), reply.headers)

    def _delays(self, reply: Reply) -> tuple[float, float]:
        first = self.first_token_delay if reply.first_token_delay is None else reply.first_token_delay
        each = self.token_delay if reply.token_delay is None else reply.token_delay
        return first, each

    async def _fault_point(self, send: Send, reply: Reply, emitted: int, kind: str) -> bool:
        """Inject the scripted fault once `fault_after` pieces were sent. True: stop the stream."""
        if reply.fault is None or emitted != reply.fault_after:
            return False
        if reply.fault == "reset":
            raise Fault("scripted connection reset")
        if reply.fault == "malformed":
            await self._emit(send, b'data: {"id": "broken", "choices": [{"delta": \n\n')
            await send({"type": "http.response.body", "body": b""})
            return True
        if reply.fault == "error_event":
            body = self._error("The server had an error while processing your request.", None, "server_error")
            if kind == "responses":
                body = {"type": "error", "code": "server_error", "message": body["error"]["message"], "param": None}
                await self._emit(send, b"event: error\ndata: " + orjson.dumps(body) + b"\n\n")
            else:
                await self._emit(send, b"data: " + orjson.dumps(body) + b"\n\n")
            await send({"type": "http.response.body", "body": b""})
            return True
        if reply.fault == "truncate":
            await send({"type": "http.response.body", "body": b""})
            return True
        if reply.fault == "hang":
            await asyncio.sleep(3600)
        return False

    # --- Chat Completions -----------------------------------------------------------------
    def _check_chat(self, messages: Any) -> str | None:
        if not isinstance(messages, list) or not messages:
            return "'messages' must be a non-empty array."
        open_calls: set[str] = set()
        for index, message in enumerate(messages):
            role = message.get("role")
            allowed = CHAT_MESSAGE_KEYS.get(role)
            if allowed is None:
                return f"Invalid value for 'messages[{index}].role': {role!r}."
            extra = set(message) - allowed
            if extra:
                return f"Additional properties are not allowed ({', '.join(sorted(extra))} was unexpected) - 'messages.{index}'"
            if role == "tool":
                if message.get("tool_call_id") not in open_calls:
                    return f"messages.{index}: a 'tool' message must respond to a preceding tool call."
                open_calls.discard(message["tool_call_id"])
                continue
            if open_calls:
                return (
                    "An assistant message with 'tool_calls' must be followed by tool messages responding to "
                    f"each 'tool_call_id'. Missing: {', '.join(sorted(open_calls))}"
                )
            for call in message.get("tool_calls") or ():
                open_calls.add(call["id"])
        if open_calls:
            return f"Tool calls without results: {', '.join(sorted(open_calls))}"
        return None

    @staticmethod
    def _last_user_text(messages: list[dict[str, Any]]) -> str:
        for message in reversed(messages):
            if message.get("role") == "user":
                content = message.get("content")
                if isinstance(content, list):
                    return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
                return content or ""
        return ""

    async def _chat(self, payload: dict[str, Any], send: Send) -> None:
        problem = self._check_chat(payload.get("messages"))
        if problem:
            await self._reject(send, problem)
            return
        reply = self._next_reply(self._last_user_text(payload["messages"]))
        if reply.status != 200:
            await self._http_error(send, reply)
            return
        model = payload.get("model", "gpt-double")
        calls = [(spec.call_id or f"call_{next(self._ids)}", spec) for spec in reply.tool_calls]
        finish = reply.finish_reason or ("tool_calls" if calls else "stop")
        usage = {"prompt_tokens": 10, "completion_tokens": len(tokens(reply.text)), "total_tokens": 10 + len(tokens(reply.text))}
        completion_id = f"chatcmpl-double{next(self._ids)}"
        created = int(time.time())
        if not payload.get("stream"):
            first, _ = self._delays(reply)
            await asyncio.sleep(first)
            message: dict[str, Any] = {"role": "assistant", "content": reply.text or None, "refusal": reply.refusal or None}
            if calls:
                message["tool_calls"] = [
                    {"id": cid, "type": "function", "function": {"name": s.name, "arguments": s.raw_arguments()}}
                    for cid, s in calls
                ]
            await self._json(
                send,
                200,
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                    "usage": usage,
                    "system_fingerprint": None,
                },
            )
            return

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
            body = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": None,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
            }
            return b"data: " + orjson.dumps(body) + b"\n\n"

        first, each = self._delays(reply)
        self.active_streams += 1
        try:
            await asyncio.sleep(first)
            await self._start_stream(send)
            await self._emit(send, chunk({"role": "assistant", "content": "", "refusal": None}))
            emitted = 0
            pieces = [("content", t) for t in tokens(reply.text)] + [("refusal", t) for t in tokens(reply.refusal)]
            for kind, piece in pieces:
                if await self._fault_point(send, reply, emitted, "chat"):
                    return
                await self._emit(send, chunk({kind: piece}))
                emitted += 1
                if each:
                    await asyncio.sleep(each)
            for index, (cid, spec) in enumerate(calls):
                if await self._fault_point(send, reply, emitted, "chat"):
                    return
                head = {"index": index, "id": cid, "type": "function", "function": {"name": spec.name, "arguments": ""}}
                await self._emit(send, chunk({"tool_calls": [head]}))
                for fragment in _chunks(spec.raw_arguments(), reply.argument_chunks):
                    await self._emit(send, chunk({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}))
                emitted += 1
            if await self._fault_point(send, reply, emitted, "chat"):
                return
            await self._emit(send, chunk({}, finish))
            if (payload.get("stream_options") or {}).get("include_usage"):
                body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [], "usage": usage}
                await self._emit(send, b"data: " + orjson.dumps(body) + b"\n\n")
            await self._emit(send, b"data: [DONE]\n\n")
            await send({"type": "http.response.body", "body": b""})
        finally:
            self.active_streams -= 1
            self.closed_streams += 1

    # --- Responses API --------------------------------------------------------------------
    def _check_responses(self, payload: dict[str, Any]) -> str | None:
        items = payload.get("input")
        if isinstance(items, str):
            return None
        if not isinstance(items, list) or not items:
            return "'input' must be a string or a non-empty array of items."
        open_calls: set[str] = set()
        for index, item in enumerate(items):
            kind = item.get("type", "message")
            if kind == "message":
                if item.get("role") not in ("user", "assistant", "system", "developer"):
                    return f"Invalid value for 'input[{index}].role'."
                extra = set(item) - {"type", "role", "content", "id", "status"}
                if extra:
                    return f"Unknown parameter: 'input[{index}].{sorted(extra)[0]}'."
                if open_calls:
                    return f"No tool output found for function call {sorted(open_calls)[0]}."
            elif kind == "function_call":
                for key in ("call_id", "name", "arguments"):
                    if not isinstance(item.get(key), str):
                        return f"Missing required parameter: 'input[{index}].{key}'."
                open_calls.add(item["call_id"])
            elif kind == "function_call_output":
                if item.get("call_id") not in open_calls:
                    return f"No tool call found for function call output with call_id {item.get('call_id')}."
                open_calls.discard(item["call_id"])
            else:
                return f"Invalid value for 'input[{index}].type': {kind!r}."
        if open_calls:
            return f"No tool output found for function call {sorted(open_calls)[0]}."
        return None

    @staticmethod
    def _responses_last_user_text(payload: dict[str, Any]) -> str:
        items = payload.get("input")
        if isinstance(items, str):
            return items
        for item in reversed(items or []):
            if item.get("type", "message") == "message" and item.get("role") == "user":
                content = item.get("content")
                if isinstance(content, list):
                    return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
                return content or ""
        return ""

    async def _responses(self, payload: dict[str, Any], send: Send) -> None:
        problem = self._check_responses(payload)
        if problem:
            await self._reject(send, problem)
            return
        reply = self._next_reply(self._responses_last_user_text(payload))
        if reply.status != 200:
            await self._http_error(send, reply)
            return
        model = payload.get("model", "gpt-double")
        response_id = f"resp_double{next(self._ids)}"
        created = int(time.time())
        message_id = f"msg_double{next(self._ids)}"
        calls = [(spec.call_id or f"call_{next(self._ids)}", f"fc_double{next(self._ids)}", spec) for spec in reply.tool_calls]
        output: list[dict[str, Any]] = []
        if reply.text or reply.refusal:
            part = (
                {"type": "output_text", "text": reply.text, "annotations": [], "logprobs": []}
                if reply.text
                else {"type": "refusal", "refusal": reply.refusal}
            )
            output.append({"id": message_id, "type": "message", "status": "completed", "role": "assistant", "content": [part]})
        for call_id, item_id, spec in calls:
            output.append(
                {"id": item_id, "type": "function_call", "status": "completed", "call_id": call_id, "name": spec.name, "arguments": spec.raw_arguments()}
            )
        n_out = len(tokens(reply.text))
        usage = {
            "input_tokens": 12,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": n_out,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 12 + n_out,
        }

        def response(status: str, out: list[dict[str, Any]], with_usage: bool) -> dict[str, Any]:
            return {
                "id": response_id,
                "object": "response",
                "created_at": created,
                "status": status,
                "model": model,
                "output": out,
                "parallel_tool_calls": True,
                "tool_choice": payload.get("tool_choice", "auto"),
                "tools": payload.get("tools", []),
                "instructions": payload.get("instructions"),
                "error": None,
                "incomplete_details": None,
                "usage": usage if with_usage else None,
                "metadata": {},
                "temperature": payload.get("temperature", 1.0),
                "top_p": payload.get("top_p", 1.0),
            }

        first, each = self._delays(reply)
        if not payload.get("stream"):
            await asyncio.sleep(first)
            await self._json(send, 200, response("completed", output, True))
            return

        seq = itertools.count()

        async def event(type_: str, **fields: Any) -> None:
            body = {"type": type_, "sequence_number": next(seq), **fields}
            await self._emit(send, b"event: " + type_.encode() + b"\ndata: " + orjson.dumps(body) + b"\n\n")

        self.active_streams += 1
        try:
            await asyncio.sleep(first)
            await self._start_stream(send)
            await event("response.created", response=response("in_progress", [], False))
            await event("response.in_progress", response=response("in_progress", [], False))
            emitted = 0
            output_index = 0
            if reply.text or reply.refusal:
                item = {"id": message_id, "type": "message", "status": "in_progress", "role": "assistant", "content": []}
                await event("response.output_item.added", output_index=0, item=item)
                if reply.text:
                    await event(
                        "response.content_part.added", item_id=message_id, output_index=0, content_index=0,
                        part={"type": "output_text", "text": "", "annotations": [], "logprobs": []},
                    )
                    for piece in tokens(reply.text):
                        if await self._fault_point(send, reply, emitted, "responses"):
                            return
                        await event("response.output_text.delta", item_id=message_id, output_index=0, content_index=0, delta=piece, logprobs=[])
                        emitted += 1
                        if each:
                            await asyncio.sleep(each)
                    await event("response.output_text.done", item_id=message_id, output_index=0, content_index=0, text=reply.text, logprobs=[])
                else:
                    await event(
                        "response.content_part.added", item_id=message_id, output_index=0, content_index=0,
                        part={"type": "refusal", "refusal": ""},
                    )
                    for piece in tokens(reply.refusal):
                        await event("response.refusal.delta", item_id=message_id, output_index=0, content_index=0, delta=piece)
                        emitted += 1
                    await event("response.refusal.done", item_id=message_id, output_index=0, content_index=0, refusal=reply.refusal)
                await event("response.content_part.done", item_id=message_id, output_index=0, content_index=0, part=output[0]["content"][0])
                await event("response.output_item.done", output_index=0, item=output[0])
                output_index = 1
            for offset, (call_id, item_id, spec) in enumerate(calls):
                if await self._fault_point(send, reply, emitted, "responses"):
                    return
                index = output_index + offset
                added = {"id": item_id, "type": "function_call", "status": "in_progress", "call_id": call_id, "name": spec.name, "arguments": ""}
                await event("response.output_item.added", output_index=index, item=added)
                for fragment in _chunks(spec.raw_arguments(), reply.argument_chunks):
                    await event("response.function_call_arguments.delta", item_id=item_id, output_index=index, delta=fragment)
                await event("response.function_call_arguments.done", item_id=item_id, output_index=index, name=spec.name, arguments=spec.raw_arguments())
                await event("response.output_item.done", output_index=index, item=output[index])
                emitted += 1
            if await self._fault_point(send, reply, emitted, "responses"):
                return
            if reply.finish_reason == "failed":
                failed = response("failed", output, True)
                failed["error"] = {"code": "server_error", "message": "The model failed to generate a response."}
                await event("response.failed", response=failed)
            elif reply.finish_reason == "length":
                incomplete = response("incomplete", output, True)
                incomplete["incomplete_details"] = {"reason": "max_output_tokens"}
                await event("response.incomplete", response=incomplete)
            else:
                await event("response.completed", response=response("completed", output, True))
            await send({"type": "http.response.body", "body": b""})
        finally:
            self.active_streams -= 1
            self.closed_streams += 1

    # --- Embeddings -----------------------------------------------------------------------
    async def _embeddings(self, payload: dict[str, Any], send: Send) -> None:
        self.embedding_calls += 1
        reply = self.replies.popleft() if self.replies and self.replies[0].status != 200 else None
        if reply is not None:
            await self._http_error(send, reply)
            return
        inputs = payload.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) and i for i in inputs):
            await self._json(send, 400, self._error("'input' must be a non-empty string or array of strings."))
            return
        dimensions = int(payload.get("dimensions") or 64)
        data = []
        for index, text in enumerate(inputs):
            vector = embed_text(text, dimensions)
            if payload.get("encoding_format") == "base64":
                encoded: Any = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
            else:
                encoded = vector
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        n = sum(len(WORD_RE.findall(t)) for t in inputs)
        await self._json(
            send,
            200,
            {"object": "list", "data": data, "model": payload.get("model", "text-embedding-3-small"), "usage": {"prompt_tokens": n, "total_tokens": n}},
        )
