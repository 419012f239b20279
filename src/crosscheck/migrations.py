"""Schema migrations for the crosscheck store, registered in code and tracked in a table.

Why in code and not ``metadata.create_all``: a database written by an older crosscheck
must be upgraded in place (a second run adds articles to the first run's database), so
every schema change is an ordered, numbered step recorded in ``schema_migrations``
(the sqlite-utils / Alembic idea without the extra tool). A fresh database gets every
step, an existing one only the pending ones, and re-applying is a no-op.

Each migration builds its own ``MetaData`` snapshot of the tables it creates, so later
changes to the schema are new migrations (``ALTER TABLE ...``), never edits to old ones.
Only portable SQLAlchemy Core DDL is used, so SQLite and PostgreSQL share this code.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from typing import Callable, Iterable

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection

LEDGER = "schema_migrations"


class UpgradeError(RuntimeError):
    """A migration this database cannot take (its engine too old): said in one line, the
    store left as it was (the migration's transaction rolls back)."""


@dataclass(frozen=True)
class Migration:
    """One numbered schema step: ``apply`` runs inside the migration's transaction."""

    id: int
    description: str
    apply: Callable[[Connection], None]


def _id(name: str = "id", **kw) -> Column:
    return Column(name, String(200), **kw)


def _article_fk() -> Column:
    """The owning article: part of the child table's primary key (with ``position``)."""
    return Column(
        "article_id", String(200), ForeignKey("articles.id", ondelete="CASCADE"),
        primary_key=True, index=True,
    )


def _entity_fk() -> Column:
    return Column(
        "entity_id", String(200), ForeignKey("entities.id", ondelete="CASCADE"),
        primary_key=True, index=True,
    )


def _span(prefix: str) -> list[Column]:
    return [Column(f"{prefix}_start", Integer), Column(f"{prefix}_end", Integer)]


def _date(prefix: str, index: bool = True) -> list[Column]:
    """A PartialDate as its ISO string plus its precision (day/month/year)."""
    return [Column(prefix, String(10), index=index), Column(f"{prefix}_precision", String(5))]


def _m1_articles_table(md: MetaData) -> Table:
    """One row per article: source, publication date, clean body and its offset map."""
    return Table(
        "articles", md,
        _id(primary_key=True),
        Column("path", Text, nullable=False),
        Column("format", String(10), nullable=False),
        Column("url", Text), Column("title", Text), Column("outlet", Text),
        Column("content_hash", String(64), nullable=False, unique=True),
        Column("is_html", Boolean, nullable=False),
        Column("encoding", String(40), nullable=False),
        Column("published_raw", Text), Column("published_raw_source", Text),
        *_date("published"),
        Column("published_method", String(20), nullable=False),
        Column("published_evidence", Text), *_span("published_evidence"),
        Column("published_reason", Text, nullable=False),
        *_date("published_earliest", index=False), *_date("published_latest", index=False),
        Column("original", Text, nullable=False),
        Column("body", Text, nullable=False),
        Column("blocks", Text, nullable=False),  # JSON [[body_start, body_end, orig_start, orig_end], ...]
        Column("clean_title", Text), *_span("clean_title"),
        Column("byline", Text), *_span("byline"),
        Column("dateline", Text), *_span("dateline"),
        Column("metadata_date", Text), Column("metadata_date_source", Text),
        Column("outlet_hint", Text),
    )


def _m1_article_tables(conn: Connection) -> None:
    """Per-article records: the source, its cleaning, dates and NLP annotations."""
    md = MetaData()
    _m1_articles_table(md)
    Table(
        "removed_segments", md, _article_fk(),
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("start_char", Integer, nullable=False), Column("end_char", Integer, nullable=False),
        Column("reason", Text, nullable=False), Column("text", Text, nullable=False),
    )
    Table(
        "sentences", md, _article_fk(),
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("start_char", Integer, nullable=False), Column("end_char", Integer, nullable=False),
        Column("text", Text, nullable=False),
    )
    Table(
        "entity_mentions", md, _article_fk(),
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("start_char", Integer, nullable=False), Column("end_char", Integer, nullable=False),
        Column("text", Text, nullable=False), Column("label", String(40), nullable=False),
        Column("sentence", Integer, nullable=False),
        Column("entity_id", String(200), index=True),
    )
    Table(
        "time_expressions", md, _article_fk(),
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("start_char", Integer, nullable=False), Column("end_char", Integer, nullable=False),
        Column("text", Text, nullable=False), Column("type", String(10), nullable=False),
        Column("value", String(100), nullable=False), *_date("date"),
        Column("anchor", String(10), nullable=False), Column("rule", Text, nullable=False),
        Column("weekday", Integer),
    )
    Table("event_mentions", md, _article_fk(), *_mention_columns())
    Table(
        "duplicates", md, _article_fk(),
        Column("article", String(200), nullable=False),
        Column("same_as", String(200), nullable=False, index=True),
        Column("kind", String(10), nullable=False),
        Column("similarity", Float, nullable=False),
    )
    md.create_all(conn)


def _mention_columns() -> list[Column]:
    """An EventMention's fields; lists (entity ids, mention indices) are JSON text."""
    return [
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("mention_id", String(200), nullable=False, index=True),
        Column("start_char", Integer, nullable=False), Column("end_char", Integer, nullable=False),
        Column("text", Text, nullable=False),
        Column("body_start", Integer, nullable=False), Column("body_end", Integer, nullable=False),
        Column("trigger", Text, nullable=False), Column("kind", Text, nullable=False),
        Column("title", Text, nullable=False),
        Column("actors", Text, nullable=False), Column("places", Text, nullable=False),
        *_date("date"), Column("date_text", Text),
        Column("attributed_to", Text, nullable=False),
        Column("attribution_kind", String(20), nullable=False),
        Column("negated", Boolean, nullable=False),
        Column("actor_mentions", Text, nullable=False),
        Column("place_mentions", Text, nullable=False),
    ]


def _m2_storyline_articles_table(md: MetaData) -> Table:
    """The storyline's view of each article (outlet, date, why), not the records."""
    return Table(
        "storyline_articles", md, _id("article_id", primary_key=True),
        Column("position", Integer, nullable=False),
        Column("outlet", Text), Column("title", Text), *_date("published"),
        Column("published_evidence", Text), Column("published_method", String(20), nullable=False),
        Column("published_reason", Text, nullable=False), *_span("published"),
        Column("boilerplate_chars", Integer, nullable=False), Column("path", Text, nullable=False),
        Column("same_origin_as", String(200)), Column("url", Text),
        Column("format", String(10), nullable=False),
        Column("original", Text),  # NULL: identical to articles.original (not stored twice)
        Column("removed", Text, nullable=False),  # JSON [[start, end, reason, text], ...]
    )


def _m2_storyline_tables(conn: Connection) -> None:
    """The latest run's corpus-level result: entities, events and their evidence.

    Storyline tables do not reference ``articles``: a storyline is a snapshot that may
    name articles that were never stored (an exact duplicate that was skipped).
    ``event_mention_links`` keeps each linked mention's full fields, not only its id:
    the storyline stage may refine a mention (resolved actor ids) after it was stored.
    """
    md = MetaData()
    Table("storyline", md, Column("id", Integer, primary_key=True, autoincrement=False))
    _m2_storyline_articles_table(md)
    Table(
        "entities", md, _id(primary_key=True), Column("position", Integer, nullable=False),
        Column("name", Text, nullable=False), Column("type", String(40), nullable=False, index=True),
        Column("articles", Text, nullable=False),  # JSON list of article ids
    )
    Table(
        "entity_aliases", md, _entity_fk(),
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("alias", Text, nullable=False),
    )
    Table(
        "entity_refs", md, _entity_fk(),
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("article_id", String(200), nullable=False, index=True),
        Column("start_char", Integer, nullable=False), Column("end_char", Integer, nullable=False),
        Column("text", Text, nullable=False),
    )
    Table(
        "events", md, _id(primary_key=True), Column("position", Integer, nullable=False),
        *_date("date"), Column("title", Text, nullable=False),
        Column("kind", String(100), nullable=False, index=True),
        Column("actors", Text, nullable=False), Column("places", Text, nullable=False),
    )
    Table(
        "event_mention_links", md,
        Column("event_id", String(200), ForeignKey("events.id", ondelete="CASCADE"),
               primary_key=True, index=True),
        Column("article_id", String(200), nullable=False, index=True),
        *_mention_columns(),
    )
    Table(
        "input_errors", md, Column("position", Integer, primary_key=True, autoincrement=False),
        Column("path", Text, nullable=False), Column("reason", Text, nullable=False),
    )
    Table(
        "storyline_duplicates", md,
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("article", String(200), nullable=False, index=True),
        Column("same_as", String(200), nullable=False, index=True),
        Column("kind", String(10), nullable=False), Column("similarity", Float, nullable=False),
    )
    md.create_all(conn)


# Full-text search (migration 3). Articles are searched by title and clean body, events
# by the title and evidence sentence of each linked mention (grouped by event on read).
# PostgreSQL: a generated tsvector column with a GIN index, so every writer keeps it
# current; a tsvector is capped at 1 MB, hence only the first 200k body characters.
# SQLite: FTS5 external-content tables kept current by triggers (content='articles' reads
# snippets from the table itself, so text is not stored twice). They key on rowid, which
# only VACUUM renumbers; ``INSERT INTO <fts>(<fts>) VALUES('rebuild')`` repairs that.
_M3_PG = (
    "ALTER TABLE articles ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(clean_title, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, left(body, 200000)), 'B')) STORED",
    "CREATE INDEX ix_articles_search_tsv ON articles USING GIN (search_tsv)",
    "ALTER TABLE event_mention_links ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ("
    "to_tsvector('english'::regconfig, title || ' ' || text)) STORED",
    "CREATE INDEX ix_event_mention_links_search_tsv ON event_mention_links USING GIN (search_tsv)",
)
_M3_SQLITE_FTS = {"articles_fts": ("articles", ("title", "clean_title", "body")),
                  "events_fts": ("event_mention_links", ("title", "text"))}


def _m3_sqlite(fts: str, table: str, cols: tuple[str, ...]) -> list[str]:
    """FTS5 table over ``table`` and the three triggers that keep it in step."""
    names = ", ".join(cols)
    new = ", ".join(f"new.{c}" for c in cols)
    old = ", ".join(f"old.{c}" for c in cols)
    add = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.rowid, {new});"
    drop = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.rowid, {old});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', content_rowid='rowid', "
        "tokenize='porter unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {drop} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE ON {table} BEGIN {drop} {add} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _m3_full_text_search(conn: Connection) -> None:
    """Full-text indexes over articles and event evidence (see the comment above)."""
    if conn.dialect.name == "postgresql":
        statements = list(_M3_PG)
    elif conn.dialect.name == "sqlite":
        statements = [s for fts, (t, cols) in _M3_SQLITE_FTS.items() for s in _m3_sqlite(fts, t, cols)]
    else:  # other databases: search falls back to LIKE (crosscheck.web.search)
        statements = []
    for statement in statements:
        conn.exec_driver_sql(statement)


