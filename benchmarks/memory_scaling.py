"""Peak memory of each command as the store grows: which ones stay flat, which grow, and by how much.

Why: issue 6 asks for "peak memory that does not grow with corpus size". The per-article
stages stream in bounded batches (``throughput.py``); this benchmark measures the
commands that work on the whole store, each in a fresh process so that its peak is its
own (VmHWM of that process, reset once its imports are done), on stores of several sizes in the same run:

- ``imports``: the baseline, measured in the same run: Python with crosscheck's modules
  imported and the store opened; what every command below pays before it does anything.
- ``model``: the baseline of ``increment``: the same with the spaCy model loaded.
- ``increment``: ``crosscheck ingest --incremental`` of ``--hold-out`` articles taken out
  of the store (the newsroom feed: new articles into a stored storyline).
- ``rebuild``: the storyline of the whole store built and saved (``crosscheck build``
  without its outputs).
- ``parts``: the same built in parts of ``--part-size`` articles (``crosscheck build
  --build-parts N`` without its outputs: ``crosscheck.build_parts``).
- ``export``: ``crosscheck export`` (the stored storyline read back, storyline.json and
  report.html written).
- ``timeline``: ``crosscheck timeline --dates 10 --out``.
- ``parquet``: ``crosscheck export --format parquet`` (one file per storyline table,
  rows streamed in batches).

For each step: the peak, the peak above its baseline, that per stored article, and the
growth exponent b of (peak above baseline) ~ n^b between the smallest and the largest
store (0: flat; 1: linear). Stores are SQLite files made by ``crosscheck ingest`` (for
instance ``throughput.py --keep-store``); they are copied, never changed.

    python benchmarks/memory_scaling.py --store /tmp/bbc500.db /tmp/bbc.db /tmp/bbc2x.db
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "memory_scaling.json"
STEPS = ("imports", "model", "increment", "rebuild", "parts", "export", "timeline", "parquet")
PART_SIZE = 500  # articles per part of the ``parts`` step (default of --part-size)
BASELINE = {"increment": "model"}  # every other step: "imports"


def _step(name: str, db: Path, work: Path, part_size: int = PART_SIZE) -> dict:
    """Run one step in this process (a child of the benchmark) and report its peak."""
    from crosscheck.cli import main as cli  # noqa: F401  (the commands' imports, for every step alike)
    from crosscheck.core import rebuild
    from crosscheck.store import Store

    url = f"sqlite:///{db}"
    imported = _reset_peak()  # the imports' own transient peak is not the step's
    t = time.perf_counter()
    if name in ("imports", "model"):
        with Store(url) as store:
            store.counts()
        if name == "model":
            from crosscheck.nlp import Analyzer

            Analyzer()  # loads the model
    elif name == "increment":
        rc = cli(["ingest", str(work / "new"), "--db", str(db), "--incremental", "-q"])
        assert rc == 0, rc
    elif name == "rebuild":
        from crosscheck.settings import Settings

        with Store(url) as store:
            rebuild(store, Settings(build_memory_mb=0))  # at once, however large the store
    elif name == "parts":
        from crosscheck.settings import Settings

        with Store(url) as store:
            rebuild(store, Settings(build_parts=part_size), read_back=False)
    elif name == "export":
        assert cli(["export", "--db", str(db), "--out", str(work / "out"), "-q"]) == 0
    elif name == "timeline":
        assert cli(["timeline", "--db", str(db), "--dates", "10", "--out", str(work / "timeline.json"), "-q"]) == 0
    elif name == "parquet":
        assert cli(["export", "--db", str(db), "--out", str(work / "out"), "--format", "parquet", "-q"]) == 0
    return {"step": name, "peak_mb": _peak_mb(), "seconds": round(time.perf_counter() - t, 2),
            "imports_transient_peak_mb": imported}


def _reset_peak() -> float | None:
    """Linux: the peak so far, then reset it to the current size (``/proc/self/clear_refs``
    "5"), so that ``_peak_mb`` measures from here. None where that is not possible (then
    the peak includes the imports)."""
    before = _peak_mb()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return before


def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _child(name: str, db: Path, work: Path, part_size: int) -> dict:
    cmd = [sys.executable, __file__, "--step", name, "--db", str(db), "--work", str(work), "--part-size", str(part_size)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"step {name} on {db} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(store: Path, hold_out: int, tmp: Path, steps_wanted: tuple[str, ...] = STEPS,
            part_size: int = PART_SIZE) -> dict:
    """Every step on a copy of ``store`` with ``hold_out`` articles taken out (and written
    back as files for ``increment``, which runs on its own copy)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from incremental_ingest import _new_files

    from crosscheck.store import Store

    work = tmp / store.stem
    (work / "new").mkdir(parents=True)
    db = work / "store.db"
    shutil.copy(store, db)
    with Store(f"sqlite:///{db}") as s:
        _new_files(s, work / "new", None, hold_out)  # the storyline rebuilt without them (untimed)
        n = s.counts("articles")["articles"]
    steps = {}
    for name in [s for s in STEPS if s in steps_wanted]:
        target = db
        if name in ("increment", "parts"):  # each on its own copy: the others measure the stored storyline
            target = work / f"{name}.db"
            shutil.copy(db, target)
        steps[name] = _child(name, target, work, part_size)
        print(f"  {n} articles, {name:9s}: peak {steps[name]['peak_mb']:7.1f} MB, {steps[name]['seconds']:6.2f} s",
              flush=True)
    for name, r in steps.items():
        if name not in ("imports", "model"):
            base = steps[BASELINE.get(name, "imports")]["peak_mb"]
            r["above_baseline_mb"] = round(max(r["peak_mb"] - base, 0.1), 1)
            r["above_baseline_kb_per_article"] = round(r["above_baseline_mb"] * 1024 / n, 1)
    return {"store_articles": n, "held_out": hold_out, "steps": steps}


