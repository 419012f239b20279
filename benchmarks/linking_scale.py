"""Cross-document linking at scale: time and peak memory of ``GreedyLinker`` vs n.

Why: a research archive holds millions of event mentions; linking must grow near
n·log n (sorting, then a bounded number of candidates per mention), never all pairs.

Data: ``linking_synth.generate`` (Zipf entities, dates spread over months, several
mentions per real event with paraphrase noise, ~10 mentions per article; known truth).
Two regimes:
  * ``months``: every n spread over the same 182 days, so the mentions per day, and
    the block of a frequent entity, grow with n (the hard case);
  * ``steady``: ~300 mentions a day, the span grows with n (a feed that keeps running).

Systems, each in its own subprocess per (regime, n) so peak memory is its own:
  * ``budgeted``: ``GreedyLinker()`` as shipped (candidate budget and representatives,
    link.CANDIDATE_BUDGET / REPRESENTATIVES);
  * ``exhaustive``: ``GreedyLinker(candidate_budget=None, representatives=None)``: the
    same blocking without caps, whose events are identical to the pre-budget linker's;
    the same-run reference for time and for agreement (sizes <= --exhaustive-max);
  * ``original``: ``src/crosscheck/link.py`` as of commit c167f7b (entity/day blocking
    without windows or caps), loaded from git (sizes <= --original-max). Its float sums
    followed set (hash) order, so its events could differ slightly from the exhaustive
    run's and between processes; workers run with PYTHONHASHSEED=0.

Reported per run: seconds, time per mention, peak memory of the linking step (VmHWM
reset before linking, minus RSS before it), candidate events per mention, pair scores
per mention (counted in a second, instrumented pass for n <= --count-max) as a share
of all n(n-1)/2 pairs, B-cubed P/R/F against the synthetic truth, and B-cubed F
agreement with the exhaustive run. The scaling exponent is the least-squares slope of
log(seconds) on log(n) per regime, printed beside n·log n's slope over the same sizes.

Usage: python benchmarks/linking_scale.py [--million] [--sizes 10000,100000]
       [--regimes months,steady] [--exhaustive-max N] [--original-max N]
Writes (merges into) benchmarks/results/linking_scale.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "linking_scale.json"
ORIGINAL_COMMIT = "c167f7b69b838a68ee8397e4c03f0bdc3755a984"
REGIMES = {"months": lambda n: 182, "steady": lambda n: max(30, n // 300)}


# --------------------------------------------------------------------------- worker side
def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def bcubed(pred: dict[str, str], truth: dict[str, object]) -> dict[str, float]:
    """B-cubed precision, recall and F1 of a clustering against another."""
    pc, tc = Counter(pred.values()), Counter(truth.values())
    both = Counter((pred[i], truth[i]) for i in pred)
    p = sum(both[(pred[i], truth[i])] / pc[pred[i]] for i in pred) / len(pred)
    r = sum(both[(pred[i], truth[i])] / tc[truth[i]] for i in pred) / len(pred)
    return {"p": p, "r": r, "f": 2 * p * r / (p + r)}


def _original_linker():
    src = subprocess.run(["git", "show", f"{ORIGINAL_COMMIT}:src/crosscheck/link.py"], cwd=HERE,
                         capture_output=True, text=True, check=True).stdout
    path = Path(os.environ.get("TMPDIR", "/tmp")) / "crosscheck_link_original.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("crosscheck_link_original", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod.GreedyLinker()


def _linker(system: str):
    from crosscheck.link import GreedyLinker

    if system == "original":
        return _original_linker()
    return GreedyLinker() if system == "budgeted" else GreedyLinker(candidate_budget=None, representatives=None)


def worker(regime: str, n: int, system: str, count_max: int, partition_out: str) -> dict:
    """Generate, link with one system, measure; returns one JSON-able dict.

    One system per process: memory a previous run left resident would hide this one's
    peak. ``partition_out`` (optional) receives the event of every mention for the
    driver's agreement figure."""
    from crosscheck import link_blocking
    from linking_synth import generate

    t0 = time.perf_counter()
    corpus = generate(n, span_days=REGIMES[regime](n))
    gen_s = time.perf_counter() - t0
    linker = _linker(system)
    linker(generate(200, seed=1).mentions)  # warm-up: imports and first calls, untimed
    counts = {"mentions": 0, "candidates": 0}
    original = link_blocking.CandidateIndex.candidates

    def counted(self, m, clusters, _orig=original):
        found = _orig(self, m, clusters)
        counts["mentions"] += 1
        counts["candidates"] += len(found)
        return found

    link_blocking.CandidateIndex.candidates = counted  # once per mention: negligible overhead
    rss0, peak_ok = _status("VmRSS"), _reset_peak()
    t0 = time.perf_counter()
    events = linker(corpus.mentions)
    secs = time.perf_counter() - t0
    peak = _status("VmHWM") - rss0 if peak_ok else None
    link_blocking.CandidateIndex.candidates = original
    pred = {m.id: e.id for e in events for m in e.mentions}
    run = {"seconds": secs, "us_per_mention": 1e6 * secs / n, "events": len(events),
           "peak_mb": peak / 2**20 if peak is not None else None, "rss_before_mb": rss0 / 2**20,
           "truth_bcubed": bcubed(pred, corpus.truth)}
    if counts["mentions"]:
        run["candidates_per_mention"] = counts["candidates"] / counts["mentions"]
    if n <= count_max:
        run.update(_count_pairs(linker, corpus.mentions, n))
    if partition_out:
        Path(partition_out).write_text(json.dumps(pred))
    return {"regime": regime, "n": n, "span_days": corpus.span_days, "events_true": corpus.events,
            "articles": corpus.articles, "generate_s": gen_s, "system": system, "run": run}


