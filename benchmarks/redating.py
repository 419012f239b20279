"""Re-dating when a new stated date arrives: by date windows vs every context-dated article.

Why: an article whose publication date the corpus context decided (its year is the one
nearest the other articles' dates, or the context had none) may change when a new
stated date arrives, so ``core._redate`` re-checks stored articles then. Until migration
13 it re-checked every such article (a LIKE on the date reasons: 2 % of the BBC stores,
about 5 ms each, for every new day); now only those with a date window
(``PublicationDate.context_windows``) holding the new day.

For each store (copied; the original is not changed), after one dated article has
brought the store a stated date (a store saved before migration 13 re-checks all its
context-dated articles then, once, and writes their windows; its time is reported as
``first_date``), for each new day in ``--days``, in the same run:

- baseline: the articles the old selection picks (dated by inference, or undated, with a
  context mark in the reason), each read and dated again against the context plus that day;
- windows: the articles ``Store.dated_within`` picks, the same work on each;

both read-only, then checked: every article whose date (or reason, or windows) the
baseline finds changed must be in the windows' pick (``missed`` must be 0). Then the
day's article is really ingested (``core.store_documents``) and timed.

    python benchmarks/redating.py --store /tmp/bbc.db /tmp/bbc4x.db
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bench_stores import STORE_HELP, copied, write_results

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "redating.json"
FIRST = "2005-03-04"
DAYS = ("2005-03-07", "2005-03-08", "2005-06-15", "2004-11-02", "2010-01-01")


def _article(folder: Path, n: int, day: str) -> Path:
    """A short JSON article stating ``day`` as its publication date."""
    path = folder / f"dated-{n}.jsonl"
    path.write_text(json.dumps({
        "id": f"dated-{n}", "url": f"https://example.org/dated/{n}", "title": f"Ministers meet ({n})",
        "published": day, "text": f"Ministers met in London on Tuesday to discuss budget {n}. The chancellor "
                                  "said the plan would cut taxes. Officials said talks would continue."}) + "\n")
    return path


def _old_pick(store) -> list[str]:
    """The articles re-dating re-checked before migration 13 (``dated_by_reason``'s query)."""
    from crosscheck.pubdate import CONTEXT_MARKS, INFERRED_METHODS

    marks = " OR ".join(f"published_reason LIKE :m{i}" for i in range(len(CONTEXT_MARKS)))
    methods = ", ".join(f"'{m}'" for m in INFERRED_METHODS)
    with store.engine.connect() as conn:
        return list(conn.execute(text(f"SELECT id FROM articles WHERE published_method IN ({methods}) "
                                      f"AND ({marks}) ORDER BY id"),
                                 {f"m{i}": f"%{m}%" for i, m in enumerate(CONTEXT_MARKS)}).scalars())


def _recheck(store, ids: list[str], dating) -> set[str]:
    """Each article read and dated again: the ids whose stored date would change."""
    from crosscheck.pubdate import finish_date, first_pass

    changed = set()
    for rec in filter(None, map(store.load_record, ids)):
        pub = finish_date(rec.source, rec.clean, first_pass(rec.source, rec.clean, dating.today), dating)
        if pub != rec.published:
            changed.add(rec.id)
    return changed


def _ingest(store, path: Path) -> tuple[float, int]:
    from crosscheck.core import store_documents
    from crosscheck.ingest import ingest
    from crosscheck.settings import DEFAULT

    t = time.perf_counter()
    saved = store_documents(ingest([path], DEFAULT, store.hashes()).documents, store, DEFAULT)
    return time.perf_counter() - t, len(saved.redated)


def _one_day(store, day: str, folder: Path, n: int) -> dict:
    from crosscheck.models import PartialDate
    from crosscheck.pubdate import STATED_METHODS, DateContext

    new = PartialDate.parse(day)
    dating = DateContext(tuple(sorted({*store.published_dates(STATED_METHODS), new}, key=lambda d: d.iso())),
                         dt.date.today())
    t = time.perf_counter()
    old_ids = _old_pick(store)
    old_changed = _recheck(store, old_ids, dating)
    base_s = time.perf_counter() - t
    t = time.perf_counter()
    new_ids = store.dated_within([new.first_day()])
    new_changed = _recheck(store, new_ids, dating)
    windows_s = time.perf_counter() - t
    ingest_s, redated = _ingest(store, _article(folder, n, day))
    return {"day": day, "baseline_checked": len(old_ids), "windows_checked": len(new_ids),
            "changed": len(old_changed), "missed": len(old_changed - set(new_ids)),
            "same_changes": old_changed == new_changed, "baseline_s": round(base_s, 4),
            "windows_s": round(windows_s, 4), "speedup": round(base_s / max(windows_s, 1e-6), 1),
            "ingest_s": round(ingest_s, 3), "ingest_redated": redated}


def run(db: Path, days: list[str]) -> dict:
    from crosscheck.store import Store

    with Store(f"sqlite:///{db}") as store, tempfile.TemporaryDirectory() as tmp:
        with store.engine.connect() as conn:
            articles = conn.execute(text("SELECT count(*) FROM articles")).scalar()
        first_s, first_redated = _ingest(store, _article(Path(tmp), 0, FIRST))
        rows = [_one_day(store, day, Path(tmp), i) for i, day in enumerate(days, 1)]
    return {"store_articles": articles, "first_date": {"day": FIRST, "s": round(first_s, 2), "redated": first_redated},
            "days": rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True, nargs="+", help=STORE_HELP)
    ap.add_argument("--days", nargs="+", default=list(DAYS), help="new stated days, one article each, in turn")
    ap.add_argument("--out", default=str(OUT), help="JSON results file")
    args = ap.parse_args(argv)
    results = []
    for store in args.store:
        with copied(store) as db:
            res = {"store": store, **run(db, args.days)}
        first = res["first_date"]
        print(f"{res['store_articles']:,} articles; first stated date {first['day']}: {first['s']:.2f} s "
              f"({first['redated']} re-analysed)", flush=True)
        for d in res["days"]:
            print(f"  {d['day']}: baseline re-checks {d['baseline_checked']} in {d['baseline_s']:.3f} s, windows "
                  f"{d['windows_checked']} in {d['windows_s']:.4f} s ({d['speedup']}x; changed {d['changed']}, "
                  f"missed {d['missed']}); ingest {d['ingest_s']:.2f} s", flush=True)
        results.append(res)
    write_results(args.out, "redating", results)
    return 0 if all(d["missed"] == 0 and d["same_changes"] for r in results for d in r["days"]) else 1


if __name__ == "__main__":
    sys.exit(main())
