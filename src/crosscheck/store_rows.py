"""How article records and storylines map to table rows and back (``store.py``'s rows).

Why a module of its own: the store decides what is read and written when (transactions,
chunks, queries); this module only says what one row holds. Partial dates are their ISO
string plus their precision, offsets a ``<prefix>_start``/``<prefix>_end`` pair, small
nested lists JSON text.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections import defaultdict
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, TypeVar

from crosscheck.models import (
    ArticleRecord,
    ArticleSummary,
    CleanDocument,
    DuplicateRecord,
    EntityMention,
    Event,
    EventMention,
    OffsetBlock,
    PartialDate,
    PublicationDate,
    Removed,
    Sentence,
    SourceDocument,
    Storyline,
    TimeExpression,
)
from crosscheck.store_claims import claim_from, claim_row, shared, verification_rows
from crosscheck.store_claims import js

Row = dict[str, Any]  # one table row, by column name
T = TypeVar("T")
_FORM_WORDS = re.compile(r"[a-z0-9]+")


# --------------------------------------------------------------------------- value helpers
def _iso(d: PartialDate | None) -> str | None:
    return d.iso() if d is not None else None


def _prec(d: PartialDate | None) -> str | None:
    return d.precision if d is not None else None


def pdate(value: str | None) -> PartialDate | None:
    return PartialDate.parse(value) if value else None


def _span_cols(prefix: str, span: tuple[int, int] | None) -> Row:
    s, e = span if span is not None else (None, None)
    return {f"{prefix}_start": s, f"{prefix}_end": e}


def _span(row: Row, prefix: str) -> tuple[int, int] | None:
    s, e = row[f"{prefix}_start"], row[f"{prefix}_end"]
    return None if s is None or e is None else (s, e)




# --------------------------------------------------------------------------- article rows
def article_row(r: ArticleRecord) -> Row:
    src, cl, pub = r.source, r.clean, r.published
    return {
        "id": src.id, "path": src.path, "format": src.format, "url": src.url,
        "title": src.title, "outlet": src.outlet, "content_hash": src.content_hash,
        "is_html": src.is_html, "encoding": src.encoding, "published_raw": src.published_raw,
        "published_raw_source": src.published_raw_source,
        "published": _iso(pub.value), "published_precision": _prec(pub.value),
        "published_method": pub.method, "published_evidence": pub.evidence,
        **_span_cols("published_evidence", pub.evidence_span),
        "published_reason": pub.reason,
        "published_earliest": _iso(pub.earliest), "published_earliest_precision": _prec(pub.earliest),
        "published_latest": _iso(pub.latest), "published_latest_precision": _prec(pub.latest),
        "original": src.original, "body": cl.body,
        "blocks": js([[b.body_start, b.body_end, b.orig_start, b.orig_end] for b in cl.blocks]),
        "clean_title": cl.title, **_span_cols("clean_title", cl.title_span),
        "byline": cl.byline, **_span_cols("byline", cl.byline_span),
        "dateline": cl.dateline, **_span_cols("dateline", cl.dateline_span),
        "metadata_date": cl.metadata_date, "metadata_date_source": cl.metadata_date_source,
        "outlet_hint": cl.outlet_hint,
    }


def _mention_row(m: EventMention) -> Row:
    """An EventMention as columns (shared by ``event_mentions`` and the storyline links)."""
    return {
        "mention_id": m.id, "start_char": m.start, "end_char": m.end, "text": m.text,
        "body_start": m.body_start, "body_end": m.body_end, "trigger": m.trigger,
        "kind": m.kind, "title": m.title, "actors": js(m.actors), "places": js(m.places),
        "date": _iso(m.date), "date_precision": _prec(m.date), "date_text": m.date_text,
        "attributed_to": m.attributed_to, "attribution_kind": m.attribution_kind,
        "negated": m.negated, "actor_mentions": js(m.actor_mentions),
        "place_mentions": js(m.place_mentions),
    }


def child_rows(r: ArticleRecord) -> dict[str, list[Row]]:
    """Rows of every child table of one article, keyed by table name."""
    aid = r.id
    rows: dict[str, list[Row]] = {
        "removed_segments": [
            {"start_char": x.start, "end_char": x.end, "reason": x.reason, "text": x.text}
            for x in r.clean.removed],
        "sentences": [{"start_char": s.start, "end_char": s.end, "text": s.text} for s in r.sentences],
        "entity_mentions": [
            {"start_char": m.start, "end_char": m.end, "text": m.text, "label": m.label,
             "sentence": m.sentence, "entity_id": m.entity_id} for m in r.mentions],
        "time_expressions": [
            {"start_char": t.start, "end_char": t.end, "text": t.text, "type": t.type,
             "value": t.value, "date": _iso(t.date), "date_precision": _prec(t.date),
             "anchor": t.anchor, "rule": t.rule, "weekday": t.weekday} for t in r.times],
        "event_mentions": [_mention_row(m) for m in r.event_mentions],
        "claims": [claim_row(c) for c in r.claims],
        "date_windows": window_rows(r.published),
    }
    for name, table_rows in rows.items():
        for i, row in enumerate(table_rows):
            row.update(article_id=aid, position=i)
    d = r.duplicate
    rows["duplicates"] = [] if d is None else [
        {"article_id": aid, "article": d.article, "same_as": d.same_as, "kind": d.kind,
         "similarity": d.similarity}]
    return rows


# --------------------------------------------------------------------------- article objects
def event_from(row: Row, mentions: list[EventMention]) -> Event:
    """A stored storyline event (its row) with its mentions."""
    return Event(row["id"], pdate(row["date"]), row["title"], row["kind"], json.loads(row["actors"]),
                 json.loads(row["places"]), mentions)


def mention_from(row: Row, article: str) -> EventMention:
    return EventMention(
        id=row["mention_id"], article=article, start=row["start_char"], end=row["end_char"],
        text=row["text"], body_start=row["body_start"], body_end=row["body_end"],
        trigger=row["trigger"], kind=row["kind"], title=row["title"],
        actors=json.loads(row["actors"]), places=json.loads(row["places"]),
        date=pdate(row["date"]), date_text=row["date_text"],
        attributed_to=row["attributed_to"], attribution_kind=row["attribution_kind"],
        negated=bool(row["negated"]), actor_mentions=json.loads(row["actor_mentions"]),
        place_mentions=json.loads(row["place_mentions"]),
    )


def _source_from(a: Row) -> SourceDocument:
    return SourceDocument(
        id=a["id"], path=a["path"], format=a["format"], original=a["original"],
        content_hash=a["content_hash"], is_html=bool(a["is_html"]), url=a["url"],
        title=a["title"], outlet=a["outlet"], published_raw=a["published_raw"],
        published_raw_source=a["published_raw_source"], encoding=a["encoding"],
    )


def _clean_from(a: Row, removed: list[Row]) -> CleanDocument:
    return CleanDocument(
        id=a["id"], body=a["body"],
        blocks=[OffsetBlock(*b) for b in json.loads(a["blocks"])],
        title=a["clean_title"], title_span=_span(a, "clean_title"),
        byline=a["byline"], byline_span=_span(a, "byline"),
        dateline=a["dateline"], dateline_span=_span(a, "dateline"),
        removed=[Removed(x["start_char"], x["end_char"], x["reason"], x["text"]) for x in removed],
        metadata_date=a["metadata_date"], metadata_date_source=a["metadata_date_source"],
        outlet_hint=a["outlet_hint"],
    )


def window_rows(pub: PublicationDate) -> list[Row]:
    """The ``date_windows`` rows of a publication date (migration 13), without their keys."""
    return [{"first_day": a.isoformat(), "last_day": b.isoformat()} for a, b in pub.context_windows]


def _published_from(a: Row, windows: list[Row]) -> PublicationDate:
    return PublicationDate(
        article=a["id"], value=pdate(a["published"]), method=a["published_method"],
        evidence=a["published_evidence"], evidence_span=_span(a, "published_evidence"),
        reason=a["published_reason"], earliest=pdate(a["published_earliest"]),
        latest=pdate(a["published_latest"]),
        context_windows=tuple((_dt.date.fromisoformat(w["first_day"]), _dt.date.fromisoformat(w["last_day"]))
                              for w in windows),
    )


def record_from(a: Row, kids: dict[str, list[Row]]) -> ArticleRecord:
    aid = a["id"]
    dup = kids["duplicates"]
    return ArticleRecord(
        source=_source_from(a),
        clean=_clean_from(a, kids["removed_segments"]),
        published=_published_from(a, kids["date_windows"]),
        sentences=[Sentence(s["start_char"], s["end_char"], s["text"]) for s in kids["sentences"]],
        mentions=[
            EntityMention(aid, m["start_char"], m["end_char"], shared(m["text"]), shared(m["label"]),
                          m["sentence"], m["entity_id"]) for m in kids["entity_mentions"]],
        times=[
            TimeExpression(t["start_char"], t["end_char"], t["text"], t["type"], t["value"],
                           pdate(t["date"]), t["anchor"], t["rule"], t["weekday"])
            for t in kids["time_expressions"]],
        event_mentions=[mention_from(m, aid) for m in kids["event_mentions"]],
        claims=[claim_from(c, aid) for c in kids["claims"]],
        duplicate=DuplicateRecord(dup[0]["article"], dup[0]["same_as"], dup[0]["kind"],
                                  dup[0]["similarity"]) if dup else None,
    )


# --------------------------------------------------------------------------- storyline rows
def _summary_row(i: int, s: ArticleSummary, stored_original: str | None) -> Row:
    return {
        "article_id": s.id, "position": i, "outlet": s.outlet, "title": s.title,
        "published": _iso(s.published), "published_precision": _prec(s.published),
        "published_evidence": s.published_evidence, "published_method": s.published_method,
        "published_reason": s.published_reason, **_span_cols("published", s.published_span),
        "boilerplate_chars": s.boilerplate_chars, "path": s.path,
        "same_origin_as": s.same_origin_as, "url": s.url, "format": s.format,
        # not stored twice when the articles table already holds the same text
        "original": None if s.original and s.original == stored_original else s.original,
        "removed": js([[x.start, x.end, x.reason, x.text] for x in s.removed]),
    }


def storyline_rows(st: Storyline, originals: dict[str, str]) -> dict[str, Iterator[Row]]:
    """Each storyline table's rows, made as they are read (see ``Store.save_storyline``)."""
    ents, evs = st.entities, st.events
    rows: dict[str, Iterator[Row]] = {
        "storyline": iter([{"id": 1}]),
        "storyline_articles": (_summary_row(i, s, originals.get(s.id)) for i, s in enumerate(st.articles)),
        "entities": ({"id": e.id, "position": i, "name": e.name, "type": e.type}
                     for i, e in enumerate(ents)),
        "entity_aliases": ({"entity_id": e.id, "position": j, "alias": a} for e in ents for j, a in enumerate(e.aliases)),
        "entity_refs": ({"entity_id": e.id, "position": j, "article_id": r.article, "start_char": r.start,
                         "end_char": r.end, "text": r.text} for e in ents for j, r in enumerate(e.mentions)),
        "events": ({"id": ev.id, "position": i, "date": _iso(ev.date), "date_precision": _prec(ev.date),
                    "title": ev.title, "kind": ev.kind, "actors": js(ev.actors), "places": js(ev.places)}
                   for i, ev in enumerate(evs)),
        "event_mention_links": ({**_mention_row(m), "event_id": ev.id, "position": j, "article_id": m.article}
                                for ev in evs for j, m in enumerate(ev.mentions)),
        "input_errors": ({"position": i, "path": e.path, "reason": e.reason} for i, e in enumerate(st.errors)),
        "storyline_duplicates": ({"position": i, "article": d.article, "same_as": d.same_as, "kind": d.kind,
                                  "similarity": d.similarity} for i, d in enumerate(st.duplicates)),
    }
    rows.update(lookup_rows(st))
    rows.update(verification_rows(st))
    return rows