def _m4_web_tables(conn: Connection) -> None:
    """What crosscheck fetched from the web and the state of each feed it polls.

    ``fetched_urls``: one row per requested URL (canonicalised): the canonical URL it
    turned out to be, the article it became, the validators (ETag, Last-Modified) for
    conditional re-requests, the outcome and the page's own dates with their sources.
    ``feeds`` keeps each feed's validators, so a re-poll of an unchanged feed is a 304;
    ``feed_entries`` keeps what each feed said about each entry (published and updated
    kept apart, with where each came from).
    """
    md = MetaData()
    Table(
        "fetched_urls", md, Column("url", String(2048), primary_key=True),
        Column("canonical_url", String(2048), index=True), Column("final_url", Text),
        Column("article_id", String(200), index=True),
        Column("status", Integer), Column("outcome", String(20), nullable=False),
        Column("reason", Text), Column("etag", Text), Column("last_modified", Text),
        Column("content_hash", String(64)), Column("bytes", Integer),
        Column("fetched_at", String(40), nullable=False), Column("via", Text),
        Column("page_published", Text), Column("page_published_source", Text),
        Column("page_updated", Text), Column("page_updated_source", Text),
    )
    Table(
        "feeds", md, Column("url", String(2048), primary_key=True),
        Column("kind", String(20)), Column("title", Text),
        Column("etag", Text), Column("last_modified", Text),
        Column("status", Integer), Column("outcome", String(20), nullable=False),
        Column("reason", Text), Column("entries", Integer, nullable=False),
        Column("fetched_at", String(40), nullable=False),
    )
    Table(
        "feed_entries", md,
        Column("feed_url", String(2048), primary_key=True),
        Column("url", String(2048), primary_key=True, index=True),
        Column("title", Text),
        Column("published", Text), Column("published_source", Text),
        Column("updated", Text), Column("updated_source", Text),
        Column("first_seen", String(40), nullable=False),
    )
    md.create_all(conn)


