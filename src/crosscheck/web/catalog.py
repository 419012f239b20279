"""Entities, outlets and articles as the web app lists and shows them.

Why grouped: these are the storyline's "who" and "where from" (the events module has the
"what happened"), each a paged list plus one page. An entity's events come from the
JSON actor/place lists of events (escaped LIKE, portable), its co-occurring entities from
those same events, so the small graph on the entity page costs one query.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from crosscheck.store import Store
from crosscheck.web.db import Page, PageOf, count, loads, names, paged
from crosscheck.web.verification import Verification, unverified_articles

GRAPH_NEIGHBOURS = 12  # co-occurring entities drawn on the entity page


# --------------------------------------------------------------------------- entities
def list_entities(store: Store, conn: Connection, page: Page, type_: str | None = None,
                  q: str | None = None) -> PageOf:
    """Entities, the most mentioned first. Why counting first: the count runs on the
    covering index of entity_refs, and names are read for the page's entities only."""
    ents, refs = store.table("entities"), store.table("entity_refs")
    conds = []
    if type_:
        conds.append(ents.c.type == type_)
    if q:
        conds.append(func.lower(ents.c.name).contains(q.lower(), autoescape=True))
    n = func.count().label("n_refs")
    ranked = select(refs.c.entity_id, n).group_by(refs.c.entity_id)
    if conds:
        ranked = ranked.where(refs.c.entity_id.in_(select(ents.c.id).where(*conds)))
    total = count(conn, select(ents.c.id).where(*conds))
    top = conn.execute(ranked.order_by(n.desc(), refs.c.entity_id).limit(page.limit).offset(page.offset)).all()
    shown = [eid for eid, _ in top]
    rows = {r["id"]: r for r in conn.execute(select(ents.c.id, ents.c.name, ents.c.type).where(
        ents.c.id.in_(shown))).mappings()}
    n_articles = dict(conn.execute(select(refs.c.entity_id, func.count(refs.c.article_id.distinct())).where(
        refs.c.entity_id.in_(shown)).group_by(refs.c.entity_id)).all())
    items = [{"id": eid, "name": rows[eid]["name"], "type": rows[eid]["type"], "n_mentions": k,
              "n_articles": n_articles.get(eid, 0)} for eid, k in top if eid in rows]
    return PageOf(items, total, page)


def entity_detail(store: Store, conn: Connection, entity_id: str) -> dict | None:
    """An entity: aliases, articles, events over time and co-occurring entities."""
    ents, aliases, refs = store.table("entities"), store.table("entity_aliases"), store.table("entity_refs")
    row = conn.execute(select(ents).where(ents.c.id == entity_id)).mappings().first()
    if row is None:
        return None
    al = list(conn.execute(select(aliases.c.alias).where(aliases.c.entity_id == entity_id)
                           .order_by(aliases.c.position)).scalars())
    n_refs = conn.execute(select(func.count()).where(refs.c.entity_id == entity_id)).scalar() or 0
    ev = store.table("events")
    quoted = f'"{entity_id}"'
    events = [dict(r) for r in conn.execute(
        select(ev.c.id, ev.c.date, ev.c.date_precision, ev.c.title, ev.c.kind, ev.c.actors, ev.c.places)
        .where(or_(ev.c.actors.contains(quoted, autoescape=True), ev.c.places.contains(quoted, autoescape=True)))
        .order_by(ev.c.date.is_(None), ev.c.date, ev.c.position)).mappings()]
    graph = cooccurrence(store, conn, entity_id, events)
    return {"id": row["id"], "name": row["name"], "type": row["type"], "aliases": al,
            "articles": sorted(conn.execute(select(refs.c.article_id).where(  # Python's order, any collation
                refs.c.entity_id == entity_id).distinct()).scalars()),
            "n_mentions": n_refs,
            "events": [{"id": e["id"], "date": e["date"], "precision": e["date_precision"], "title": e["title"],
                        "kind": e["kind"]} for e in events],
            "cooccurring": graph["nodes"][1:], "graph": graph}


def cooccurrence(store: Store, conn: Connection, entity_id: str, events: list[dict]) -> dict:
    """The entity, the entities most often in its events, and edges weighted by shared events."""
    per_event = [set(loads(e["actors"])) | set(loads(e["places"])) for e in events]
    counts = Counter(o for ids in per_event for o in ids if o != entity_id)
    top = [e for e, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:GRAPH_NEIGHBOURS]]
    known = names(store, conn, [entity_id, *top])
    nodes = [{"id": i, "name": known.get(i, {}).get("name", i), "type": known.get(i, {}).get("type", "OTHER"),
              "weight": counts.get(i, len(events))} for i in [entity_id, *top]]
    shown = set(top) | {entity_id}
    pairs = Counter(p for ids in per_event for p in combinations(sorted(ids & shown), 2))
    edges = [{"source": a, "target": b, "weight": w} for (a, b), w in sorted(pairs.items())]
    return {"nodes": nodes, "edges": edges}


