"""Timeline summarization on Timeline17 (dev topics): crosscheck's timeline mode vs DATEWISE.

Why: ``crosscheck timeline`` picks the days of a story that most sources report and
a few sentences for each; T17 has journalist-written timelines to compare with, and
Ghalandari & Ifrim (ACL 2020) fixed how to score them.

Data: /work/shared/benchmarks/t17-dev/<topic>/ (news-tls layout): InputDocs/<date>/*.txt
(the folder is the publication day), timelines.jsonl (reference timelines),
keywords.json. Each topic is ingested once into /tmp/crosscheck-t17/<topic>.db (reused
when present; delete it to re-ingest after pipeline changes).

Protocol (news-tls ``experiments/evaluate.py``, followed step by step):
  * one run per (topic, reference timeline); a reference is read as news-tls reads it
    (``dict`` of date -> sentences in file order, so a repeated date keeps its last entry);
  * input restricted to articles published within [first, last] reference date, and
    candidate dates to that span (DATEWISE filters its ranked dates the same way);
  * N = number of reference dates, K = round(mean sentences per reference date);
  * two variants in one run: ``no-keywords`` (the headline) and ``keywords``: summary
    sentences must contain a topic keyword, news-tls' ``sent_filter``. Keywords and
    sentences are both lower-cased here (news-tls lower-cases only the sentence, which
    drops every sentence for an upper-case keyword such as "H1N1"). The dev keywords are
    "H1N1", "MJ", "haiti": "MJ" is almost never written in the Michael Jackson articles,
    so the filter empties that topic's timeline; hence it is not the headline;
  * scores with tilse 0.2.1 (``pip install tilse==0.2.1``; the ``bench`` extra):
    ``TimelineRougeEvaluator(measures=["rouge_1", "rouge_2"])`` (ROUGE-1.5.5 Perl via
    tilse's bundled pyrouge, stemming, stop words removed) with
    ``evaluate_align_date_content_costs_many_to_one`` (alignment-based ROUGE, AR-1/AR-2),
    and Date-F1 over the sets of dates; averages as news-tls: mean precision and mean
    recall over all runs, F1 of those means.

Systems, same run: ``crosscheck`` (``timeline.SourceCountRanker``) and
``mention-count`` (a second ``TimelineRanker``: days by the number of sentences naming
them, sentences in article order; news-tls' MentionCountDateRanker with lead
sentences), whose ratios are printed. Published DATEWISE figures are on all of T17 (9
topics, 19 timelines); these 5 dev topics are a subset, so compare with care.

Usage: python benchmarks/timeline_t17.py [--topics a,b] [--variants no-keywords,keywords] [--db-dir DIR]
Writes benchmarks/results/timeline_t17.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Sequence

from crosscheck.timeline import (
    DatedSentence, RankedDate, ScoredSentence, SourceCountRanker, TimelineRanker, collect, keyword_filter, summarize,
)

DATA = Path("/work/shared/benchmarks/t17-dev")
DB_DIR = Path("/tmp/crosscheck-t17")
OUT = Path(__file__).parent / "results" / "timeline_t17.json"
DATEWISE = {"date_f1": 0.544, "ar1_f": 0.120, "ar2_f": 0.035}


class MentionCountRanker:
    """Same-run baseline: days by sentences naming them; sentences in article order."""

    def __call__(self, candidates: Sequence[DatedSentence]) -> list[RankedDate]:
        by_date: dict[dt.date, list[DatedSentence]] = defaultdict(list)
        for c in candidates:
            by_date[c.date].append(c)
        ranked = []
        for d, cands in by_date.items():
            named = len({(c.article, c.position) for c in cands if c.how != "published"})
            order = sorted({(c.position, c.article): c for c in cands}.items())
            feats = SourceCountRanker.features(d, cands)
            ranked.append(RankedDate(d, float(named), feats, [ScoredSentence(c, 1.0) for _, c in order]))
        return sorted(ranked, key=lambda r: (-r.score, r.date))


def load_store(topic: Path, db_dir: Path):
    """Records and storyline of a topic, ingesting it first when its db is missing."""
    from crosscheck.core import process
    from crosscheck.settings import Settings
    from crosscheck.store import Store

    db_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{db_dir / (topic.name + '.db')}"
    t0 = time.perf_counter()
    with Store(url) as store:
        if not store.load_records():
            print(f"{topic.name}: ingesting into {url} (takes minutes)", flush=True)
            process([topic / "InputDocs"], store, Settings(db_url=url))
        records, storyline = store.load_records(), store.load_storyline()
    return records, storyline, time.perf_counter() - t0


def references(topic: Path) -> list[dict[dt.date, list[str]]]:
    out = []
    for line in (topic / "timelines.jsonl").read_text("utf-8").splitlines():
        items = json.loads(line) if line.strip() else None
        if items:
            out.append({dt.date.fromisoformat(d[:10]): [s.strip() for s in sents] for d, sents in items})
    return out


def evaluate(pred: dict[dt.date, list[str]], ref: dict[dt.date, list[str]]) -> dict:
    """AR-1, AR-2 (tilse, many-to-one date-content alignment) and Date P/R/F1."""
    from tilse.data.timelines import GroundTruth, Timeline
    from tilse.evaluation import rouge

    if not pred:  # tilse cannot align an empty timeline; it scores zero
        zero = {"precision": 0.0, "recall": 0.0, "f_score": 0.0}
        return {"rouge_1": zero, "rouge_2": zero, "date": zero}
    evaluator = rouge.TimelineRougeEvaluator(measures=["rouge_1", "rouge_2"])
    scores = evaluator.evaluate_align_date_content_costs_many_to_one(Timeline(pred), GroundTruth([Timeline(ref)]))
    shared = len(set(pred) & set(ref))
    p = shared / len(pred) if pred else 0.0
    r = shared / len(ref)
    return {"rouge_1": scores["rouge_1"], "rouge_2": scores["rouge_2"],
            "date": {"precision": p, "recall": r, "f_score": 2 * p * r / (p + r) if p + r else 0.0}}


def average(runs: list[dict]) -> dict:
    """news-tls ``get_average_results``: mean P and R, F1 of the means."""
    out = {}
    for key in ("rouge_1", "rouge_2", "date"):
        p = sum(r[key]["precision"] for r in runs) / len(runs)
        rec = sum(r[key]["recall"] for r in runs) / len(runs)
        out[key] = {"precision": p, "recall": rec, "f_score": 2 * p * rec / (p + rec) if p + rec else 0.0}
    return out


def run_topic(topic: Path, records, storyline, systems: dict[str, TimelineRanker], variant: str) -> list[dict]:
    keywords = json.loads((topic / "keywords.json").read_text("utf-8")) if variant == "keywords" else []
    keep = keyword_filter(keywords)
    rows = []
    for j, ref in enumerate(references(topic)):
        start, end = min(ref), max(ref)
        n, k = len(ref), round(sum(len(s) for s in ref.values()) / len(ref))
        cands = collect(records, storyline, since=start, until=end)
        for name, ranker in systems.items():
            t0 = time.perf_counter()
            tl = summarize(cands, n, k, ranker=ranker, keep=keep, since=start, until=end)
            secs = time.perf_counter() - t0
            pred = {e.date: [s.sentence.text for s in e.sentences] for e in tl.entries}
            scores = evaluate(pred, ref)
            rows.append({"variant": variant, "topic": topic.name, "timeline": j, "system": name, "n_dates": n, "k": k,
                         "pred_dates": len(pred), "candidates": tl.candidates, "seconds": secs, **scores})
            print(f"{variant:<11} {topic.name:<14} tl{j} {name:<13} N={n:<3} K={k} dates {len(pred):<3} "
                  f"Date-F1 {scores['date']['f_score']:.3f} AR1-F {scores['rouge_1']['f_score']:.3f} "
                  f"AR2-F {scores['rouge_2']['f_score']:.3f} ({secs:.1f}s)", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--db-dir", type=Path, default=DB_DIR)
    ap.add_argument("--topics", default="", help="comma-separated topic folders (default: all)")
    ap.add_argument("--variants", default="no-keywords,keywords", help="no-keywords and/or keywords (keywords.json filter)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"skipped: {args.data} not found", file=sys.stderr)
        return 0
    if importlib.util.find_spec("tilse") is None:
        print("skipped: tilse is not installed (pip install 'tilse==0.2.1', the bench extra)", file=sys.stderr)
        return 0
    wanted = [t for t in args.topics.split(",") if t]
    topics = [p for p in sorted(args.data.iterdir()) if (p / "InputDocs").is_dir() and (not wanted or p.name in wanted)]
    systems: dict[str, TimelineRanker] = {"crosscheck": SourceCountRanker(), "mention-count": MentionCountRanker()}
    rows, load_s = [], {}
    for topic in topics:
        records, storyline, load_s[topic.name] = load_store(topic, args.db_dir)
        for variant in args.variants.split(","):
            rows += run_topic(topic, records, storyline, systems, variant)
    result = _summary(rows, systems, args, load_s)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n", "utf-8")
    print(f"wrote {args.out}")
    return 0


def _summary(rows: list[dict], systems, args, load_s: dict) -> dict:
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    avg = {v: {name: average([r for r in rows if r["system"] == name and r["variant"] == v]) for name in systems}
           for v in variants}
    for v in variants:
        for name, a in avg[v].items():
            print(f"average {v:<11} {name:<13} Date-F1 {a['date']['f_score']:.3f} AR1-F {a['rouge_1']['f_score']:.3f} "
                  f"AR2-F {a['rouge_2']['f_score']:.3f}")
    head = variants[0]
    ours, base = avg[head]["crosscheck"], avg[head]["mention-count"]
    metrics = (("date_f1", "date"), ("ar1_f", "rouge_1"), ("ar2_f", "rouge_2"))
    ratios = {m: (ours[k]["f_score"] / base[k]["f_score"] if base[k]["f_score"] else None) for m, k in metrics}
    vs_datewise = {m: ours[k]["f_score"] / DATEWISE[m] for m, k in metrics}
    print(f"[{head}] ratio crosscheck/mention-count (same run): "
          + ", ".join(f"{k} {v:.3f}" for k, v in ratios.items() if v))
    print(f"[{head}] ratio crosscheck/DATEWISE (published, all T17): " + ", ".join(f"{k} {v:.3f}" for k, v in vs_datewise.items()))
    return {
        "command": "python benchmarks/timeline_t17.py" + ("" if args.variants == "no-keywords,keywords" else f" --variants {args.variants}"),
        "headline_variant": head, "runs_per_variant_and_system": len(rows) // max(len(systems) * len(variants), 1),
        "average": avg, "ratios_vs_mention_count": ratios, "ratios_vs_datewise_published": vs_datewise,
        "datewise_published_all_t17": DATEWISE, "load_seconds": load_s,
        "load_average_1m_at_end": os.getloadavg()[0], "rows": rows,
    }


if __name__ == "__main__":
    sys.exit(main())
