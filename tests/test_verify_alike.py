"""Cluster members alike in all a new claim's affinity reads are read once, not each.

``verify_increment.standing_for`` keeps, of a stored cluster's first members, the first
of two articles for each likeness (comparison terms, predicate, its class, window,
event); the others are not read. The increment must then cluster exactly as when every
member is read: checked as a property of the choice, and end to end on the example
corpus with re-edited copies of its reports (what syndication does to a real store).
"""

from __future__ import annotations

import importlib.util
import shutil
from collections import defaultdict
from pathlib import Path

from hypothesis import given, settings as hsettings, strategies as st

import crosscheck.verify_increment as vi
from crosscheck.similarity import view_of
from crosscheck.store import Store
from crosscheck.store_comparison import ComparisonStore
from crosscheck.verify import CrossSourceVerifier
from test_verify_increment import FILES, _increment, _relations, _verdicts


def _best(members, scores, article: str) -> float:
    """``verify.affinity``'s rule: the best score of a member of another article."""
    return max((scores[likeness] for a, likeness in members if a != article), default=0.0)


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcde"), st.integers(0, 4)), max_size=25),
       st.lists(st.floats(0, 1), min_size=5, max_size=5), st.sets(st.integers(0, 24), max_size=3))
def test_the_members_kept_give_every_new_claim_the_best_score_all_give(members, scores, unread):
    alike = {p: m for p, m in enumerate(members) if p not in unread}  # one whose likeness was not read is kept
    kept = vi.standing_for(range(len(members)), alike)
    assert kept == sorted(kept) and set(kept) >= set(range(len(members))) - set(alike)
    for article in "abcdef":
        assert _best([members[p] for p in kept], scores, article) == _best(members, scores, article)


def _perturb():
    """``benchmarks/throughput.py``'s near-copy: one word of the first paragraph dropped,
    a closing line added (the re-edited copies the benchmarks' large stores are made of)."""
    spec = importlib.util.spec_from_file_location("throughput", Path(__file__).resolve().parents[1] / "benchmarks"
                                                  / "throughput.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench._perturb


def test_an_increment_reading_one_member_for_its_copies_clusters_as_reading_all(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in FILES:
        shutil.copy(f, corpus / f.name)
    texts, perturb = [f for f in FILES if f.suffix == ".txt"], _perturb()
    for k in range(1, 4):  # three copies of each text report, in article order after the originals
        for f in texts:
            (corpus / f"{f.stem}-copy{k}.txt").write_text(perturb(f.read_text("utf-8"), k), "utf-8")
    files = sorted(corpus.iterdir())
    new = [corpus / f"{texts[1].stem}-copy3.txt", corpus / f"{texts[-1].stem}-copy3.txt"]

    dropped = []
    choose = vi.standing_for

    def counted(positions, alike):
        kept = choose(positions, alike)
        dropped.append(len(positions) - len(kept))
        return kept

    def run(name: str):
        (tmp_path / name).mkdir()
        dropped.clear()
        result, after, _full, _added = _increment(tmp_path / name, new, files=files)
        return result.verification, after, sum(dropped)

    monkeypatch.setattr(vi, "standing_for", counted)
    alike, after, left = run("alike")
    choose = lambda positions, _alike: list(positions)  # noqa: E731 (every member compared)
    every, whole, none = run("every")
    assert left > 10 and none == 0  # the copies' members stood for by one of two articles
    assert alike["relations"] == every["relations"] > 0 and alike["claims"] == every["claims"]
    assert _relations(after) == _relations(whole) and _verdicts(after) == _verdicts(whole)
    assert [(c.id, c.claims) for c in after.clusters] == [(c.id, c.claims) for c in whole.clusters]
    assert after.claims == whole.claims and after.outlet_profiles == whole.outlet_profiles
    _likeness_decides_affinity(tmp_path / "alike" / "store.db")


def _likeness_decides_affinity(db: Path) -> None:
    """Stored claims of one likeness have the same views in all ``verify.affinity`` reads
    but the article: comparison terms, predicate, its class, window and linked event."""
    with Store(f"sqlite:///{db}") as store, store.engine.connect() as conn:
        cs = ComparisonStore(store, conn)
        positions = range(cs.next_position("storyline_claims"))
        inc = vi._Increment(cs, CrossSourceVerifier(), store)
        alike, stored = inc._likeness(set(positions)), cs.claims(positions)
        events = cs.events_of_mentions({c.event for c, _k in stored.values() if c.event})
    groups = defaultdict(set)
    for p, (claim, keys) in stored.items():
        v = view_of(claim, keys, events.get(claim.event or ""))
        groups[alike[p][1]].add((v.actors, v.places, v.topic, v.core, claim.predicate, v.pred_class, v.window,
                                 v.event))
    assert len(groups) < len(stored) and all(len(views) == 1 for views in groups.values())
