"""Persist article records and the latest storyline in a SQL database.

Why a database: per-article work (cleaning, dates, NLP, event candidates) is costly and
done once; a later run loads the stored records and links them with its new articles.
Why SQLAlchemy Core on one URL: SQLite by default, PostgreSQL later, same code. The
only dialect-specific code is the clearly marked SQLite branch in ``make_engine``.

Each ``save_*`` is one transaction, so a failure leaves the previous state intact.
Tables have real columns for what one would query (dates, offsets, kinds, outlets);
small nested lists (offset blocks, actor ids) are JSON text. Partial dates are stored
as their ISO string (``2015``, ``2015-10``, ``2015-10-22``) plus their precision.
"""

from __future__ import annotations

import json
from collections import defaultdict
from itertools import islice
from typing import Any, Iterable, Iterator, Sequence

from sqlalchemy import Engine, MetaData, create_engine, delete, event, func, insert, select
from sqlalchemy.engine import Connection

from crosscheck.migrations import apply_migrations
from crosscheck.store_claims import (
    COMPARISON_TABLES, VERIFICATION_TABLES, claim_from, claim_row, shared, verification_from, verification_rows,
)
from crosscheck.models import (
    ArticleRecord,
    ArticleSummary,
    CleanDocument,
    DuplicateRecord,
    Entity,
    EntityMention,
    EntityRef,
    Event,
    EventMention,
    InputError,
    OffsetBlock,
    PartialDate,
    PublicationDate,
    Removed,
    Sentence,
    SourceDocument,
    Storyline,
    TimeExpression,
)

Row = dict[str, Any]

# Child tables of ``articles`` in insertion order (deleted in reverse).
ARTICLE_CHILDREN = (
    "removed_segments", "sentences", "entity_mentions", "time_expressions",
    "event_mentions", "claims", "duplicates",
)
INSERT_CHUNK = 2_000  # rows per executemany when saving a storyline
LOAD_CHUNK = 200  # articles whose rows are read together when loading records (SQL parameters per query)
# Storyline tables in insertion order (deleted in reverse: children first).
STORYLINE_TABLES = (
    "storyline", "storyline_articles", "entities", "entity_aliases", "entity_refs",
    "events", "event_mention_links", "input_errors", "storyline_duplicates",
    *VERIFICATION_TABLES, *COMPARISON_TABLES,
)


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


# --------------------------------------------------------------------------- value helpers
def _iso(d: PartialDate | None) -> str | None:
    return d.iso() if d is not None else None


def _prec(d: PartialDate | None) -> str | None:
    return d.precision if d is not None else None


def _pdate(value: str | None) -> PartialDate | None:
    return PartialDate.parse(value) if value else None


def _span_cols(prefix: str, span: tuple[int, int] | None) -> Row:
    s, e = span if span is not None else (None, None)
    return {f"{prefix}_start": s, f"{prefix}_end": e}


def _span(row: Row, prefix: str) -> tuple[int, int] | None:
    s, e = row[f"{prefix}_start"], row[f"{prefix}_end"]
    return None if s is None or e is None else (s, e)