# --------------------------------------------------------------------------- lookups (migration 8)
def form_words(texts: Iterable[str]) -> set[str]:
    """The words an entity's names are looked up by: lower case, two characters or more.
    An incremental update offers the resolver the stored entities sharing a word with a
    new mention (``incremental._stored_forms``), found by these words, not by reading all."""
    return {w for t in texts for w in _FORM_WORDS.findall(t.lower()) if len(w) > 1}


def entity_word_rows(entity_id: str, forms: Iterable[str]) -> Iterator[Row]:
    return ({"word": w, "entity_id": entity_id} for w in sorted(form_words(forms)))


def mention_entity_rows(event_id: str, mention_id: str, entities: Iterable[str], date: str | None) -> Iterator[Row]:
    return ({"entity_id": e, "event_id": event_id, "mention_id": mention_id, "date": date or ""}
            for e in sorted(set(entities)))


def lookup_rows(st: Storyline) -> dict[str, Iterator[Row]]:
    """The storyline's indexed lookups: each entity's name words, and the entities each
    linked mention names (the stored events a new mention may join, and the mention
    counts the linker weights entities by)."""
    return {
        "entity_words": (r for e in st.entities for r in entity_word_rows(e.id, [e.name, *e.aliases])),
        "mention_entities": (r for ev in st.events for m in ev.mentions
                             for r in mention_entity_rows(ev.id, m.id, [*m.actors, *m.places], _iso(m.date))),
    }


def summary_from(row: Row, originals: dict[str, str]) -> ArticleSummary:
    original = row["original"]
    return ArticleSummary(
        id=row["article_id"], outlet=row["outlet"], title=row["title"],
        published=pdate(row["published"]), published_evidence=row["published_evidence"],
        published_method=row["published_method"], published_reason=row["published_reason"],
        boilerplate_chars=row["boilerplate_chars"], path=row["path"],
        same_origin_as=row["same_origin_as"], url=row["url"], format=row["format"],
        original=originals.get(row["article_id"], "") if original is None else original,
        removed=[Removed(*x) for x in json.loads(row["removed"])],
        published_span=_span(row, "published"),
    )


def chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def group(rows: Iterable[Row], key: str) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        out[row[key]].append(row)
    return out


def grouped(rows: Iterable[Row], key: str, make: Callable[[Row], T]) -> dict[str, list[T]]:
    """``group``, each row made into its object as it is read (no row is kept)."""
    out: dict[str, list[T]] = defaultdict(list)
    for row in rows:
        out[row[key]].append(make(row))
    return out
