"""Incremental verification: articles added to a verified store, compared with a full build.

The example corpus is built without some articles; they are then stored, linked and
verified with ``incremental.link_new_articles(..., verify=True)``. The stored
verification must then (a) be consistent: every claim in exactly one cluster, every
verdict what its stored members and relations give; (b) match a full build of the same
articles: exactly when the new articles come last in article order (the order a build
visits), and on the new articles' relations and the events' verdicts otherwise.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from functools import partial
from pathlib import Path

from sqlalchemy import select, text

from crosscheck.core import process, rebuild, store_documents
from crosscheck.incremental import link_new_articles
from crosscheck.ingest import ingest
from crosscheck.settings import DEFAULT
from crosscheck.similarity import view_of
from crosscheck.store import Store
from crosscheck.store_claims import keys_from
from crosscheck.origins import OriginResolver
from crosscheck.verdicts import cluster_verdict, event_verdicts, outlet_profiles
from crosscheck.verify import CrossSourceVerifier
from crosscheck.verify_increment import verify_articles
from conftest import SAMPLE_CORPUS, needs

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "harbor-accord"
FILES = sorted(p for p in CORPUS.iterdir() if p.name[:2].isdigit())
COPIED = ("Under the accord, Valdoria and Kestrel agreed to conduct joint coast guard patrols in the approaches "
          "to Port Serin, beginning in May.")


def _increment(tmp_path: Path, new_files: list[Path], extra: list[Path] = (), files: list[Path] = FILES):
    """A store of the corpus (``files``) without ``new_files``, then those (and ``extra``)
    added incrementally; returns (result, storyline after, storyline of a full build of it
    all, the added ids)."""
    base, new = _split(tmp_path, new_files, files)
    for f in extra:
        shutil.copy(f, new / f.name)
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        process([base], store)
        docs = ingest([new], DEFAULT, store.known_hashes())
        added = store_documents(docs.documents, store, DEFAULT).added
        result = link_new_articles(store, added, verify=True)
        after = store.load_storyline()
        _check_consistent(store, after)
        full = rebuild(store)
    return result, after, full, set(added)


def _split(tmp_path: Path, new_files: list[Path], files: list[Path] = FILES) -> tuple[Path, Path]:
    """Folders ``base`` (the corpus without ``new_files``) and ``new`` (those)."""
    base, new = tmp_path / "base", tmp_path / "new"
    base.mkdir(), new.mkdir()
    for f in files:
        shutil.copy(f, (new if f in new_files else base) / f.name)
    return base, new


def _cli_store(tmp_path: Path, name: str) -> str:
    """A store of the example corpus without its last two articles, made by ``crosscheck ingest``."""
    from crosscheck.cli import main

    base, _new = _split(tmp_path, FILES[-2:])
    db = f"sqlite:///{tmp_path / name}"
    assert main(["ingest", str(base), "--db", db, "--quiet"]) == 0
    return db


def _check_consistent(store: Store, st) -> None:
    """Every claim in one cluster (the claims' column says the same), and every cluster
    verdict, event verdict and outlet profile what the stored claims, clusters and
    relations give."""
    home = {}
    for c in st.clusters:
        for claim in c.claims:
            assert claim not in home, f"{claim} in {home[claim]} and {c.id}"
            home[claim] = c.id
    assert {c.id: c.cluster for c in st.claims} == home
    event_of = {m.id: ev.id for ev in st.events for m in ev.mentions}
    by_id = {c.id: c for c in st.claims}
    with store.engine.connect() as conn:
        rows = conn.execute(select(store.table("claim_comparison"))).mappings().all()
    views = {r["claim_id"]: view_of(by_id[r["claim_id"]], keys_from(r), event_of.get(by_id[r["claim_id"]].event or ""))
             for r in rows}
    assert set(views) == set(by_id)
    rels = defaultdict(list)
    for r in st.relations:
        assert home[r.claims[0]] == home[r.claims[1]]  # related claims speak of one proposition
        rels[home[r.claims[0]]].append(r)
    for c in st.clusters:
        assert c.verdict == cluster_verdict(c.id, [views[m] for m in c.claims], rels[c.id]), c.id
    ordered = [views[c.id] for c in st.claims]
    resolver = OriginResolver.from_articles(st.articles, st.duplicates)
    expected = event_verdicts(st.events, ordered, st.clusters, st.relations,
                              {a.id: resolver.article_origin(a.id) for a in st.articles},
                              {a.id: a.outlet or a.id for a in st.articles})
    assert {v.subject: v for v in st.verdicts} == {v.subject: v for v in expected}  # every event's, touched or not
    assert st.outlet_profiles == outlet_profiles(ordered, st.clusters, st.articles)


def _relations(st) -> set:
    return {(r.type, tuple(sorted(r.claims)), r.cue) for r in st.relations}


def _verdicts(st) -> dict:
    return {v.subject: (v.status, v.independent_sources, tuple(v.origins), tuple(v.disputing)) for v in st.verdicts}


def test_new_articles_last_in_order_are_verified_exactly_as_a_full_build(tmp_path):
    result, after, full, added = _increment(tmp_path, FILES[-2:])
    assert result.mode == "incremental" and result.verified
    v = result.verification
    assert v["mode"] == "incremental" and v["relations"] > 0 and v["candidates"] > 0, v
    assert any(r.type == "contradicts" and set(r.articles) & added for r in after.relations)
    assert _relations(after) == _relations(full)
    assert {frozenset(c.claims) for c in after.clusters} == {frozenset(c.claims) for c in full.clusters}
    assert _verdicts(after) == _verdicts(full)
    assert after.outlet_profiles == full.outlet_profiles
    assert {c.id: (c.origin, c.origin_evidence) for c in after.claims} == \
        {c.id: (c.origin, c.origin_evidence) for c in full.claims}


def test_real_reports_added_last_are_verified_exactly_as_a_full_build(tmp_path):
    """The sample corpus (five real reports): the last two added to a store of the first
    three; one of them contradicts a stored report, as in a full build."""
    files = sorted(needs(SAMPLE_CORPUS).glob("*.txt"))
    result, after, full, added = _increment(tmp_path, files[-2:], files=files)
    assert result.verified and any(r.type == "contradicts" and set(r.articles) & added for r in after.relations)
    assert _relations(after) == _relations(full) and _verdicts(after) == _verdicts(full)
    assert {frozenset(c.claims) for c in after.clusters} == {frozenset(c.claims) for c in full.clusters}
    assert after.outlet_profiles == full.outlet_profiles


def test_two_increments_in_a_row_read_what_the_first_wrote(tmp_path):
    """09 then 10, one increment each: the second compares with claims, clusters and
    relations the first one wrote (new cluster ids, appended rows); the end state is a
    full build's."""
    base, _new = _split(tmp_path, FILES[-2:])
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        stored = len(process([base], store).storyline.claims)  # a build numbers its clusters below this
        for f in FILES[-2:]:
            docs = ingest([f], DEFAULT, store.known_hashes())
            result = link_new_articles(store, store_documents(docs.documents, store, DEFAULT).added, verify=True)
            assert result.verified, result.verification
            after = store.load_storyline()
            _check_consistent(store, after)
        made = [c for c in after.clusters if int(c.id.removeprefix("cl-")) >= stored]  # named after a new claim
        assert any(x.startswith("09-") for c in made for x in c.claims)
        full = rebuild(store)
    assert _relations(after) == _relations(full) and _verdicts(after) == _verdicts(full)
    assert {frozenset(c.claims) for c in after.clusters} == {frozenset(c.claims) for c in full.clusters}
    assert after.outlet_profiles == full.outlet_profiles


def test_an_article_from_the_middle_finds_the_relations_a_build_finds(tmp_path):
    """03 comes before stored articles in a build's order; its relations and the verdicts
    of the events still come out as a build's (the clusters may group a little differently)."""
    left_out = [f for f in FILES if f.name.startswith("03-")]
    result, after, full, added = _increment(tmp_path, left_out)
    mine = {r for r in _relations(after) if any(c.split(":")[0] in added for c in r[1])}
    theirs = {r for r in _relations(full) if any(c.split(":")[0] in added for c in r[1])}
    assert theirs and len(mine & theirs) >= 0.9 * len(theirs), (mine ^ theirs)
    va, vf = _verdicts(after), _verdicts(full)
    assert len(va) == len(vf) and sum(va.get(e) == v for e, v in vf.items()) >= 0.9 * len(vf)


def test_a_sentence_copied_by_a_stored_article_takes_the_new_earlier_origin(tmp_path):
    """A wire story added after the stored article that ran its sentence word for word:
    the stored claim is re-sourced to the wire (as a build would), not only the new one."""
    wire = tmp_path / "00-harbor-wire-accord.jsonl"
    wire.write_text(json.dumps({"id": "00-harbor-wire-accord", "title": "Accord signed", "outlet": "Harbor Wire",
                                "published": "2023-03-17", "text": f"Accord signed on Port Serin\n\n{COPIED}\n"}) + "\n")
    result, after, full, added = _increment(tmp_path, [], extra=[wire])
    stored = [c for c in after.claims if c.text.startswith("Under the accord, Valdoria and Kestrel agreed")
              and c.article.startswith("03-")]
    assert stored and all(c.origin == "Harbor Wire" and "00-harbor-wire-accord" in c.origin_evidence for c in stored)
    assert {c.id: (c.origin, c.origin_evidence) for c in after.claims} == \
        {c.id: (c.origin, c.origin_evidence) for c in full.claims}
    assert _verdicts(after) == _verdicts(full)  # the outlet profiles may not be: the wire comes first in a build


def test_a_store_without_comparison_keys_or_another_similarity_needs_a_build(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        process([CORPUS], store)
        args = (store, [], {}, [], {})
        embedding = CrossSourceVerifier(similarity=lambda views: None)
        assert verify_articles(*args, embedding).mode == "build-needed"
        assert verify_articles(*args).mode == "incremental"
        store.save_storyline(store.load_storyline())  # a storyline saved without its comparison keys
        done = verify_articles(*args)
        n = len(store.load_storyline().claims)
        assert done.mode == "build-needed" and f"comparison keys for 0 of its {n} claims" in done.reason
        assert "a full build compares them" in done.summary()


def test_cli_ingest_incremental_adds_to_the_stored_storyline(tmp_path, capsys, monkeypatch):
    """``crosscheck ingest --incremental``: the second ingest links and verifies its two
    articles into the stored storyline, without a rebuild; the store ends as a full build
    of all ten would."""
    import crosscheck.core as core
    from crosscheck.cli import main

    db = _cli_store(tmp_path, "cli.db")
    builds, loads = [], []
    monkeypatch.setattr(core, "rebuild", lambda *a, **k: builds.append(a))
    monkeypatch.setattr(Store, "load_storyline", lambda *a: loads.append(a))
    assert main(["ingest", str(CORPUS), "--db", db, "--incremental"]) == 0
    assert builds == [] and loads == []  # neither rebuilt nor read back whole: ingest writes no outputs
    monkeypatch.undo()
    said = capsys.readouterr()
    assert "2 articles added, 8 already stored, 0 rejected; store has 10 articles, 26 entities, 34 events" in said.out
    assert "2 articles linked" in said.err and "claims compared across sources" in said.err
    with Store(db) as store:
        after = store.load_storyline()
        _check_consistent(store, after)
        full = rebuild(store)
    assert _relations(after) == _relations(full) and _verdicts(after) == _verdicts(full)
    assert {frozenset(c.claims) for c in after.clusters} == {frozenset(c.claims) for c in full.clusters}


def test_an_increment_reports_the_changes_a_storyline_comparison_finds(tmp_path):
    """``watch.increment_changes`` (what an incremental watch prints without reading the
    storyline) gives the lines of ``watch.storyline_changes`` over the whole storyline
    before and after: new events, new outlets on events, new contradictions."""
    from crosscheck.watch import increment_changes, storyline_changes

    base, new = _split(tmp_path, FILES[-2:])
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        process([base], store)
        before = store.load_storyline()
        docs = ingest([new], DEFAULT, store.known_hashes())
        result = link_new_articles(store, store_documents(docs.documents, store, DEFAULT).added, verify=True)
        whole = [c.line for c in storyline_changes(before, store.load_storyline())]
        mine = [c.line for c in increment_changes(store, result)]
    kinds = {line[0] for line in mine}
    assert kinds == {"+", "!"} and any(" outlet " in line for line in mine), mine
    assert mine == whole


def test_cli_ingest_incremental_into_an_older_store_rebuilds_and_says_why(tmp_path, capsys):
    from crosscheck.cli import main

    db = _cli_store(tmp_path, "old.db")
    with Store(db) as store:  # as a storyline saved before migration 6: claims without comparison keys
        store.save_storyline(store.load_storyline())
    capsys.readouterr()
    assert main(["ingest", str(CORPUS), "--db", db, "--incremental"]) == 0
    err = capsys.readouterr().err
    assert "not verified incrementally" in err and "comparison keys for 0 of its" in err and "rebuilt" in err
    with Store(db) as store:
        assert store.load_storyline().claims and verify_articles(store, [], {}, [], {}).mode == "incremental"


def test_the_latest_claims_per_key_are_the_candidates_in_a_build_and_an_increment_alike(tmp_path, monkeypatch):
    """``VerifyConfig.recent_per_key``: under a blocking key many claims share, only the
    latest are candidates (what keeps an increment's reads bounded as the store grows).
    With a limit small enough to bite on the example corpus, the increment that adds the
    last articles still finds exactly the build's relations and event verdicts (clusters
    may group differently, as without the limit: a build compares a claim with clusters as
    they stand before relations merge them, an increment with the stored, merged ones)."""
    import crosscheck.verify as verify
    from crosscheck.verify import RecentClusters, RecentIds

    ids, clusters = RecentIds(2), RecentClusters(2)
    for i in range(7):
        ids.add("t:x", i)
        clusters.add("t:x", i % 3)
    assert list(ids.get("t:x")) == [5, 6] and list(ids.get("t:y", ())) == []
    assert clusters.get("t:x") == {2, 0}  # the clusters of the latest two claims under the key
    monkeypatch.setattr(verify, "VerifyConfig", partial(verify.VerifyConfig, recent_per_key=2))
    result, after, full, added = _increment(tmp_path, FILES[-2:])
    assert result.verified  # and consistent (``_increment`` checks every verdict against the stored claims)
    assert _relations(after) == _relations(full)
    events = lambda st: {k: v for k, v in _verdicts(st).items() if k.startswith("ev-")}  # noqa: E731
    assert events(after) == events(full)
    unlimited = tmp_path / "unlimited"
    unlimited.mkdir()
    monkeypatch.undo()
    _r, _a, everything, _ = _increment(unlimited, FILES[-2:])
    assert _relations(everything) != _relations(full)  # the limit took candidates away


def test_a_cluster_that_becomes_a_candidate_as_the_window_moves_is_read_then(tmp_path, monkeypatch):
    """With one candidate cluster per claim and two claims per key, filing the new claims
    moves each key's window, so a stored cluster no new claim had among its candidates at
    first becomes one later: it is read then (it was a KeyError that failed the increment)."""
    import crosscheck.verify as verify

    monkeypatch.setattr(verify, "VerifyConfig", partial(verify.VerifyConfig, recent_per_key=2, max_clusters=1))
    result, _after, _full, _added = _increment(tmp_path, FILES[3:6])
    assert result.verified, result.verification


def test_cli_run_incremental_writes_its_files_from_the_store(tmp_path, monkeypatch):
    """``crosscheck run --incremental`` writes storyline.json and report.html from the store
    with claims and clusters read as written (the storyline is never loaded with them):
    the files ``export`` writes, but listing this run's rejected inputs."""
    from crosscheck.cli import main

    db = _cli_store(tmp_path, "run.db")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 not an article")
    loads = []
    original = Store.load_storyline
    monkeypatch.setattr(Store, "load_storyline", lambda self, **k: loads.append(k) or original(self, **k))
    assert main(["run", str(CORPUS), str(bad), "--db", db, "--incremental", "--out", str(tmp_path / "run"), "-q"]) == 3
    assert loads == []  # its files are written through Store.storyline_reader, without claims held
    monkeypatch.undo()
    assert main(["export", "--db", db, "--out", str(tmp_path / "export"), "-q"]) == 0
    ran, exported = (json.loads((tmp_path / d / "storyline.json").read_text("utf-8")) for d in ("run", "export"))
    assert [e["path"] for e in ran["errors"]] == [str(bad)] and ran["counts"]["errors"] == 1
    assert ran["claims"] and ran["claim_clusters"]
    assert {**ran, "errors": [], "counts": {**ran["counts"], "errors": 0}} == exported
    assert (tmp_path / "run" / "report.html").stat().st_size > 0


def test_stored_claims_clusters_and_lookups_read_by_key_equal_the_loaded_storyline(tmp_path, monkeypatch):
    """``ComparisonStore`` reads through the driver, several IN queries per call (3 values
    each here): what it returns must be the stored claims, clusters and positions as the
    storyline loader reads them, nothing dropped between chunks."""
    import crosscheck.store_claims as store_claims
    from crosscheck.store_comparison import ComparisonStore

    monkeypatch.setattr(store_claims, "IN_CHUNK", 3)
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        process([CORPUS], store)
        loaded = store.load_storyline()
        with store.engine.connect() as conn:
            db = ComparisonStore(store, conn)
            positions = db.positions([c.id for c in loaded.claims])
            read = db.claims(positions.values())
            clusters = db.clusters([c.id for c in loaded.clusters])
            words = db.grouped("entity_words", "word", "entity_id", ["valdoria", "kestrel", "port"])
            rows = conn.execute(select(store.table("entity_words"))).all()
    assert len(loaded.claims) > 3 and sorted(positions.values()) == list(range(len(loaded.claims)))
    by_id = {c.id: c for c in loaded.claims}
    assert {claim.id: claim for claim, _keys in read.values()} == by_id
    assert all(read[positions[c]][0].id == c for c in by_id)
    assert {cid: c.claims for cid, c in clusters.items()} == {c.id: c.claims for c in loaded.clusters}
    expected = defaultdict(list)
    for word, entity in sorted((r.word, r.entity_id) for r in rows if r.word in ("valdoria", "kestrel", "port")):
        expected[word].append(entity)
    assert words == expected and len(words) >= 2


def _counted(store: Store) -> tuple[dict, dict]:
    """(kept counts, the same counted here from the stored claim terms)."""
    from collections import Counter

    with store.engine.connect() as conn:
        kept = dict(conn.execute(select(store.table("claim_term_counts"))).all())
        terms = conn.execute(select(store.table("claim_terms").c.term, store.table("claim_terms").c.position)).all()
        every = conn.execute(select(store.table("claim_comparison").c.position)).all()
    blocking = Counter(t for t, _p in terms if t[:2] in ("t:", "c:"))
    words = Counter(w for w, _p in {(f"w:{t[2:]}", p) for t, p in terms if t[:2] in ("a:", "t:")})
    return kept, {**blocking, **words, "*": len(every)}


def test_kept_term_counts_follow_saves_and_increments_and_fill_an_older_store(tmp_path):
    """Migration 9: an increment reads claims per blocking term and per rarity word by key
    (counting them over the stored terms read a share of the store per common word). The
    kept counts must equal a count of the stored terms after a build, after an increment
    (upserts) and when an older store is upgraded."""
    base, new = _split(tmp_path, FILES[-2:])
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        process([base], store)
        kept, counted = _counted(store)
        assert kept == counted and any(t.startswith("w:") for t in kept) and any(t.startswith("t:") for t in kept)
        docs = ingest([new], DEFAULT, store.known_hashes())
        added = store_documents(docs.documents, store, DEFAULT).added
        assert link_new_articles(store, added, verify=True).verification["mode"] == "incremental"
        kept_after, counted_after = _counted(store)
        assert kept_after == counted_after and kept_after != kept  # the new claims were counted
        with store.engine.begin() as conn:  # as a store saved before migration 9
            conn.execute(store.table("claim_term_counts").delete())
            conn.execute(text("DROP TABLE claim_term_counts"))
            conn.execute(text("DROP INDEX ix_storyline_articles_outlet"))
            conn.execute(text("DELETE FROM schema_migrations WHERE id = 9"))
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        assert store.applied_migrations == [9]
        assert _counted(store) == (counted_after, counted_after)
        with store.engine.connect() as conn:  # an outlet's stored articles are counted by index
            plan = " ".join(str(r[-1]) for r in conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM storyline_articles "
                "WHERE outlet = 'x' OR (outlet IS NULL AND article_id = 'x')")))
        assert "SCAN" not in plan and "ix_storyline_articles_outlet" in plan


