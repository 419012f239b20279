"""Adding one article to a large store: incremental linking and verification vs rebuilding.

What the web app's ingest does after the per-article stages (``core.store_documents``)
is ``incremental.link_new_articles(..., verify=True)``: only the events the new article
touches are recomputed, and its claims are compared with the stored claims that share
their blocking keys (``verify_increment``). The baseline, measured in the same run on
the same store, is what ``crosscheck run``/``build`` does instead: load every record,
``build_storyline`` over all of them (verification included) and save the whole
storyline. The result also says how many of the rebuild's relations that involve the
new article the increment found, and whether the verdicts of the events it touched agree.

The new article is an updated copy of a stored one (a sentence added at the end, so it
is new content that tells the same events), which is the common case of a story that
grows. The store is copied first (SQLite file); the original is left untouched.

    python benchmarks/incremental_ingest.py --store /tmp/bbc.db
    python benchmarks/incremental_ingest.py --hold-out 10 --store /tmp/bbc500.db /tmp/bbc.db /tmp/bbc2x.db

With several stores the same update is made on each, and the result adds how its cost
grows with the store (``scaling``: cost ~ n^b between the smallest and largest store),
beside the rebuild's growth measured in the same runs.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

from bench_stores import STORE_HELP, copied

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "incremental_ingest.json"


def _new_files(store, tmp: Path, article: str | None, hold_out: int, updated: int = 1) -> list[Path]:
    """The files to add: updated copies of ``updated`` stored articles (one: ``article`` or
    the middle one; more: evenly spaced ids), or ``hold_out`` stored articles (evenly
    spaced ids) taken out of the store (the storyline rebuilt without them, untimed) and
    written back as files with their stored text."""
    from sqlalchemy import delete

    from crosscheck.core import rebuild
    from crosscheck.settings import Settings

    ids = sorted(store.known_hashes().values())
    if not hold_out:
        picked = [article or ids[len(ids) // 2]] if updated == 1 else ids[:: max(1, len(ids) // updated)][:updated]
        paths = []
        for aid in picked:
            source = store.load_record(aid).source
            paths.append(tmp / f"{source.id}-updated.txt")
            paths[-1].write_text(source.original + "\n\nThis article was updated with new reporting.\n",
                                 encoding="utf-8")
        return paths
    chosen = ids[:: max(1, len(ids) // hold_out)][:hold_out]
    paths = []
    for aid in chosen:
        source = store.load_record(aid).source
        paths.append(tmp / f"{aid}.{source.format}")
        paths[-1].write_text(source.original, encoding="utf-8")
    articles = store.table("articles")
    with store.engine.begin() as conn:
        conn.execute(delete(articles).where(articles.c.id.in_(chosen)))
    rebuild(store, Settings(build_memory_mb=0))  # the storyline at once, as the rebuild it is compared with
    return paths


def run(db: Path, article: str | None, hold_out: int = 0, updated: int = 1, rebuild: bool = True) -> dict:
    from crosscheck.core import store_documents
    from crosscheck.incremental import link_new_articles
    from crosscheck.ingest import ingest
    from crosscheck.settings import DEFAULT
    from crosscheck.store import Store
    from crosscheck.storyline import build_storyline

    url = f"sqlite:///{db}"
    with Store(url) as store:
        n_events = len(store.load_events([]))  # warm the connection
        with tempfile.TemporaryDirectory() as tmp:
            paths = _new_files(store, Path(tmp), article, hold_out, updated)
            t0 = time.perf_counter()
            docs = ingest(paths, DEFAULT, store.known_hashes())
            added = store_documents(docs.documents, store, DEFAULT).added
            t1 = time.perf_counter()
        result = link_new_articles(store, added, verify=True)
        t2 = time.perf_counter()
        if not rebuild:  # a store too large to rebuild in the run: the increment alone
            return {"store_articles": store.counts()["storyline_articles"], "store_events": store.counts()["events"],
                    "added": added, "mode": _mode(hold_out, updated), "per_article_stages_s": round(t1 - t0, 3),
                    "incremental_link_and_verify_s": round(t2 - t1, 3), "increment": result.summary(),
                    "events_recomputed": len(result.events_replaced), "events_created": len(result.events_created),
                    "candidate_events_scored": result.candidate_events, "verification": result.verification}
        increment = store.load_storyline()
        records = store.stream_records(times=False)
        storyline = build_storyline(records)
        t3 = time.perf_counter()
        store.save_storyline(storyline)
        t4 = time.perf_counter()
        n_events = len(storyline.events)
        n_articles = len(storyline.articles)
    agreement = _agreement(increment, storyline, set(added), result.events_created + list(result.events_replaced.values()))
    out = {
        "store_articles": n_articles, "store_events": n_events, "added": added, "mode": _mode(hold_out, updated),
        "per_article_stages_s": round(t1 - t0, 3),
        "incremental_link_and_verify_s": round(t2 - t1, 3),
        "rebuild_build_storyline_s": round(t3 - t2, 3), "rebuild_save_storyline_s": round(t4 - t3, 3),
        "increment": result.summary(),
        "events_recomputed": len(result.events_replaced), "events_created": len(result.events_created),
        "candidate_events_scored": result.candidate_events,
        "verification": result.verification, "agreement_with_rebuild": agreement,
    }
    out["speedup_vs_rebuild"] = round((t4 - t2) / max(t2 - t1, 1e-9), 1)
    return out


def _mode(hold_out: int, updated: int) -> str:
    if hold_out:
        return f"{hold_out} held-out articles added back"
    return "an updated copy of one article" if updated == 1 else f"updated copies of {updated} articles"


def _report(res: dict) -> None:
    print(f"store: {res['store_articles']} articles, {res['store_events']} events")
    print(f"per-article stages for the new articles ({res['mode']}): {res['per_article_stages_s']:.2f} s")
    print(f"incremental link and verify: {res['incremental_link_and_verify_s']:.2f} s, of which verification "
          f"{(res['verification'] or {}).get('seconds', 0):.2f} s ({res['increment']})")
    if "rebuild_build_storyline_s" in res:
        print(f"baseline rebuild: build_storyline {res['rebuild_build_storyline_s']:.2f} s + save "
              f"{res['rebuild_save_storyline_s']:.2f} s -> incremental is {res['speedup_vs_rebuild']}x faster")
        print(f"agreement with the rebuild: {res['agreement_with_rebuild']}")


def _scaling(results: list[dict]) -> dict:
    """How the update's cost grows with the store, against the rebuild's in the same runs:
    the exponent b of cost ~ n^b between the smallest and the largest store (1: linear;
    an increment that costs O(k log n) stays near 0)."""
    small, large = min(results, key=lambda r: r["store_articles"]), max(results, key=lambda r: r["store_articles"])
    growth = large["store_articles"] / small["store_articles"]

    def exponent(key) -> float:
        return round(math.log(key(large) / key(small)) / math.log(growth), 2)

    out = {
        "stores": [r["store_articles"] for r in results],
        "incremental_s": [r["incremental_link_and_verify_s"] for r in results],
        "stored_claims_read": [(r["verification"] or {}).get("candidates") for r in results],
        "candidate_events_scored": [r["candidate_events_scored"] for r in results],
        "incremental_exponent": exponent(lambda r: r["incremental_link_and_verify_s"]),
    }
    if all("rebuild_build_storyline_s" in r for r in results):
        out["rebuild_s"] = [round(r["rebuild_build_storyline_s"] + r["rebuild_save_storyline_s"], 2) for r in results]
        out["rebuild_exponent"] = exponent(lambda r: r["rebuild_build_storyline_s"] + r["rebuild_save_storyline_s"])
    print(f"stores of {out['stores']} articles: increment {out['incremental_s']} s (cost ~ n^"
          f"{out['incremental_exponent']})" + (f", rebuild {out['rebuild_s']} s (n^{out['rebuild_exponent']})"
                                               if "rebuild_s" in out else " (no rebuild: --no-rebuild)"))
    return out


def _agreement(increment, rebuilt, added: set[str], events: list[str]) -> dict:
    """The rebuild's relations that involve the new article, and how many the increment
    has; the verdicts (status, independent origins) of the events the increment touched."""
    def involving(st):
        return {(r.type, tuple(sorted(r.claims))) for r in st.relations if set(r.articles) & added}

    inc, full = involving(increment), involving(rebuilt)
    by_id = {v.subject: (v.status, v.independent_sources) for v in rebuilt.verdicts}
    mine = {v.subject: (v.status, v.independent_sources) for v in increment.verdicts if v.subject in set(events)}
    return {"relations_rebuild": len(full), "relations_increment": len(inc), "relations_in_both": len(inc & full),
            "touched_event_verdicts": len(mine),
            "touched_event_verdicts_same_as_rebuild": sum(1 for e, v in mine.items() if by_id.get(e) == v)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True, nargs="+", help=STORE_HELP + "; several: "
                                                              "the same update on each, and how its cost grows")
    ap.add_argument("--article", help="id of the stored article to update (default: the middle one)")
    ap.add_argument("--hold-out", type=int, default=0, help="instead: take this many stored articles out (storyline "
                                                              "rebuilt without them) and add them back")
    ap.add_argument("--updated", type=int, default=1, help="updated copies of this many stored articles (evenly "
                                                             "spaced ids; without --hold-out)")
    ap.add_argument("--no-rebuild", action="store_true", help="time the increment only (a store too large to "
                                                               "rebuild in the run; the smallest store is the baseline)")
    ap.add_argument("--out", default=str(OUT), help="JSON results file")
    args = ap.parse_args(argv)
    results = []
    for store in args.store:
        with copied(store) as db:
            res = run(db, args.article, args.hold_out, args.updated, not args.no_rebuild)
        _report(res)
        results.append({"store": store, **res})
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    saved = json.loads(out.read_text()) if out.exists() else {}
    runs = saved.get("runs", {})
    mode = f"hold_out_{args.hold_out}" if args.hold_out else "updated_copy" if args.updated == 1 else \
        f"updated_copies_{args.updated}"
    for res in results:
        runs[f"{mode}@{res['store_articles']}"] = res
    doc = {"benchmark": "incremental_ingest", "runs": runs, "scaling": saved.get("scaling", {})}
    if len(results) > 1:
        doc["scaling"][mode] = _scaling(results)
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
