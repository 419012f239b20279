"""Evidence in the original text: an event's mentions and an article's annotations.

Why one module: both pages show an article's original text (the text every offset
indexes) with spans marked on it: the evidence sentence of each mention, boilerplate the
cleaner removed (struck through), entity mentions and time expressions. The data comes
back as JSON-ready dicts with original offsets; ``highlight.pieces`` cuts the text for
the templates.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crosscheck.store import Store
from crosscheck.web.db import names
from crosscheck.web.events import event_row
from crosscheck.web.highlight import Span, pieces, window
from crosscheck.web.verification import Verification, unverified_articles

LONG_TEXT = 12_000  # longer originals are shown as a window around the evidence
RADIUS = 3_000


def article_texts(store: Store, conn: Connection, ids: list[str]) -> dict[str, dict]:
    """Article id -> its storyline summary with ``original`` and ``removed`` spans."""
    if not ids:
        return {}
    sa, arts = store.table("storyline_articles"), store.table("articles")
    rows = conn.execute(select(sa, arts.c.original.label("stored_original")).select_from(
        sa.outerjoin(arts, arts.c.id == sa.c.article_id)).where(sa.c.article_id.in_(ids))).mappings()
    out = {}
    for r in rows:
        out[r["article_id"]] = {
            "id": r["article_id"], "title": r["title"], "outlet": r["outlet"], "published": r["published"],
            "published_method": r["published_method"], "published_reason": r["published_reason"],
            "published_evidence": r["published_evidence"],
            "published_span": [r["published_start"], r["published_end"]] if r["published_start"] is not None else None,
            "url": r["url"], "format": r["format"], "same_origin_as": r["same_origin_as"],
            "boilerplate_chars": r["boilerplate_chars"],
            "original": r["original"] if r["original"] is not None else (r["stored_original"] or ""),
            "removed": [{"start": s, "end": e, "reason": why} for s, e, why, _text in json.loads(r["removed"])],
        }
    return out


def _mention(m, art: dict) -> dict:
    return {"id": m.id, "article": m.article, "article_title": art.get("title"), "outlet": art.get("outlet"),
            "published": art.get("published"), "start": m.start, "end": m.end, "text": m.text,
            "attributed_to": m.attributed_to, "attribution_kind": m.attribution_kind,
            "date": m.date.iso() if m.date else None, "date_text": m.date_text, "kind": m.kind,
            "trigger": m.trigger, "negated": m.negated}


def event_detail(store: Store, conn: Connection, event_id: str) -> dict | None:
    """An event with its mentions, outlets and the claims for and against it."""
    row = event_row(store, conn, event_id)
    if row is None:
        return None
    events = store.load_events([event_id])
    mentions = sorted(events[0].mentions, key=lambda m: (m.article, m.start)) if events else []
    articles = sorted({m.article for m in mentions})
    texts = article_texts(store, conn, articles)
    row["mentions"] = [_mention(m, texts.get(m.article, {})) for m in mentions]
    row["verification"] = Verification.of(store).for_event(conn, event_id, [m.id for m in mentions])
    row["verification"]["unverified_articles"] = unverified_articles(store, conn, articles)
    return row


def mention_view(mention: dict, art: dict, n: int) -> dict:
    """One mention in its article's original text: pieces with the evidence marked."""
    text = art.get("original", "")
    spans = [Span(mention["start"], mention["end"], "ev", anchor=f"ev-{n}", title="evidence for this event")]
    spans += [Span(r["start"], r["end"], "rm", title=f"removed as boilerplate: {r['reason']}") for r in art["removed"]]
    lo, hi = (0, len(text)) if len(text) <= LONG_TEXT else window(text, mention["start"], mention["end"], RADIUS)
    return {**mention, "pieces": pieces(text, spans, lo, hi), "cut_before": lo > 0, "cut_after": hi < len(text)}


def article_detail(store: Store, conn: Connection, article_id: str) -> dict | None:
    """An article's summary, original text and every annotation, in original offsets."""
    texts = article_texts(store, conn, [article_id])
    if article_id not in texts:
        return None
    art = texts[article_id]
    record = store.load_record(article_id)
    refs = store.table("entity_refs")
    rows = conn.execute(select(refs.c.entity_id, refs.c.start_char, refs.c.end_char, refs.c.text).where(
        refs.c.article_id == article_id).order_by(refs.c.start_char)).all()
    known = names(store, conn, {r[0] for r in rows})
    art["entities"] = [{"entity": e, "name": known.get(e, {}).get("name", e), "start": s, "end": en, "text": t}
                       for e, s, en, t in rows]
    art["times"] = []
    if record is not None:
        for t in record.times:
            s, e = record.clean.to_original(t.start, t.end)
            art["times"].append({"start": s, "end": e, "text": record.source.original[s:e], "value": t.value,
                                 "type": t.type})
    links = store.table("event_mention_links")
    art["event_mentions"] = [
        {"event": ev, "start": s, "end": e, "title": title} for ev, s, e, title in conn.execute(
            select(links.c.event_id, links.c.start_char, links.c.end_char, links.c.title).where(
                links.c.article_id == article_id).order_by(links.c.start_char))]
    return art


def article_pieces(art: dict) -> list:
    """The article's original text cut for the page: boilerplate struck, entities and time
    expressions highlighted, evidence sentences underlined."""
    spans = [Span(r["start"], r["end"], "rm", title=f"removed as boilerplate: {r['reason']}") for r in art["removed"]]
    spans += [Span(e["start"], e["end"], "ent", href=f"/entities/{e['entity']}", title=e["name"])
              for e in art["entities"]]
    spans += [Span(t["start"], t["end"], "tx", title=f"{t['type']} {t['value']}") for t in art["times"]]
    spans += [Span(m["start"], m["end"], "evs", href=f"/events/{m['event']}", title=m["title"])
              for m in art["event_mentions"]]
    if art.get("published_span"):
        spans.append(Span(*art["published_span"], "pub", title="publication date evidence"))
    return pieces(art["original"], spans)

