"""The upstream SSE reader: any line ending, any split, and only CR/LF end a line."""

import asyncio

import pytest

from convoai.engine.upstream.sse import iter_lines, sse_events

BODY = (
    b'data: {"a": "line\xe2\x80\xa8separator \xc3\xa9"}\n\n'  # U+2028 inside the JSON is text
    b"event: response.output_text.delta\r\ndata: two\r\ndata: parts\r\n\r\n"
    b": a comment\rdata:no-space\r\r"
    b"data: [DONE]\n\n"
)
EXPECTED = [
    (None, '{"a": "line\u2028separator \u00e9"}'.encode()),
    ("response.output_text.delta", b"two\nparts"),
    (None, b"no-space"),
    (None, b"[DONE]"),
]


class _Response:
    def __init__(self, pieces):
        self.pieces = pieces

    async def aiter_bytes(self):
        for piece in self.pieces:
            yield piece


def _events(pieces):
    async def collect():
        return [e async for e in sse_events(_Response(pieces))]

    return asyncio.run(collect())


def test_whole_body():
    assert _events([BODY]) == EXPECTED


@pytest.mark.parametrize("cut", range(1, len(BODY)))
def test_every_two_way_split(cut):
    assert _events([BODY[:cut], BODY[cut:]]) == EXPECTED


def test_byte_by_byte():
    assert _events([BODY[i : i + 1] for i in range(len(BODY))]) == EXPECTED


def test_last_line_without_ending():
    async def collect():
        async def chunks():
            yield b"a\r\nb\r"

        return [line async for line in iter_lines(chunks())]

    assert asyncio.run(collect()) == [b"a", b"b"]
