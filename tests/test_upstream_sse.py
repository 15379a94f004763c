"""The upstream SSE reader: any line ending, any split, only CR/LF end a line, a batch per read."""

import asyncio

import orjson
import pytest

from convoai.llm.sse import SSEDecoder, stream_texts

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


def _batches(pieces):
    decoder = SSEDecoder()
    batches = [decoder.feed(piece) for piece in pieces] + [decoder.close()]
    return [batch for batch in batches if batch]


def _events(pieces):
    return [event for batch in _batches(pieces) for event in batch]


def test_whole_body():
    assert _events([BODY]) == EXPECTED


@pytest.mark.parametrize("cut", range(1, len(BODY)))
def test_every_two_way_split(cut):
    assert _events([BODY[:cut], BODY[cut:]]) == EXPECTED


def test_byte_by_byte():
    assert _events([BODY[i : i + 1] for i in range(len(BODY))]) == EXPECTED


def test_end_of_body_completes_the_last_event():
    assert _events([b"data: a\r\n\r\ndata: b\r"]) == [(None, b"a"), (None, b"b")]


def test_one_batch_per_read():
    """Events completed by the same read come together; an event split over reads comes with
    the read that completes it."""
    reads = [b"data: 1\n\ndata: 2\n\ndata: 3", b"\n\n", b"data: 4\n\ndata: 5\n\n"]
    assert _batches(reads) == [[(None, b"1"), (None, b"2")], [(None, b"3")], [(None, b"4"), (None, b"5")]]


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


def _texts(pieces, encoding=None):
    def read(data):
        event = orjson.loads(data)
        if "fail" in event:
            raise ValueError(event["fail"])
        return event.get("t")

    async def collect():
        out = []
        try:
            async for text in stream_texts(_Response(pieces, encoding), read):
                out.append(text)
        except ValueError as exc:
            out.append(f"raised {exc}")
        return out

    return asyncio.run(collect())


def test_text_of_each_read_is_one_piece():
    reads = [b'data: {"t": "a "}\n\ndata: {"t": "b "}\n\n', b'data: {"t": "c"}\n\ndata: [DONE]\n\n']
    assert _texts(reads) == ["a b ", "c"]


def test_text_before_a_failure_in_the_same_read_is_passed_on_first():
    reads = [b'data: {"t": "heard "}\n\ndata: {"fail": "boom"}\n\ndata: {"t": "never"}\n\n']
    assert _texts(reads) == ["heard ", "raised boom"]


def test_compressed_body_goes_through_the_decoder():
    assert _texts([b'data: {"t": "x"}\n\n']) == ["x"]
    assert _texts([b'data: {"t": "x"}\n\n'], encoding="gzip") == ["decoded"]
