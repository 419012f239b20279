"""The storyline as one self-contained, readable HTML report (report.html).

Why server-side highlighting: evidence offsets are Python character offsets into each
article's original text. Cutting that text into spans here (then escaping every piece)
keeps the highlight exact, whatever the browser does to ``\\r\\n``, astral characters or
a leading newline, and never lets article content act as markup: the template runs with
autoescape on, and the only JavaScript is a fixed inline script that toggles classes.
The report loads nothing from outside (no CDN, no fonts, no images).

The view is built from ``export.storyline_to_dict`` so the report and storyline.json
agree on order and content.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Iterator, Sequence

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from crosscheck.export import storyline_to_dict
from crosscheck.models import ArticleSummary, PartialDate, Storyline
from crosscheck.report_claims import claim_quotes, disagreements, event_badges

TEMPLATES = Path(__file__).parent / "templates"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fixed: not the locale's
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# How each kind of attribution reads under a quote; {who} is attributed_to.
ATTRIBUTION = {
    "outlet": "in the outlet's own voice",
    "person": "according to {who}",
    "sources": "according to {who}",
    "document": "according to {who}",
    "organization": "according to {who}",
}
GROUP_SUFFIX = {"day": "", "month": " (month only)", "year": " (year only)"}


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    css: str  # "q" evidence quote, "rm" removed boilerplate, "pub" publication-date evidence
    key: str = ""  # quote key, shared by the quote link and the highlighted text
    note: str = ""  # shown as a tooltip


def date_label(d: PartialDate | None) -> str:
    """Human label of a (partial) date, e.g. "Thu 22 October 2015", "October 2015"."""
    if d is None:
        return "Undated"
    if d.month is None:
        return f"{d.year}"
    if d.day is None:
        return f"{MONTHS[d.month - 1]} {d.year}"
    wd = WEEKDAYS[_dt.date(d.year, d.month, d.day).weekday()]
    return f"{wd} {d.day} {MONTHS[d.month - 1]} {d.year}"


def group_label(iso: str | None) -> str:
    if iso is None:
        return "Undated"
    d = PartialDate.parse(iso)
    return date_label(d) + GROUP_SUFFIX[d.precision]


def attribution_text(kind: str, who: str) -> str:
    template = ATTRIBUTION.get(kind, "according to {who}")
    text = template.format(who=who)
    return who if who.lower().startswith("according to") else text


def _quote_key(anchor: str, start: int, end: int) -> str:
    return f"{anchor}-{start}-{end}"  # only [a-z0-9-]: safe in ids and CSS selectors


def _mention_view(m: dict[str, Any], anchors: dict[str, str], titles: dict[str, str]) -> dict:
    anchor = anchors.get(m["article"], "")
    return {
        **m,
        "anchor": anchor,
        "key": _quote_key(anchor, m["start"], m["end"]),
        "article_title": titles.get(m["article"]) or m["article"],
        "attribution": attribution_text(m["attribution_kind"], m["attributed_to"]),
    }


def _timeline(events: list[dict], anchors: dict[str, str], titles: dict[str, str]) -> list[dict]:
    """Consecutive events with the same (partial) date form one group, in export order."""
    groups: list[dict] = []
    for ev in events:
        view = {**ev, "mentions": [_mention_view(m, anchors, titles) for m in ev["mentions"]],
                "n_reports": len(ev["outlets"]) + len(ev["unknown_outlet_articles"])}
        view["search"] = " ".join([ev["title"], ev["kind"], *ev["actor_names"],
                                   *ev["place_names"], *ev["outlets"]]).lower()
        if not groups or groups[-1]["date"] != ev["date"]:
            groups.append({"date": ev["date"], "precision": ev["precision"],
                           "label": group_label(ev["date"]), "events": []})
        groups[-1]["events"].append(view)
    return groups


def _segments(text: str, spans: list[_Span]) -> list[dict]:
    """Cut ``text`` at every span edge; each piece carries the spans covering it."""
    n = len(text)
    spans = [s for s in spans if 0 <= s.start < s.end <= n]
    cuts = sorted({0, n, *(s.start for s in spans), *(s.end for s in spans)})
    out: list[dict] = []
    for a, b in pairwise(cuts):
        cover = [s for s in spans if s.start <= a and b <= s.end]
        keys = sorted({s.key for s in cover if s.key})
        first = [s.key for s in cover if s.key and s.start == a]
        out.append({
            "text": text[a:b],
            "css": " ".join(sorted({s.css for s in cover})),
            "qkeys": " ".join(keys),
            "id": first[0] if first else "",
            "note": "; ".join(sorted({s.note for s in cover if s.note})),
        })
    return out


def _article_spans(s: ArticleSummary, anchor: str, quotes: list[dict]) -> list[_Span]:
    spans = [_Span(q["start"], q["end"], "q", _quote_key(anchor, q["start"], q["end"]))
             for q in quotes]
    spans += [_Span(r.start, r.end, "rm", note=f"removed as boilerplate: {r.reason}")
              for r in s.removed]
    if s.published_span:
        spans.append(_Span(*s.published_span, "pub", note="publication date evidence"))
    return spans


def _article_views(st: Storyline, data: dict, events: list[dict], anchors: dict[str, str],
                   extra: Sequence[dict] = ()) -> Iterator[dict]:
    """One view per article, made when the template reaches it: an article's segments
    (a dict per highlighted piece of its whole text) are the bulkiest part of the report,
    and only one article's are alive at a time while ``write_report`` streams. ``events``:
    the view's event dicts (those of ``data`` are made afresh on each pass when lazy)."""
    summaries = {a.id: a for a in st.articles}
    quotes: dict[str, list[dict]] = {}
    for ev in events:
        for m in ev["mentions"]:
            quotes.setdefault(m["article"], []).append(m)
    for q in extra:  # sentences the verification views link to
        quotes.setdefault(q["article"], []).append(q)
    for a in data["articles"]:
        s = summaries[a["id"]]
        anchor = anchors[a["id"]]
        yield {
            **a, "anchor": anchor,
            "published_label": date_label(s.published),
            "same_origin_anchor": anchors.get(a["same_origin_as"] or ""),
            "n_quotes": len(quotes.get(a["id"], [])),
            "n_chars": len(s.original),
            "segments": _segments(s.original, _article_spans(s, anchor, quotes.get(a["id"], []))),
        }


