"""Writing the stored storyline: a whole one replaced, or an incremental change applied.

Why a module of its own: ``store.py`` owns the connections, transactions and reads;
what a storyline write does inside its transaction (which tables, in what order, which
rows keep their position, which kept counts move) is this module's one job. Each
function takes the open connection, the reflected tables and the store's row inserter
(``Store._insert``: one place inserts, so tests can inject failures).
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Mapping, Sequence

from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.engine import Connection

from crosscheck.models import ArticleSummary, DuplicateRecord, Entity, Event, Storyline
from crosscheck.store_claims import COMPARISON_TABLES, VERIFICATION_TABLES
from crosscheck.store_counts import COUNTED, ENTITY_COUNTS_SQL, OUTLET_ARTICLES_SQL, add_counts
from crosscheck.store_rows import Row, chunks, storyline_rows

INSERT_CHUNK = 2_000  # rows per executemany when saving a storyline
LOOKUP_TABLES = ("entity_words", "mention_entities")  # indexes for increments (migration 8), not read back
# Storyline tables in insertion order (deleted in reverse: children first).
STORYLINE_TABLES = (
    "storyline", "storyline_articles", "entities", "entity_aliases", "entity_refs",
    "events", "event_mention_links", "input_errors", "storyline_duplicates",
    *VERIFICATION_TABLES, *COMPARISON_TABLES, *LOOKUP_TABLES,
)

Tables = Mapping[str, Table]
Insert = Callable[[Connection, str, list[Row]], None]


def replace_storyline(conn: Connection, t: Tables, insert: Insert, storyline: Storyline,
                      originals: Mapping[str, str]) -> None:
    """Every storyline table emptied and written from ``storyline`` (``originals``: its
    articles' texts by id), with the kept row counts (migration 12)."""
    for name in reversed(STORYLINE_TABLES):
        conn.execute(delete(t[name]))
    rows = storyline_rows(storyline, originals)
    inserted: Counter = Counter()
    for name in STORYLINE_TABLES:  # in chunks: the rows of a large storyline are never all held
        for chunk in chunks(rows[name], INSERT_CHUNK):
            insert(conn, name, chunk)
            inserted[name] += len(chunk)
    conn.execute(delete(t["row_counts"]).where(t["row_counts"].c.name.in_(COUNTED)))
    add_counts(conn, t["row_counts"], {name: inserted[name] for name in COUNTED})
    for table, fill in (("entity_counts", ENTITY_COUNTS_SQL), ("outlet_articles", OUTLET_ARTICLES_SQL)):
        conn.execute(delete(t[table]))
        conn.execute(text(fill))  # a whole save reads every row anyway


def apply_update(conn: Connection, t: Tables, insert: Insert, *, remove_events: Sequence[str],
                 events: Sequence[Event], articles: Sequence[ArticleSummary], entities: Sequence[Entity],
                 duplicates: Sequence[DuplicateRecord] = (), extended: Sequence[Entity] = ()) -> None:
    """``Store.update_storyline``'s writes, in the caller's transaction (see there)."""
    part = Storyline(list(articles), [*entities, *extended], list(events), duplicates=list(duplicates))
    keyed = {"storyline_articles": ("article_id", [a.id for a in articles]),
             "entities": ("id", [e.id for e in entities]), "events": ("id", [e.id for e in events]),
             "storyline_duplicates": ("article", [d.article for d in duplicates])}
    arts = t["articles"]
    ids = [a.id for a in articles]
    originals = dict(conn.execute(select(arts.c.id, arts.c.original).where(arts.c.id.in_(ids))).all())
    rows = {name: list(made) for name, made in storyline_rows(part, originals).items()}
    drop = set(remove_events) | set(keyed["events"][1])
    removed: Counter = Counter()  # rows deleted from the ``COUNTED`` tables (kept counts, migration 12)
    for name, col in (("event_mention_links", "event_id"), ("events", "id")):
        removed[name] += conn.execute(delete(t[name]).where(t[name].c[col].in_(sorted(drop)))).rowcount
    for name, (col, keys) in keyed.items():
        table = t[name]
        old = dict(conn.execute(select(table.c[col], table.c.position).where(table.c[col].in_(keys))).all())
        nxt = (conn.execute(select(func.max(table.c.position))).scalar() or 0) + 1
        for i, row in enumerate(rows[name]):
            row["position"] = old.get(row[col], nxt + i)
    me = t["mention_entities"]
    named = Counter(r["entity_id"] for r in rows["mention_entities"])  # what the update adds, less what it drops
    named.subtract(conn.execute(delete(me).where(me.c.event_id.in_(sorted(drop))).returning(me.c.entity_id)).scalars())
    grown = {e.id for e in extended}
    for name in ("entity_aliases", "entity_refs", "entity_words"):
        replaced = [*keyed["entities"][1], *(grown if name != "entity_refs" else ())]
        conn.execute(delete(t[name]).where(t[name].c.entity_id.in_(replaced)))
    _extend_entities(conn, t, rows, grown)
    sa = t["storyline_articles"]
    gone = conn.execute(delete(sa).where(sa.c.article_id.in_(keyed["storyline_articles"][1]))
                        .returning(func.coalesce(sa.c.outlet, sa.c.article_id))).scalars().all()
    removed["storyline_articles"] = len(gone)
    published = Counter(r["outlet"] if r["outlet"] is not None else r["article_id"] for r in rows["storyline_articles"])
    published.subtract(gone)  # each outlet's articles, kept (migration 17)
    for name in ("entities", "storyline_duplicates"):
        removed[name] += conn.execute(delete(t[name]).where(t[name].c[keyed[name][0]].in_(keyed[name][1]))).rowcount
    for name in ("storyline_articles", "entities", "entity_aliases", "entity_refs", "events",
                 "event_mention_links", "storyline_duplicates", *LOOKUP_TABLES):
        insert(conn, name, rows[name])
    add_counts(conn, t["row_counts"], {name: len(rows[name]) - removed[name] for name in COUNTED})
    add_counts(conn, t["entity_counts"], {e: n for e, n in named.items() if n})
    add_counts(conn, t["outlet_articles"], {o: n for o, n in published.items() if n})


def _extend_entities(conn: Connection, t: Tables, rows: dict[str, list[Row]], extended: set[str]) -> None:
    """The rows of ``extended`` entities updated in place (deleting them would cascade to
    their references) and their new references numbered after their stored ones (the
    last position per entity, by its primary key)."""
    if not extended:
        return
    ents, refs = t["entities"], t["entity_refs"]
    for row in [r for r in rows["entities"] if r["id"] in extended]:
        conn.execute(update(ents).where(ents.c.id == row["id"]).values(name=row["name"], type=row["type"]))
    rows["entities"] = [r for r in rows["entities"] if r["id"] not in extended]
    last = dict(conn.execute(select(refs.c.entity_id, func.max(refs.c.position)).where(
        refs.c.entity_id.in_(sorted(extended))).group_by(refs.c.entity_id)).all())
    for row in rows["entity_refs"]:
        if row["entity_id"] in extended:
            row["position"] += last.get(row["entity_id"], -1) + 1
