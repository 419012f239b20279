"""Counts the store keeps instead of counting rows, and the upsert that keeps them.

Why: SQL's ``count(*)`` reads every row (or every index entry) of a table, so a command
that says "42,519 stored events" after adding one article, or weighs an entity by its
share of all stored mentions, costs O(store) per update however little it changed. The
row counts of the storyline tables an update reports or weighs by (``COUNTED``) are kept
in ``row_counts`` (migration 12): a save writes them, an incremental update adds what it
inserted less what it deleted, in its own transaction. So are the stored articles and
their near-duplicate signatures per scheme (migration 15): equal counts tell an ingest
that no article waits to be signed, which it found by an anti-join over every article;
each entity's linked mentions (migration 16), which incremental linking weighs it by and
counted over the entity's whole index range (every mention of "United Kingdom"); and each
outlet's storyline articles (migration 17), which its profile states and an update
counted for every outlet whose claims it touched (a tenth of the store on a feed of ten). ``add_counts`` is also how the
kept claim-term and outlet counts grow (migrations 9 and 10).
"""

from __future__ import annotations

from importlib import import_module
from typing import Mapping

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, select, text
from sqlalchemy.engine import Connection

from crosscheck.store_claims import chunked

COUNTED = ("storyline_articles", "entities", "events", "event_mention_links")
ARTICLES = "articles"  # stored articles (``Store._save_article``; migration 15)


def signatures_key(scheme: str) -> str:
    """The kept count of article signatures in near-duplicate scheme ``scheme`` (migration
    15): when it equals the stored articles', none waits to be signed, found without a scan."""
    return f"article_signatures:{scheme}"


def create_row_counts_table(conn: Connection) -> None:
    """Migration 12: ``row_counts`` (table name -> rows), filled by counting a stored storyline once."""
    md = MetaData()
    Table("row_counts", md, Column("name", Text, primary_key=True), Column("rows", Integer, nullable=False))
    md.create_all(conn)
    for name in COUNTED:
        conn.execute(text(f"INSERT INTO row_counts (name, rows) SELECT '{name}', count(*) FROM {name}"))


def create_article_counts(conn: Connection) -> None:
    """Migration 15: the stored articles and their signatures per scheme, counted once."""
    conn.execute(text(f"INSERT INTO row_counts (name, rows) SELECT '{ARTICLES}', count(*) FROM articles"))
    conn.execute(text(f"INSERT INTO row_counts (name, rows) SELECT '{signatures_key('')}' || scheme, count(*) "
                      "FROM article_signatures GROUP BY scheme"))


ENTITY_COUNTS_SQL = "INSERT INTO entity_counts (entity_id, mentions) SELECT entity_id, count(*) FROM mention_entities " \
                    "GROUP BY entity_id"


def create_entity_counts_table(conn: Connection) -> None:
    """Migration 16: ``entity_counts`` (entity id -> linked mentions naming it, the rows of
    ``mention_entities``), what incremental linking weighs an entity by; counted once here."""
    md = MetaData()
    Table("entity_counts", md, Column("entity_id", String(200), primary_key=True),
          Column("mentions", Integer, nullable=False))
    md.create_all(conn)
    conn.execute(text(ENTITY_COUNTS_SQL))


OUTLET_ARTICLES_SQL = "INSERT INTO outlet_articles (outlet, articles) SELECT coalesce(outlet, article_id), count(*) " \
                      "FROM storyline_articles GROUP BY coalesce(outlet, article_id)"


def create_outlet_articles_table(conn: Connection) -> None:
    """Migration 17: ``outlet_articles`` (outlet -> its storyline articles; an article
    without an outlet is its own), what an outlet's profile says it published; counted once here."""
    md = MetaData()
    Table("outlet_articles", md, Column("outlet", Text, primary_key=True), Column("articles", Integer, nullable=False))
    md.create_all(conn)
    conn.execute(text(OUTLET_ARTICLES_SQL))


def add_counts(conn: Connection, table: Table, counts: Mapping[str, Mapping[str, int] | int]) -> None:
    """Add to kept counts: one upsert per key (ON CONFLICT, in SQLite and PostgreSQL
    alike), so two updates writing at once cannot lose a count. ``counts``: key -> the
    number to add to the table's one count, or {column: number} for several."""
    if not counts:
        return
    key = table.primary_key.columns[0]
    dialect = "postgresql" if conn.dialect.name == "postgresql" else "sqlite"
    stmt = import_module(f"sqlalchemy.dialects.{dialect}").insert(table)
    added = [c for c in table.c if c is not key]
    stmt = stmt.on_conflict_do_update(index_elements=[key], set_={c.name: c + stmt.excluded[c.name] for c in added})
    for chunk in chunked(counts):
        conn.execute(stmt, [{key.name: k, **(n if isinstance(n, Mapping) else {added[0].name: n})}
                            for k, n in ((k, counts[k]) for k in chunk)])


def kept_rows(conn: Connection, table: Table, names: list[str]) -> dict[str, int]:
    """The kept row counts of ``names`` (each of ``COUNTED``)."""
    found = dict(conn.execute(select(table.c.name, table.c.rows).where(table.c.name.in_(names))).all())
    return {name: found.get(name, 0) for name in names}