def _m5_verification_tables(conn: Connection) -> None:
    """Claims and cross-source verdicts (tables defined in ``store_claims``)."""
    from crosscheck.store_claims import create_tables

    create_tables(conn)


def _m6_comparison_tables(conn: Connection) -> None:
    """What incremental verification compares new claims by (tables in ``store_claims``)."""
    from crosscheck.store_claims import create_comparison_tables

    create_comparison_tables(conn)


def _m7_signature_tables(conn: Connection) -> None:
    """Near-duplicate signatures of stored articles and their LSH band keys (``neardup``).
    A row per article and scheme, the signature NULL when the article has no words to
    shingle (so it is not signed again); band keys indexed for the lookup by key. Deleted
    with their article (``Store._save_article``), like the comparison tables of migration 6."""
    md = MetaData()
    Table("article_signatures", md, Column("article_id", String(200), primary_key=True),
          Column("scheme", String(80), primary_key=True), Column("signature", LargeBinary, nullable=True))
    Table("signature_bands", md, Column("scheme", String(80), primary_key=True),
          Column("band", Integer, primary_key=True, autoincrement=False), Column("key", String(64), primary_key=True),
          Column("article_id", String(200), primary_key=True, index=True))
    md.create_all(conn)


def _m8_lookup_tables(conn: Connection) -> None:
    """What an incremental update looks stored entities and events up by, so that adding
    k articles to a store of n reads by index instead of every entity and event: the words
    of each entity's names and aliases, and the entities each linked mention names with
    the mention's date (an entity's latest mentions are read by a backward scan of one
    index, undated ones last; rows made by ``store_rows.lookup_rows``). Filled here from a
    storyline stored before."""
    from crosscheck.store_rows import entity_word_rows, mention_entity_rows

    md = MetaData()
    words = Table("entity_words", md, Column("word", Text, primary_key=True),
                  Column("entity_id", String(200), primary_key=True, index=True))
    named = Table("mention_entities", md, Column("entity_id", String(200), primary_key=True),
                  Column("event_id", String(200), primary_key=True, index=True),
                  Column("mention_id", String(200), primary_key=True),
                  Column("date", String(10), nullable=False),  # "" when undated: sorts first in every database
                  Index("ix_mention_entities_latest", "entity_id", "date", "mention_id"))
    md.create_all(conn)
    forms: dict[str, list[str]] = {}
    for eid, name in conn.execute(text("SELECT id, name FROM entities ORDER BY id")):
        forms[eid] = [name]
    for eid, alias in conn.execute(text("SELECT entity_id, alias FROM entity_aliases")):
        forms.setdefault(eid, []).append(alias)
    _insert_all(conn, words, (r for eid, names in forms.items() for r in entity_word_rows(eid, names)))
    links = conn.execute(text("SELECT event_id, mention_id, actors, places, date FROM event_mention_links")).all()
    _insert_all(conn, named, (r for ev, m, actors, places, day in links
                              for r in mention_entity_rows(ev, m, [*json.loads(actors), *json.loads(places)], day)))


