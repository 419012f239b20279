"""No statement of an incremental ingest reads a whole store-sized table, but those listed.

Why: "adding k articles to a store of n costs O(k log n)" (issue 6) fails silently when
one statement of an update scans a table that grows with the store: the benchmarks on
BBC stores did not show that outlet profiles were found by a scan, nor the claim
clusters of a renamed event, nor that ingest counted every stored article to test
whether the store had any. Here every SQL statement a real incremental ingest runs (two
articles of the example corpus read, analysed, stored, linked and verified into a store
of the others, as ``crosscheck ingest --incremental`` does; traced on the SQLite
connections) is planned again with ``EXPLAIN QUERY PLAN``, and no plan may ``SCAN`` a
table or the whole of an index, except tables listed in ``CONSTANT`` (their size does not
grow with the store) and the scans listed in ``KNOWN``, each with its reason (none now:
the last two, near-duplicate signing's look for unsigned articles and re-dating's LIKE on
date reasons, went with migrations 15 and 13). A statement that finds its rows by index
(``SEARCH``) passes; how many rows it then reads is what the kept counts (migrations 9,
10, 12 and 15) and the per-key limits bound, and the benchmarks measure. (SQLite's plans: PostgreSQL has the same indexes, from the same migrations.)
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sqlalchemy import event, text

from crosscheck.core import process, rebuild, signed_store, store_documents
from crosscheck.incremental import link_new_articles
from crosscheck.ingest import ingest
from crosscheck.neardup import settings_scheme
from crosscheck.settings import DEFAULT
from crosscheck.store import Store
from crosscheck.store_counts import ARTICLES, COUNTED, signatures_key

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "harbor-accord"
FILES = sorted(p for p in CORPUS.iterdir() if p.name[:2].isdigit())
CONSTANT = {"storyline": "one row: whether a storyline is stored",
            **{f"{t}_fts_config": "SQLite's full-text index settings" for t in ("articles", "events")}}
KNOWN: dict[str, str] = {}  # table -> why an update may scan it


def _traced_update(tmp_path: Path) -> tuple[Store, list[str]]:
    base, new = tmp_path / "base", tmp_path / "new"
    base.mkdir(), new.mkdir()
    for f in FILES:
        shutil.copy(f, (new if f in FILES[-2:] else base) / f.name)
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    process([base], store)
    store.close()  # new connections, each traced from its start
    statements: list[str] = []

    def trace(dbapi, _record) -> None:
        dbapi.set_trace_callback(statements.append)

    event.listen(store.engine, "connect", trace)
    read = ingest([new], DEFAULT, store.hashes(), signed_store(store, DEFAULT))  # as core.process reads
    added = store_documents(read.documents, store, DEFAULT, duplicates=read.duplicates).added
    result = link_new_articles(store, added, verify=True)
    assert result.verification["mode"] == "incremental" and result.verification["claims"] > 0
    store.close()
    event.remove(store.engine, "connect", trace)
    return store, statements


def _scans(store: Store, statements: list[str]) -> dict[str, set[str]]:
    """Table -> the statements (their shape) whose plan scans it or the whole of one of its indexes."""
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        raw.set_trace_callback(None)
        tables = {name for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        found: dict[str, set[str]] = {}
        for sql in dict.fromkeys(statements):
            if not re.match(r"\s*(SELECT|UPDATE|DELETE|INSERT|WITH)\b", sql, re.I):
                continue
            for *_ids, detail in raw.execute("EXPLAIN QUERY PLAN " + sql):
                scanned = re.match(r"SCAN (?:main\.)?(\w+)", detail)
                if scanned and scanned.group(1) in tables:
                    found.setdefault(scanned.group(1), set()).add(re.sub(r"\s+", " ", sql)[:200])
    return found


def test_no_statement_of_an_incremental_ingest_scans_a_table_that_grows_with_the_store(tmp_path):
    store, statements = _traced_update(tmp_path)
    assert len(statements) > 100  # the trace saw the update
    assert any("FROM date_windows" in s and "last_day >=" in s for s in statements)  # and a re-dating
    scans = _scans(store, statements)
    store.close()
    grown = {t: s for t, s in scans.items() if t not in CONSTANT and t not in KNOWN}
    assert not grown, "\n".join(f"{t}: {sorted(s)}" for t, s in grown.items())
    assert set(KNOWN) <= set(scans), f"a known scan is gone: take it off KNOWN ({set(KNOWN) - set(scans)})"


def _row_counts(store: Store) -> tuple[dict, dict]:
    """(the kept row counts, the same counted with count(*))."""
    with store.engine.connect() as conn:
        kept = dict(conn.execute(text("SELECT name, rows FROM row_counts")).all())
        counted = {name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() for name in (*COUNTED, ARTICLES)}
        counted |= {signatures_key(s): n for s, n in conn.execute(
            text("SELECT scheme, count(*) FROM article_signatures GROUP BY scheme"))}
        kept |= {f"entity:{e}": n for e, n in conn.execute(text("SELECT entity_id, mentions FROM entity_counts")) if n}
        counted |= {f"entity:{e}": n for e, n in conn.execute(
            text("SELECT entity_id, count(*) FROM mention_entities GROUP BY entity_id"))}
        kept |= {f"outlet:{o}": n for o, n in conn.execute(text("SELECT outlet, articles FROM outlet_articles")) if n}
        counted |= {f"outlet:{o}": n for o, n in conn.execute(text(
            "SELECT coalesce(outlet, article_id), count(*) FROM storyline_articles GROUP BY 1"))}
    return kept, counted


def test_kept_row_counts_follow_saves_and_updates_and_fill_an_older_store(tmp_path):
    """Migrations 12, 15, 16 and 17: the rows of the storyline tables an update reports
    (articles, entities, events), weighs by (event mention links, and the linked mentions
    naming each entity) or states in a profile (each outlet's articles), the stored
    articles and their signatures are kept counted, since ``count(*)`` reads every row; the counts must be
    what ``count(*)`` says after a save, after an incremental update (rows inserted less
    rows deleted), after an article is saved again (its signature dropped: one to sign)
    and when an older store is upgraded."""
    store, _statements = _traced_update(tmp_path)
    kept, counted = _row_counts(store)
    assert kept == counted and all(counted.values())
    assert store.counts() == {n: counted[n] for n in ("storyline_articles", "entities", "events")}
    store.save_article(store.load_record(FILES[0].stem))
    kept, counted = _row_counts(store)
    assert kept == counted and counted[ARTICLES] == len(FILES) == kept[signatures_key(settings_scheme(DEFAULT).name)] + 1
    assert [a for a, _, _ in store.unsigned(settings_scheme(DEFAULT))] == [FILES[0].stem]
    signed_store(store, DEFAULT)
    kept, counted = _row_counts(store)
    assert kept == counted and counted[ARTICLES] == kept[signatures_key(settings_scheme(DEFAULT).name)]
    with store.engine.begin() as conn:  # as a store saved before migrations 12, 15, 16 and 17
        for table in ("row_counts", "entity_counts", "outlet_articles"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("DELETE FROM schema_migrations WHERE id IN (12, 15, 16, 17)"))
    store.close()
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as again:
        assert again.applied_migrations == [12, 15, 16, 17]
        assert _row_counts(again) == (counted, counted)
        rebuild(again)
        kept, counted = _row_counts(again)
        assert kept == counted and all(counted.values())
