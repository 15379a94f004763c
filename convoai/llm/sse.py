"""Server-sent events from an upstream response; the text of each read, passed on at once.

The hot path of every turn: one event per token. The openai SDK would build a pydantic object per
chunk (about 5 ms of CPU for a 25-word answer); we read the raw body that `client.open_stream`
hands over and assemble events per the SSE spec
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
lines end in CRLF, LF or CR, even when split across reads; `data` lines join with "\\n"; a blank
line dispatches; lines starting with ":" are comments. Only those three line endings count: a
U+2028 inside the JSON of a chunk is text, not a line break (str.splitlines and httpx's line
decoder would cut the chunk there). `data` stays bytes for orjson.

Events come in batches: every event completed by one read of the socket. When the service falls
behind (many streams at once) several tokens wait in the socket, and their text goes on as one
delta: one chunk frame and one write to the caller instead of several, with nothing held back
(what is read is sent at once). The decoder is plain synchronous code; the one async generator
per stream (`stream_texts`) is the only layer a token passes through here.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Callable

__all__ = ["SSEDecoder", "body_chunks", "stream_texts"]

Event = tuple[str | None, bytes]


class SSEDecoder:
    """Bytes in, complete (event name, data) pairs out, across any split of the stream."""

    def __init__(self) -> None:
        self._buffer = b""
        self._event: str | None = None
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[Event]:
        """The events that `chunk` completes."""
        buffer = self._buffer + chunk
        if b"\r" in buffer:
            # A CR at the very end may be the first half of a CRLF split across reads: keep it.
            held = b"\r" if buffer.endswith(b"\r") else b""
            buffer = buffer[: len(buffer) - len(held)].replace(b"\r\n", b"\n").replace(b"\r", b"\n") + held
        *lines, self._buffer = buffer.split(b"\n")
        return self._lines(lines)

    def close(self) -> list[Event]:
        """What the end of the body completes: a last line without its ending, an undispatched event."""
        rest, self._buffer = self._buffer.rstrip(b"\r"), b""
        events = self._lines([rest] if rest else [])
        if self._data:
            events.append((self._event, b"\n".join(self._data)))
            self._event, self._data = None, []
        return events

    def _lines(self, lines: list[bytes]) -> list[Event]:
        events: list[Event] = []
        for line in lines:
            if not line:
                if self._data:
                    events.append((self._event, b"\n".join(self._data)))
                self._event, self._data = None, []
            elif line.startswith(b"data:"):
                self._data.append(line[6:] if line.startswith(b"data: ") else line[5:])
            elif line.startswith(b"event:"):
                self._event = line[6:].strip().decode("utf-8", "replace")
            # "id:", "retry:" and ":" comments carry nothing we use.
        return events


def body_chunks(response: Any) -> AsyncIterator[bytes]:
    """The response body as it arrives.

    An uncompressed body (what model servers send for SSE) is read from the transport's stream
    itself, two async-generator layers of httpx's per-read bookkeeping fewer per token; a
    compressed one goes through httpx's decoder.
    """
    stream = getattr(response, "stream", None)
    if stream is not None and response.headers.get("content-encoding", "identity") == "identity":
        return stream.__aiter__()
    return response.aiter_bytes()


async def stream_texts(response: Any, read_event: Callable[[bytes], str | None]) -> AsyncIterator[str]:
    """The text of each read of an SSE body, for an adapter that spells out one event.

    `read_event(data)` takes one event's data (the "[DONE]" marker never reaches it), records
    what the event says besides text and returns its text, or raises when the event is a
    failure. Text that came before a failure in the same read is still yielded, then the
    failure is raised.
    """
    decoder = SSEDecoder()
    chunks = body_chunks(response)
    while True:
        try:
            chunk = await chunks.__anext__()
        except StopAsyncIteration:
            events, last = decoder.close(), True
        else:
            events, last = decoder.feed(chunk), False
        texts: list[str] = []
        failure: Exception | None = None
        try:
            for _, data in events:
                if data != b"[DONE]":  # read on to the end of the body so the connection is reused
                    text = read_event(data)
                    if text:
                        texts.append(text)
        except Exception as exc:
            failure = exc
        if texts:
            yield "".join(texts)
        if failure is not None:
            raise failure
        if last:
            return
