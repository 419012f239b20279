"""Incremental linking: one article added to a stored storyline, compared with a full build.

Leave-one-out on the example corpus: the corpus without one article is built, the
article is then added with ``incremental.link_new_articles``, and the events must group
the mentions (almost) exactly as a full build of all ten articles does, while only the
events the article touches are rewritten.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crosscheck.core import process, store_documents
from crosscheck.incremental import link_new_articles
from crosscheck.ingest import ingest
from crosscheck.settings import DEFAULT
from crosscheck.store import Store

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "harbor-accord"
FILES = sorted(p for p in CORPUS.iterdir() if p.name[:2].isdigit())


def _groups(storyline) -> set[tuple[str, ...]]:
    return {tuple(sorted(m.id for m in e.mentions)) for e in storyline.events}


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    with Store(f"sqlite:///{tmp_path_factory.mktemp('full') / 'full.db'}") as store:
        return _groups(process([CORPUS], store).storyline)


@pytest.mark.parametrize("left_out", ["06-coastline-monitor-ship-seized.txt", "03-meridian-review-accord-signed.txt"])
def test_increment_groups_like_a_full_build(tmp_path, full, left_out):
    base, new = tmp_path / "base", tmp_path / "new"
    base.mkdir(), new.mkdir()
    for f in FILES:
        shutil.copy(f, (new if f.name == left_out else base) / f.name)
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        process([base], store)
        before = {e.id: e for e in store.load_storyline().events}
        docs = ingest([new], DEFAULT, store.known_hashes())
        added = store_documents(docs.documents, store, DEFAULT).added
        result = link_new_articles(store, added)
        after = store.load_storyline()
    assert result.mode == "incremental" and len(added) == 1
    assert len(_groups(after) & full) >= 0.9 * len(full)  # leave-one-out: 8 of 10 articles give all 34
    kept = {e.id for e in after.events} & set(before)
    assert kept == set(before) - set(result.events_replaced)  # nothing else was rewritten
    assert all(before[i].mentions == next(e for e in after.events if e.id == i).mentions for i in kept)
    assert {e.id for e in after.events} == kept | set(result.events_replaced.values()) | set(result.events_created)
    assert any(r.article in added for e in after.entities for r in e.mentions)


def test_empty_store_falls_back_to_a_full_build(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        docs = ingest([FILES[0]], DEFAULT, store.known_hashes())
        added = store_documents(docs.documents, store, DEFAULT).added
        result = link_new_articles(store, added)
        assert result.mode == "full" and store.load_storyline().events


def test_a_big_stored_event_is_scored_against_its_first_and_latest_mentions(tmp_path, monkeypatch):
    """As in a build (``link.REPRESENTATIVES``): the cost per candidate event is bounded.
    With the cap at 2, a stored event of more mentions is scored against its first and its
    latest mention in the linker's order, not all of them."""
    import crosscheck.incremental as inc
    from crosscheck.link import mention_order

    base, new = tmp_path / "base", tmp_path / "new"
    base.mkdir(), new.mkdir()
    for f in FILES:
        shutil.copy(f, (new if f.name.startswith("03-") else base) / f.name)
    scored: list[list] = []
    real = inc.cluster_score

    def spy(m, mentions, weights, context):
        scored.append(list(mentions))
        return real(m, mentions, weights, context)

    monkeypatch.setattr(inc, "REPRESENTATIVES", 2)
    monkeypatch.setattr(inc, "cluster_score", spy)
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        process([base], store)
        big = {e.id: sorted(e.mentions, key=mention_order) for e in store.load_storyline().events if len(e.mentions) > 2}
        docs = ingest([new], DEFAULT, store.known_hashes())
        link_new_articles(store, store_documents(docs.documents, store, DEFAULT).added)
    assert big and scored and all(len(ms) <= 2 for ms in scored)
    firsts_lasts = {(ms[0].id, ms[-1].id) for ms in big.values()}
    assert any((ms[0].id, ms[1].id) in firsts_lasts for ms in scored if len(ms) == 2)


