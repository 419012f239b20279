"""An update's verification reading one member for alike cluster members, against reading all.

``verify_increment.standing_for`` keeps, of each candidate cluster's first 25 members,
those that stand for the others (alike in all a new claim's affinity reads: the first of
two articles per likeness); the others are not read. The baseline, measured in the same
run on a copy of the same store, is the previous behaviour: every one of those members
read (``standing_for`` replaced by the identity). The same update (updated copies of
``--updated`` stored articles, as ``incremental_ingest.py --updated``) is made on each
copy; the result gives both times, the stored claims each read, and a digest of every
table the verification writes, which must be equal (the choice changes no result).

    python benchmarks/standing_for.py --store S17000 S51000 --updated 10
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from bench_stores import STORE_HELP, copied, write_results
from incremental_ingest import run

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "standing_for.json"
TABLES = ("storyline_claims", "claim_clusters", "claim_relations", "relation_ends", "verdicts", "outlet_profiles",
          "outlet_counts")


def _digests(store) -> dict[str, list]:
    """[rows, sha256 of the sorted rows' reprs] of each written table."""
    from sqlalchemy import text

    out = {}
    with store.engine.connect() as conn:
        for name in TABLES:
            rows = sorted(repr(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {name}")))
            out[name] = [len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]]
    return out


def _update(src: str, updated: int, every: bool) -> dict:
    """The update on a copy of ``src`` (``incremental_ingest.run`` without its rebuild);
    ``every``: every first member read (the baseline)."""
    import crosscheck.verify_increment as vi
    from crosscheck.store import Store

    choose = vi.standing_for
    if every:
        vi.standing_for = lambda positions, _alike: list(positions)
    try:
        with copied(src) as db:
            res = run(db, None, updated=updated, rebuild=False)
            with Store(f"sqlite:///{db}") as store:
                tables = _digests(store)
    finally:
        vi.standing_for = choose
    v = res["verification"]
    return {"store_articles": res["store_articles"], "reads": "every first member" if every else "standing for",
            "increment_s": res["incremental_link_and_verify_s"], "verification_s": v["seconds"],
            "stored_claims_read": v["candidates"], "members_not_read": v["alike"], "new_claims": v["claims"],
            "relations": v["relations"], "tables": tables}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", nargs="+", required=True, help=STORE_HELP)
    ap.add_argument("--updated", type=int, default=10, help="updated copies of this many stored articles")
    ap.add_argument("--rounds", type=int, default=1, help="pairs of runs per store (baseline first, then the choice)")
    ap.add_argument("--out", default=str(OUT), help="JSON results file")
    args = ap.parse_args(argv)
    results = []
    for src in args.store:
        for round_ in range(1, args.rounds + 1):
            every, alike = _update(src, args.updated, True), _update(src, args.updated, False)
            same = every["tables"] == alike["tables"]
            print(f"{Path(src).name} ({alike['store_articles']} articles), round {round_}: increment "
                  f"{every['increment_s']:.2f} -> {alike['increment_s']:.2f} s (ratio "
                  f"{alike['increment_s'] / every['increment_s']:.2f}), verification {every['verification_s']:.2f} -> "
                  f"{alike['verification_s']:.2f} s, stored claims read {every['stored_claims_read']} -> "
                  f"{alike['stored_claims_read']}; written tables {'identical' if same else 'DIFFERENT'}")
            results.append({"store": str(src), "round": round_, "baseline": every, "standing_for": alike,
                            "increment_ratio": round(alike["increment_s"] / every["increment_s"], 3),
                            "verification_ratio": round(alike["verification_s"] / every["verification_s"], 3),
                            "tables_identical": same})
    write_results(args.out, "standing_for", results)
    return 0 if all(r["tables_identical"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