def _m9_term_counts(conn: Connection) -> None:
    """Counts and an index an incremental update reads by key: stored claims per blocking
    term and per rarity word (``store_claims.create_term_counts_table``), and the stored
    articles of an outlet (an outlet profile counts them: without the index, each touched
    outlet scanned every stored article)."""
    from crosscheck.store_claims import create_term_counts_table

    create_term_counts_table(conn)
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_storyline_articles_outlet ON storyline_articles (outlet)"))


def _m10_outlet_counts(conn: Connection) -> None:
    """What an outlet's profile is counted from, kept by outlet (``store_claims.create_outlet_counts_table``)."""
    from crosscheck.store_claims import create_outlet_counts_table

    create_outlet_counts_table(conn)


def _m11_update_indexes(conn: Connection) -> None:
    """Indexes an update finds rows by: the claim clusters of an event it renamed, and the
    profile of an outlet it rewrites. Without them each was a scan of the whole table per
    renamed event and per update (found by ``tests/test_increment_plans.py``)."""
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_claim_clusters_event ON claim_clusters (event)"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_outlet_profiles_outlet ON outlet_profiles (outlet)"))


def _m12_row_counts(conn: Connection) -> None:
    """Row counts of the storyline tables an update reports or weighs by (``store_counts``)."""
    from crosscheck.store_counts import create_row_counts_table

    create_row_counts_table(conn)


