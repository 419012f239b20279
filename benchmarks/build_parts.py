"""A build in parts against a build at once: time, and how far their storylines agree.

Why: ``crosscheck build --build-parts N`` (``crosscheck.build_parts``) bounds a build's
memory by N articles instead of the store, by building the first N and linking and
verifying the others into it N at a time, as a feed would. Its storyline is the one
those updates leave, which can differ from a build of everything at once: this measures
by how much, on a real store, with the build at once as the baseline of the same run:

- time of each (child processes, one after the other, each on its own copy of the store)
  and their ratio;
- events: pairs of event mentions told as one event (pairwise precision, recall and F1
  of the parts build against the build at once), and how many mentions sit in an event
  with the same number of outlets in both ("3 outlets report it");
- claims: pairs of claims put in one cluster (pairwise P/R/F1), the share of claims
  whose cluster has the same verdict status and the same number of independent
  sources, and relations (corroborates / contradicts) found by both, by one only.

    python benchmarks/build_parts.py --store /tmp/bbc.db --parts 250,1000
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "build_parts.json"


def _child_build(db: Path, parts: int) -> dict:
    """In a child process: the storyline of ``db`` built (at once: ``parts`` 0) and saved."""
    from crosscheck.core import rebuild
    from crosscheck.settings import Settings
    from crosscheck.store import Store

    from memory_scaling import _peak_mb  # this folder is on the path when run as a script

    t = time.perf_counter()
    with Store(f"sqlite:///{db}") as store:
        rebuild(store, Settings(build_parts=parts, build_memory_mb=0), read_back=False)  # 0: at once, whatever the size
    # VmHWM, this process's own peak: ru_maxrss keeps the parent's size from before exec
    # (the parent holds the build at once's storyline by the time the parts are built)
    return {"seconds": round(time.perf_counter() - t, 2), "max_rss_mb": _peak_mb()}


def _build(store: Path, work: Path, parts: int) -> tuple[Path, dict]:
    db = work / f"parts{parts}.db"
    shutil.copy(store, db)
    done = subprocess.run([sys.executable, __file__, "--child", str(db), "--parts", str(parts)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"build with parts={parts} failed:\n{done.stderr[-3000:]}")
    return db, json.loads(done.stdout.strip().splitlines()[-1])


def pair_agreement(ref: dict[str, str], got: dict[str, str]) -> dict:
    """Pairwise precision/recall/F1 of the grouping ``got`` (item -> group) against ``ref``,
    over the items both hold: pairs in one group of ``got`` that are in one group of ``ref``."""
    items = ref.keys() & got.keys()
    pairs = lambda c: sum(n * (n - 1) // 2 for n in c.values())  # noqa: E731
    both = pairs(Counter((ref[i], got[i]) for i in items))
    in_ref, in_got = pairs(Counter(ref[i] for i in items)), pairs(Counter(got[i] for i in items))
    p = both / in_got if in_got else 1.0
    r = both / in_ref if in_ref else 1.0
    return {"items": len(items), "pairs_reference": in_ref, "pairs_parts": in_got, "pairs_both": both,
            "precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def _views(storyline) -> dict:
    outlets = {a.id: a.outlet or a.id for a in storyline.articles}
    event_of = {(m.article, m.start, m.end, m.id): e.id for e in storyline.events for m in e.mentions}
    event_outlets = {e.id: len({outlets.get(m.article, m.article) for m in e.mentions}) for e in storyline.events}
    cluster_of = {c: k.id for k in storyline.clusters for c in k.claims}
    cluster_verdict = {k.id: (k.verdict.status, k.verdict.independent_sources) for k in storyline.clusters}
    relations = {(r.type, *sorted(r.claims)) for r in storyline.relations}
    return {"event_of": event_of, "event_outlets": event_outlets, "cluster_of": cluster_of,
            "cluster_verdict": cluster_verdict, "relations": relations,
            "counts": {"articles": len(storyline.articles), "events": len(storyline.events),
                       "claims": len(storyline.claims), "clusters": len(storyline.clusters),
                       "relations": len(storyline.relations)}}


def agreement(ref: dict, got: dict) -> dict:
    """How far the parts build (``got``) agrees with the build at once (``ref``)."""
    mentions = ref["event_of"].keys() & got["event_of"].keys()
    same_outlets = sum(ref["event_outlets"][ref["event_of"][m]] == got["event_outlets"][got["event_of"][m]]
                       for m in mentions)
    claims = ref["cluster_of"].keys() & got["cluster_of"].keys()
    verdicts = [(ref["cluster_verdict"][ref["cluster_of"][c]], got["cluster_verdict"][got["cluster_of"][c]])
                for c in claims]
    both = ref["relations"] & got["relations"]
    return {
        "counts_at_once": ref["counts"], "counts_parts": got["counts"],
        "event_pairs": pair_agreement(ref["event_of"], got["event_of"]),
        "mentions_with_same_outlet_count": round(same_outlets / len(mentions), 4) if mentions else 1.0,
        "claim_cluster_pairs": pair_agreement(ref["cluster_of"], got["cluster_of"]),
        "claims_with_same_verdict_status": round(sum(a[0] == b[0] for a, b in verdicts) / len(verdicts), 4)
        if verdicts else 1.0,
        "claims_with_same_status_and_sources": round(sum(a == b for a, b in verdicts) / len(verdicts), 4)
        if verdicts else 1.0,
        "relations": {"at_once": len(ref["relations"]), "parts": len(got["relations"]), "both": len(both),
                      "recall": round(len(both) / len(ref["relations"]), 4) if ref["relations"] else 1.0,
                      "precision": round(len(both) / len(got["relations"]), 4) if got["relations"] else 1.0},
    }


def _load(db: Path) -> dict:
    from crosscheck.store import Store

    with Store(f"sqlite:///{db}") as store:
        return _views(store.load_storyline())


def measure(store: Path, parts: list[int], tmp: Path) -> dict:
    work = tmp / store.stem
    work.mkdir(parents=True)
    whole_db, whole = _build(store, work, 0)
    print(f"{store.name}: at once {whole['seconds']} s, max RSS {whole['max_rss_mb']} MB", flush=True)
    ref = _load(whole_db)
    out = {"store": str(store), "articles": ref["counts"]["articles"], "at_once": whole, "parts": []}
    for n in parts:
        db, timed = _build(store, work, n)
        agree = agreement(ref, _load(db))
        db.unlink()
        row = {"part_size": n, **timed, "time_ratio_to_at_once": round(timed["seconds"] / whole["seconds"], 2),
               **agree}
        out["parts"].append(row)
        print(f"  parts of {n}: {timed['seconds']} s (x{row['time_ratio_to_at_once']}), max RSS "
              f"{timed['max_rss_mb']} MB; event pairs F1 {agree['event_pairs']['f1']}, same outlet count "
              f"{agree['mentions_with_same_outlet_count']}; claim pairs F1 {agree['claim_cluster_pairs']['f1']}, "
              f"same verdict {agree['claims_with_same_verdict_status']}; relations both "
              f"{agree['relations']['both']} of {agree['relations']['at_once']} / {agree['relations']['parts']}",
              flush=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", nargs="+", help="SQLite store files (copied; not changed)")
    ap.add_argument("--parts", default="250,1000", help="comma-separated part sizes (articles)")
    ap.add_argument("--out", default=str(OUT), help="JSON results file")
    ap.add_argument("--child", help=argparse.SUPPRESS)  # internal: one build in a child process
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child_build(Path(args.child), int(args.parts))))
        return 0
    if not args.store:
        ap.error("--store is required")
    parts = [int(p) for p in args.parts.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure(Path(s), parts, Path(tmp)) for s in args.store]
    out = {"benchmark": "build_parts", "command": " ".join(["python", "benchmarks/build_parts.py", *sys.argv[1:]]),
           "results": results}
    from memory_scaling import write_results  # this folder is on the path when run as a script

    write_results(Path(args.out), out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
