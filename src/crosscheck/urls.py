"""URLs: which ones may be fetched, and when two of them are "the same article".

Why a module of its own: the fetcher, the feed reader, the WARC reader and the store
all have to agree on one identity for an article. Identity is the canonical URL: the
page's own ``rel=canonical`` when it declares one, otherwise the URL as fetched, in
both cases normalised by courlan (lower-case scheme and host, default port dropped,
query keys sorted, known tracking keys dropped) plus the tracking keys listed in
``data/web.json``, and without the fragment (it never names another article).
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from courlan import normalize_url

from crosscheck.clean import load_json

ALLOWED_SCHEMES = ("http", "https")


@cache
def web_rules() -> dict:
    """The web heuristics data file (constant: cached, output never changes)."""
    return load_json("web.json")


def is_fetchable(url: str) -> bool:
    """http(s) with a host: nothing else is ever requested (no file://, ftp:, data:)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ALLOWED_SCHEMES and bool(parts.hostname)


def host_of(url: str) -> str:
    """Lower-case host (with a non-default port), the unit of politeness."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port and parts.port not in (80, 443) else host


def _tracking(key: str) -> bool:
    key = key.lower()
    for name in web_rules()["tracking_params"]:
        if key == name or (name.endswith("*") and key.startswith(name[:-1])):
            return True
    return False


def canonical_url(url: str) -> str:
    """The normalised form of ``url`` that decides identity (see the module docstring).

    A URL that courlan cannot normalise is returned stripped of its fragment only.
    """
    url = url.strip()
    try:
        norm = normalize_url(url)
    except (ValueError, AttributeError):
        norm = url
    parts = urlsplit(norm)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _tracking(k)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def resolve(base: str, href: str | None) -> str | None:
    """An absolute http(s) URL for a link found in ``base``, or None."""
    if not href or not href.strip():
        return None
    url = urljoin(base, href.strip())
    return url if is_fetchable(url) else None


_SLUG = re.compile(r"[^a-z0-9]+")


def article_id(url: str) -> str:
    """A stable, readable article id for a canonical URL: host and path slug plus a
    short hash (two URLs with the same slug still get different ids)."""
    parts = urlsplit(url)
    slug = _SLUG.sub("-", f"{parts.hostname or ''}{parts.path}".lower()).strip("-")
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:8]
    return f"{slug[:80].rstrip('-')}-{digest}"
