"""Persist article records and the latest storyline in a SQL database.

Why a database: per-article work (cleaning, dates, NLP, event candidates) is costly and
done once; a later run loads the stored records and links them with its new articles.
Why SQLAlchemy Core on one URL: SQLite by default, PostgreSQL later, same code. The
only dialect-specific code is the clearly marked SQLite branch in ``make_engine``.

Rows and records map onto each other in ``store_rows``. Each ``save_*`` is one
transaction, so a failure leaves the previous state intact. Tables have real columns
for what one would query (dates, offsets, kinds, outlets); small nested lists (offset
blocks, actor ids) are JSON text. Partial dates are stored as their ISO string
(``2015``, ``2015-10``, ``2015-10-22``) plus their precision.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from contextlib import contextmanager
from functools import partial
from operator import itemgetter
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
from sqlalchemy import Boolean, Engine, MetaData, and_, create_engine, delete, event, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from crosscheck.migrations import apply_migrations
from crosscheck.neardup import VALUE_TYPE, Scheme, band_keys
from crosscheck.store_claims import StoredVerification, verification_from
from crosscheck.store_counts import ARTICLES, COUNTED, add_counts, kept_rows, signatures_key
from crosscheck.store_rows import (
    Row, article_row, child_rows, chunks, event_from, group, grouped, mention_from, record_from, summary_from, window_rows,
)
from crosscheck.store_storyline import apply_update, replace_storyline
from crosscheck.models import (
    ArticleRecord,
    ArticleSummary,
    DuplicateRecord,
    Entity,
    EntityRef,
    Event,
    InputError,
    PartialDate,
    PublicationDate,
    Storyline,
)


# Child tables of ``articles`` in insertion order (deleted in reverse).
ARTICLE_CHILDREN = (
    "removed_segments", "sentences", "entity_mentions", "time_expressions",
    "event_mentions", "claims", "duplicates", "date_windows",
)
SIGNATURE_TABLES = ("signature_bands", "article_signatures")  # derived from the text, signed after saving
LOAD_CHUNK = 200  # articles whose rows are read together when loading records (SQL parameters per query)


def _entity(row: Row, aliases: list[str], refs: list[EntityRef]) -> Entity:
    """A stored entity; its articles are those of its references (migration 14: the list
    was stored too, and an update naming the entity rewrote it whole)."""
    return Entity(row["id"], row["name"], row["type"], aliases, sorted({r.article for r in refs}), _in_text_order(refs))


def _in_text_order(refs: list[EntityRef]) -> list[EntityRef]:
    """An entity's references by article and offset, as a build saves them; an
    incremental update adds its new ones after the stored ones (``update_storyline``).
    Sorted here, not by SQL, so no database collation decides the order."""
    return sorted(refs, key=lambda r: (r.article, r.start))


# --------------------------------------------------------------------------- engine
# URL schemes that name PostgreSQL without a driver, mapped to psycopg 3 (the one we ship).
PG_SCHEMES = {"postgresql://": "postgresql+psycopg://", "postgres://": "postgresql+psycopg://"}


def engine_url(url: str) -> str:
    """``postgresql://`` (and Heroku-style ``postgres://``) URLs use psycopg 3."""
    for plain, driver in PG_SCHEMES.items():
        if url.startswith(plain):
            return driver + url[len(plain):]
    return url


def make_engine(url: str) -> Engine:
    engine = create_engine(engine_url(url))
    if engine.dialect.name == "sqlite":
        # --- SQLite only -------------------------------------------------------
        # pysqlite's own transaction handling does not BEGIN before DDL and fights
        # SAVEPOINTs; hand transactions to SQLAlchemy (documented recipe), and turn
        # on foreign keys and WAL (concurrent readers while a run writes).
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # pragma: no cover - driver callback
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # WAL's recommended level: consistent after a crash, one fsync per checkpoint
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):  # pragma: no cover - driver callback
            conn.exec_driver_sql("BEGIN")
    return engine


