"""API and page latency of the web app over real HTTP (uvicorn on 127.0.0.1).

For each store: the storyline page (``/``), the storyline endpoints (``/api/v1/timeline``,
``/api/v1/events``, ``/api/v1/storyline``), an event page and a search, each requested
``--requests`` times after a warm-up, one at a time; p50 and p99 in milliseconds. The
baseline, measured in the same run on the same store, is what serving the storyline
cost before the web app: loading the whole stored storyline and turning it into the
storyline.json dict (``Store.load_storyline`` + ``export.storyline_to_dict``, what
``crosscheck export`` did before it read the claims from the store as it writes them).
The ratio says how many times faster the paged endpoint is.

Usage (a store per ``--store NAME=URL``; the sample corpus is built into a temp store
when no store is given for it):

    python benchmarks/api_latency.py --store bbc-news=sqlite:////tmp/bbc.db
"""

from __future__ import annotations

import argparse
import json
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "corpus" / "syria-us-russia"
OUT = ROOT / "benchmarks" / "results" / "api_latency.json"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def timed(fn, n: int, warm: int = 3) -> dict:
    for _ in range(warm):
        fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return {"n": n, "p50_ms": round(statistics.median(samples), 2), "p99_ms": round(percentile(samples, 0.99), 2),
            "mean_ms": round(statistics.fmean(samples), 2)}


def serve(url: str):
    import uvicorn

    from crosscheck.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(url, None), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def measure(name: str, url: str, n: int) -> dict:
    import httpx

    from crosscheck.export import storyline_to_dict
    from crosscheck.store import Store

    with Store(url) as store:  # applies pending migrations (e.g. the search index) before timing
        baseline = timed(lambda: storyline_to_dict(store.load_storyline()), max(5, n // 10), warm=1)
    server, base = serve(url)
    out: dict = {"store": url, "baseline_full_storyline": baseline, "endpoints": {}}
    with httpx.Client(base_url=base, timeout=60) as client:
        summary = client.get("/api/v1/storyline").json()
        out["counts"] = summary["counts"]
        first = client.get("/api/v1/events", params={"limit": 1, "offset": 0}).json()["items"]
        word = next((w for w in (first[0]["title"].split() if first else []) if len(w) > 4), "minister")
        paths = {"page /": "/", "GET /api/v1/timeline": "/api/v1/timeline",
                 "GET /api/v1/events?limit=50": "/api/v1/events?limit=50", "GET /api/v1/storyline": "/api/v1/storyline",
                 f"GET /api/v1/search?q={word}": f"/api/v1/search?q={word}"}
        if first:
            paths["page /events/{id}"] = f"/events/{first[0]['id']}"
        for label, path in paths.items():
            def get(p=path):
                r = client.get(p)
                r.raise_for_status()
            stats = timed(get, n)
            stats["speedup_vs_baseline_p50"] = round(baseline["p50_ms"] / stats["p50_ms"], 1)
            out["endpoints"][label] = stats
            print(f"{name:>16} {label:<36} p50 {stats['p50_ms']:8.2f} ms  p99 {stats['p99_ms']:8.2f} ms  "
                  f"({stats['speedup_vs_baseline_p50']}x faster than the full storyline)")
    print(f"{name:>16} {'baseline: load + dict whole storyline':<36} p50 {baseline['p50_ms']:8.2f} ms  "
          f"p99 {baseline['p99_ms']:8.2f} ms")
    server.should_exit = True
    return out


def sample_store(tmp: Path) -> str | None:
    if not SAMPLE.exists():
        print(f"{SAMPLE} is not available; skipping the sample corpus", file=sys.stderr)
        return None
    from crosscheck.core import process
    from crosscheck.store import Store

    url = f"sqlite:///{tmp / 'sample.db'}"
    with Store(url) as store:
        process([SAMPLE], store)
    return url


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", action="append", default=[], metavar="NAME=URL", help="a store to measure")
    ap.add_argument("--requests", type=int, default=200, help="requests per endpoint (default 200)")
    ap.add_argument("--out", default=str(OUT), help="JSON results file")
    args = ap.parse_args(argv)
    stores = dict(s.split("=", 1) for s in args.store)
    with tempfile.TemporaryDirectory() as tmp:
        if "syria-us-russia" not in stores and (url := sample_store(Path(tmp))):
            stores = {"syria-us-russia": url, **stores}
        results = {name: measure(name, url, args.requests) for name, url in stores.items()}
    doc = {"benchmark": "api_latency", "machine": f"{platform.machine()} {platform.python_version()}",
           "method": "one client, sequential requests over HTTP to uvicorn on 127.0.0.1; baseline = "
                     "Store.load_storyline + storyline_to_dict on the same store in the same run",
           "stores": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
