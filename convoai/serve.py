"""Run the service under daphne, one process per core when asked: `python -m convoai.serve`.

    python -m convoai.serve --port 3000 --workers 2 --proxy-headers --verbosity 0

One daphne process uses one core. With `--workers N` (default: the `WEB_CONCURRENCY` variable,
else 1) this opens N listening sockets on the same address with `SO_REUSEPORT`, so that the
kernel spreads new connections evenly across them, and starts one daphne per socket
(`daphne --fd`). It passes SIGTERM / SIGINT on to them and, when one of them exits, stops the
others and exits with its status, so the platform restarts the whole instance. With one worker
it simply becomes daphne. Any other option is daphne's own and goes to every worker.

Each worker keeps its own in-memory state: per-turn records are batched per process, and rate
limits are shared only through a shared cache (`CACHE_URL`, docs/deploy.md).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType

__all__ = ["main"]

APPLICATION = "convoai.asgi:application"


def _daphne(*args: str) -> list[str]:
    return [sys.executable, "-m", "daphne", *args, APPLICATION]


def _listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m convoai.serve", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-b", "--bind", default=os.environ.get("HOST", "0.0.0.0"), help="IPv4 address to listen on")
    parser.add_argument("-p", "--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument(
        "-w", "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")),
        help="daphne processes (default: WEB_CONCURRENCY, else 1); about one per core",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args, daphne_options = _parser().parse_known_args(argv)
    if args.workers < 1:
        _parser().error("--workers must be 1 or more")
    if args.workers == 1:
        command = _daphne("--bind", args.bind, "--port", str(args.port), *daphne_options)
        os.execv(command[0], command)
    try:
        sockets = [_listening_socket(args.bind, args.port) for _ in range(args.workers)]
    except (OSError, socket.gaierror) as exc:
        print(f"cannot listen on {args.bind}:{args.port}: {exc}", file=sys.stderr)
        return 1
    workers = [
        subprocess.Popen(_daphne("--fd", str(sock.fileno()), *daphne_options), pass_fds=(sock.fileno(),))
        for sock in sockets
    ]
    for sock in sockets:
        sock.close()  # the workers hold their own copies

    stopping = False

    def stop(signum: int, _frame: FrameType | None = None) -> None:
        nonlocal stopping
        stopping = True
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    status = 0
    while any(worker.poll() is None for worker in workers):
        for worker in workers:
            code = worker.poll()
            if code is not None and not stopping:
                # One worker is gone: stop the rest, so the instance restarts whole.
                status = code or 1
                stop(signal.SIGTERM)
        time.sleep(0.2)
    return status


if __name__ == "__main__":
    sys.exit(main())
