"""Time-to-first-token overhead of the service against the OpenAI double, measured in one run.

    python -m bench.ttft                       # concurrency 1, 10, 50, 200 under daphne
    python -m bench.ttft --servers daphne uvicorn --concurrency 50 --turns 2000
    python -m bench.ttft --tool fetch_customer_profile --tool-args '{"customerId": "cust_1001"}'
    python -m bench.ttft --concurrency 50 --repeat 5   # medians of five runs of each level
    python -m bench.ttft --concurrency 50 --words 1    # one-word answers: a turn's fixed cost
    python -m bench.ttft --app floor --servers daphne uvicorn-fast   # the bare-proxy floor (bench/floor_app.py)

For each concurrency level: the same streaming request straight to the double (the baseline),
then through the service. Overhead = service minus baseline, at p50 and p99. "In view: first byte"
is the service's own time from the view's start to the first byte (its turn records, SQLite
only); the rest of the service's TTFT passes before the view starts or after the byte leaves it
(accepting and parsing the request, turns of a busy event loop, the write). Server CPU per turn
comes from /proc/PID/stat of the service process, memory from its RSS. On a shared 2-core
machine one run's CPU figure moves by ±10 %: `--repeat N` runs each level N times and reports
the median of every figure.
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import statistics
import sys
import time
from typing import Any

from bench.harness import APPS, LLM_KEY, SERVERS, cpu_seconds, free_port, rss_mb, service_env, start_double, start_service
from bench.loadgen import Result, build_request, run, run_load


def pct(values: list[float], q: float) -> float:
    clean = sorted(v for v in values if not math.isnan(v))
    if not clean:
        return float("nan")
    return clean[min(len(clean) - 1, int(round(q / 100 * (len(clean) - 1))))]


def body(text: str) -> bytes:
    return json.dumps({"model": "gpt-bench", "stream": True, "messages": [{"role": "user", "content": text}]}).encode()


class TurnRecords:
    """The service's own timings of the turns just served, read from its SQLite `TurnRecord` table.

    `first_byte_ms` counts from the moment the view started: set beside the TTFT the caller
    measured, it tells time spent in the view (retrieval, the model call, our code) from time
    outside it (accepting and parsing the request, waiting for the event loop, the write).
    """

    def __init__(self, sqlite_path: str | None) -> None:
        self.path = sqlite_path
        self.mark = self._max_id()

    def _query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if not self.path:
            return []
        with sqlite3.connect(self.path, timeout=5) as db:
            return db.execute(sql, params).fetchall()

    def _max_id(self) -> int:
        rows = self._query("SELECT COALESCE(MAX(id), 0) FROM convoai_turnrecord")
        return rows[0][0] if rows else 0

    def first_byte_ms(self, expected: int) -> list[float]:
        """First-byte times of the turns since this object was made (waits for the batched writes)."""
        if not self.path:
            return []
        deadline = time.monotonic() + 5
        while True:
            rows = self._query("SELECT first_byte_ms FROM convoai_turnrecord WHERE id > ?", self.mark)
            if len(rows) >= expected or time.monotonic() > deadline:
                return [r[0] for r in rows if r[0] is not None]
            time.sleep(0.2)


def run_level(double_port: int, service_port: int, service_pid: int, concurrency: int, turns: int, question: str,
              sqlite_path: str | None = None) -> dict[str, Any]:
    payload = body(question)
    direct = build_request("127.0.0.1", double_port, "/v1/chat/completions", payload, "test-openai-key")
    through = build_request("127.0.0.1", service_port, "/v1/chat/completions", payload, LLM_KEY)
    run(run_load("127.0.0.1", double_port, direct, min(concurrency, 20), 40))  # warm-up
    run(run_load("127.0.0.1", service_port, through, min(concurrency, 20), 40))
    baseline: Result = run(run_load("127.0.0.1", double_port, direct, concurrency, turns))
    records = TurnRecords(sqlite_path)
    cpu_before = cpu_seconds(service_pid)
    served: Result = run(run_load("127.0.0.1", service_port, through, concurrency, turns))
    cpu_used = cpu_seconds(service_pid) - cpu_before
    ok = len(served.ttft) or 1
    in_view = records.first_byte_ms(len(served.total))
    return {
        "concurrency": concurrency,
        "turns": turns,
        "baseline_ttft_p50_ms": pct(baseline.ttft, 50) * 1000,
        "baseline_ttft_p99_ms": pct(baseline.ttft, 99) * 1000,
        "ttft_p50_ms": pct(served.ttft, 50) * 1000,
        "ttft_p99_ms": pct(served.ttft, 99) * 1000,
        "overhead_p50_ms": (pct(served.ttft, 50) - pct(baseline.ttft, 50)) * 1000,
        "overhead_p99_ms": (pct(served.ttft, 99) - pct(baseline.ttft, 99)) * 1000,
        "in_view_first_byte_p50_ms": pct(in_view, 50),
        "total_p50_ms": pct(served.total, 50) * 1000,
        "baseline_total_p50_ms": pct(baseline.total, 50) * 1000,
        "rps": len(served.total) / served.elapsed if served.elapsed else 0.0,
        "errors": len(served.errors),
        "baseline_errors": len(baseline.errors),
        "error_sample": [f"service: {e}" for e in served.errors[:3]] + [f"baseline: {e}" for e in baseline.errors[:3]],
        "cpu_ms_per_turn": cpu_used * 1000 / ok,
        "rss_mb": rss_mb(service_pid),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", nargs="+", default=["daphne"], choices=SERVERS,
                        help="daphne-2: two daphne workers on one port (python -m convoai.serve --workers 2)")
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 10, 50, 200])
    parser.add_argument("--turns", type=int, default=0, help="turns per level (default: max(200, 10 x concurrency))")
    parser.add_argument("--question", default="Hello there", help="the caller's words (retrieval searches them)")
    parser.add_argument("--tool", default="", help="make the double call this tool once per turn")
    parser.add_argument("--tool-args", default="{}")
    parser.add_argument("--words", type=int, default=25,
                        help="words in each answer (the double sends one token per word); 1 shows a turn's fixed cost")
    parser.add_argument("--kb", action="store_true", help="ingest the sample knowledge base (retrieval finds passages)")
    parser.add_argument("--env", nargs="*", default=[], help="extra KEY=VALUE settings for the service")
    parser.add_argument("--repeat", type=int, default=1, help="runs per level; every figure is the median")
    parser.add_argument("--app", choices=list(APPS), default="service",
                        help="floor: a bare ASGI proxy (bench/floor_app.py), what the server and one upstream call cost alone")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()

    double_port = free_port()
    double = start_double(double_port, BENCH_TOOL=args.tool, BENCH_TOOL_ARGS=args.tool_args, BENCH_WORDS=str(args.words))
    rows = []
    try:
        for server in args.servers:
            port = free_port()
            extra = dict(item.split("=", 1) for item in args.env)
            env = service_env(double_port, knowledge_base=args.kb, **extra)
            service = start_service(server, port, env, args.app)
            records = args.app == "service" and not env.get("DATABASE_URL") and env.get("TURN_RECORDS") != "false"
            sqlite_path = env["SQLITE_PATH"] if records else None
            try:
                for c in args.concurrency:
                    turns = args.turns or max(200, 10 * c)
                    runs = [run_level(double_port, port, service.pid, c, turns, args.question, sqlite_path) for _ in range(max(1, args.repeat))]
                    row = {"server": server if args.app == "service" else f"{server} (floor)", "kb": args.kb, "tool": args.tool, "words": args.words, "runs": len(runs), **_median_row(runs)}
                    rows.append(row)
                    if not args.json:
                        print(_row(row), flush=True)
                        for sample in row["error_sample"]:
                            print(f"  error: {sample}", file=sys.stderr, flush=True)
            finally:
                service.stop()
    finally:
        double.stop()
    if args.json:
        print(json.dumps(rows, indent=2))


def _median_row(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each numeric figure's median over the runs; errors summed, samples of them kept."""
    row = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, float):
            row[key] = statistics.median(r[key] for r in runs)
    row["errors"] = sum(r["errors"] for r in runs)
    row["baseline_errors"] = sum(r["baseline_errors"] for r in runs)
    row["error_sample"] = [e for r in runs for e in r["error_sample"]][:3]
    row["cpu_ms_per_turn_runs"] = [round(r["cpu_ms_per_turn"], 2) for r in runs]
    return row