def _m13_date_windows(conn: Connection) -> None:
    """Where a new stated corpus date could change each inferred publication date
    (``PublicationDate.context_windows``: spans of ISO days), indexed by their last day:
    re-dating finds the articles a new date can move by one index range, where it re-read
    and re-dated every article whose date the context decided (2 % of a store, 5 ms each).
    A child of its article, deleted and written with it (``Store._save_article``). A store
    saved before gets, for each date whose reason carries a context mark, a span of every
    day: such a date is re-checked at the next new date, as before, which writes its spans."""
    from crosscheck.pubdate import ANYWHERE, CONTEXT_MARKS, INFERRED_METHODS

    md = MetaData()
    Table("date_windows", md, Column("article_id", String(200), primary_key=True),
          Column("position", Integer, primary_key=True, autoincrement=False),
          Column("first_day", String(10), nullable=False), Column("last_day", String(10), nullable=False),
          Index("ix_date_windows_last_day", "last_day", "first_day", "article_id"))
    md.create_all(conn)
    assert not any(c in m for m in CONTEXT_MARKS for c in "%_\\")  # plain LIKE patterns
    marked = " OR ".join(f"published_reason LIKE :m{i}" for i in range(len(CONTEXT_MARKS)))
    methods = ", ".join(f":k{i}" for i in range(len(INFERRED_METHODS)))
    [(first, last)] = ANYWHERE
    conn.execute(text(f"INSERT INTO date_windows (article_id, position, first_day, last_day) "
                      f"SELECT id, 0, :first, :last FROM articles WHERE published_method IN ({methods}) "
                      f"AND ({marked})"),
                 {"first": first.isoformat(), "last": last.isoformat(),
                  **{f"m{i}": f"%{m}%" for i, m in enumerate(CONTEXT_MARKS)},
                  **{f"k{i}": k for i, k in enumerate(INFERRED_METHODS)}})


def _m14_entity_articles(conn: Connection) -> None:
    """Entities' article lists derived from their references (``entity_refs.article_id``),
    the stored JSON list dropped: it said nothing the references do not, and an update
    naming an entity read and rewrote it whole (105 KB for "United Kingdom" in a store of
    17,000 BBC articles). DROP COLUMN: SQLite 3.35 (2021) or later, PostgreSQL."""
    if conn.dialect.name == "sqlite" and conn.dialect.dbapi.sqlite_version_info < (3, 35):
        raise UpgradeError(f"this store needs SQLite 3.35 or later to upgrade (found "
                           f"{conn.dialect.dbapi.sqlite_version}): use a Python built with a newer SQLite")
    conn.execute(text("ALTER TABLE entities DROP COLUMN articles"))


def _m15_article_counts(conn: Connection) -> None:
    """Kept counts of the stored articles and of their signatures per scheme (``store_counts``)."""
    from crosscheck.store_counts import create_article_counts

    create_article_counts(conn)


def _m16_entity_counts(conn: Connection) -> None:
    """Each entity's linked mentions, kept (``store_counts.create_entity_counts_table``)."""
    from crosscheck.store_counts import create_entity_counts_table

    create_entity_counts_table(conn)


