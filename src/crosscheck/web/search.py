"""Full-text search over articles and events: SQLite FTS5 or PostgreSQL text search.

Why two code paths: each database's own full-text engine ranks and stems far better than
LIKE, and migration 3 built the index each needs (FTS5 tables kept by triggers on
SQLite; generated tsvector columns with GIN indexes on PostgreSQL). The SQL below is
per dialect and only runs on its dialect; any other database falls back to LIKE.

User input never reaches either query language as syntax: for FTS5 every word is
quoted (so ``AND``, ``NEAR``, ``*`` or a stray quote are just words), and PostgreSQL gets
``websearch_to_tsquery``, which accepts any string. Matches are marked in snippets with
two private-use characters, then split into (text, marked) parts that the template
escapes, so a snippet of article text never becomes markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select, text
from sqlalchemy.engine import Connection

from crosscheck.store import Store
from crosscheck.web.db import Page, PageOf, paged

ON, OFF = "\ue000", "\ue001"  # snippet match markers (Unicode private use)
MAX_TERMS = 16
_WORD = re.compile(r"\w+", re.U)
_PG_HEADLINE = f"StartSel={ON}, StopSel={OFF}, MaxWords=28, MinWords=8, MaxFragments=2, FragmentDelimiter=\" … \""


@dataclass(frozen=True)
class Part:
    text: str
    marked: bool


def parts(snippet: str | None) -> list[Part]:
    """A marked snippet as plain parts; marker characters never reach the page."""
    out: list[Part] = []
    for i, chunk in enumerate(re.split(f"[{ON}{OFF}]", snippet or "")):
        if chunk:
            out.append(Part(chunk, i % 2 == 1))
    return out


def terms(q: str) -> list[str]:
    return _WORD.findall(q)[:MAX_TERMS]


def fts5_query(q: str) -> str:
    """Every word quoted, all required: FTS5 syntax in the input is inert."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in terms(q))


def search(store: Store, conn: Connection, q: str, kind: str, page: Page) -> dict:
    """Articles and/or events matching ``q``; ``kind`` is "all", "articles" or "events"."""
    empty = PageOf([], 0, page)
    if not terms(q):
        return {"query": q, "articles": empty.as_dict(), "events": empty.as_dict()}
    engine = {"sqlite": _Sqlite, "postgresql": _Postgres}.get(conn.dialect.name, _Like)(store, conn, q)
    arts = engine.articles(page) if kind in ("all", "articles") else empty
    evs = engine.events(page) if kind in ("all", "events") else empty
    return {"query": q, "articles": arts.as_dict(), "events": evs.as_dict()}


def _event_rows(store: Store, conn: Connection, hits: list[tuple[str, str]]) -> list[dict]:
    """Event summaries for (event id, snippet) hits, in hit order."""
    ev = store.table("events")
    ids = [h[0] for h in hits]
    rows = {r["id"]: dict(r) for r in conn.execute(select(
        ev.c.id, ev.c.title, ev.c.date, ev.c.kind).where(ev.c.id.in_(ids))).mappings()}
    return [{**rows[i], "snippet": s} for i, s in hits if i in rows]


class _Sqlite:
    def __init__(self, store: Store, conn: Connection, q: str) -> None:
        self.store, self.conn, self.q = store, conn, fts5_query(q)

    def articles(self, page: Page) -> PageOf:
        rows = self.conn.execute(text(
            "SELECT a.id, coalesce(a.title, a.clean_title) AS title, s.outlet, s.published, "
            f"snippet(articles_fts, 2, '{ON}', '{OFF}', ' … ', 24) AS snippet "
            "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
            "LEFT JOIN storyline_articles s ON s.article_id = a.id "
            "WHERE articles_fts MATCH :q ORDER BY bm25(articles_fts, 4.0, 4.0, 1.0), a.id "
            "LIMIT :limit OFFSET :offset"), {"q": self.q, "limit": page.limit, "offset": page.offset}).mappings()
        total = self.conn.execute(text("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH :q"),
                                  {"q": self.q}).scalar() or 0
        return PageOf([dict(r) for r in rows], total, page)

    def events(self, page: Page) -> PageOf:
        """Events ranked by their best-matching mention; snippets only for the page shown.
        (FTS5's ranking functions cannot sit under GROUP BY, so events are grouped here.)"""
        ranked = self.conn.execute(text(
            "SELECT l.event_id FROM events_fts JOIN event_mention_links l ON l.rowid = events_fts.rowid "
            "WHERE events_fts MATCH :q ORDER BY bm25(events_fts), l.event_id"), {"q": self.q}).scalars()
        order = list(dict.fromkeys(ranked))
        shown = order[page.offset:page.offset + page.limit]
        snippets: dict[str, str] = {}
        if shown:
            rows = self.conn.execute(text(
                f"SELECT l.event_id, snippet(events_fts, 1, '{ON}', '{OFF}', ' … ', 24) "
                "FROM events_fts JOIN event_mention_links l ON l.rowid = events_fts.rowid "
                "WHERE events_fts MATCH :q AND l.event_id IN (" + ", ".join(f":e{i}" for i in range(len(shown))) +
                ") ORDER BY bm25(events_fts)"), {"q": self.q, **{f"e{i}": e for i, e in enumerate(shown)}})
            for eid, snip in rows:
                snippets.setdefault(eid, snip)
        return PageOf(_event_rows(self.store, self.conn, [(e, snippets.get(e, "")) for e in shown]), len(order), page)


