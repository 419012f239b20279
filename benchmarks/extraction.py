"""Main-text extraction: crosscheck's HTML cleaning vs trafilatura, same pages, same run.

Why: the clean stage runs trafilatura and then aligns its lines back to the HTML source
and applies crosscheck's own line rules (tickers, share lines, footers, header lines
recorded as title/byline/dateline). This measures whether that costs (or gains) body-text
quality against trafilatura called directly, and what it costs in time per page.

Data: /work/shared/benchmarks/article-extraction (ScrapingHub article-extraction
benchmark, MIT): ``html/<id>.html.gz`` and ``ground-truth.json`` (``articleBody`` per id).

crosscheck side: each page is decoded exactly as ``crosscheck.ingest`` decodes a file
(``decode_bytes``: BOM, strict UTF-8, charset-normalizer), made into a ``SourceDocument``
with ``is_html=True`` and passed to ``crosscheck.clean.clean``; the prediction is
``CleanDocument.body``. trafilatura side: ``trafilatura.extract(html,
include_comments=False)`` on the same decoded text, which is what the benchmark's own
``extractors/run_trafilatura.py`` runs.

Metric (the benchmark's ``evaluate.py``, re-implemented here):
  * tokens: ``re.findall(r"\\w+", text)`` (Unicode word characters, case kept);
  * shingles: all token 4-grams (a text with fewer than 4 tokens gives one shorter
    shingle; an empty text gives none), counted as a multiset;
  * per page: TP = sum over shingles of min(true count, predicted count), FP = the
    predicted surplus, FN = the true surplus; then TP, FP, FN are divided by their sum
    so every page weighs the same;
  * precision(page) = 1 when FP = FN = 0, 0 when TP = FP = 0, else TP/(TP+FP); recall
    likewise with FN; precision is the mean over pages with TP+FP > 0, recall the mean
    over pages with TP+FN > 0; F1 = 2PR/(P+R) of those means (not a mean of F1s);
  * the +- figure is 1.96 x the standard deviation over bootstrap resamples of pages
    (1000 resamples, seeded, so the JSON is reproducible).
The benchmark's README calls this "token-level"; it is token-4-gram ("shingle") level.

Time: wall-clock per page for each side (median and mean), pages in the same order,
each side timed on all pages before the other (the first call of each warmed up on one
page, untimed). Ratios crosscheck/trafilatura are printed: F1 ratio and time ratio.

Usage: python benchmarks/extraction.py [--limit N] [--data DIR] [--errors N]
Writes benchmarks/results/extraction.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

DATA = Path("/work/shared/benchmarks/article-extraction")
OUT = Path(__file__).parent / "results" / "extraction.json"
PUBLISHED = {"trafilatura 2.0": 0.958, "newspaper4k": 0.949, "readability-lxml": 0.922, "goose3": 0.896}
TOKEN = re.compile(r"\w+", re.UNICODE)
NGRAM = 4
BOOTSTRAP = 1000


# --------------------------------------------------------------------------- metric
def shingles(text: str, n: int = NGRAM) -> Counter:
    """Token n-grams of ``text`` as the benchmark forms them (see module docstring)."""
    tokens = TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    """Per-page TP/FP/FN over shingles, normalised to sum to 1 (when non-zero)."""
    t, p = shingles(true), shingles(pred)
    tp = float(sum((t & p).values()))
    fp = float(sum((p - t).values()))
    fn = float(sum((t - p).values()))
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s > 0 else (tp, fp, fn)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def metrics(rows: list[tuple[float, float, float]]) -> dict[str, float]:
    """Mean precision, mean recall, and the F1 of those two means."""
    p = statistics.mean([_precision(*r) for r in rows if r[0] + r[1] > 0] or [0.0])
    r = statistics.mean([_recall(*x) for x in rows if x[0] + x[2] > 0] or [0.0])
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def with_ci(rows: list[tuple[float, float, float]], seed: int = 0) -> dict[str, float]:
    """``metrics`` plus 1.96-sigma bootstrap half-widths (``*_ci``), seeded."""
    out = metrics(rows)
    rng, n, samples = random.Random(seed), len(rows), {k: [] for k in out}
    for _ in range(BOOTSTRAP):
        b = metrics([rows[rng.randrange(n)] for _ in range(n)])
        for k, v in b.items():
            samples[k].append(v)
    out.update({f"{k}_ci": 1.96 * statistics.stdev(v) for k, v in samples.items()})
    return out


# --------------------------------------------------------------------------- systems
def load_pages(data: Path, limit: int | None) -> list[tuple[str, str, str]]:
    """(id, decoded html, true body) per page, sorted by id; decoded like ingest does."""
    from crosscheck.ingest import decode_bytes

    truth = json.loads((data / "ground-truth.json").read_text("utf-8"))
    pages = []
    for key in sorted(truth)[:limit]:
        raw = gzip.decompress((data / "html" / f"{key}.html.gz").read_bytes())
        decoded = decode_bytes(raw)
        html = decoded[0] if isinstance(decoded, tuple) else raw.decode("utf-8", "replace")
        pages.append((key, html, truth[key].get("articleBody") or ""))
    return pages


def crosscheck_body(key: str, html: str) -> str:
    """``CleanDocument.body`` for a page, the document built as ingest builds an HTML file."""
    from crosscheck.clean import clean
    from crosscheck.ingest import normalized_hash
    from crosscheck.models import SourceDocument

    doc = SourceDocument(id=key, path=f"{key}.html", format="html", original=html,
                         content_hash=normalized_hash(html), is_html=True)
    return clean(doc).body


def trafilatura_body(key: str, html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


@dataclass
class SystemResult:
    system: str
    pages: int
    precision: float
    recall: float
    f1: float
    precision_ci: float
    recall_ci: float
    f1_ci: float
    seconds: float
    median_ms_per_page: float
    mean_ms_per_page: float
    failures: int


def run_system(name: str, fn: Callable[[str, str], str], pages) -> tuple[SystemResult, dict[str, str], list]:
    """Extract every page (timed), score against the truth."""
    fn(pages[0][0], pages[0][1])  # warm-up: imports, lazy model/data loading
    preds, times, failures = {}, [], 0
    for key, html, _ in pages:
        t0 = time.perf_counter()
        try:
            preds[key] = fn(key, html)
        except Exception as exc:  # record and score as empty, never stop the benchmark
            preds[key], failures = "", failures + 1
            print(f"{name}: {key}: {type(exc).__name__}: {exc}", file=sys.stderr)
        times.append(time.perf_counter() - t0)
    rows = [tp_fp_fn(true, preds[key]) for key, _, true in pages]
    m = with_ci(rows)
    res = SystemResult(name, len(pages), m["precision"], m["recall"], m["f1"], m["precision_ci"],
                       m["recall_ci"], m["f1_ci"], sum(times), 1000 * statistics.median(times),
                       1000 * statistics.mean(times), failures)
    return res, preds, rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--limit", type=int, default=None, help="first N pages by id (default: all)")
    ap.add_argument("--errors", type=int, default=5, help="list the N pages where crosscheck loses most F1")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if not (args.data / "ground-truth.json").exists():
        print(f"skipped: {args.data} not found", file=sys.stderr)
        return 0
    pages = load_pages(args.data, args.limit)
    base, _, base_rows = run_system("trafilatura (direct)", trafilatura_body, pages)
    ours, _, our_rows = run_system("crosscheck clean", crosscheck_body, pages)
    worst = sorted(((metrics([b])["f1"] - metrics([o])["f1"], key) for (key, _, _), o, b in
                    zip(pages, our_rows, base_rows)), reverse=True)[:args.errors]
    ratios = {"f1": ours.f1 / base.f1, "precision": ours.precision / base.precision,
              "recall": ours.recall / base.recall,
              "time_per_page_median": ours.median_ms_per_page / base.median_ms_per_page,
              "time_total": ours.seconds / base.seconds}
    for r in (base, ours):
        print(f"{r.system:<22} P={r.precision:.3f}±{r.precision_ci:.3f} R={r.recall:.3f}±{r.recall_ci:.3f} "
              f"F1={r.f1:.3f}±{r.f1_ci:.3f}  {r.median_ms_per_page:.1f} ms/page median, "
              f"{r.mean_ms_per_page:.1f} mean, {r.failures} failures")
    print("ratio crosscheck/trafilatura: " + ", ".join(f"{k} {v:.3f}" for k, v in ratios.items()))
    print("published F1: " + ", ".join(f"{k} {v}" for k, v in PUBLISHED.items()))
    import trafilatura

    result = {
        "command": "python benchmarks/extraction.py" + (f" --limit {args.limit}" if args.limit else ""),
        "pages": len(pages), "trafilatura_version": trafilatura.__version__,
        "metric": "ScrapingHub article-extraction-benchmark evaluate.py: \\w+ token 4-gram shingles, "
                  "per-page normalised TP/FP/FN, mean P and mean R, F1 of the means",
        "load_average_1m_at_end": os.getloadavg()[0], "cpus": os.cpu_count(),
        "rows": [asdict(base), asdict(ours)], "ratios_crosscheck_over_trafilatura": ratios,
        "published_f1": PUBLISHED,
        "largest_f1_losses": [{"page": k, "f1_loss": d} for d, k in worst],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