def test_blocks_and_few_views_held_verify_as_one_block(tmp_path, monkeypatch):
    """Steps 4-5 compare ``increment_block`` new claims at a time and hold at most
    ``increment_held`` stored views from one block to the next (what keeps an upload's memory from growing with the
    store). With blocks of three claims and five views held, stored claims are let go and
    read again, and the stored verification is the one a single block gives."""
    import crosscheck.verify as verify
    import crosscheck.verify_increment as vi
    from crosscheck.store_comparison import ComparisonStore

    reads, held, scores, sims = [], [], [], []
    claims, let_go, score = ComparisonStore.claims, vi._Increment._let_go, vi.LexicalSimilarity.__call__
    similarity = vi._Increment._similarity

    def counted(self, positions):
        found = claims(self, positions)
        reads.append(len(found))
        return found

    def watched(self, groups):
        let_go(self, groups)
        held.append((len(self.views), len(self.kept)))

    def made(self, new):
        similarity(self, new)
        sims.append(self.sim)

    def scored(self, a, b):
        out = score(self, a, b)
        if sims and self is sims[-1]:  # the increment's (not the builds' of ``_increment``)
            scores.append((a, b, out))
        return out

    monkeypatch.setattr(ComparisonStore, "claims", counted)
    monkeypatch.setattr(vi.LexicalSimilarity, "__call__", scored)
    monkeypatch.setattr(vi._Increment, "_let_go", watched)
    monkeypatch.setattr(vi._Increment, "_similarity", made)

    def run(name: str, block: int, most: int):
        reads.clear(), held.clear(), scores.clear(), sims.clear()
        monkeypatch.setattr(verify, "VerifyConfig", partial(verify.VerifyConfig, increment_block=block,
                                                            increment_held=most))
        (tmp_path / name).mkdir()
        result, after, _full, _added = _increment(tmp_path / name, FILES[-3:])
        with Store(f"sqlite:///{tmp_path / name / 'store.db'}") as store, store.engine.connect() as conn:
            db = ComparisonStore(store, conn)  # the counts after the increment: before it, and its claims'
            words = {k for a, b, _s in scores for v in (a, b) for k in v.actors | v.topic}
            corpus = vi.LexicalSimilarity((), counts=(db.count(), db.rarity_counts(words)))
        assert all(corpus._score(a, b) == s for a, b, s in scores)  # the whole corpus's weights, no stale score
        return result, after, sum(reads), list(held), sorted((a.id, b.id, s) for a, b, s in scores)

    one, whole, read_once, _, scored_once = run("one", 10**6, 10**6)
    small, blocked, read_often, kept, scored_often = run("small", 3, 5)
    assert scored_often == scored_once  # the same comparisons (in another order), with the same scores
    assert one.verification["claims"] > 10 and len(kept) > 5  # many blocks
    assert all(n <= max(5, k) for n, k in kept) and read_often > read_once  # let go, read again
    assert small.verification["candidates"] == one.verification["candidates"]  # each stored claim counted once
    assert _relations(blocked) == _relations(whole) and _verdicts(blocked) == _verdicts(whole)
    assert [(c.id, c.claims) for c in blocked.clusters] == [(c.id, c.claims) for c in whole.clusters]
    assert blocked.claims == whole.claims and blocked.outlet_profiles == whole.outlet_profiles