def _count_pairs(linker, mentions, n: int) -> dict:
    """A second pass with pair_score counted (both linkers call it through the module)."""
    calls = [0]
    mod = sys.modules[type(linker).__module__]
    original = mod.pair_score

    def counted(*a, **k):
        calls[0] += 1
        return original(*a, **k)

    mod.pair_score = counted
    try:
        linker(mentions)
    finally:
        mod.pair_score = original
    return {"pair_scores_per_mention": calls[0] / n, "share_of_all_pairs": calls[0] / (n * (n - 1) / 2)}


# --------------------------------------------------------------------------- driver side
def slope(xs: list[float], ys: list[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def exponents(rows: list[dict]) -> dict:
    """Per regime: fitted slope of log time on log n, local slopes, n·log n's slope."""
    out = {}
    for regime in sorted({r["regime"] for r in rows}):
        pts = sorted((r["n"], r["runs"]["budgeted"]["seconds"]) for r in rows
                     if r["regime"] == regime and "budgeted" in r["runs"])
        if len(pts) < 2:
            continue
        ln = [math.log(n) for n, _ in pts]
        out[regime] = {
            "sizes": [n for n, _ in pts],
            "exponent": slope(ln, [math.log(t) for _, t in pts]),
            "n_log_n_exponent": slope(ln, [math.log(n * math.log(n)) for n, _ in pts]),
            "local": {f"{a[0]}->{b[0]}": math.log(b[1] / a[1]) / math.log(b[0] / a[0]) for a, b in zip(pts, pts[1:])},
        }
    return out


def run_row(regime: str, n: int, systems: list[str], count_max: int) -> dict:
    """Run each system in its own subprocess; agreement with the exhaustive partition."""
    row: dict = {"regime": regime, "n": n, "runs": {}}
    parts = {}
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    for system in systems:
        part = tmp / f"linking_scale_{os.getpid()}_{system}.json" if "exhaustive" in systems else None
        cmd = [sys.executable, __file__, "--worker", regime, str(n), system, str(count_max), str(part or "")]
        env = {**os.environ, "PYTHONHASHSEED": "0"}  # the original linker's output follows hash order
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"worker {regime} {n} {system} failed:\n{proc.stderr[-3000:]}")
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        row.update({k: out[k] for k in ("span_days", "events_true", "articles", "generate_s")})
        row["runs"][system] = out["run"]
        if part is not None:
            parts[system] = json.loads(part.read_text())
            part.unlink()
    for system, pred in parts.items():
        row["runs"][system]["agreement_with_exhaustive_bcubed_f"] = bcubed(pred, parts["exhaustive"])["f"]
    return row


def _print(row: dict) -> None:
    for system, r in row["runs"].items():
        extra = f" pairs/mention {r['pair_scores_per_mention']:.1f} ({r['share_of_all_pairs']:.2e} of all pairs)" \
            if "pair_scores_per_mention" in r else ""
        cand = f" candidates/mention {r['candidates_per_mention']:.1f}" if "candidates_per_mention" in r else ""
        agree = f" agreement {r['agreement_with_exhaustive_bcubed_f']:.4f}" if "agreement_with_exhaustive_bcubed_f" in r else ""
        print(f"{row['regime']:<7} n={row['n']:>8} {system:<10} {r['seconds']:8.1f}s {r['us_per_mention']:7.0f}us/mention "
              f"peak {r['peak_mb'] or 0:7.0f}MB{cand}{extra} truth B3-F {r['truth_bcubed']['f']:.3f}{agree}", flush=True)
    ex, bud = row["runs"].get("exhaustive"), row["runs"].get("budgeted")
    if ex and bud:
        print(f"        ratio budgeted/exhaustive time {bud['seconds'] / ex['seconds']:.3f}", flush=True)
    org = row["runs"].get("original")
    if org and bud:
        print(f"        ratio budgeted/original time {bud['seconds'] / org['seconds']:.3f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--million", action="store_true", help="add n=1,000,000 (minutes)")
    ap.add_argument("--regimes", default="months,steady")
    ap.add_argument("--exhaustive-max", type=int, default=100_000)
    ap.add_argument("--original-max", type=int, default=10_000)
    ap.add_argument("--count-max", type=int, default=100_000, help="count pair scores up to this n")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        regime, n, system, count_max, part = args.worker
        print(json.dumps(worker(regime, int(n), system, int(count_max), part)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")] + ([1_000_000] if args.million else [])
    rows = []
    for regime in args.regimes.split(","):
        for n in sizes:
            systems = ["budgeted"] + (["exhaustive"] if n <= args.exhaustive_max else []) \
                + (["original"] if n <= args.original_max else [])
            row = run_row(regime, n, systems, args.count_max)
            row["load_average_1m"] = os.getloadavg()[0]
            _print(row)
            rows.append(row)
    merged = _merge(args.out, rows)
    fits = exponents(merged)
    for regime, f in fits.items():
        local = ", ".join(f"{k}: {v:.2f}" for k, v in f["local"].items())
        print(f"{regime}: time ~ n^{f['exponent']:.2f} over {f['sizes']} (n·log n would be n^{f['n_log_n_exponent']:.2f}); local {local}")
    result = {"command": "python benchmarks/linking_scale.py" + (" --million" if args.million else ""),
              "cpus": os.cpu_count(), "budget": _budget(), "rows": merged, "exponents": fits}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


def _budget() -> dict:
    from crosscheck import link

    return {"candidate_budget": link.CANDIDATE_BUDGET, "representatives": link.REPRESENTATIVES}


def _merge(path: Path, rows: list[dict]) -> list[dict]:
    """Earlier rows (e.g. the 1M run) are kept unless this run measured the same (regime, n)."""
    old = json.loads(path.read_text())["rows"] if path.exists() else []
    done = {(r["regime"], r["n"]) for r in rows}
    return sorted([r for r in old if (r["regime"], r["n"]) not in done] + rows, key=lambda r: (r["regime"], r["n"]))


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
