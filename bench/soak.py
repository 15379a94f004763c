"""Bounded soak on loopback: N concurrent streams for S seconds through daphne; errors and memory.

    python -m bench.soak                          # 200 streams, 60 s
    python -m bench.soak --streams 50 --seconds 20

Memory is the service's RSS sampled every 5 s; "flat" means the last samples do not climb. It
stops by itself; all traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import threading
import time

from bench.harness import LLM_KEY, SERVERS, cpu_seconds, free_port, rss_mb, service_env, start_double, start_service
from bench.loadgen import build_request, run, run_load
from bench.ttft import body, pct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--server", default="daphne", choices=SERVERS)
    parser.add_argument("--env", nargs="*", default=[], help="extra KEY=VALUE settings for the service")
    args = parser.parse_args()

    double_port, port = free_port(), free_port()
    double = start_double(double_port)
    service = start_service(args.server, port, service_env(double_port, **dict(item.split("=", 1) for item in args.env)))
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        started = time.monotonic()
        while not stop.is_set():
            samples.append((round(time.monotonic() - started, 1), round(rss_mb(service.pid), 1)))
            stop.wait(5)

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        request = build_request("127.0.0.1", port, "/v1/chat/completions", body("Hello there"), LLM_KEY)
        run(run_load("127.0.0.1", port, request, 20, 200))  # warm-up
        cpu_before = cpu_seconds(service.pid)
        sampler.start()
        result = run(run_load("127.0.0.1", port, request, args.streams, 10**9, duration=args.seconds))
        cpu = cpu_seconds(service.pid) - cpu_before
    finally:
        stop.set()
        service.stop()
        double.stop()
    done = len(result.total)
    print(
        json.dumps(
            {
                "server": args.server,
                "env": args.env,
                "streams": args.streams,
                "seconds": args.seconds,
                "turns": done,
                "turns_per_s": round(done / result.elapsed, 1),
                "errors": len(result.errors),
                "error_sample": result.errors[:3],
                "ttft_p50_ms": round(pct(result.ttft, 50) * 1000, 1),
                "ttft_p99_ms": round(pct(result.ttft, 99) * 1000, 1),
                "cpu_ms_per_turn": round(cpu * 1000 / max(done, 1), 2),
                "rss_mb_first_last_max": [samples[0][1], samples[-1][1], max(m for _, m in samples)] if samples else [],
                "rss_mb_samples": " ".join(f"{t:g}s:{m:g}" for t, m in samples),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
