"""Discover articles: RSS/Atom feeds, sitemaps (indexes and news sitemaps), OPML lists.

Why one module: a "feed" in the user's list may turn out to be any of these, so the
body is sniffed by its root element and read by the matching parser — feedparser for
RSS/Atom/RDF (given bytes, it never touches the network), lxml with entity
resolution and network access off for sitemaps and OPML.

Dates stay apart: an entry's published date and its updated date are separate fields,
each with where it came from — ``feed(rss20):published`` (feedparser's ``published``:
RSS ``<pubDate>``, Atom ``<published>``, ``dcterms:issued``), ``feed(atom10):updated``
(Atom ``<updated>``, ``dc:date``, ``dcterms:modified``), ``sitemap:news:publication_date``,
``sitemap:lastmod``. Entry URLs are canonicalised (``urls.canonical_url``).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import feedparser
from lxml import etree

from crosscheck.urls import canonical_url, is_fetchable, resolve

FeedKind = Literal["rss", "atom", "rdf", "sitemap", "sitemapindex", "unknown"]


@dataclass(frozen=True)
class FeedEntry:
    url: str  # canonical URL of the article
    title: str | None = None
    published: str | None = None
    published_source: str | None = None
    updated: str | None = None
    updated_source: str | None = None
    outlet: str | None = None  # a news sitemap's <news:publication><news:name>


@dataclass
class FeedParse:
    url: str
    kind: FeedKind
    title: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # child sitemaps of a sitemap index
    error: str | None = None


@dataclass
class FeedList:
    urls: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


def _local(tag) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def gunzip(body: bytes, max_bytes: int) -> bytes | str:
    """Inflate a gzip body (``sitemap.xml.gz``) up to the size cap, else the reason."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        return f"bad gzip data: {exc}"
    if len(out) > max_bytes:
        return f"too large: more than {max_bytes} bytes once decompressed"
    return out


def parse_feed(body: bytes, url: str, max_bytes: int = 5_000_000) -> FeedParse:
    """Parse a feed or sitemap body fetched from ``url``."""
    data = gunzip(body, max_bytes)
    if isinstance(data, str):
        return FeedParse(url, "unknown", error=data)
    root = _root(data)
    name = _local(root.tag) if root is not None else ""
    if name == "urlset":
        return _sitemap(root, url)
    if name == "sitemapindex":
        children = [u for u in (resolve(url, _text(s, "loc")) for s in root if _local(s.tag) == "sitemap") if u]
        return FeedParse(url, "sitemapindex", children=children)
    return _feed(data, url, name)


def _root(data: bytes):
    try:
        return etree.fromstring(data.lstrip(), _parser())
    except (etree.XMLSyntaxError, ValueError):
        return None


def _text(el, child: str) -> str | None:
    for c in el.iter():
        if _local(c.tag) == child and c.text and c.text.strip():
            return c.text.strip()
    return None


def _sitemap(root, url: str) -> FeedParse:
    entries = []
    for u in root:
        if _local(u.tag) != "url":
            continue
        loc = resolve(url, _text(u, "loc"))
        if not loc:
            continue
        pub, lastmod = _text(u, "publication_date"), _text(u, "lastmod")
        entries.append(FeedEntry(
            canonical_url(loc), title=_text(u, "title"),
            published=pub, published_source="sitemap:news:publication_date" if pub else None,
            updated=lastmod, updated_source="sitemap:lastmod" if lastmod else None,
            outlet=_text(u, "name")))
    return FeedParse(url, "sitemap", entries=entries)


def _feed(data: bytes, url: str, root_name: str) -> FeedParse:
    parsed = feedparser.parse(data, response_headers={"content-location": url})
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        shown = f"its root element is <{root_name}>" if root_name else "it is not well-formed XML"
        return FeedParse(url, "unknown", error=f"not an RSS/Atom feed or a sitemap ({shown})")
    kind: FeedKind = "atom" if version.startswith("atom") else "rdf" if version.startswith("rss1") else "rss"
    label = version or kind
    entries = []
    for e in parsed.entries:
        link = resolve(url, e.get("feedburner_origlink") or e.get("link"))
        if not link:
            continue
        # dict.get: feedparser's own .get falls back from "updated" to "published"
        pub, upd = dict.get(e, "published"), dict.get(e, "updated")
        entries.append(FeedEntry(
            canonical_url(link), title=(e.get("title") or "").strip() or None,
            published=pub, published_source=f"feed({label}):published" if pub else None,
            updated=upd, updated_source=f"feed({label}):updated" if upd else None))
    title = (parsed.feed.get("title") or "").strip() or None
    return FeedParse(url, kind, title=title, entries=entries)


def newest_first(entries: list[FeedEntry], limit: int | None) -> list[FeedEntry]:
    """Entries by date, newest first (undated keep feed order, last), at most ``limit``;
    one entry per URL (the first seen wins)."""
    from crosscheck.pubdate import parse_date_text

    seen: dict[str, FeedEntry] = {}
    for e in entries:
        seen.setdefault(e.url, e)

    def key(item: tuple[int, FeedEntry]) -> tuple:
        i, e = item
        value, _how = parse_date_text(e.published or e.updated or "") if (e.published or e.updated) else (None, "")
        return (0, -value.first_day().toordinal(), i) if value else (1, 0, i)

    ordered = [e for _, e in sorted(enumerate(seen.values()), key=key)]
    return ordered if limit is None else ordered[:limit]


def read_feed_list(path: str | Path) -> FeedList:
    """Feed URLs from a file: OPML (``<outline xmlUrl=…>``) or one URL per line
    (blank lines and ``#`` comments ignored). Bad lines are reported, not fatal."""
    p = Path(path)
    out = FeedList()
    data = p.read_bytes()
    if b"<opml" in data[:2000].lower():
        root = _root(data)
        if root is None:
            out.errors.append((str(p), "unreadable OPML"))
            return out
        for el in root.iter():
            url = el.get("xmlUrl") or el.get("xmlurl") if _local(el.tag) == "outline" else None
            if url:
                _add(out, url, f"{p} outline {el.get('text') or el.get('title') or ''}".strip())
        return out
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            _add(out, line, f"{p}:{n}")
    return out


def _add(out: FeedList, url: str, where: str) -> None:
    url = url.strip()
    if not is_fetchable(url):
        out.errors.append((where, f"{url!r} is not an http(s) URL"))
    elif url not in out.urls:
        out.urls.append(url)
