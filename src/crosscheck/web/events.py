"""Events as the web app reads them: filtered lists, timeline marks, one event's evidence.

Why SQL over the storyline tables (not ``Store.load_storyline``): a page needs one slice
of a corpus that may hold thousands of events, so filters, counts and paging run in the
database and only the rows shown are turned into dicts. Every filter is portable SQL:
entity ids are matched inside the JSON lists of actors and places with an escaped LIKE,
and partial dates (``2015``, ``2015-10``, ``2015-10-22``) overlap a date range by
comparing ISO strings cut to the event date's own length.

Independent sources of an event: the verdict table's count when the store has one
(see ``verification``), else the number of distinct outlets reporting it (an article
whose outlet is unknown counts on its own).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.engine import Connection

from crosscheck.models import PartialDate
from crosscheck.store import Store
from crosscheck.web.db import Page, PageOf, count, entity_list, loads, names, paged
from crosscheck.web.verification import Verification


@dataclass(frozen=True)
class EventFilter:
    entity: str | None = None
    outlet: str | None = None
    date_from: PartialDate | None = None
    date_to: PartialDate | None = None
    verdict: str | None = None
    kind: str | None = None

    def as_query(self) -> dict[str, str]:
        """The filter as URL query parameters (for links that keep it)."""
        items = {"entity": self.entity, "outlet": self.outlet, "verdict": self.verdict, "kind": self.kind,
                 "from": self.date_from.iso() if self.date_from else None,
                 "to": self.date_to.iso() if self.date_to else None}
        return {k: v for k, v in items.items() if v}


def _stats(store: Store, only):
    """Per event: articles and distinct outlets reporting it, for the events ``only`` selects."""
    links, arts = store.table("event_mention_links"), store.table("storyline_articles")
    source = func.coalesce(arts.c.outlet, literal("article:") + links.c.article_id)
    return (select(links.c.event_id.label("event_id"),
                   func.count(func.distinct(links.c.article_id)).label("n_articles"),
                   func.count(func.distinct(source)).label("n_outlets"))
            .select_from(links.outerjoin(arts, arts.c.article_id == links.c.article_id))
            .where(links.c.event_id.in_(only)).group_by(links.c.event_id).subquery("stats"))


def _select(store: Store, ver: Verification, only):
    """Events with their sources and verdict columns, computed only for ``only`` (ids)."""
    ev, st = store.table("events"), _stats(store, only)
    outlets = func.coalesce(st.c.n_outlets, 0)
    sources, verdict = outlets, case((outlets >= 2, "corroborated"), else_="single-source")
    joined = ev.outerjoin(st, st.c.event_id == ev.c.id)
    cols = ver.verdict_columns()
    if cols is not None:
        verdicts, subject, status, counted = cols
        joined = joined.outerjoin(verdicts, subject == ev.c.id)
        verdict = func.coalesce(status, verdict)
        if counted is not None:
            sources = func.coalesce(counted, outlets)
    stmt = select(ev.c.id, ev.c.date, ev.c.date_precision, ev.c.title, ev.c.kind, ev.c.actors, ev.c.places,
                  func.coalesce(st.c.n_articles, 0).label("n_articles"), sources.label("n_sources"),
                  verdict.label("verdict")).select_from(joined).where(ev.c.id.in_(only))
    return stmt, verdict


def _conditions(store: Store, f: EventFilter) -> list:
    """The filters that read only the events table (and the outlet index)."""
    ev = store.table("events")
    conds = []
    if f.entity:
        quoted = f'"{f.entity}"'
        conds.append(or_(ev.c.actors.contains(quoted, autoescape=True), ev.c.places.contains(quoted, autoescape=True)))
    if f.outlet:
        links, arts = store.table("event_mention_links"), store.table("storyline_articles")
        conds.append(ev.c.id.in_(select(links.c.event_id).join(
            arts, arts.c.article_id == links.c.article_id).where(arts.c.outlet == f.outlet)))
    if f.date_from:
        conds.append(ev.c.date >= func.substr(f.date_from.first_day().isoformat(), 1, func.length(ev.c.date)))
    if f.date_to:
        conds.append(ev.c.date <= f.date_to.last_day().isoformat())
    if f.kind:
        conds.append(ev.c.kind == f.kind)
    return conds


def _filtered(store: Store, ver: Verification, f: EventFilter, *extra):
    """Events matching ``f`` with sources and verdict. Why in two steps: sources are
    counted only for the events the other filters keep, not for the whole corpus."""
    ev = store.table("events")
    only = select(ev.c.id).where(*_conditions(store, f), *extra)
    stmt, verdict = _select(store, ver, only)
    if f.verdict:
        stmt = stmt.where(verdict == f.verdict)
    return stmt, ev


def _brief(row: dict, known: dict, outlets: dict[str, list[str]] | None = None) -> dict:
    out = {"id": row["id"], "date": row["date"], "precision": row["date_precision"], "title": row["title"],
           "kind": row["kind"], "n_articles": row["n_articles"], "n_sources": row["n_sources"],
           "verdict": row["verdict"]}
    if outlets is not None:
        out["actors"] = entity_list(loads(row["actors"]), known)
        out["places"] = entity_list(loads(row["places"]), known)
        out["outlets"] = outlets.get(row["id"], [])
    return out


def event_outlets(store: Store, conn: Connection, ids: list[str]) -> dict[str, list[str]]:
    """Event id -> the outlets reporting it, sorted (unknown outlets left out)."""
    if not ids:
        return {}
    links, arts = store.table("event_mention_links"), store.table("storyline_articles")
    rows = conn.execute(select(links.c.event_id, arts.c.outlet).distinct().join(
        arts, arts.c.article_id == links.c.article_id).where(links.c.event_id.in_(ids), arts.c.outlet.is_not(None)))
    out: dict[str, list[str]] = {}
    for eid, outlet in rows:
        out.setdefault(eid, []).append(outlet)
    return {k: sorted(v, key=str.casefold) for k, v in out.items()}


def list_events(store: Store, conn: Connection, f: EventFilter, page: Page) -> PageOf:
    """Events in date order (undated last), with actors, places and outlets."""
    ev = store.table("events")
    order = (ev.c.date.is_(None), ev.c.date, ev.c.position)
    if f.verdict:  # the verdict is computed, so the page is cut after computing it
        stmt, _ = _filtered(store, Verification.of(store), f)
        rows, total = paged(conn, stmt.order_by(*order), page)
    else:  # cut the page from the events table, then compute sources for it alone
        ids = select(ev.c.id).where(*_conditions(store, f))
        total = count(conn, ids)
        shown = list(conn.execute(ids.order_by(*order).limit(page.limit).offset(page.offset)).scalars())
        stmt, _ = _select(store, Verification.of(store), shown)
        rows = [dict(r) for r in conn.execute(stmt.order_by(*order)).mappings()]
    known = names(store, conn, [e for r in rows for e in loads(r["actors"]) + loads(r["places"])])
    outlets = event_outlets(store, conn, [r["id"] for r in rows])
    return PageOf([_brief(r, known, outlets) for r in rows], total, page)


def timeline(store: Store, conn: Connection, f: EventFilter, limit: int) -> dict:
    """Marks for the timeline: dated events, the best-sourced first when capped."""
    ev = store.table("events")
    dated, _ = _filtered(store, Verification.of(store), f, ev.c.date.is_not(None))
    total = count(conn, dated)
    order = (dated.selected_columns.n_sources.desc(), ev.c.date, ev.c.position) if total > limit else \
        (ev.c.date, ev.c.position)
    rows = [dict(r) for r in conn.execute(dated.order_by(*order).limit(limit)).mappings()]
    rows.sort(key=lambda r: (r["date"], r["id"]))
    undated = count(conn, select(ev.c.id).where(*_conditions(store, f), ev.c.date.is_(None)))
    if f.verdict:
        undated_rows, _ = _filtered(store, Verification.of(store), f, ev.c.date.is_(None))
        undated = count(conn, undated_rows)
    return {"marks": [_brief(r, {}) for r in rows], "total": total, "truncated": total > limit,
            "undated": undated}


def kinds(store: Store, conn: Connection) -> list[str]:
    ev = store.table("events")
    return list(conn.execute(select(ev.c.kind).distinct().order_by(ev.c.kind)).scalars())


def event_row(store: Store, conn: Connection, event_id: str) -> dict | None:
    """One event's list row (sources, verdict, outlets, names), or None."""
    stmt, _ = _select(store, Verification.of(store), [event_id])
    row = conn.execute(stmt).mappings().first()
    if row is None:
        return None
    row = dict(row)
    known = names(store, conn, loads(row["actors"]) + loads(row["places"]))
    return _brief(row, known, event_outlets(store, conn, [event_id]))
