"""Cut an article's original text into pieces for highlighting, escaped by the template.

Why pieces and not HTML strings: offsets index the original text, so the server cuts
that text at every span edge and hands the template plain strings with their classes;
Jinja's autoescape then escapes every piece. Article text never becomes markup, and a
highlight lands exactly where the pipeline's offsets say, whatever the text contains.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class Span:
    """A range of the text to mark: ``css`` classes, an optional link and tooltip."""

    start: int
    end: int
    css: str
    href: str = ""
    title: str = ""
    anchor: str = ""  # element id given to the first piece of the span


@dataclass(frozen=True)
class Piece:
    text: str
    css: str = ""
    href: str = ""
    title: str = ""
    anchor: str = ""


def pieces(text: str, spans: list[Span], lo: int = 0, hi: int | None = None) -> list[Piece]:
    """``text[lo:hi]`` cut at every span edge; each piece carries the spans covering it.

    Overlapping spans combine their classes; the innermost (shortest) span's link and
    tooltip win, so an entity inside an evidence sentence still links to the entity.
    """
    hi = len(text) if hi is None else hi
    spans = [s for s in spans if s.start < s.end and s.end > lo and s.start < hi]
    cuts = sorted({lo, hi, *(max(lo, s.start) for s in spans), *(min(hi, s.end) for s in spans)})
    out: list[Piece] = []
    for a, b in pairwise(cuts):
        cover = sorted((s for s in spans if s.start <= a and b <= s.end), key=lambda s: s.end - s.start)
        linked = next((s for s in cover if s.href), None)
        titled = next((s for s in cover if s.title), None)
        anchor = next((s.anchor for s in cover if s.anchor and s.start == a), "")
        out.append(Piece(text[a:b], " ".join(sorted({c for s in cover for c in s.css.split()})),
                         linked.href if linked else "", titled.title if titled else "", anchor))
    return out


def window(text: str, start: int, end: int, radius: int) -> tuple[int, int]:
    """A range around ``[start, end)`` of about ``radius`` characters each side, widened
    to line breaks when one is near, so an excerpt starts and ends cleanly."""
    lo, hi = max(0, start - radius), min(len(text), end + radius)
    if lo > 0:
        nl = text.find("\n", lo, start)
        lo = nl + 1 if nl != -1 else lo
    if hi < len(text):
        nl = text.rfind("\n", end, hi)
        hi = nl if nl != -1 else hi
    return lo, hi