HEADER = (
    "| server | KB | tool | words | conc | turns × runs | baseline TTFT p50/p99 ms | service TTFT p50/p99 ms | overhead p50/p99 ms "
    "| in view: first byte p50 ms | total p50 ms | turns/s | errors (baseline) | CPU ms/turn | RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def _ms(value: float) -> str:
    """A figure in the table; "-" where there is none (the baseline of a tool round has no text to time)."""
    return "-" if math.isnan(value) else f"{value:.1f}"


def _row(r: dict[str, Any]) -> str:
    if not hasattr(_row, "printed"):
        print(HEADER)
        _row.printed = True  # type: ignore[attr-defined]
    return (
        f"| {r['server']} | {'yes' if r['kb'] else 'no'} | {r['tool'] or '-'} | {r['words']} | {r['concurrency']} "
        f"| {r['turns']} × {r['runs']} | {_ms(r['baseline_ttft_p50_ms'])} / {_ms(r['baseline_ttft_p99_ms'])} "
        f"| {_ms(r['ttft_p50_ms'])} / {_ms(r['ttft_p99_ms'])} | {_ms(r['overhead_p50_ms'])} / {_ms(r['overhead_p99_ms'])} "
        f"| {_ms(r['in_view_first_byte_p50_ms'])} "
        f"| {_ms(r['total_p50_ms'])} | {r['rps']:.0f} | {r['errors']} ({r['baseline_errors']}) | {r['cpu_ms_per_turn']:.2f} | {r['rss_mb']:.0f} |"
    )


if __name__ == "__main__":
    main()
