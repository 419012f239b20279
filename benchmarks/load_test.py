"""Bounded load test (issue 7): 50 concurrent clients on loopback against a real
``crosscheck serve`` (uvicorn, its own process) over a copy of a store.

A few thousand requests spread over the storyline endpoints (``/api/v1/storyline``,
``/api/v1/timeline``, ``/api/v1/events`` pages) and full-text search with words taken
from the store's own entities. Every request must answer 200: errors are counted
(non-200 answers and transport failures alike). The baseline, measured in the same run
against the same server, is the same request mix sent one at a time; the ratio says how
much 50-way concurrency costs each request on this machine.

    python benchmarks/load_test.py --store /tmp/web5/bbc.db       # bbc-news store
    python benchmarks/load_test.py                                # builds the example corpus store

Results: ``benchmarks/results/load_test.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "load_test.json"


@dataclass
class Run:
    label: str
    concurrency: int
    requests: int
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)

    def summary(self) -> dict:
        lat = sorted(self.latencies_ms)
        pick = lambda q: round(lat[min(len(lat) - 1, int(q * (len(lat) - 1) + 0.5))], 2) if lat else None  # noqa: E731
        out = {k: v for k, v in asdict(self).items() if k != "latencies_ms"}
        out.update(p50_ms=pick(0.5), p90_ms=pick(0.9), p99_ms=pick(0.99), max_ms=round(lat[-1], 2) if lat else None,
                   mean_ms=round(statistics.fmean(lat), 2) if lat else None,
                   requests_per_s=round(self.requests / self.seconds, 1) if self.seconds else None)
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "crosscheck.cli", "serve", "--db", str(db), "--port", str(port),
                             "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ,
                                                                                          "CROSSCHECK_TOKEN": ""})
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/storyline", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start in 120 s")


def request_mix(base: str, n: int) -> list[str]:
    """``n`` URLs cycling through the storyline endpoints and searches for entity names."""
    import httpx

    ents = httpx.get(f"{base}/api/v1/entities?limit=40", timeout=30).json()
    items = ents.get("items") or ents.get("entities") or []
    words = [str(e.get("name") or e.get("id")).split()[0] for e in items][:40] or ["talks"]
    total = httpx.get(f"{base}/api/v1/storyline", timeout=30).json()
    n_events = int((total.get("counts") or {}).get("events") or 50)
    paths = []
    for i in range(n):
        k = i % 5
        if k == 0:
            paths.append("/api/v1/storyline")
        elif k == 1:
            paths.append("/api/v1/timeline")
        elif k == 2:
            paths.append(f"/api/v1/events?limit=50&offset={(i * 37) % max(1, n_events)}")
        else:
            paths.append(f"/api/v1/search?q={words[i % len(words)]}&limit=20")
    return paths


async def _drive(base: str, paths: list[str], concurrency: int, run: Run) -> None:
    import httpx

    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        async def one(path: str) -> None:
            async with sem:
                t = time.perf_counter()
                try:
                    resp = await client.get(path)
                    ok, why = resp.status_code == 200, f"{resp.status_code} {path}"
                except httpx.HTTPError as exc:
                    ok, why = False, f"{type(exc).__name__} {path}"
                run.latencies_ms.append((time.perf_counter() - t) * 1000)
                if not ok:
                    run.errors += 1
                    if len(run.error_samples) < 10:
                        run.error_samples.append(why)

        start = time.perf_counter()
        await asyncio.gather(*(one(p) for p in paths))
        run.seconds = round(time.perf_counter() - start, 3)


def measure(base: str, paths: list[str], concurrency: int, label: str) -> Run:
    run = Run(label, concurrency, len(paths))
    asyncio.run(_drive(base, paths, concurrency, run))
    return run


def build_example_store(tmp: Path) -> Path:
    from crosscheck.core import process
    from crosscheck.store import Store

    db = tmp / "example.db"
    with Store(f"sqlite:///{db}") as store:
        process([ROOT / "examples" / "harbor-accord"], store)
    return db


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=None, help="SQLite store to serve (copied first); default: build the example corpus")
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--baseline-requests", type=int, default=300)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    load_before = [round(x, 2) for x in os.getloadavg()]  # other work on a shared machine skews latency
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.store and args.store.exists():
            db, store_name = tmp / "store.db", str(args.store)
            shutil.copy(args.store, db)  # the server never touches the original
        else:
            db, store_name = build_example_store(tmp), "examples/harbor-accord (built in this run)"
        port = free_port()
        server = start_server(db, port)
        base = f"http://127.0.0.1:{port}"
        try:
            measure(base, request_mix(base, 100), 10, "warm-up")
            baseline = measure(base, request_mix(base, args.baseline_requests), 1, "sequential (baseline)")
            load = measure(base, request_mix(base, args.requests), args.concurrency, f"{args.concurrency} concurrent")
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    b, lo = baseline.summary(), load.summary()
    result = {"store": store_name, "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
              "load_average_before": load_before,
              "server": "crosscheck serve (uvicorn, 1 process), loopback", "baseline": b, "load": lo,
              "p50_ratio_vs_sequential": round(lo["p50_ms"] / b["p50_ms"], 2) if b["p50_ms"] else None,
              "throughput_ratio_vs_sequential": round(lo["requests_per_s"] / b["requests_per_s"], 2)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for r in (b, lo):
        print(f"{r['label']:>24}: {r['requests']} requests, {r['errors']} errors, p50 {r['p50_ms']} ms, "
              f"p99 {r['p99_ms']} ms, {r['requests_per_s']} req/s")
    print(f"p50 x{result['p50_ratio_vs_sequential']} and throughput x{result['throughput_ratio_vs_sequential']} "
          f"vs one at a time; written to {args.out}")
    return 1 if lo["errors"] or b["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
