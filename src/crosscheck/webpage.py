"""What a fetched HTML page says about itself: canonical URL, dates, title.

Why separate from cleaning: these facts decide identity ("is this the article we
already have?") and which date the feed and the page each give, before the article
enters the pipeline. Where a page states its dates is data (``data/web.json``:
``page_dates``), tried in order; every date found keeps how it was found, e.g.
``page:meta[property=article:published_time]`` or ``page:json-ld:datePublished``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator

import lxml.html
from lxml import etree

from crosscheck.ingest import decode_bytes, normalized_hash
from crosscheck.models import SourceDocument
from crosscheck.urls import article_id, canonical_url, resolve, web_rules


@dataclass(frozen=True)
class PageInfo:
    canonical: str | None = None  # normalised rel=canonical, when the page declares one
    title: str | None = None
    published: str | None = None
    published_source: str | None = None
    updated: str | None = None
    updated_source: str | None = None


def decode_page(body: bytes, charset: str | None) -> tuple[str, str] | str:
    """Text and encoding of a response body, or the reason it is not text.

    The charset the server declares comes first; without one (or when it does not
    decode) the same BOM / UTF-8 / charset-normalizer cascade as for files.
    """
    if charset:
        try:
            text = body.decode(charset)
            if text.strip() and "\x00" not in text:
                return text, charset.lower()
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(body)


def page_info(html: str, url: str) -> PageInfo:
    """Canonical URL, title and the page's own published/updated dates."""
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return PageInfo()
    canon = None
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels:
            href = resolve(url, link.get("href"))
            canon = canonical_url(href) if href else None
            break
    title = root.findtext(".//title")
    found = {kind: _first_date(root, rules) for kind, rules in web_rules()["page_dates"].items()}
    pub, upd = found.get("published") or (None, None), found.get("updated") or (None, None)
    return PageInfo(canon, title.strip() if title and title.strip() else None, pub[0], pub[1], upd[0], upd[1])


def _first_date(root, rules: list[list[str]]) -> tuple[str, str] | None:
    ld = None
    for kind, attr, value in rules:
        if kind == "meta":
            for meta in root.iter("meta"):
                if (meta.get(attr) or "").lower() == value.lower() and (meta.get("content") or "").strip():
                    return meta.get("content").strip(), f"page:meta[{attr}={value}]"
        elif kind == "jsonld":
            ld = ld if ld is not None else list(_jsonld_objects(root))
            for obj in ld:
                v = obj.get(attr)
                if isinstance(v, str) and v.strip():
                    return v.strip(), f"page:json-ld:{attr}"
        elif kind == "time":
            for t in root.iter("time"):
                if t.get(attr) is not None and (t.get("datetime") or "").strip():
                    return t.get("datetime").strip(), f"page:time[{attr}]"
    return None


def _jsonld_objects(root) -> Iterator[dict]:
    for script in root.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except json.JSONDecodeError:
            continue
        yield from _walk(data, 0)


def _walk(data, depth: int) -> Iterator[dict]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in data:
                yield from _walk(data[key], depth + 1)


def page_document(url: str, text: str, encoding: str, *, path: str, page: PageInfo,
                  outlet: str | None, title: str | None = None,
                  feed_published: tuple[str, str] | None = None) -> SourceDocument:
    """A fetched or archived page as the pipeline's input record.

    Identity is the canonical URL (the page's rel=canonical, else ``url``); the id is
    derived from it, so the same article gets the same id however it was reached. The
    publication date handed on is the feed's, else the page's own, each with its source;
    without either, the clean stage's HTML metadata (htmldate) and the text decide.
    """
    canon = page.canonical or canonical_url(url)
    raw, source = feed_published or ((page.published, page.published_source) if page.published else (None, None))
    return SourceDocument(
        id=article_id(canon), path=path, format="html", original=text,
        content_hash=normalized_hash(text), is_html=True, url=canon, title=title,
        outlet=outlet, published_raw=raw, published_raw_source=source, encoding=encoding,
    )
