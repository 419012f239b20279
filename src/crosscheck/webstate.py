"""The store's memory of the web: which URLs were fetched, and each feed's state.

Why kept apart from ``store.py``: articles are the pipeline's records; this is the
collector's bookkeeping (tables of migration 4). It answers two questions a re-poll
asks — "do we already have this article?" (its canonical URL is stored) and "what
validators do we send?" (ETag / Last-Modified of the last fetch) — and records the
answers only AFTER the articles they lead to are stored, so an interrupted run never
remembers a page it did not keep.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

from sqlalchemy import delete, insert, or_, select

from crosscheck.feeds import FeedEntry
from crosscheck.store import Store

# Outcomes that asking again would not change (until --refresh). "same-article" is
# settled through its article (the join below), so it lapses if that article is gone.
PERMANENT = frozenset({"blocked", "gone", "too-large", "not-html", "not-text", "rejected"})


@dataclass
class UrlRecord:
    """One fetched (or refused) URL. ``url`` is the requested URL, canonicalised."""

    url: str
    outcome: str  # ok | not-modified | error (transient) | one of PERMANENT
    fetched_at: str
    canonical_url: str | None = None
    final_url: str | None = None
    article_id: str | None = None
    status: int | None = None
    reason: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    bytes: int | None = None
    via: str | None = None  # the feed it came from, "cli" or "refresh"
    page_published: str | None = None
    page_published_source: str | None = None
    page_updated: str | None = None
    page_updated_source: str | None = None


@dataclass
class FeedState:
    url: str
    outcome: str
    entries: int
    fetched_at: str
    kind: str | None = None
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    status: int | None = None
    reason: str | None = None


class WebState:
    """Read and write the web tables of an open ``Store``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._urls, self._feeds, self._entries = (store.table(n) for n in ("fetched_urls", "feeds", "feed_entries"))
        if self._urls is None:
            raise RuntimeError(f"{store.url}: no web tables (migration 4 missing)")

    def settled(self, urls: Sequence[str]) -> dict[str, str | None]:
        """Those of ``urls`` that need no new request: url -> stored article id.

        Settled: a fetched URL or its canonical URL that led to an article still in
        the store (also "the same article" as one), an article's own URL, or a URL whose
        last outcome will not change by asking again (blocked by robots.txt, 4xx, too
        large, not HTML, rejected by the pipeline; id None). Transient failures (5xx,
        timeouts) are not settled.
        """
        urls = sorted(set(urls))
        out: dict[str, str | None] = {}
        arts, u = self.store.table("articles"), self._urls
        joined = u.outerjoin(arts, arts.c.id == u.c.article_id)
        with self.store.engine.connect() as conn:
            for lo in range(0, len(urls), 400):
                chunk = set(urls[lo:lo + 400])
                for url, canon, aid, outcome in conn.execute(
                        select(u.c.url, u.c.canonical_url, arts.c.id, u.c.outcome).select_from(joined).where(
                            or_(u.c.url.in_(chunk), u.c.canonical_url.in_(chunk)))):
                    if aid is not None or outcome in PERMANENT:
                        for k in (url, canon):
                            if k in chunk and out.get(k) is None:
                                out[k] = aid
                for url, aid in conn.execute(select(arts.c.url, arts.c.id).where(arts.c.url.in_(chunk))):
                    out[url] = aid
        return out

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) remembered for a URL, for a conditional re-request."""
        u = self._urls
        with self.store.engine.connect() as conn:
            row = conn.execute(select(u.c.etag, u.c.last_modified).where(u.c.url == url)).first()
        return (row[0], row[1]) if row else (None, None)

    def url_record(self, url: str) -> UrlRecord | None:
        u = self._urls
        with self.store.engine.connect() as conn:
            row = conn.execute(select(u).where(u.c.url == url)).mappings().first()
        return UrlRecord(**dict(row)) if row else None

    def record_urls(self, records: Sequence[UrlRecord]) -> None:
        """Insert or replace URL rows, all in one transaction."""
        if not records:
            return
        rows = {r.url: asdict(r) for r in records}  # last record of a URL wins
        with self.store.engine.begin() as conn:
            conn.execute(delete(self._urls).where(self._urls.c.url.in_(sorted(rows))))
            conn.execute(insert(self._urls), list(rows.values()))

    def feed_state(self, url: str) -> FeedState | None:
        f = self._feeds
        with self.store.engine.connect() as conn:
            row = conn.execute(select(f).where(f.c.url == url)).mappings().first()
        return FeedState(**dict(row)) if row else None

    def record_feed(self, state: FeedState, entries: Sequence[FeedEntry], now: str) -> None:
        """Save a feed's state and its entries (new ones only; first_seen kept) at once."""
        f, e = self._feeds, self._entries
        with self.store.engine.begin() as conn:
            conn.execute(delete(f).where(f.c.url == state.url))
            conn.execute(insert(f), [asdict(state)])
            have = set(conn.execute(select(e.c.url).where(e.c.feed_url == state.url)).scalars())
            new = {x.url: x for x in entries if x.url not in have}
            if new:
                conn.execute(insert(e), [
                    {"feed_url": state.url, "url": x.url, "title": x.title, "published": x.published,
                     "published_source": x.published_source, "updated": x.updated,
                     "updated_source": x.updated_source, "first_seen": now} for x in new.values()])

    def feed_entries(self, feed_url: str) -> list[dict]:
        e = self._entries
        with self.store.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(e).where(e.c.feed_url == feed_url).order_by(e.c.url)).mappings()]