def _m17_outlet_articles(conn: Connection) -> None:
    """Each outlet's storyline articles, kept (``store_counts.create_outlet_articles_table``)."""
    from crosscheck.store_counts import create_outlet_articles_table

    create_outlet_articles_table(conn)


def _insert_all(conn: Connection, table: Table, rows: Iterable[dict]) -> None:
    from crosscheck.store_rows import chunks

    for batch in chunks(rows, 2_000):
        conn.execute(insert(table), batch)


MIGRATIONS: list[Migration] = [
    Migration(1, "article records: source, cleaning, dates, sentences, mentions, times, "
                 "event mentions, duplicates", _m1_article_tables),
    Migration(2, "storyline: articles, entities, aliases, refs, events, mention links, "
                 "input errors, duplicates", _m2_storyline_tables),
    Migration(3, "full-text search: SQLite FTS5 tables with triggers, PostgreSQL tsvector "
                 "columns with GIN indexes", _m3_full_text_search),
    Migration(4, "web: fetched URLs (canonical URL, validators, outcome, page dates), "
                 "feeds and feed entries", _m4_web_tables),
    Migration(5, "verification: claims per article; storyline claims, relations, clusters, "
                 "verdicts, outlet profiles", _m5_verification_tables),
    Migration(6, "incremental verification: claims' comparison keys, blocking terms, relation ends",
              _m6_comparison_tables),
    Migration(7, "near duplicates across runs: article MinHash signatures and their LSH band keys",
              _m7_signature_tables),
    Migration(8, "incremental lookups: entity name words, entities named by each linked mention",
              _m8_lookup_tables),
    Migration(9, "incremental counts: stored claims per blocking term and per rarity word; "
                 "storyline articles by outlet", _m9_term_counts),
    Migration(10, "incremental outlet profiles: claims, own voice, unnamed sources and claims standing alone, "
                  "per outlet", _m10_outlet_counts),
    Migration(11, "update lookups: claim clusters by event, outlet profiles by outlet", _m11_update_indexes),
    Migration(12, "kept row counts: storyline articles, entities, events, event mention links", _m12_row_counts),
    Migration(13, "publication-date windows: the days where a new stated date could change an inferred date",
              _m13_date_windows),
    Migration(14, "entities' article lists from their references (the stored list dropped)", _m14_entity_articles),
    Migration(15, "kept counts: stored articles, and their near-duplicate signatures per scheme", _m15_article_counts),
    Migration(16, "kept counts: the linked mentions naming each entity", _m16_entity_counts),
    Migration(17, "kept counts: each outlet's storyline articles", _m17_outlet_articles),
]


def _check_order(migrations: list[Migration]) -> None:
    ids = [m.id for m in migrations]
    if ids != sorted(set(ids)):
        raise ValueError(f"migration ids must be unique and increasing: {ids}")


def _ledger_table(md: MetaData) -> Table:
    return Table(
        LEDGER, md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("description", Text, nullable=False),
        Column("applied_at", String(40), nullable=False),
    )


def applied_ids(engine: Engine) -> list[int]:
    """Ids of the migrations this database has, in order."""
    ledger = _ledger_table(MetaData())
    with engine.begin() as conn:
        ledger.create(conn, checkfirst=True)
        return sorted(conn.execute(select(ledger.c.id)).scalars())


def apply_migrations(
    engine: Engine, migrations: list[Migration] | None = None, upto: int | None = None
) -> list[int]:
    """Apply the pending migrations (up to ``upto``), each in its own transaction.

    Returns the ids applied now; an up-to-date database returns ``[]``.
    """
    migrations = MIGRATIONS if migrations is None else migrations
    _check_order(migrations)
    done = set(applied_ids(engine))
    ledger = _ledger_table(MetaData())
    applied: list[int] = []
    for m in migrations:
        if m.id in done or (upto is not None and m.id > upto):
            continue
        with engine.begin() as conn:
            m.apply(conn)
            conn.execute(insert(ledger).values(
                id=m.id, description=m.description,
                applied_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            ))
        applied.append(m.id)
    return applied