def test_an_added_article_is_unverified_until_a_full_build(tmp_path):
    """Incremental linking leaves claims to the next build; the web app says which articles
    wait (``web.verification.unverified_articles``), and a build clears them."""
    pytest.importorskip("fastapi")
    from crosscheck.core import rebuild
    from crosscheck.web.verification import unverified_articles

    base, new = tmp_path / "base", tmp_path / "new"
    base.mkdir(), new.mkdir()
    for f in FILES:
        shutil.copy(f, (new if f.name.startswith("06-") else base) / f.name)
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        process([base], store)
        with store.engine.connect() as conn:
            assert unverified_articles(store, conn) == []
        added = store_documents(ingest([new], DEFAULT, store.known_hashes()).documents, store, DEFAULT).added
        link_new_articles(store, added)
        with store.engine.connect() as conn:
            assert unverified_articles(store, conn) == added and store.load_record(added[0]).claims
            assert unverified_articles(store, conn, among=["01-not-this-one"]) == []
        rebuild(store)
        with store.engine.connect() as conn:
            assert unverified_articles(store, conn) == []


def test_an_entity_s_candidate_events_are_those_of_its_latest_mentions(tmp_path, monkeypatch):
    """Step 3's entity index reads, per entity, the events of its latest stored mentions
    (``LATEST_MENTIONS``), by index: an entity named in every article of a growing story
    gives an increment a bounded number of candidates, the most recent first."""
    import dataclasses

    import crosscheck.incremental as incremental

    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        st = process([CORPUS], store).storyline
        event_of = {m.id: ev.id for ev in st.events for m in ev.mentions}
        named: dict[str, list] = {}
        for ev in st.events:
            for m in ev.mentions:
                for e in {*m.actors, *m.places}:
                    named.setdefault(e, []).append(m)
        entity, mentions = max(named.items(), key=lambda kv: len({event_of[m.id] for m in kv[1]}))
        dated = sorted((m for m in mentions if m.date is not None), key=lambda m: (m.date.iso(), m.id))
        probe = dataclasses.replace(dated[-1], id="probe", article="probe", actors=[entity], places=[], date=None)
        everything = incremental._EventIndex.load(store, [probe]).by_entity[entity]
        monkeypatch.setattr(incremental, "LATEST_MENTIONS", 1)
        latest = incremental._EventIndex.load(store, [probe]).by_entity[entity]
    assert len(everything) == len({event_of[m.id] for m in mentions}) > 1  # all of them while under the limit
    last_day = max(m.date.iso() for m in dated)
    assert len(latest) == 1 and latest[0] in {event_of[m.id] for m in dated if m.date.iso() == last_day}


def test_a_stored_entity_gains_the_new_references_without_being_rewritten(tmp_path):
    """An entity named in every article must not be read and rewritten whole by every
    update: its stored reference rows stay as they are, the new ones are added after them,
    and the storyline reads them back in text order, as a build gives them."""
    from sqlalchemy import select

    left_out = "06-coastline-monitor-ship-seized.txt"
    base, new = tmp_path / "base", tmp_path / "new"
    base.mkdir(), new.mkdir()
    for f in FILES:
        shutil.copy(f, (new if f.name == left_out else base) / f.name)

    def ref_rows(store):
        t = store.table("entity_refs")
        with store.engine.connect() as conn:
            return {(r.entity_id, r.position): (r.article_id, r.start_char, r.end_char)
                    for r in conn.execute(select(t))}

    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        process([base], store)
        before = ref_rows(store)
        docs = ingest([new], DEFAULT, store.known_hashes())
        added = store_documents(docs.documents, store, DEFAULT).added
        result = link_new_articles(store, added)
        after = ref_rows(store)
        entities = {e.id: e for e in store.load_storyline().entities}
    assert result.entities_updated
    assert {k: v for k, v in after.items() if k in before} == before  # stored rows untouched
    for eid in result.entities_updated:
        old = [k[1] for k in before if k[0] == eid]
        added_rows = [k[1] for k in after if k[0] == eid and k not in before]
        assert added_rows and min(added_rows) > max(old)
        refs = entities[eid].mentions
        assert refs == sorted(refs, key=lambda r: (r.article, r.start))
        assert any(r.article in added for r in refs)
    with Store(f"sqlite:///{tmp_path / 'full.db'}") as store:
        built = {e.id: e for e in process([CORPUS], store).storyline.entities}
    same = [eid for eid in result.entities_updated if eid in built]
    assert same and all(entities[e].mentions == built[e].mentions for e in same)