class _Postgres:
    def __init__(self, store: Store, conn: Connection, q: str) -> None:
        self.store, self.conn, self.q = store, conn, q

    def articles(self, page: Page) -> PageOf:
        rows = self.conn.execute(text(
            "SELECT a.id, coalesce(a.title, a.clean_title) AS title, s.outlet, s.published, "
            "ts_headline('english', left(a.body, 200000), q, :opts) AS snippet "
            "FROM articles a CROSS JOIN websearch_to_tsquery('english', :q) q "
            "LEFT JOIN storyline_articles s ON s.article_id = a.id "
            "WHERE a.search_tsv @@ q ORDER BY ts_rank(a.search_tsv, q) DESC, a.id LIMIT :limit OFFSET :offset"),
            {"q": self.q, "opts": _PG_HEADLINE, "limit": page.limit, "offset": page.offset}).mappings()
        total = self.conn.execute(text(
            "SELECT count(*) FROM articles WHERE search_tsv @@ websearch_to_tsquery('english', :q)"),
            {"q": self.q}).scalar() or 0
        return PageOf([dict(r) for r in rows], total, page)

    def events(self, page: Page) -> PageOf:
        rows = self.conn.execute(text(
            "SELECT DISTINCT ON (best.event_id) best.event_id, best.rank, "
            "ts_headline('english', l.text, q, :opts) AS snippet FROM ("
            "  SELECT event_id, max(ts_rank(search_tsv, q)) AS rank FROM event_mention_links, "
            "  websearch_to_tsquery('english', :q) q WHERE search_tsv @@ q GROUP BY event_id"
            "  ORDER BY rank DESC, event_id LIMIT :limit OFFSET :offset) best "
            "CROSS JOIN websearch_to_tsquery('english', :q) q "
            "JOIN event_mention_links l ON l.event_id = best.event_id AND l.search_tsv @@ q "
            "ORDER BY best.event_id, ts_rank(l.search_tsv, q) DESC"),
            {"q": self.q, "opts": _PG_HEADLINE, "limit": page.limit, "offset": page.offset}).all()
        rows = sorted(rows, key=lambda r: (-r[1], r[0]))
        total = self.conn.execute(text(
            "SELECT count(DISTINCT event_id) FROM event_mention_links "
            "WHERE search_tsv @@ websearch_to_tsquery('english', :q)"), {"q": self.q}).scalar() or 0
        return PageOf(_event_rows(self.store, self.conn, [(r[0], r[2]) for r in rows]), total, page)


class _Like:
    """Any other database: every word must appear (case-insensitive substring)."""

    def __init__(self, store: Store, conn: Connection, q: str) -> None:
        self.store, self.conn, self.words = store, conn, [w.lower() for w in terms(q)]

    def articles(self, page: Page) -> PageOf:
        a, s = self.store.table("articles"), self.store.table("storyline_articles")
        stmt = select(a.c.id, func.coalesce(a.c.title, a.c.clean_title).label("title"), s.c.outlet, s.c.published
                      ).select_from(a.outerjoin(s, s.c.article_id == a.c.id))
        for w in self.words:
            stmt = stmt.where(or_(func.lower(a.c.body).contains(w, autoescape=True),
                                  func.lower(func.coalesce(a.c.title, "")).contains(w, autoescape=True)))
        rows, total = paged(self.conn, stmt.order_by(a.c.id), page)
        return PageOf([{**r, "snippet": None} for r in rows], total, page)

    def events(self, page: Page) -> PageOf:
        links = self.store.table("event_mention_links")
        stmt = select(links.c.event_id).distinct()
        for w in self.words:
            stmt = stmt.where(func.lower(links.c.text).contains(w, autoescape=True))
        rows, total = paged(self.conn, stmt.order_by(links.c.event_id), page)
        return PageOf(_event_rows(self.store, self.conn, [(r["event_id"], None) for r in rows]), total, page)