# --------------------------------------------------------------------------- the store
class StoredRecords:
    """A store's article records, read again on each iteration (``Store.stream_records``)."""

    def __init__(self, store: "Store", times: bool, ids: Sequence[str] | None = None) -> None:
        self._store, self._times, self._ids = store, times, ids

    def __iter__(self) -> Iterator[ArticleRecord]:
        return self._store.iter_records(times=self._times, ids=self._ids)


class StoredColumn(Mapping[str, str]):
    """A read-only mapping from one unique column of a table to another, each lookup an
    indexed query; iterating or counting it reads the whole column."""

    def __init__(self, engine: Engine, key, value) -> None:
        self._engine, self._key, self._value = engine, key, value

    def __getitem__(self, k: str) -> str:
        with self._engine.connect() as conn:
            found = conn.execute(select(self._value).where(self._key == k)).scalar()
        if found is None:
            raise KeyError(k)
        return found

    def __iter__(self) -> Iterator[str]:
        with self._engine.connect() as conn:
            return iter(list(conn.execute(select(self._key).order_by(self._key)).scalars()))

    def __len__(self) -> int:
        with self._engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(self._key.table)).scalar() or 0


class Store:
    """A crosscheck database: article records plus the latest run's storyline."""

    def __init__(self, url: str = "sqlite:///crosscheck.db") -> None:
        self.url = url
        self._engine = make_engine(url)
        self.applied_migrations = apply_migrations(self._engine)
        self._md = MetaData()
        self._md.reflect(bind=self._engine)
        self._t = self._md.tables
        self._plain: dict[str, bool] = {}  # see _passes_through

    # -- context manager -------------------------------------------------------
    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections (with their SQLite statement and page caches); the
        store stays usable: the next query opens a connection again."""
        self._engine.dispose()

    # -- low-level helpers (one place to insert, so tests can inject failures) --
    def _insert(self, conn: Connection, table: str, rows: list[Row]) -> None:
        """Insert ``rows`` (dicts with the same keys). On SQLite, into a table whose values
        need no conversion on the way in, straight through the driver's executemany: the
        statement layer's per-row parameter handling took half of saving a 2,125-article
        storyline (~4 of 8.7 s), for values it passes on unchanged."""
        if not rows:  # an empty executemany would insert one row of defaults
            return
        first = rows[0].keys()
        keys = list(first)
        if self._passes_through(conn, table) and all(r.keys() == first for r in rows):
            quote = conn.dialect.identifier_preparer.quote
            sql = (f"INSERT INTO {quote(table)} ({', '.join(quote(k) for k in keys)}) "
                   f"VALUES ({', '.join('?' * len(keys))})")
            values = itemgetter(*keys)  # in the column order above, whatever each dict's own order
            conn.exec_driver_sql(sql, [values(r) if len(keys) > 1 else (values(r),) for r in rows])
        else:
            conn.execute(insert(self._t[table]), rows)

    def _passes_through(self, conn: Connection, table: str) -> bool:
        """SQLite, and no column of ``table`` converts its value before the driver gets it
        (a bool is stored as 1/0 by either path)."""
        if conn.dialect.name != "sqlite":
            return False
        if table not in self._plain:
            self._plain[table] = all(c.type.bind_processor(conn.dialect) is None or isinstance(c.type, Boolean)
                                     for c in self._t[table].columns)
        return self._plain[table]

    def _select(self, conn: Connection, table: str, *order: str, articles: Sequence[str] | None = None) -> list[Row]:
        """A table's rows in ``order``; only those of ``articles`` when given."""
        return list(self._rows(conn, table, *order, articles=articles))

    def _rows(self, conn: Connection, table: str, *order: str, articles: Sequence[str] | None = None) -> Iterator[Row]:
        """``_select``, one row at a time."""
        t = self._t[table]
        stmt = select(t).order_by(*(t.c[c] for c in order))
        if articles is not None:
            stmt = stmt.where(t.c["id" if table == "articles" else "article_id"].in_(list(articles)))
        for r in conn.execute(stmt).mappings():
            yield dict(r)

    # -- articles ---------------------------------------------------------------
    def known_hashes(self) -> dict[str, str]:
        """content_hash -> article id of every stored article (read whole: see ``hashes``)."""
        t = self._t["articles"]
        with self._engine.connect() as conn:
            return {h: i for h, i in conn.execute(select(t.c.content_hash, t.c.id))}

    def hashes(self) -> "StoredColumn":
        """content_hash -> article id, looked up one hash at a time (an indexed query):
        what ingest skips already-processed inputs by, without reading n hashes per run."""
        t = self._t["articles"]
        return StoredColumn(self._engine, t.c.content_hash, t.c.id)

    def ids(self) -> "StoredColumn":
        """The stored article ids, looked up one at a time (``id in store.ids()``)."""
        t = self._t["articles"]
        return StoredColumn(self._engine, t.c.id, t.c.id)

    def entity_ids(self) -> "StoredColumn":
        """The stored storyline's entity ids, looked up one at a time (``id in store.entity_ids()``)."""
        t = self._t["entities"]
        return StoredColumn(self._engine, t.c.id, t.c.id)

    def save_article(self, record: ArticleRecord) -> None:
        """Save one article and everything derived from it in one transaction.

        Re-saving an id replaces it. Saving a different id with an already stored
        content hash raises ValueError (the content hash identifies an article).
        """
        with self._engine.begin() as conn:
            self._save_article(conn, record)

    def save_articles(self, records: Sequence[ArticleRecord]) -> list[Exception | None]:
        """Save a batch of articles in one transaction (one commit per batch, not per
        article: a run's store step costs half as much). When anything in the batch fails,
        none of it is kept and the articles are saved one by one, so each is still saved or
        refused on its own; returns, per record, None or the exception that refused it."""
        try:
            with self._engine.begin() as conn:
                for record in records:
                    self._save_article(conn, record)
            return [None] * len(records)
        except Exception:  # noqa: BLE001 - retried one by one below, each failure reported
            pass
        out: list[Exception | None] = []
        for record in records:
            try:
                self.save_article(record)
                out.append(None)
            except Exception as exc:  # noqa: BLE001 - the caller reports it with the article
                out.append(exc)
        return out

    def _save_article(self, conn: Connection, record: ArticleRecord) -> None:
        arts = self._t["articles"]
        other = conn.execute(select(arts.c.id).where(
            arts.c.content_hash == record.source.content_hash,
            arts.c.id != record.id)).scalar()
        if other is not None:
            raise ValueError(
                f"article {record.id!r}: same content hash as stored article {other!r}")
        sigs = self._t["article_signatures"]  # dropped, saying in which schemes (their kept counts, migration 15)
        signed_in = conn.execute(delete(sigs).where(sigs.c.article_id == record.id).returning(sigs.c.scheme)).scalars().all()
        for name in ("signature_bands", *reversed(ARTICLE_CHILDREN)):
            conn.execute(delete(self._t[name]).where(self._t[name].c.article_id == record.id))
        replaced = conn.execute(delete(arts).where(arts.c.id == record.id)).rowcount
        self._insert(conn, "articles", [article_row(record)])
        children = child_rows(record)
        for name in ARTICLE_CHILDREN:
            self._insert(conn, name, children[name])
        add_counts(conn, self._t["row_counts"], {ARTICLES: 1 - replaced, **{signatures_key(s): -1 for s in signed_in}})

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for read-only queries by other modules (the web app)."""
        return self._engine

    def table(self, name: str):
        """A reflected table by name, or None when this database does not have it."""
        return self._t.get(name)

    def load_record(self, article_id: str) -> ArticleRecord | None:
        """One stored article record, or None."""
        with self._engine.connect() as conn:
            a = conn.execute(select(self._t["articles"]).where(self._t["articles"].c.id == article_id)).mappings().first()
            if a is None:
                return None
            kids = {}
            for name in ARTICLE_CHILDREN:
                t = self._t[name]
                stmt = select(t).where(t.c.article_id == article_id).order_by(*(t.c[c] for c in self._order(name)))
                kids[name] = [dict(r) for r in conn.execute(stmt).mappings()]
        return record_from(dict(a), kids)

    def load_events(self, ids: Iterable[str]) -> list[Event]:
        """Stored storyline events by id (unknown ids are left out), in stored order."""
        ids = sorted(set(ids))
        ev_t, link_t = self._t["events"], self._t["event_mention_links"]
        with self._engine.connect() as conn:
            events = conn.execute(select(ev_t).where(ev_t.c.id.in_(ids)).order_by(ev_t.c.position)).mappings().all()
            links = group(conn.execute(select(link_t).where(link_t.c.event_id.in_(ids)).order_by(
                link_t.c.event_id, link_t.c.position)).mappings(), "event_id")
        return [event_from(ev, [mention_from(m, m["article_id"]) for m in links.get(ev["id"], [])]) for ev in events]

    def load_summaries(self, ids: Iterable[str]) -> list[ArticleSummary]:
        """Stored storyline article summaries by id, without their text (``original`` "")."""
        t = self._t["storyline_articles"]
        with self._engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.article_id.in_(sorted(set(ids)))).order_by(t.c.position))
            return [summary_from({**r, "original": ""}, {}) for r in rows.mappings()]

    def published_dates(self, methods: Sequence[str] | None = None) -> list[PartialDate]:
        """The distinct publication dates of the stored articles, in ISO order; with
        ``methods``, of the articles dated by one of them (``pubdate.STATED_METHODS``: the
        dates new articles are inferred against, never inferred dates, so no date depends on
        what was read first). Distinct: a store of n articles has far fewer dates."""
        t = self._t["articles"]
        stmt = select(t.c.published).where(t.c.published.is_not(None)).distinct()
        if methods is not None:
            stmt = stmt.where(t.c.published_method.in_(list(methods)))
        with self._engine.connect() as conn:
            return [PartialDate.parse(v) for (v,) in conn.execute(stmt.order_by(t.c.published))]

    def build_order(self) -> list[str]:
        """Every stored article's id in publication order (ISO dates: coarser first within a
        period; undated last; then by id): the order a build in parts adds them in
        (``core.rebuild``), the order a feed would have brought them."""
        t = self._t["articles"]
        with self._engine.connect() as conn:
            rows = conn.execute(select(t.c.id, t.c.published)).all()
        return [i for i, _ in sorted(rows, key=lambda r: (r[1] is None, r[1] or "", r[0]))]

    def dated_within(self, days: Sequence[dt.date]) -> list[str]:
        """Ids of the articles with a date window (``PublicationDate.context_windows``)
        holding one of ``days``: the stored dates those new context dates could change.
        One range of the windows' index (those ending on or after the first day), so a
        feed's new days, the latest, read few windows whatever the store's size."""
        if not days:
            return []
        days = sorted({d.isoformat() for d in days})
        t = self._t["date_windows"]
        with self._engine.connect() as conn:
            rows = conn.execute(select(t.c.article_id, t.c.first_day, t.c.last_day).where(
                t.c.last_day >= days[0], t.c.first_day <= days[-1]))
            return sorted({a for a, first, last in rows if bisect_right(days, last) > bisect_left(days, first)})

    def update_published_reasons(self, dates: Sequence[PublicationDate]) -> None:
        """Rewrite the reasons and date windows (only) of stored publication dates, in the
        articles and the storyline's summaries: a re-dating that kept every date but said
        why anew (a nearer context date named, and the windows narrowed to it)."""
        if not dates:
            return
        with self._engine.begin() as conn:
            for name, key in (("articles", "id"), ("storyline_articles", "article_id")):
                t = self._t[name]
                for d in dates:
                    conn.execute(update(t).where(t.c[key] == d.article).values(published_reason=d.reason))
            t = self._t["date_windows"]
            conn.execute(delete(t).where(t.c.article_id.in_([d.article for d in dates])))
            self._insert(conn, "date_windows", [{**row, "article_id": d.article, "position": i}
                                                for d in dates for i, row in enumerate(window_rows(d))])

    # -- near-duplicate signatures (crosscheck.neardup) ------------------------------
    def similar(self, scheme: Scheme, keys: Sequence[tuple[int, str]]) -> dict[str, np.ndarray]:
        """Stored articles sharing one of the band ``keys`` of ``scheme``, with their signatures
        (``neardup.StoredSignatures``): one indexed lookup per band."""
        bands, sigs = self._t["signature_bands"], self._t["article_signatures"]
        match = or_(*(and_(bands.c.band == b, bands.c.key == k) for b, k in keys))
        with self._engine.connect() as conn:
            ids = sorted(set(conn.execute(select(bands.c.article_id).where(bands.c.scheme == scheme.name, match))
                             .scalars()))
            rows = conn.execute(select(sigs.c.article_id, sigs.c.signature).where(
                sigs.c.scheme == scheme.name, sigs.c.article_id.in_(ids))) if ids else []
            return {a: np.frombuffer(sig, dtype=VALUE_TYPE) for a, sig in rows if sig is not None}

    def unsigned(self, scheme: Scheme, limit: int = LOAD_CHUNK,
                 ids: Sequence[str] | None = None) -> list[tuple[str, str, bool]]:
        """(id, original text, is_html) of up to ``limit`` stored articles without a
        signature in ``scheme``, in id order: of ``ids`` (the articles just saved, looked up
        by key), or of the whole store (stored before migration 7, or by a run that ended
        before signing), searched only when the kept counts say some are (migration 15)."""
        arts, sigs = self._t["articles"], self._t["article_signatures"]
        signed = select(sigs.c.article_id).where(sigs.c.scheme == scheme.name)
        with self._engine.connect() as conn:
            stmt = select(arts.c.id, arts.c.original, arts.c.is_html)
            if ids is not None:
                ids = list(ids)
                stmt = stmt.where(arts.c.id.in_(ids), arts.c.id.not_in(signed.where(sigs.c.article_id.in_(ids))))
            else:
                kept = kept_rows(conn, self._t["row_counts"], [ARTICLES, signatures_key(scheme.name)])
                if kept[ARTICLES] <= kept[signatures_key(scheme.name)]:
                    return []
                stmt = stmt.where(arts.c.id.not_in(signed))
            return [tuple(r) for r in conn.execute(stmt.order_by(arts.c.id).limit(limit))]

    def save_signatures(self, scheme: Scheme, signed: Sequence[tuple[str, np.ndarray | None]]) -> None:
        """Each article's signature (None: nothing to shingle) and its band keys, one
        transaction; rows an article already has in ``scheme`` are replaced (another process
        may have signed it meanwhile)."""
        with self._engine.begin() as conn:
            dropped = 0  # signatures replaced, of the kept count (migration 15)
            for name in SIGNATURE_TABLES:
                t = self._t[name]
                for chunk in chunks((a for a, _ in signed), LOAD_CHUNK):
                    n = conn.execute(delete(t).where(t.c.scheme == scheme.name, t.c.article_id.in_(chunk))).rowcount
                    dropped += n if name == "article_signatures" else 0
            add_counts(conn, self._t["row_counts"], {signatures_key(scheme.name): len(signed) - dropped})
            self._insert(conn, "article_signatures", [
                {"article_id": a, "scheme": scheme.name, "signature": None if v is None else v.tobytes()}
                for a, v in signed])
            self._insert(conn, "signature_bands", [
                {"scheme": scheme.name, "band": b, "key": k, "article_id": a}
                for a, v in signed if v is not None for b, k in band_keys(v, scheme)])

    def load_records(self, *, times: bool = True) -> list[ArticleRecord]:
        """Every stored article record, ordered by article id (see ``iter_records``)."""
        return list(self.iter_records(times=times))

    def stream_records(self, *, times: bool = True, ids: Sequence[str] | None = None) -> "StoredRecords":
        """The stored records as a collection that reads them afresh, chunk by chunk, each
        time it is iterated: for a consumer that passes over the corpus more than once
        (``build_storyline``) without holding it whole. ``ids``: only these articles."""
        return StoredRecords(self, times, ids)

    def iter_records(self, *, times: bool = True, ids: Sequence[str] | None = None) -> Iterator[ArticleRecord]:
        """The stored article records in article-id order, ``LOAD_CHUNK`` per round of queries
        (``ids``: of these articles only, those stored).

        Why chunks: reading each table whole held every row of the store twice at the
        peak (as rows, then as records); a chunk's rows are dropped once its records are
        built. ``times=False`` leaves ``times`` empty: the storyline never reads them.
        """
        t = self._t["articles"]
        children = [n for n in ARTICLE_CHILDREN if times or n != "time_expressions"]
        with self._engine.connect() as conn:
            if ids is None:
                ids = sorted(i for (i,) in conn.execute(select(t.c.id)))  # Python's order: the same on every SQL collation
            else:
                ids = sorted(set(ids))
            for k in range(0, len(ids), LOAD_CHUNK):
                chunk = ids[k:k + LOAD_CHUNK]
                kids = {name: group(self._select(conn, name, *self._order(name), articles=chunk), "article_id")
                        for name in children}
                rows = {a["id"]: a for a in self._select(conn, "articles", "id", articles=chunk)}
                for aid in (a for a in chunk if a in rows):
                    yield record_from(rows.pop(aid), {name: kids[name].get(aid, []) if name in kids else []
                                                       for name in ARTICLE_CHILDREN})

    # -- storyline --------------------------------------------------------------
    def _originals(self, conn: Connection, ids: Sequence[str] | None = None) -> dict[str, str]:
        """Stored article texts by id: all, or of ``ids`` (a build in parts saves a part's)."""
        t = self._t["articles"]
        if ids is None:
            return {i: o for i, o in conn.execute(select(t.c.id, t.c.original))}
        return {i: o for chunk in chunks(sorted(set(ids)), LOAD_CHUNK)
                for i, o in conn.execute(select(t.c.id, t.c.original).where(t.c.id.in_(chunk)))}

    def save_storyline(self, storyline: Storyline) -> None:
        """Replace the stored storyline (entities, events, links, errors) in one transaction."""
        with self._engine.begin() as conn:
            replace_storyline(conn, self._t, self._insert, storyline,
                              self._originals(conn, [a.id for a in storyline.articles]))

    def update_storyline(self, *, remove_events: Sequence[str], events: Sequence[Event],
                         articles: Sequence[ArticleSummary], entities: Sequence[Entity],
                         duplicates: Sequence[DuplicateRecord] = (), extended: Sequence[Entity] = ()) -> None:
        """Apply an incremental change to the stored storyline in one transaction
        (``store_storyline.apply_update``).

        Drops the events in ``remove_events`` and writes ``events`` (new or recomputed);
        article summaries, entities and the new articles' duplicate records replace the
        stored rows with the same id. ``extended``: stored entities given more references;
        their row and aliases are rewritten, their ``mentions`` are only the new references,
        added after the stored ones (an entity named in every article would otherwise be
        rewritten whole by every update). A replaced row keeps its position; a new one goes
        after the last. Everything else is left as it is (see ``crosscheck.incremental``).
        """
        with self._engine.begin() as conn:
            apply_update(conn, self._t, self._insert, remove_events=remove_events, events=events,
                         articles=articles, entities=entities, duplicates=duplicates, extended=extended)

    def has_storyline(self) -> bool:
        with self._engine.connect() as conn:
            return conn.execute(select(self._t["storyline"].c.id)).first() is not None

    def counts(self, *tables: str) -> dict[str, int]:
        """Rows of each table (default: the stored storyline's articles, entities and events);
        of ``store_counts.COUNTED`` tables and the articles their kept counts, not a count of every row."""
        names = list(tables or ("storyline_articles", "entities", "events"))
        with self._engine.connect() as conn:
            kept = kept_rows(conn, self._t["row_counts"], [n for n in names if n in (*COUNTED, ARTICLES)])
            return {name: kept[name] if name in kept else
                    conn.execute(select(func.count()).select_from(self._t[name])).scalar() or 0 for name in names}

    def load_storyline(self, *, verification: bool = True) -> Storyline | None:
        """The last saved storyline, or None when none was saved; ``verification=False``:
        without claims, relations, clusters, verdicts and outlet profiles (left empty).

        Table by table, each made into objects as its rows are read: reading every table's
        rows first held the whole stored storyline twice at the peak (as row dicts, then as
        objects; 2,125 BBC articles: 303 -> 116 MB above the caller)."""
        with self._snapshot() as conn:
            return self._load(conn, verification, claims=True)

    @contextmanager
    def storyline_reader(self) -> Iterator[tuple[Storyline | None, StoredVerification]]:
        """The stored storyline without its claims and claim clusters (None: none saved), and
        a reader of those (``StoredVerification``) that serves while the block runs, both
        from one read snapshot: an update committed meanwhile is in neither."""
        with self._snapshot() as conn:
            yield self._load(conn, True, claims=False), StoredVerification(conn, self._t)

    @contextmanager
    def table_reader(self) -> Iterator[Callable[[str], Iterator[Row]]]:
        """A reader of a table's rows in saved order (``reader("storyline_claims")``), every
        table read from one snapshot: an update committed meanwhile is in none of them."""
        with self._snapshot() as conn:
            yield lambda table: self._saved_rows(conn, table)

    @contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        """A connection whose reads see one state of the store: SQLite's read transaction
        (WAL) does; PostgreSQL's default (read committed) gives each statement its own."""
        with self._engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            yield conn

    def _load(self, conn: Connection, verification: bool, claims: bool) -> Storyline | None:
        if conn.execute(select(self._t["storyline"].c.id)).first() is None:
            return None
        rows = partial(self._saved_rows, conn)
        originals = self._originals(conn)
        articles = [summary_from(r, originals) for r in rows("storyline_articles")]
        del originals
        aliases = grouped(rows("entity_aliases"), "entity_id", lambda a: a["alias"])
        refs = grouped(rows("entity_refs"), "entity_id",
                       lambda r: EntityRef(r["article_id"], r["start_char"], r["end_char"], r["text"]))
        entities = [_entity(e, aliases.pop(e["id"], []), refs.pop(e["id"], [])) for e in rows("entities")]
        del aliases, refs
        links = grouped(rows("event_mention_links"), "event_id", lambda m: mention_from(m, m["article_id"]))
        events = [event_from(ev, links.pop(ev["id"], [])) for ev in rows("events")]
        del links
        return Storyline(
            articles=articles, entities=entities, events=events,
            errors=[InputError(e["path"], e["reason"]) for e in rows("input_errors")],
            duplicates=[DuplicateRecord(d["article"], d["same_as"], d["kind"], d["similarity"])
                        for d in rows("storyline_duplicates")],
            **(verification_from(rows, claims) if verification else {}),
        )

    def _saved_rows(self, conn: Connection, table: str) -> Iterator[Row]:
        """A storyline table's rows in the order they were saved, one at a time."""
        return self._rows(conn, table, *self._order(table))

    @staticmethod
    def _order(table: str) -> tuple[str, ...]:
        """The columns that give a table's rows in the order they were saved."""
        if table in ARTICLE_CHILDREN:
            return ("article_id",) if table == "duplicates" else ("article_id", "position")
        if table in ("entity_aliases", "entity_refs"):
            return ("entity_id", "position")
        if table == "event_mention_links":
            return ("event_id", "position")
        return ("id",) if table == "storyline" else ("position",)