def _outlet_counts(store: Store) -> tuple[dict, dict]:
    """(kept outlet counts, the same counted here from the stored claims, their outlets and
    their clusters' verdicts)."""
    with store.engine.connect() as conn:
        kept = {r[0]: tuple(r[1:]) for r in conn.execute(select(store.table("outlet_counts")))}
        outlet = dict(conn.execute(select(store.table("claim_comparison").c.claim_id,
                                          store.table("claim_comparison").c.outlet)).all())
    st = store.load_storyline()
    alone = {c.id for c in st.clusters if c.verdict.independent_sources <= 1 and c.verdict.status != "contested"}
    counted: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for c in st.claims:
        n = counted[outlet[c.id]]
        n[0] += 1
        n[1] += c.attribution_kind == "outlet"
        n[2] += c.attribution_kind == "sources"
        n[3] += c.cluster in alone
    profiles = {p.outlet: (p.claims, p.sole_source) for p in st.outlet_profiles if p.claims}
    assert profiles == {o: (n[0], n[3]) for o, n in kept.items()}  # the profiles shown are made of them
    return kept, {o: tuple(n) for o, n in counted.items()}


def test_kept_outlet_counts_follow_saves_and_increments_and_fill_an_older_store(tmp_path):
    """Migration 10: an increment rewrites the profiles of the outlets it touches from
    counts kept by outlet, adding what it changed (its claims; the claims of the clusters
    it rewrote that stand alone, less those that did before), instead of counting each
    outlet's stored claims again (a feed of ten outlets: a tenth of the store per outlet,
    per update). The kept counts must equal a count of the stored claims after a build,
    after an increment and when an older store is upgraded."""
    base, new = _split(tmp_path, FILES[-2:])
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        process([base], store)
        kept, counted = _outlet_counts(store)
        assert kept == counted and len(kept) >= 3 and any(n[3] for n in kept.values())
        assert any(n[0] > n[3] for n in kept.values())  # some of an outlet's claims do not stand alone
        docs = ingest([new], DEFAULT, store.known_hashes())
        added = store_documents(docs.documents, store, DEFAULT).added
        assert link_new_articles(store, added, verify=True).verification["mode"] == "incremental"
        kept_after, counted_after = _outlet_counts(store)
        assert kept_after == counted_after and kept_after != kept
        assert any(kept_after[o][3] != kept[o][3] for o in kept)  # the increment changed who stands alone
        with store.engine.begin() as conn:  # as a store saved before migration 10
            conn.execute(text("DROP TABLE outlet_counts"))
            conn.execute(text("DELETE FROM schema_migrations WHERE id = 10"))
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        assert store.applied_migrations == [10]
        assert _outlet_counts(store) == (counted_after, counted_after)
        with store.engine.connect() as conn:  # the members of the clusters an increment rewrites, by index
            plan = " ".join(str(r[-1]) for r in conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM storyline_claims WHERE cluster IN ('a', 'b')")))
        assert "ix_storyline_claims_cluster" in plan
