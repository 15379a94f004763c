"""The upstream SSE reader: any line ending, any split, only CR/LF end a line, a batch per read."""

import asyncio

import pytest

from convoai.engine.upstream.sse import iter_line_batches, sse_batches

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
    """What httpx's Response offers the reader: its headers and a body iterator."""

    def __init__(self, pieces, encoding=None):
        self.pieces = pieces
        self.headers = {"content-encoding": encoding} if encoding else {}
        self.stream = self._stream()

    async def _stream(self):
        for piece in self.pieces:
            yield piece

    async def aiter_bytes(self):  # httpx's decoded body: only for a compressed one
        for piece in self.pieces:
            yield piece.replace(b"x", b"decoded")


def _batches(pieces, encoding=None):
    async def collect():
        return [batch async for batch in sse_batches(_Response(pieces, encoding))]

    return asyncio.run(collect())


def _events(pieces):
    return [event for batch in _batches(pieces) for event in batch]


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

        return [batch async for batch in iter_line_batches(chunks())]

    assert asyncio.run(collect()) == [[b"a"], [b"b"]]


def test_one_batch_per_read():
    """Events completed by the same read arrive together; an event split over reads comes with
    the read that completes it."""
    reads = [b"data: 1\n\ndata: 2\n\ndata: 3", b"\n\n", b"data: 4\n\ndata: 5\n\n"]
    assert _batches(reads) == [[(None, b"1"), (None, b"2")], [(None, b"3")], [(None, b"4"), (None, b"5")]]


def test_compressed_body_goes_through_the_decoder():
    assert _events([b"data: x\n\n"]) == [(None, b"x")]
    assert _batches([b"data: x\n\n"], encoding="gzip") == [[(None, b"decoded")]]
