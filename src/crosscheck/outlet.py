"""Which outlet published an article, and how we know.

Why a separate step: plain-text news rarely states its publisher in metadata, yet it
leaves traces. The cascade, most to least reliable (a re-post carries the ORIGINAL
outlet's byline and "appeared first on" line, so the publisher's own footer outranks
them):

1. Metadata: the JSON ``outlet``/``source`` field.
2. The publisher's own footer: "To contact the X editors visit:", "© 2023 X".
3. The HTML page's site name (``og:site_name``) or ``<title>`` suffix ("… | X").
4. The byline's affiliation: "By Petra Olsen, Northsea Dispatch" (not a job title).
5. The cleaner's hint ("appeared first on X", a footer domain).
6. The outlet naming itself in the body: "DEBKA Weekly's sources reveal".
7. The domain of the article URL.
Otherwise unknown: ``None`` with the reason.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from urllib.parse import urlparse

from crosscheck.models import CleanDocument, SourceDocument

_CONTACT = re.compile(r"To contact (?:the )?(.+?)(?: (?:newsroom|editors?|editorial team|team|desk))? visit", re.I)
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*)?(?:by\s+)?([A-Z][\w&.' -]{2,60}?)(?:[.,]|\s+All rights|$)", re.I | re.M)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_TITLE_SUFFIX = re.compile(r"\s(?:\||–|—|-|::)\s([^|–—]{2,60})$")
_BYLINE = re.compile(r"^(?:By\s+)?[^,;]+[,;]\s*(.+)$")
_DOMAIN = re.compile(r"\b((?:[a-z0-9-]+\.)+[a-z]{2,})(?:/\S*)?\s*$", re.I)
_ROLES = re.compile(r"\b(correspondent|editor|reporter|writer|staff|desk|bureau|chief|columnist|contributor|analyst|producer)\b", re.I)
_SELF_REFERENCE = re.compile(
    r"\b((?:[A-Z][A-Za-z&-]*[ ]){0,3}[A-Z][A-Za-z&-]*)[\u2019']s\s+(?:own\s+|exclusive\s+)?"
    r"(?:[a-z]+\s+(?:and\s+[a-z]+\s+)?)?sources\b"
)


def infer_outlet(source: SourceDocument, clean: CleanDocument) -> tuple[str | None, str]:
    """Return (outlet name or None, how it was found / why unknown)."""
    steps = (
        (lambda: source.outlet, "metadata"),
        (lambda: _from_footer(clean), "publisher's footer"),
        (lambda: _from_html(source, clean), "HTML site name or title"),
        (lambda: _from_byline(clean.byline), "byline affiliation"),
        (lambda: clean.outlet_hint, "boilerplate hint"),
        (lambda: _from_self_reference(clean.body), "self-reference in the text"),
        (lambda: _from_url(source.url), "URL domain"),
    )
    for find, how in steps:
        name = find()
        if name:
            return name.strip(), how
    return None, "no metadata, footer, byline, self-reference or URL names the outlet"


def _from_footer(clean: CleanDocument) -> str | None:
    for r in clean.removed:
        m = _CONTACT.search(r.text)
        if m:
            name = m.group(1).strip()
            if " and " not in name:
                return name
            rest = r.text[m.end():]
            domain = _DOMAIN.search(rest.strip().split("\n")[-1]) if rest.strip() else None
            return domain.group(1).lower() if domain else name
        m = _COPYRIGHT.search(r.text)
        if m and not _ROLES.search(m.group(1)):
            return m.group(1).strip()
    return None


def _from_html(source: SourceDocument, clean: CleanDocument) -> str | None:
    if not source.is_html:
        return None
    if clean.outlet_hint and "." not in clean.outlet_hint:
        return clean.outlet_hint
    m = _TITLE.search(source.original)
    if m:
        suffix = _TITLE_SUFFIX.search(html.unescape(m.group(1)).strip())
        if suffix:
            return suffix.group(1)
    return None


def _from_byline(byline: str | None) -> str | None:
    if not byline:
        return None
    m = _BYLINE.match(byline.strip())
    if m and not _ROLES.search(m.group(1)) and m.group(1)[:1].isupper():
        return m.group(1)
    return None


def _from_self_reference(body: str) -> str | None:
    named = Counter(m.group(1).strip() for m in _SELF_REFERENCE.finditer(body))
    named = Counter({k: v for k, v in named.items() if len(k) > 2})
    if named and named.most_common(1)[0][1] >= 2:
        return named.most_common(1)[0][0]
    return None


def _from_url(url: str | None) -> str | None:
    host = urlparse(url).hostname if url else None
    return host.removeprefix("www.") if host else None
