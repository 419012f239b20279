"""An increment's outlet profiles on a feed of few outlets: kept counts vs counting the outlet's claims.

Why: after comparing its claims, an increment rewrites the profile (claims, own voice,
unnamed sources, claims standing alone) of every outlet whose claims it touched. Until
migration 10 it counted each of those outlets' stored claims again: on BBC stores, where
every article is its own outlet, that is a few rows, but a newsroom feed has a handful
of outlets, each with a share of the whole store, so every update read most of the
store. Now the counts are kept by outlet (``outlet_counts``) and an update adds what it
changed.

For each store (copied; the original is not changed) the articles are given ``--outlets
K`` outlets in turn (the stored articles' and claims' outlet, and the kept counts made
again), then, in the same run:

- baseline: the K profiles' counts taken from the stored claims and their clusters'
  verdicts, one query per outlet (``store_claims.OUTLET_COUNTS_SQL`` for that outlet: what
  each update did before migration 10);
- kept: the K profiles rewritten as an increment now does (``store_comparison
  ._write_profiles``: the kept counts, and each outlet's articles counted by index),
  in a transaction rolled back;

best of ``--repeat``, the two checked to give the same counts, and one real increment
(an updated copy of a stored article, ``incremental.link_new_articles(verify=True)``) on
the same store, which rewrites the profiles of the outlets whose claims it touched.

    python benchmarks/outlet_profiles.py --store /tmp/bbc.db /tmp/bbc4x.db --outlets 10
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bench_stores import STORE_HELP, copied, write_results

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "outlet_profiles.json"


def _few_outlets(conn, k: int) -> None:
    """Every stored article to one of ``k`` outlets in turn, its claims with it; the kept
    counts made again from them."""
    from crosscheck.store_claims import OUTLET_COUNTS, OUTLET_COUNTS_SQL
    from crosscheck.store_counts import OUTLET_ARTICLES_SQL

    conn.execute(text(f"UPDATE storyline_articles SET outlet = 'outlet-' || (position % {k})"))
    conn.execute(text("UPDATE claim_comparison SET outlet = (SELECT sa.outlet FROM storyline_articles sa "
                      "WHERE sa.article_id = claim_comparison.article_id)"))
    conn.execute(text("DELETE FROM outlet_counts"))
    conn.execute(text(f"INSERT INTO outlet_counts (outlet, {', '.join(OUTLET_COUNTS)}) {OUTLET_COUNTS_SQL}"))
    conn.execute(text("DELETE FROM outlet_articles"))
    conn.execute(text(OUTLET_ARTICLES_SQL))


def _timed(fn, repeat: int) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _updated_copy(store, tmp: Path) -> list[str]:
    """An updated copy of the middle stored article, stored (per-article stages): its id."""
    from crosscheck.core import store_documents
    from crosscheck.ingest import ingest
    from crosscheck.settings import DEFAULT

    ids = sorted(store.known_hashes().values())
    source = store.load_record(ids[len(ids) // 2]).source
    path = tmp / f"{source.id}-updated.txt"
    path.write_text(source.original + "\n\nThis article was updated with new reporting.\n", encoding="utf-8")
    return store_documents(ingest([path], DEFAULT, store.known_hashes()).documents, store, DEFAULT).added


def run(db: Path, k: int, repeat: int) -> dict:
    from crosscheck.incremental import link_new_articles
    from crosscheck.store import Store
    from crosscheck.store_claims import OUTLET_COUNTS_SQL
    from crosscheck.store_comparison import ComparisonStore, _write_profiles

    outlets = {f"outlet-{i}" for i in range(k)}
    with Store(f"sqlite:///{db}") as store:
        with store.engine.begin() as conn:
            _few_outlets(conn, k)
            claims = conn.execute(text("SELECT count(*) FROM claim_comparison")).scalar()
            articles = conn.execute(text("SELECT count(*) FROM storyline_articles")).scalar()
        recount = text(OUTLET_COUNTS_SQL.replace("GROUP BY", "WHERE cc.outlet = :outlet GROUP BY"))
        with store.engine.connect() as conn:  # one query per outlet, as each update did
            base_s, counted = _timed(lambda: {r[0]: tuple(r[1:]) for o in sorted(outlets)
                                              for r in conn.execute(recount, {"outlet": o})}, repeat)
            kept = {r[0]: tuple(r[1:]) for r in conn.execute(text("SELECT * FROM outlet_counts"))}

        def rewrite() -> int:
            with store.engine.connect() as conn:
                with conn.begin() as tx:
                    n = _write_profiles(conn, ComparisonStore(store, conn), outlets)
                    tx.rollback()
                return n

        kept_s, _n = _timed(rewrite, repeat)
        with tempfile.TemporaryDirectory() as tmp:
            added = _updated_copy(store, Path(tmp))
        t = time.perf_counter()
        result = link_new_articles(store, added, verify=True)
        increment_s = time.perf_counter() - t
    same = all(kept.get(o) == counted.get(o) for o in outlets)
    return {"store_articles": articles, "stored_claims": claims, "outlets": k, "same_counts": same,
            "recount_s": round(base_s, 4), "kept_s": round(kept_s, 4), "speedup": round(base_s / max(kept_s, 1e-9), 1),
            "increment_s": round(increment_s, 3), "increment": result.summary(),
            "outlet_profiles_rewritten_by_the_increment": (result.verification or {}).get("outlets")}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True, nargs="+", help=STORE_HELP)
    ap.add_argument("--outlets", type=int, default=10, help="outlets the stored articles are given in turn")
    ap.add_argument("--repeat", type=int, default=3, help="timings per measure (the best is kept)")
    ap.add_argument("--out", default=str(OUT), help="JSON results file")
    args = ap.parse_args(argv)
    results = []
    for store in args.store:
        with copied(store) as db:
            res = {"store": store, **run(db, args.outlets, args.repeat)}
        print(f"{res['store_articles']:,} articles ({res['stored_claims']:,} claims), {res['outlets']} outlets: "
              f"counting their profiles from the stored claims {res['recount_s']:.4f} s, from the kept counts "
              f"{res['kept_s']:.4f} s ({res['speedup']}x; same counts: {res['same_counts']}); one increment "
              f"{res['increment_s']:.2f} s ({res['increment']})", flush=True)
        results.append(res)
    write_results(args.out, "outlet_profiles", results)
    return 0 if all(r["same_counts"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