def _js(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------- article rows
def _article_row(r: ArticleRecord) -> Row:
    src, cl, pub = r.source, r.clean, r.published
    return {
        "id": src.id, "path": src.path, "format": src.format, "url": src.url,
        "title": src.title, "outlet": src.outlet, "content_hash": src.content_hash,
        "is_html": src.is_html, "encoding": src.encoding, "published_raw": src.published_raw,
        "published_raw_source": src.published_raw_source,
        "published": _iso(pub.value), "published_precision": _prec(pub.value),
        "published_method": pub.method, "published_evidence": pub.evidence,
        **_span_cols("published_evidence", pub.evidence_span),
        "published_reason": pub.reason,
        "published_earliest": _iso(pub.earliest), "published_earliest_precision": _prec(pub.earliest),
        "published_latest": _iso(pub.latest), "published_latest_precision": _prec(pub.latest),
        "original": src.original, "body": cl.body,
        "blocks": _js([[b.body_start, b.body_end, b.orig_start, b.orig_end] for b in cl.blocks]),
        "clean_title": cl.title, **_span_cols("clean_title", cl.title_span),
        "byline": cl.byline, **_span_cols("byline", cl.byline_span),
        "dateline": cl.dateline, **_span_cols("dateline", cl.dateline_span),
        "metadata_date": cl.metadata_date, "metadata_date_source": cl.metadata_date_source,
        "outlet_hint": cl.outlet_hint,
    }


def _mention_row(m: EventMention) -> Row:
    """An EventMention as columns (shared by ``event_mentions`` and the storyline links)."""
    return {
        "mention_id": m.id, "start_char": m.start, "end_char": m.end, "text": m.text,
        "body_start": m.body_start, "body_end": m.body_end, "trigger": m.trigger,
        "kind": m.kind, "title": m.title, "actors": _js(m.actors), "places": _js(m.places),
        "date": _iso(m.date), "date_precision": _prec(m.date), "date_text": m.date_text,
        "attributed_to": m.attributed_to, "attribution_kind": m.attribution_kind,
        "negated": m.negated, "actor_mentions": _js(m.actor_mentions),
        "place_mentions": _js(m.place_mentions),
    }


def _child_rows(r: ArticleRecord) -> dict[str, list[Row]]:
    """Rows of every child table of one article, keyed by table name."""
    aid = r.id
    rows: dict[str, list[Row]] = {
        "removed_segments": [
            {"start_char": x.start, "end_char": x.end, "reason": x.reason, "text": x.text}
            for x in r.clean.removed],
        "sentences": [{"start_char": s.start, "end_char": s.end, "text": s.text} for s in r.sentences],
        "entity_mentions": [
            {"start_char": m.start, "end_char": m.end, "text": m.text, "label": m.label,
             "sentence": m.sentence, "entity_id": m.entity_id} for m in r.mentions],
        "time_expressions": [
            {"start_char": t.start, "end_char": t.end, "text": t.text, "type": t.type,
             "value": t.value, "date": _iso(t.date), "date_precision": _prec(t.date),
             "anchor": t.anchor, "rule": t.rule, "weekday": t.weekday} for t in r.times],
        "event_mentions": [_mention_row(m) for m in r.event_mentions],
        "claims": [claim_row(c) for c in r.claims],
    }
    for name, table_rows in rows.items():
        for i, row in enumerate(table_rows):
            row.update(article_id=aid, position=i)
    d = r.duplicate
    rows["duplicates"] = [] if d is None else [
        {"article_id": aid, "article": d.article, "same_as": d.same_as, "kind": d.kind,
         "similarity": d.similarity}]
    return rows


# --------------------------------------------------------------------------- article objects
def _mention_from(row: Row, article: str) -> EventMention:
    return EventMention(
        id=row["mention_id"], article=article, start=row["start_char"], end=row["end_char"],
        text=row["text"], body_start=row["body_start"], body_end=row["body_end"],
        trigger=row["trigger"], kind=row["kind"], title=row["title"],
        actors=json.loads(row["actors"]), places=json.loads(row["places"]),
        date=_pdate(row["date"]), date_text=row["date_text"],
        attributed_to=row["attributed_to"], attribution_kind=row["attribution_kind"],
        negated=bool(row["negated"]), actor_mentions=json.loads(row["actor_mentions"]),
        place_mentions=json.loads(row["place_mentions"]),
    )


def _source_from(a: Row) -> SourceDocument:
    return SourceDocument(
        id=a["id"], path=a["path"], format=a["format"], original=a["original"],
        content_hash=a["content_hash"], is_html=bool(a["is_html"]), url=a["url"],
        title=a["title"], outlet=a["outlet"], published_raw=a["published_raw"],
        published_raw_source=a["published_raw_source"], encoding=a["encoding"],
    )


def _clean_from(a: Row, removed: list[Row]) -> CleanDocument:
    return CleanDocument(
        id=a["id"], body=a["body"],
        blocks=[OffsetBlock(*b) for b in json.loads(a["blocks"])],
        title=a["clean_title"], title_span=_span(a, "clean_title"),
        byline=a["byline"], byline_span=_span(a, "byline"),
        dateline=a["dateline"], dateline_span=_span(a, "dateline"),
        removed=[Removed(x["start_char"], x["end_char"], x["reason"], x["text"]) for x in removed],
        metadata_date=a["metadata_date"], metadata_date_source=a["metadata_date_source"],
        outlet_hint=a["outlet_hint"],
    )


def _published_from(a: Row) -> PublicationDate:
    return PublicationDate(
        article=a["id"], value=_pdate(a["published"]), method=a["published_method"],
        evidence=a["published_evidence"], evidence_span=_span(a, "published_evidence"),
        reason=a["published_reason"], earliest=_pdate(a["published_earliest"]),
        latest=_pdate(a["published_latest"]),
    )


def _record_from(a: Row, kids: dict[str, list[Row]]) -> ArticleRecord:
    aid = a["id"]
    dup = kids["duplicates"]
    return ArticleRecord(
        source=_source_from(a),
        clean=_clean_from(a, kids["removed_segments"]),
        published=_published_from(a),
        sentences=[Sentence(s["start_char"], s["end_char"], s["text"]) for s in kids["sentences"]],
        mentions=[
            EntityMention(aid, m["start_char"], m["end_char"], shared(m["text"]), shared(m["label"]),
                          m["sentence"], m["entity_id"]) for m in kids["entity_mentions"]],
        times=[
            TimeExpression(t["start_char"], t["end_char"], t["text"], t["type"], t["value"],
                           _pdate(t["date"]), t["anchor"], t["rule"], t["weekday"])
            for t in kids["time_expressions"]],
        event_mentions=[_mention_from(m, aid) for m in kids["event_mentions"]],
        claims=[claim_from(c, aid) for c in kids["claims"]],
        duplicate=DuplicateRecord(dup[0]["article"], dup[0]["same_as"], dup[0]["kind"],
                                  dup[0]["similarity"]) if dup else None,
    )


# --------------------------------------------------------------------------- storyline rows
def _summary_row(i: int, s: ArticleSummary, stored_original: str | None) -> Row:
    return {
        "article_id": s.id, "position": i, "outlet": s.outlet, "title": s.title,
        "published": _iso(s.published), "published_precision": _prec(s.published),
        "published_evidence": s.published_evidence, "published_method": s.published_method,
        "published_reason": s.published_reason, **_span_cols("published", s.published_span),
        "boilerplate_chars": s.boilerplate_chars, "path": s.path,
        "same_origin_as": s.same_origin_as, "url": s.url, "format": s.format,
        # not stored twice when the articles table already holds the same text
        "original": None if s.original and s.original == stored_original else s.original,
        "removed": _js([[x.start, x.end, x.reason, x.text] for x in s.removed]),
    }


def _storyline_rows(st: Storyline, originals: dict[str, str]) -> dict[str, Iterator[Row]]:
    """Each storyline table's rows, made as they are read (see ``Store.save_storyline``)."""
    ents, evs = st.entities, st.events
    rows: dict[str, Iterator[Row]] = {
        "storyline": iter([{"id": 1}]),
        "storyline_articles": (_summary_row(i, s, originals.get(s.id)) for i, s in enumerate(st.articles)),
        "entities": ({"id": e.id, "position": i, "name": e.name, "type": e.type, "articles": _js(e.articles)}
                     for i, e in enumerate(ents)),
        "entity_aliases": ({"entity_id": e.id, "position": j, "alias": a} for e in ents for j, a in enumerate(e.aliases)),
        "entity_refs": ({"entity_id": e.id, "position": j, "article_id": r.article, "start_char": r.start,
                         "end_char": r.end, "text": r.text} for e in ents for j, r in enumerate(e.mentions)),
        "events": ({"id": ev.id, "position": i, "date": _iso(ev.date), "date_precision": _prec(ev.date),
                    "title": ev.title, "kind": ev.kind, "actors": _js(ev.actors), "places": _js(ev.places)}
                   for i, ev in enumerate(evs)),
        "event_mention_links": ({**_mention_row(m), "event_id": ev.id, "position": j, "article_id": m.article}
                                for ev in evs for j, m in enumerate(ev.mentions)),
        "input_errors": ({"position": i, "path": e.path, "reason": e.reason} for i, e in enumerate(st.errors)),
        "storyline_duplicates": ({"position": i, "article": d.article, "same_as": d.same_as, "kind": d.kind,
                                  "similarity": d.similarity} for i, d in enumerate(st.duplicates)),
    }
    rows.update(verification_rows(st))
    return rows


def _summary_from(row: Row, originals: dict[str, str]) -> ArticleSummary:
    original = row["original"]
    return ArticleSummary(
        id=row["article_id"], outlet=row["outlet"], title=row["title"],
        published=_pdate(row["published"]), published_evidence=row["published_evidence"],
        published_method=row["published_method"], published_reason=row["published_reason"],
        boilerplate_chars=row["boilerplate_chars"], path=row["path"],
        same_origin_as=row["same_origin_as"], url=row["url"], format=row["format"],
        original=originals.get(row["article_id"], "") if original is None else original,
        removed=[Removed(*x) for x in json.loads(row["removed"])],
        published_span=_span(row, "published"),
    )


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _group(rows: Iterable[Row], key: str) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        out[row[key]].append(row)
    return out


# --------------------------------------------------------------------------- the store
class StoredRecords:
    """A store's article records, read again on each iteration (``Store.stream_records``)."""

    def __init__(self, store: "Store", times: bool) -> None:
        self._store, self._times = store, times

    def __iter__(self) -> Iterator[ArticleRecord]:
        return self._store.iter_records(times=self._times)


class Store:
    """A crosscheck database: article records plus the latest run's storyline."""

    def __init__(self, url: str = "sqlite:///crosscheck.db") -> None:
        self.url = url
        self._engine = make_engine(url)
        self.applied_migrations = apply_migrations(self._engine)
        self._md = MetaData()
        self._md.reflect(bind=self._engine)
        self._t = self._md.tables

    # -- context manager -------------------------------------------------------
    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._engine.dispose()

    # -- low-level helpers (one place to insert, so tests can inject failures) --
    def _insert(self, conn: Connection, table: str, rows: list[Row]) -> None:
        if rows:  # an empty executemany would insert one row of defaults
            conn.execute(insert(self._t[table]), rows)

    def _select(self, conn: Connection, table: str, *order: str, articles: Sequence[str] | None = None) -> list[Row]:
        """A table's rows in ``order``; only those of ``articles`` when given."""
        t = self._t[table]
        stmt = select(t).order_by(*(t.c[c] for c in order))
        if articles is not None:
            stmt = stmt.where(t.c["id" if table == "articles" else "article_id"].in_(list(articles)))
        return [dict(r) for r in conn.execute(stmt).mappings()]

    # -- articles ---------------------------------------------------------------
    def known_hashes(self) -> dict[str, str]:
        """content_hash -> article id, for skipping already-processed inputs."""
        t = self._t["articles"]
        with self._engine.connect() as conn:
            return {h: i for h, i in conn.execute(select(t.c.content_hash, t.c.id))}

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
        for name in reversed(ARTICLE_CHILDREN):
            conn.execute(delete(self._t[name]).where(self._t[name].c.article_id == record.id))
        conn.execute(delete(arts).where(arts.c.id == record.id))
        self._insert(conn, "articles", [_article_row(record)])
        children = _child_rows(record)
        for name in ARTICLE_CHILDREN:
            self._insert(conn, name, children[name])

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
        return _record_from(dict(a), kids)

    def load_events(self, ids: Iterable[str]) -> list[Event]:
        """Stored storyline events by id (unknown ids are left out), in stored order."""
        ids = sorted(set(ids))
        ev_t, link_t = self._t["events"], self._t["event_mention_links"]
        with self._engine.connect() as conn:
            events = conn.execute(select(ev_t).where(ev_t.c.id.in_(ids)).order_by(ev_t.c.position)).mappings().all()
            links = _group(conn.execute(select(link_t).where(link_t.c.event_id.in_(ids)).order_by(
                link_t.c.event_id, link_t.c.position)).mappings(), "event_id")
        return [Event(ev["id"], _pdate(ev["date"]), ev["title"], ev["kind"], json.loads(ev["actors"]),
                      json.loads(ev["places"]), [_mention_from(m, m["article_id"]) for m in links.get(ev["id"], [])])
                for ev in events]

    def load_summaries(self, ids: Iterable[str]) -> list[ArticleSummary]:
        """Stored storyline article summaries by id, without their text (``original`` "")."""
        t = self._t["storyline_articles"]
        with self._engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.article_id.in_(sorted(set(ids)))).order_by(t.c.position))
            return [_summary_from({**r, "original": ""}, {}) for r in rows.mappings()]

    def published_dates(self) -> list[PartialDate]:
        """Known publication dates of the stored articles (context for dating new ones)."""
        t = self._t["articles"]
        with self._engine.connect() as conn:
            rows = conn.execute(select(t.c.published).where(t.c.published.is_not(None)).order_by(t.c.id))
            return [PartialDate.parse(v) for (v,) in rows]

    def load_records(self, *, times: bool = True) -> list[ArticleRecord]:
        """Every stored article record, ordered by article id (see ``iter_records``)."""
        return list(self.iter_records(times=times))

    def stream_records(self, *, times: bool = True) -> "StoredRecords":
        """The stored records as a collection that reads them afresh, chunk by chunk, each
        time it is iterated: for a consumer that passes over the corpus more than once
        (``build_storyline``) without holding it whole."""
        return StoredRecords(self, times)

    def iter_records(self, *, times: bool = True) -> Iterator[ArticleRecord]:
        """The stored article records in article-id order, ``LOAD_CHUNK`` per round of queries.

        Why chunks: reading each table whole held every row of the store twice at the
        peak (as rows, then as records); a chunk's rows are dropped once its records are
        built. ``times=False`` leaves ``times`` empty: the storyline never reads them.
        """
        t = self._t["articles"]
        children = [n for n in ARTICLE_CHILDREN if times or n != "time_expressions"]
        with self._engine.connect() as conn:
            ids = sorted(i for (i,) in conn.execute(select(t.c.id)))  # Python's order: the same on every SQL collation
            for k in range(0, len(ids), LOAD_CHUNK):
                chunk = ids[k:k + LOAD_CHUNK]
                kids = {name: _group(self._select(conn, name, *self._order(name), articles=chunk), "article_id")
                        for name in children}
                rows = {a["id"]: a for a in self._select(conn, "articles", "id", articles=chunk)}
                for aid in chunk:
                    yield _record_from(rows.pop(aid), {name: kids[name].get(aid, []) if name in kids else []
                                                       for name in ARTICLE_CHILDREN})

    # -- storyline --------------------------------------------------------------
    def _originals(self, conn: Connection) -> dict[str, str]:
        t = self._t["articles"]
        return {i: o for i, o in conn.execute(select(t.c.id, t.c.original))}

    def save_storyline(self, storyline: Storyline) -> None:
        """Replace the stored storyline (entities, events, links, errors) in one transaction."""
        with self._engine.begin() as conn:
            for name in reversed(STORYLINE_TABLES):
                conn.execute(delete(self._t[name]))
            rows = _storyline_rows(storyline, self._originals(conn))
            for name in STORYLINE_TABLES:  # in chunks: the rows of a large storyline are never all held
                for chunk in _chunks(rows[name], INSERT_CHUNK):
                    self._insert(conn, name, chunk)

    def update_storyline(self, *, remove_events: Sequence[str], events: Sequence[Event],
                         articles: Sequence[ArticleSummary], entities: Sequence[Entity]) -> None:
        """Apply an incremental change to the stored storyline in one transaction.

        Drops the events in ``remove_events`` and writes ``events`` (new or recomputed);
        article summaries and entities replace the stored rows with the same id. A
        replaced row keeps its position; a new one goes after the last. Everything else
        is left as it is (see ``crosscheck.incremental``).
        """
        part = Storyline(list(articles), list(entities), list(events))
        keyed = {"storyline_articles": ("article_id", [a.id for a in articles]),
                 "entities": ("id", [e.id for e in entities]), "events": ("id", [e.id for e in events])}
        with self._engine.begin() as conn:
            arts = self._t["articles"]
            ids = [a.id for a in articles]
            originals = dict(conn.execute(select(arts.c.id, arts.c.original).where(arts.c.id.in_(ids))).all())
            rows = {name: list(made) for name, made in _storyline_rows(part, originals).items()}
            drop = set(remove_events) | set(keyed["events"][1])
            for name, col in (("event_mention_links", "event_id"), ("events", "id")):
                conn.execute(delete(self._t[name]).where(self._t[name].c[col].in_(sorted(drop))))
            for name, (col, keys) in keyed.items():
                t = self._t[name]
                old = dict(conn.execute(select(t.c[col], t.c.position).where(t.c[col].in_(keys))).all())
                nxt = (conn.execute(select(func.max(t.c.position))).scalar() or 0) + 1
                for i, row in enumerate(rows[name]):
                    row["position"] = old.get(row[col], nxt + i)
            for name in ("entity_aliases", "entity_refs"):
                conn.execute(delete(self._t[name]).where(self._t[name].c.entity_id.in_(keyed["entities"][1])))
            for name in ("storyline_articles", "entities"):
                conn.execute(delete(self._t[name]).where(self._t[name].c[keyed[name][0]].in_(keyed[name][1])))
            for name in ("storyline_articles", "entities", "entity_aliases", "entity_refs", "events",
                         "event_mention_links"):
                self._insert(conn, name, rows[name])

    def has_storyline(self) -> bool:
        with self._engine.connect() as conn:
            return conn.execute(select(self._t["storyline"].c.id)).first() is not None

    def counts(self, *tables: str) -> dict[str, int]:
        """Rows of each table (default: the stored storyline's articles, entities and events)."""
        with self._engine.connect() as conn:
            return {name: conn.execute(select(func.count()).select_from(self._t[name])).scalar() or 0
                    for name in tables or ("storyline_articles", "entities", "events")}

    def load_storyline(self) -> Storyline | None:
        """The last saved storyline, or None when none was saved."""
        with self._engine.connect() as conn:
            if conn.execute(select(self._t["storyline"].c.id)).first() is None:
                return None
            originals = self._originals(conn)
            rows = {name: self._select(conn, name, *self._order(name))
                    for name in STORYLINE_TABLES if name not in COMPARISON_TABLES}
        aliases = _group(rows["entity_aliases"], "entity_id")
        refs = _group(rows["entity_refs"], "entity_id")
        links = _group(rows["event_mention_links"], "event_id")
        return Storyline(
            articles=[_summary_from(r, originals) for r in rows["storyline_articles"]],
            entities=[
                Entity(e["id"], e["name"], e["type"], [a["alias"] for a in aliases.get(e["id"], [])],
                       json.loads(e["articles"]),
                       [EntityRef(r["article_id"], r["start_char"], r["end_char"], r["text"])
                        for r in refs.get(e["id"], [])])
                for e in rows["entities"]],
            events=[
                Event(ev["id"], _pdate(ev["date"]), ev["title"], ev["kind"],
                      json.loads(ev["actors"]), json.loads(ev["places"]),
                      [_mention_from(m, m["article_id"]) for m in links.get(ev["id"], [])])
                for ev in rows["events"]],
            errors=[InputError(e["path"], e["reason"]) for e in rows["input_errors"]],
            duplicates=[DuplicateRecord(d["article"], d["same_as"], d["kind"], d["similarity"])
                        for d in rows["storyline_duplicates"]],
            **verification_from(rows),
        )

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
