"""Store: round trips, migrations, atomic saves, storyline replacement."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, text

from crosscheck.migrations import MIGRATIONS, Migration, applied_ids, apply_migrations
from crosscheck.models import Event, InputError, PartialDate, Removed, Storyline
from crosscheck.store import Store, make_engine
from output_samples import record_a1, record_a2, record_a3, records, storyline


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'cc.db'}"


def _count(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


def test_records_round_trip(url):
    with Store(url) as store:
        for rec in records():
            store.save_article(rec)
    with Store(url) as store:  # a fresh connection reads what was committed
        loaded = store.load_records()
        assert loaded == records()
        assert [r.id for r in loaded] == ["a1", "a2", "a3"]
        assert store.known_hashes() == {r.source.content_hash: r.id for r in records()}
        # tuples and nested types come back as such, not as JSON lists
        assert isinstance(loaded[0].clean.title_span, tuple)
        assert loaded[0].event_mentions[1].date == PartialDate(2015, 9)
        assert loaded[2].duplicate.similarity == 0.8125


def test_stored_hashes_and_ids_are_looked_up_one_at_a_time(url):
    with Store(url) as store:
        for rec in records():
            store.save_article(rec)
        hashes, ids = store.hashes(), store.ids()
        assert dict(hashes) == store.known_hashes() and len(hashes) == 3
        first = record_a1()
        assert hashes[first.source.content_hash] == "a1" and hashes.get("0" * 64) is None and "0" * 64 not in hashes
        assert "a2" in ids and "a4" not in ids and sorted(ids) == ["a1", "a2", "a3"]


def test_load_is_ordered_by_id_not_insertion(url):
    with Store(url) as store:
        for rec in reversed(records()):
            store.save_article(rec)
        assert [r.id for r in store.load_records()] == ["a1", "a2", "a3"]


def test_second_save_adds_and_resave_replaces(url):
    with Store(url) as store:
        store.save_article(record_a1())
        store.save_article(record_a2())
        changed = record_a1()
        changed.event_mentions = changed.event_mentions[:1]
        changed.published.reason = "re-run"
        store.save_article(changed)
        loaded = store.load_records()
    assert loaded == [changed, record_a2()]
    assert _count(url, "event_mentions") == 2  # 1 for a1 + 1 for a2: old rows gone


def test_same_content_under_another_id_is_refused(url):
    with Store(url) as store:
        store.save_article(record_a1())
        clash = record_a1()
        clash.source.id = "a1-copy"
        with pytest.raises(ValueError, match="same content hash"):
            store.save_article(clash)
        assert [r.id for r in store.load_records()] == ["a1"]


def _fail_on(monkeypatch, table: str) -> None:
    real = Store._insert

    def failing(self, conn, name, rows):
        if name == table:
            raise RuntimeError(f"disk on fire while writing {name}")
        return real(self, conn, name, rows)

    monkeypatch.setattr(Store, "_insert", failing)


def test_failed_save_leaves_no_partial_rows(url, monkeypatch):
    with Store(url) as store:
        store.save_article(record_a1())
        _fail_on(monkeypatch, "event_mentions")
        with pytest.raises(RuntimeError):
            store.save_article(record_a2())
        # the failing re-save of an existing article keeps its old version too
        changed = record_a1()
        changed.clean.body = "replaced"
        with pytest.raises(RuntimeError):
            store.save_article(changed)
        monkeypatch.undo()
        assert store.load_records() == [record_a1()]
    for table in ("articles", "sentences", "entity_mentions", "removed_segments"):
        engine = create_engine(url)
        with engine.connect() as conn:
            ids = set(conn.execute(text(f"SELECT DISTINCT {'id' if table == 'articles' else 'article_id'} FROM {table}")).scalars())
        engine.dispose()
        assert ids == {"a1"}, table


def test_failed_storyline_save_keeps_previous(url, monkeypatch):
    with Store(url) as store:
        for rec in records():
            store.save_article(rec)
        store.save_storyline(storyline())
        _fail_on(monkeypatch, "event_mention_links")
        changed = dataclasses.replace(storyline(), errors=[InputError("x.doc", "unsupported format: .doc")])
        assert any(ev.mentions for ev in changed.events)  # so the failing table has rows to write
        with pytest.raises(RuntimeError):
            store.save_storyline(changed)
        monkeypatch.undo()
        assert store.load_storyline() == storyline()


def test_storyline_round_trip_and_replace(url):
    with Store(url) as store:
        assert store.load_storyline() is None
        for rec in records():
            store.save_article(rec)
        st = storyline()
        store.save_storyline(st)
        assert store.load_storyline() == st
        smaller = dataclasses.replace(
            st, events=[Event("ev9", PartialDate(2016), "Talks resume", "meeting", [], [], [])],
            errors=[InputError("x.doc", "unsupported format: .doc")], duplicates=[])
        store.save_storyline(smaller)
        assert store.load_storyline() == smaller
    assert _count(url, "event_mention_links") == 0
    assert _count(url, "events") == 1
    assert _count(url, "input_errors") == 1
    # originals already stored with the article are not stored a second time
    assert _count(url, "storyline_articles WHERE original IS NULL") == 3


def test_storyline_without_stored_articles_keeps_its_text(url):
    with Store(url) as store:
        st = storyline()
        store.save_storyline(st)
        assert store.load_storyline() == st


def test_fresh_database_gets_all_migrations_once(url):
    with Store(url) as store:
        assert store.applied_migrations == [m.id for m in MIGRATIONS]
    with Store(url) as store:
        assert store.applied_migrations == []
    engine = create_engine(url)
    assert apply_migrations(engine) == []
    assert applied_ids(engine) == [m.id for m in MIGRATIONS]
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"schema_migrations", "articles", "entity_mentions", "time_expressions",
            "event_mentions", "entities", "events", "event_mention_links",
            "removed_segments", "duplicates", "input_errors"} <= tables


def test_database_at_migration_1_upgrades_and_keeps_data(url):
    engine = create_engine(url)
    assert apply_migrations(engine, upto=1) == [1]
    assert "events" not in inspect(engine).get_table_names()
    engine.dispose()
    with Store(url) as store:
        assert store.applied_migrations == [m.id for m in MIGRATIONS if m.id > 1]
        store.save_article(record_a3())
        store.save_storyline(storyline())
        assert store.load_records() == [record_a3()]


def test_entity_articles_come_from_their_references_and_an_older_store_drops_its_list(url):
    """Migration 14: an entity's articles are those of its references; the JSON list an
    older store kept beside them (which an update naming the entity rewrote whole) is
    dropped, and the storyline reads back as it was saved."""
    saved = storyline()
    with Store(url) as store:
        store.save_storyline(saved)
        assert {e.id: e.articles for e in store.load_storyline().entities} == {e.id: e.articles for e in saved.entities}
        with store.engine.begin() as conn:  # as a store saved before migration 14
            conn.execute(text("ALTER TABLE entities ADD COLUMN articles TEXT NOT NULL DEFAULT '[]'"))
            conn.execute(text("UPDATE entities SET articles = '[\"a1\"]'"))
            conn.execute(text("DELETE FROM schema_migrations WHERE id = 14"))
    with Store(url) as store:
        assert store.applied_migrations == [14]
        assert "articles" not in {c["name"] for c in inspect(store.engine).get_columns("entities")}
        assert store.load_storyline().entities == saved.entities


def _lookups(url: str) -> dict[str, list]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {"words": conn.execute(text("SELECT word, entity_id FROM entity_words ORDER BY 1, 2")).all(),
                    "named": conn.execute(text("SELECT entity_id, event_id, mention_id FROM mention_entities "
                                               "ORDER BY 1, 2, 3")).all()}
    finally:
        engine.dispose()


def test_lookup_tables_follow_the_storyline_and_are_filled_for_an_older_store(url, tmp_path):
    """Migration 8's indexes (an increment's entity and event lookups) hold what a saved
    storyline names; a store saved before them gets the same rows when upgraded."""
    with Store(url) as store:
        store.save_storyline(storyline())
    saved = _lookups(url)
    assert ("kerry", "e1") in saved["words"] and ("moscow", "e5") in saved["words"]
    assert ("mr", "e2") in saved["words"] and not any(w == "s" for w, _ in saved["words"])  # one letter: no key
    assert {(e, ev) for e, ev, _ in saved["named"]} == {("e1", "ev3"), ("e2", "ev3"), ("e1", "ev1"), ("e2", "ev1"),
                                                          ("e3", "ev1"), ("e5", "ev2"), ("e4", "ev2")}
    old = f"sqlite:///{tmp_path / 'old.db'}"
    with Store(old) as store:
        store.save_storyline(storyline())
    engine = create_engine(old)
    with engine.begin() as conn:  # as a store saved before migration 8: no lookup tables
        conn.execute(text("DROP TABLE entity_words"))
        conn.execute(text("DROP TABLE mention_entities"))
        conn.execute(text("DELETE FROM schema_migrations WHERE id = 8"))
    engine.dispose()
    with Store(old) as store:
        assert store.applied_migrations == [8]
    assert _lookups(old) == saved  # filled from the stored entities, aliases and links


def test_update_storyline_keeps_the_lookups(url):
    with Store(url) as store:
        st = storyline()
        store.save_storyline(st)
        kerry = dataclasses.replace(st.entities[0], aliases=["Kerry", "Secretary Kerry"])
        store.update_storyline(remove_events=["ev3"], events=[], articles=[], entities=[kerry])
    found = _lookups(url)
    assert ("secretary", "e1") in found["words"] and ("john", "e1") in found["words"]
    assert not any(ev == "ev3" for _, ev, _ in found["named"])
    assert any(ev == "ev1" for _, ev, _ in found["named"])


def test_failed_migration_is_not_recorded(url):
    def broken(conn):
        conn.execute(text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("migration bug")

    engine = make_engine(url)  # the SQLite branch makes DDL transactional
    migrations = MIGRATIONS + [Migration(99, "broken", broken)]
    with pytest.raises(RuntimeError):
        apply_migrations(engine, migrations)
    assert 99 not in applied_ids(engine)
    engine.dispose()
    engine = create_engine(url)
    assert "half_done" not in inspect(engine).get_table_names()
    engine.dispose()


def test_migration_ids_must_increase():
    with pytest.raises(ValueError):
        apply_migrations(create_engine("sqlite://"), [MIGRATIONS[1], MIGRATIONS[0]])


def test_indexes_on_foreign_keys_and_dates(url):
    with Store(url):
        pass
    engine = create_engine(url)
    insp = inspect(engine)
    indexed = {(t, c) for t in insp.get_table_names()
               for ix in insp.get_indexes(t) for c in ix["column_names"]}
    engine.dispose()
    for pair in [("articles", "published"), ("event_mentions", "article_id"),
                 ("event_mentions", "date"), ("events", "date"),
                 ("event_mention_links", "event_id"), ("entity_refs", "article_id"),
                 ("time_expressions", "date")]:
        assert pair in indexed, pair


def test_in_memory_url_works():
    with Store("sqlite://") as store:
        store.save_article(record_a1())
        assert store.load_records() == [record_a1()]


@settings(max_examples=25, deadline=None)
@given(text=st.text(max_size=200), title=st.none() | st.text(max_size=40),
       similarity=st.floats(0, 1, allow_nan=False))
def test_arbitrary_text_round_trips(text, title, similarity):
    rec = record_a3()
    rec.source.original = rec.clean.body = text
    rec.source.title = rec.clean.title = title
    rec.duplicate = dataclasses.replace(rec.duplicate, similarity=similarity)
    rec.clean.removed = [Removed(0, len(text), "footer", text)]
    with Store("sqlite://") as store:
        store.save_article(rec)
        assert store.load_records() == [rec]


def test_insert_takes_each_value_by_its_column_whatever_the_dict_order(url):
    """``Store._insert`` hands SQLite rows straight to the driver (see its docstring): each
    value must still land in its own column when the rows' dicts list their keys in
    different orders, and a chunk whose rows name different columns goes the long way."""
    with Store(url) as store:
        with store.engine.begin() as conn:
            store._insert(conn, "input_errors", [{"position": 0, "path": "a.txt", "reason": "empty"},
                                                 {"reason": "binary", "position": 1, "path": "b.txt"}])
            store._insert(conn, "storyline_duplicates", [
                {"position": 0, "article": "c", "same_as": "a", "kind": "near", "similarity": 0.9},
                {"position": 1, "article": "d", "same_as": "a", "kind": "exact", "similarity": 1}])
        with store.engine.connect() as conn:
            errors = conn.execute(text("SELECT position, path, reason FROM input_errors ORDER BY position")).all()
            dups = conn.execute(text("SELECT article, kind, similarity FROM storyline_duplicates ORDER BY position")).all()
    assert [tuple(r) for r in errors] == [(0, "a.txt", "empty"), (1, "b.txt", "binary")]
    assert [tuple(r) for r in dups] == [("c", "near", 0.9), ("d", "exact", 1.0)]
