"""Start the service and the OpenAI double as real processes, and read their CPU and memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
LLM_KEY = "bench-llm-key"
SERVERS = ["daphne", "daphne-2", "uvicorn", "uvicorn-fast", "uvicorn-fast-2"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (the workers of `convoai.serve --workers N`)."""
    found = [pid]
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in path.read_text().split():
            found += _tree(int(child))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process and its workers."""
    total = 0
    for one in _tree(pid):
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    """Resident memory of the process and its workers."""
    total = 0.0
    for one in _tree(pid):
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


class Process:
    def __init__(self, args: list[str], env: dict[str, str], health_url: str) -> None:
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(health_url, self.proc)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_double(port: int, **env: str) -> Process:
    full = {**os.environ, **env}
    args = [sys.executable, "-m", "uvicorn", "bench.double_app:app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning", "--no-access-log", "--http", "httptools", "--loop", "uvloop", "--lifespan", "off"]
    return Process(args, full, f"http://127.0.0.1:{port}/")


def service_env(double_port: int, *, knowledge_base: bool = False, **extra: str) -> dict[str, str]:
    db = Path(tempfile.mkdtemp(prefix="convoai-bench-")) / "db.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="convoai.settings",
        SQLITE_PATH=str(db),
        DEBUG="false",
        SECRET_KEY="bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        LLM_API_KEY=LLM_KEY,
        OPENAI_API_KEY="test-openai-key",
        OPENAI_BASE_URL=f"http://127.0.0.1:{double_port}/v1",
        OPENAI_MAX_RETRIES="0",
        LOG_LEVEL="INFO",  # as in production: one JSON access line per request
        ALLOWED_HOSTS="127.0.0.1,localhost",
        API_KEY_RATE_LIMIT="0",
        SECURE_SSL_REDIRECT="false",
    )
    env.update(extra)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    if knowledge_base:
        # Lexical ingest (no embeddings endpoint during it), as `make run` does on a first start.
        ingest_env = {**env, "OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""}
        subprocess.run([sys.executable, "manage.py", "ingest_sample_kb"], cwd=ROOT, env=ingest_env, check=True,
                       stdout=subprocess.DEVNULL)
    return env


APPS = {"service": "convoai.asgi:application", "floor": "bench.floor_app:app"}


def start_service(server: str, port: int, env: dict[str, str], app: str = "service") -> Process:
    """`server` serving the service, or with `app="floor"` the bare proxy of `bench.floor_app`."""
    target = APPS[app]
    if server == "daphne":
        # As in production (Procfile, Dockerfile): no access log of daphne's own beside ours.
        args = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "--verbosity", "0", target]
    elif server.startswith("daphne-") and server[len("daphne-"):].isdigit():
        # daphne-2: `python -m convoai.serve --workers 2`, two daphne processes on one port.
        if app != "service":
            raise ValueError(f"{server} runs the service only (python -m convoai.serve)")
        args = [sys.executable, "-m", "convoai.serve", "-b", "127.0.0.1", "-p", str(port), "--workers",
                server[len("daphne-"):], "--verbosity", "0"]
    elif server in ("uvicorn", "uvicorn-fast", "uvicorn-fast-2"):
        # uvicorn: pure-Python h11 and asyncio; uvicorn-fast: httptools and uvloop (uvicorn[standard]);
        # uvicorn-fast-2: the same with two worker processes (`--workers 2`).
        fast = ["--http", "h11", "--loop", "asyncio"] if server == "uvicorn" else ["--http", "httptools", "--loop", "uvloop"]
        if server == "uvicorn-fast-2":
            fast += ["--workers", "2"]
        args = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
                "--log-level", "warning", "--no-access-log", "--lifespan", "off", *fast]
    else:
        raise ValueError(server)
    return Process(args, env, f"http://127.0.0.1:{port}/ping")
