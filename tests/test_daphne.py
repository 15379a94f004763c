"""The service as deployed: daphne in its own process, over a real socket.

Checks what an in-process server could hide: each chunk is flushed as it comes (no buffering
anywhere between the engine and the socket), and a hang-up reaches the upstream call.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from typing import Iterator

import httpx
import pytest

from tests.doubles.openai_server import OpenAIDouble, Reply
from tests.doubles.serve import free_port
from tests.service_process import ROOT, migrated_env, wait_for


@pytest.fixture(scope="module")
def daphne_service(_openai_double_server, tmp_path_factory) -> Iterator[tuple[str, OpenAIDouble]]:
    double, double_server = _openai_double_server
    port = free_port()
    env = migrated_env(tmp_path_factory.mktemp("daphne") / "db.sqlite3", double_server.url, "daphne-test-key")
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "convoai.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/ping").status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"daphne did not start: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.1)
    try:
        yield url, double
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_each_chunk_is_flushed_as_it_comes(daphne_service):
    url, double = daphne_service
    double.reset()
    double.queue(Reply(text="one two three four five", token_delay=0.3))
    arrivals: list[tuple[float, bytes]] = []
    with socket.create_connection((url.split(":")[1][2:], int(url.rsplit(":", 1)[1]))) as sock:
        body = b'{"stream": true, "messages": [{"role": "user", "content": "hi"}]}'
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer daphne-test-key\r\n"
            b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        data = b""
        sock.settimeout(10)
        while b"data: [DONE]" not in data:
            piece = sock.recv(65536)
            if not piece:
                break
            data += piece
            arrivals.append((time.monotonic(), piece))
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    assert b"content-type: text/event-stream" in head
    assert b"content-encoding: gzip" not in head
    word_times = [t for t, piece in arrivals if re.search(rb'"content":"[a-z]', piece)]
    # Five words paced 0.3 s apart upstream arrive in at least five separate reads spread over
    # the upstream's own pacing: nothing held them back to send together.
    assert len(word_times) >= 5
    assert word_times[-1] - word_times[0] >= 0.8


def test_official_client_through_daphne(daphne_service):
    import openai

    url, double = daphne_service
    double.reset()
    double.queue(Reply(text="Served by daphne."))
    with openai.OpenAI(base_url=f"{url}/v1", api_key="daphne-test-key", max_retries=0) as client:
        stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], stream=True)
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Served by daphne."
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).chat.completions.create(
                model="m", messages=[{"role": "user", "content": "hi"}]
            )


def test_hang_up_under_daphne_closes_the_upstream(daphne_service):
    url, double = daphne_service
    double.reset()
    double.queue(Reply(text=" ".join(["word"] * 200), token_delay=0.05))
    with httpx.Client(base_url=url, headers={"Authorization": "Bearer daphne-test-key"}) as c:
        with c.stream("POST", "/v1/chat/completions", json={"stream": True, "messages": [{"role": "user", "content": "hi"}]}) as r:
            for line in r.iter_lines():
                if '"content":"word' in line:
                    break
    assert wait_for(lambda: double.active_streams == 0 and double.closed_streams == 1)