# --------------------------------------------------------------------------- outlets
def list_outlets(store: Store, conn: Connection) -> list[dict]:
    """Every outlet with its number of articles and of events it reports."""
    sa, links = store.table("storyline_articles"), store.table("event_mention_links")
    arts = dict(conn.execute(select(sa.c.outlet, func.count()).where(sa.c.outlet.is_not(None))
                             .group_by(sa.c.outlet)).all())
    evs = dict(conn.execute(select(sa.c.outlet, func.count(func.distinct(links.c.event_id))).join(
        links, links.c.article_id == sa.c.article_id).where(sa.c.outlet.is_not(None)).group_by(sa.c.outlet)).all())
    return [{"name": o, "n_articles": arts[o], "n_events": evs.get(o, 0)} for o in sorted(arts, key=str.casefold)]


def outlet_detail(store: Store, conn: Connection, outlet: str, page: Page) -> dict | None:
    """An outlet's articles and its profile: how it attributes what it reports."""
    sa, links = store.table("storyline_articles"), store.table("event_mention_links")
    n_articles = conn.execute(select(func.count()).where(sa.c.outlet == outlet)).scalar() or 0
    if not n_articles:
        return None
    articles = list_articles(store, conn, page, outlet=outlet)
    mine = select(sa.c.article_id).where(sa.c.outlet == outlet)
    kinds = dict(conn.execute(select(links.c.attribution_kind, func.count()).where(
        links.c.article_id.in_(mine)).group_by(links.c.attribution_kind)).all())
    total = sum(kinds.values())
    src = func.coalesce(sa.c.outlet, links.c.article_id)
    per_event = (select(links.c.event_id, func.count(func.distinct(src)).label("n"))
                 .select_from(links.outerjoin(sa, sa.c.article_id == links.c.article_id))
                 .group_by(links.c.event_id).subquery())
    reported = select(links.c.event_id).where(links.c.article_id.in_(mine)).distinct().subquery()
    n_events = conn.execute(select(func.count()).select_from(reported)).scalar() or 0
    sole = conn.execute(select(func.count()).select_from(reported.join(
        per_event, per_event.c.event_id == reported.c.event_id)).where(per_event.c.n == 1)).scalar() or 0
    profile = {"articles": n_articles, "events": n_events, "event_mentions": total,
               "attribution": {k: kinds[k] for k in sorted(kinds)},
               "own_voice_share": round(kinds.get("outlet", 0) / total, 3) if total else None,
               "unnamed_sources_share": round(kinds.get("sources", 0) / total, 3) if total else None,
               "sole_source_events": sole}
    return {"name": outlet, "profile": profile, "verification_profile": Verification.of(store).profile(conn, outlet),
            "articles": articles.as_dict()}


# --------------------------------------------------------------------------- articles
def list_articles(store: Store, conn: Connection, page: Page, outlet: str | None = None) -> PageOf:
    """Articles by publication date (undated last), then id."""
    sa = store.table("storyline_articles")
    stmt = select(sa.c.article_id, sa.c.title, sa.c.outlet, sa.c.published, sa.c.published_method,
                  sa.c.boilerplate_chars, sa.c.same_origin_as, sa.c.format)
    if outlet is not None:
        stmt = stmt.where(sa.c.outlet == outlet)
    rows, total = paged(conn, stmt.order_by(sa.c.published.is_(None), sa.c.published, sa.c.article_id), page)
    items = [{"id": r["article_id"], **{k: r[k] for k in ("title", "outlet", "published", "published_method",
                                                        "boilerplate_chars", "same_origin_as", "format")}}
             for r in rows]
    return PageOf(items, total, page)


def storyline_summary(store: Store, conn: Connection, build: dict | None = None) -> dict:
    """Counts, date span and which optional data this store has; the articles whose
    claims no stored verification includes, with ``build``: the build job queued or
    running that will include them (``IngestService.pending_build``), or None."""
    def n(name: str) -> int:
        return conn.execute(select(func.count()).select_from(store.table(name))).scalar() or 0

    ev, sa = store.table("events"), store.table("storyline_articles")
    first, last = conn.execute(select(func.min(ev.c.date), func.max(ev.c.date))).one()
    n_outlets = conn.execute(select(func.count(func.distinct(sa.c.outlet)))).scalar() or 0
    return {"counts": {"articles": n("storyline_articles"), "events": n("events"), "entities": n("entities"),
                       "outlets": n_outlets, "stored_articles": n("articles")},
            "date_range": {"first": first, "last": last},
            "available": Verification.of(store).available,
            "unverified_articles": {**_listed(unverified_articles(store, conn)), "build": build}}


def _listed(ids: list[str], limit: int = 100) -> dict:
    return {"count": len(ids), "ids": ids[:limit]}
