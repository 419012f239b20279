"""Which outlet published an article, and how we know.

Why a separate step: plain-text news rarely states its publisher in metadata, yet it
leaves traces: a footer domain, "The post ... appeared first on X", or the outlet
speaking of itself ("DEBKA Weekly's sources reveal", "X has learned"). The cascade:

1. Metadata (JSON ``outlet``/``source`` field, HTML site name found by the cleaner).
2. The cleaner's hint from boilerplate (footer domain, "appeared first on").
3. The outlet naming itself in the body: "<Name>'s (military|...) sources".
4. The domain of the article URL.
Otherwise unknown: ``None`` with the reason.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlparse

from crosscheck.models import CleanDocument, SourceDocument

_SELF_REFERENCE = re.compile(
    r"\b((?:[A-Z][A-Za-z.&-]*\s){0,3}[A-Z][A-Za-z.&-]*)[\u2019']s\s+(?:own\s+|exclusive\s+)?"
    r"(?:[a-z]+\s+(?:and\s+[a-z]+\s+)?)?sources\b"
)


def infer_outlet(source: SourceDocument, clean: CleanDocument) -> tuple[str | None, str]:
    """Return (outlet name or None, how it was found / why unknown)."""
    if source.outlet:
        return source.outlet, "metadata"
    if clean.outlet_hint:
        return clean.outlet_hint, "boilerplate"
    named = Counter(m.group(1).strip() for m in _SELF_REFERENCE.finditer(clean.body))
    named = Counter({k: v for k, v in named.items() if len(k) > 2})
    if named and named.most_common(1)[0][1] >= 2:
        return named.most_common(1)[0][0], "self-reference in the text"
    if source.url:
        host = urlparse(source.url).hostname or ""
        if host:
            return host.removeprefix("www."), "url domain"
    return None, "no metadata, footer, self-reference or URL names the outlet"