def scaling(results: list[dict]) -> dict:
    """Per step: the exponent b of (peak above baseline) ~ n^b, smallest to largest store."""
    small, large = results[0], results[-1]
    growth = large["store_articles"] / small["store_articles"]
    out = {"stores": [r["store_articles"] for r in results]}
    for name in [s for s in STEPS[2:] if s in small["steps"]]:
        above = [r["steps"][name]["above_baseline_mb"] for r in results]
        out[name] = {"above_baseline_mb": above, "peak_mb": [r["steps"][name]["peak_mb"] for r in results],
                     "exponent": round(math.log(above[-1] / above[0]) / math.log(growth), 2),
                     "ratio_largest_to_smallest": round(above[-1] / above[0], 2)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", nargs="+", help="SQLite store files, any order (copied; not changed)")
    ap.add_argument("--hold-out", type=int, default=10, help="articles taken out and added back by 'increment'")
    ap.add_argument("--out", default=str(OUT), help="JSON results file")
    ap.add_argument("--steps", default=",".join(STEPS),
                    help="comma-separated steps to measure (default: all; the baselines are always measured)")
    ap.add_argument("--part-size", type=int, default=PART_SIZE, help="articles per part of the 'parts' step")
    ap.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)  # internal: one step in a child process
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.step:
        print(json.dumps(_step(args.step, Path(args.db), Path(args.work), args.part_size)))
        return 0
    if not args.store:
        ap.error("--store is required")
    unknown = set(args.steps.split(",")) - set(STEPS)
    if unknown:
        ap.error(f"unknown steps {sorted(unknown)}; choose from {', '.join(STEPS)}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for store in args.store:
            wanted = ("imports", "model", *args.steps.split(","))
            results.append(measure(Path(store), args.hold_out, Path(tmp), wanted, args.part_size))
    results.sort(key=lambda r: r["store_articles"])
    out = {"benchmark": "memory_scaling", "command": " ".join(["python", "benchmarks/memory_scaling.py", *sys.argv[1:]]),
           "part_size": args.part_size,
           "results": results}
    if len(results) > 1:
        out["scaling"] = scaling(results)
        for name in [s for s in STEPS[2:] if s in out["scaling"]]:
            s = out["scaling"][name]
            print(f"{name:9s}: above baseline {s['above_baseline_mb']} MB at {out['scaling']['stores']} articles "
                  f"(x{s['ratio_largest_to_smallest']}, ~ n^{s['exponent']})")
    write_results(Path(args.out), out)
    return 0


def write_results(path: Path, out: dict) -> None:
    """The benchmark's JSON results file (also ``build_parts.py``'s)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {path}")


if __name__ == "__main__":
    raise SystemExit(main())