def build_view(storyline: Storyline, title: str = "Storyline", generated: str | None = None,
               data: dict | None = None) -> dict:
    """Everything the template shows, as plain data (testable without HTML); ``data`` is
    ``storyline_to_dict(storyline)`` when the caller already built it. ``articles`` is an
    iterator, read once (see ``_article_views``)."""
    data = storyline_to_dict(storyline, lazy=True) if data is None else data
    anchors = {a["id"]: f"art-{i}" for i, a in enumerate(data["articles"])}
    titles = {a["id"]: a["title"] for a in data["articles"]}
    originals = {a.id: a.original for a in storyline.articles}
    badges = event_badges(data, anchors, titles, originals, _quote_key)
    disagree = disagreements(data, anchors, titles, originals, _quote_key)
    events = [{**e, "badge": badges.get(e["id"])} for e in data["events"]]
    return {
        "title": title,
        "generated": generated,
        "counts": {
            **data["counts"],
            "multi_source_events": sum(1 for e in events if len(e["articles"]) > 1),
            "dated_events": sum(1 for e in events if e["date"]),
        },
        "timeline": _timeline(events, anchors, titles),
        "entities": data["entities"],
        "articles": _article_views(storyline, data, events, anchors, claim_quotes(disagree, badges)),
        "disagreements": disagree,
        "anchors": anchors,
        "duplicates": data["duplicates"],
        "errors": data["errors"],
    }


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


def render_html(storyline: Storyline, title: str = "Storyline", generated: str | None = None,
                data: dict | None = None) -> str:
    """The report as one HTML string; ``generated`` (e.g. a timestamp) only if given."""
    return "".join(_render(storyline, title=title, generated=generated, data=data))


def _render(storyline: Storyline, **kwargs: Any) -> Iterator[str]:
    view = build_view(storyline, **kwargs)
    return _environment().get_template("report.html").generate(**view)


def write_report(storyline: Storyline, path: str | Path, **kwargs: Any) -> None:
    """report.html, written as the template renders it (the same bytes as
    ``render_html``): neither the whole page nor every article's segments are held."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.writelines(_render(storyline, **kwargs))
