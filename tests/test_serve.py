"""`python -m convoai.serve --workers 2`: two daphne processes behind one port, stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.doubles.openai_server import OpenAIDouble, Reply
from tests.doubles.serve import free_port
from tests.service_process import ROOT, migrated_env, wait_for
from tests.sse import chat, spoken


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in path.read_text().split()]
    return found


@pytest.fixture
def two_workers(_openai_double_server, tmp_path) -> Iterator[tuple[subprocess.Popen, str, OpenAIDouble]]:
    double, double_server = _openai_double_server
    port = free_port()
    env = migrated_env(tmp_path / "db.sqlite3", double_server.url, "serve-test-key")
    proc = subprocess.Popen(
        [sys.executable, "-m", "convoai.serve", "-b", "127.0.0.1", "-p", str(port), "--workers", "2", "--verbosity", "0"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/ping").status_code == 200
        except httpx.TransportError:
            return False

    try:
        assert wait_for(up, 30, 0.1), "the workers did not start"
        yield proc, url, double
    finally:
        workers = _children(proc.pid)
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_two_workers_answer_on_one_port_and_stop_with_sigterm(two_workers):
    proc, url, double = two_workers
    workers = _children(proc.pid)
    assert len(workers) == 2
    double.reset()
    for n in range(6):
        double.queue(Reply(text=f"answer {n}"))
    answers = []
    for _ in range(6):
        # A new connection each time: the kernel spreads connections over the two sockets.
        with httpx.Client(base_url=url, headers={"Authorization": "Bearer serve-test-key"}) as client:
            response, evts = chat(client, {"messages": [{"role": "user", "content": "hi"}]})
        assert response.status_code == 200
        answers.append(spoken(evts))
    assert sorted(answers) == [f"answer {n}" for n in range(6)]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    assert not any(Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text() for pid in workers)


def test_a_worker_that_dies_takes_the_instance_down_for_a_restart(two_workers):
    proc, url, _ = two_workers
    first, second = _children(proc.pid)
    os.kill(first, signal.SIGKILL)
    assert proc.wait(timeout=15) != 0  # the platform sees the instance exit and restarts it
    assert wait_for(lambda: not Path(f"/proc/{second}").exists(), 15, 0.1)
