"""Server-rendered pages: storyline, event, entity, outlet, article, search, ingest, docs.

Why server-rendered: every page is readable without JavaScript and every piece of
article text goes through Jinja's autoescape. The only scripts are static files of the
app (the zoomable timeline, the upload form's progress, scrolling evidence into view),
and they put text into the page with ``textContent`` only.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from crosscheck.web import catalog, evidence, events, search
from crosscheck.web.context import AppContext, event_filter, get_ctx, page_of
from crosscheck.web.db import Page, names
from crosscheck.web.views import VERDICT_TEXT, graph_layout, histogram, pager
from crosscheck.web.verification import VERDICTS

router = APIRouter(include_in_schema=False)
Ctx = Annotated[AppContext, Depends(get_ctx)]
ENTITY_CHOICES = 300  # entities offered in the storyline's filter list


def _urlpart(value: object) -> str:
    return quote(str(value), safe="")


def make_templates(folder) -> Jinja2Templates:
    """The page templates (autoescaped) with the app's filters; one set per app."""
    t = Jinja2Templates(directory=folder)
    t.env.filters["urlpart"] = _urlpart
    t.env.globals["VERDICT_TEXT"] = VERDICT_TEXT
    return t


def render(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status_code)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status, status=status, message=message)


def _not_found(request: Request, what: str, key: str) -> HTMLResponse:
    return error_page(request, 404, f"no {what} with id {key!r}")


@router.get("/", response_class=HTMLResponse)
def storyline_page(request: Request, ctx: Ctx, entity: str | None = None, outlet: str | None = None,
                   date_from: Annotated[str | None, Query(alias="from")] = None,
                   date_to: Annotated[str | None, Query(alias="to")] = None, verdict: str | None = None,
                   kind: str | None = None, limit: int | None = None, offset: int = 0):
    f = event_filter(entity, outlet, date_from, date_to, verdict, kind)
    page = page_of(ctx, limit, offset)
    with ctx.store.engine.connect() as conn:
        summary = catalog.storyline_summary(ctx.store, conn, ctx.jobs.pending_build())
        listed = events.list_events(ctx.store, conn, f, page)
        entities = catalog.list_entities(ctx.store, conn, Page(ENTITY_CHOICES, 0)).items
        if f.entity and all(e["id"] != f.entity for e in entities):  # keep the chosen one selectable
            entities = list(names(ctx.store, conn, [f.entity]).values()) + entities
        outlets = catalog.list_outlets(ctx.store, conn)
        kinds = events.kinds(ctx.store, conn)
    query = f.as_query()
    return render(request, "storyline.html", summary=summary, events=listed.items, filters=f, query=query,
                  pager=pager(listed.total, page.limit, page.offset, query), entities=entities, outlets=outlets,
                  kinds=kinds, verdicts=VERDICTS, timeline_src="/api/v1/timeline?" + urlencode(query))


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(request: Request, ctx: Ctx, event_id: str):
    with ctx.store.engine.connect() as conn:
        ev = evidence.event_detail(ctx.store, conn, event_id)
        if ev is None:
            return _not_found(request, "event", event_id)
        texts = evidence.article_texts(ctx.store, conn, sorted({m["article"] for m in ev["mentions"]}))
    views = [evidence.mention_view(m, texts.get(m["article"], {"original": "", "removed": []}), i)
             for i, m in enumerate(ev["mentions"])]
    return render(request, "event.html", ev=ev, mentions=views, ver=ev["verification"], build=ctx.jobs.pending_build())


@router.get("/entities", response_class=HTMLResponse)
def entities_page(request: Request, ctx: Ctx, q: str | None = None, type: str | None = None,
                  limit: int | None = None, offset: int = 0):
    page = page_of(ctx, limit, offset)
    with ctx.store.engine.connect() as conn:
        listed = catalog.list_entities(ctx.store, conn, page, type, q)
    query = {k: v for k, v in {"q": q, "type": type}.items() if v}
    return render(request, "entities.html", entities=listed.items, q=q or "", type=type or "",
                  pager=pager(listed.total, page.limit, page.offset, query))


@router.get("/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(request: Request, ctx: Ctx, entity_id: str):
    with ctx.store.engine.connect() as conn:
        ent = catalog.entity_detail(ctx.store, conn, entity_id)
    if ent is None:
        return _not_found(request, "entity", entity_id)
    return render(request, "entity.html", ent=ent, graph=graph_layout(ent["graph"]), hist=histogram(ent["events"]))


@router.get("/outlets", response_class=HTMLResponse)
def outlets_page(request: Request, ctx: Ctx):
    with ctx.store.engine.connect() as conn:
        outlets = catalog.list_outlets(ctx.store, conn)
    return render(request, "outlets.html", outlets=outlets)


@router.get("/outlets/{name}", response_class=HTMLResponse)
def outlet_page(request: Request, ctx: Ctx, name: str, limit: int | None = None, offset: int = 0):
    page = page_of(ctx, limit, offset)
    with ctx.store.engine.connect() as conn:
        out = catalog.outlet_detail(ctx.store, conn, name, page)
    if out is None:
        return _not_found(request, "outlet", name)
    arts = out["articles"]
    return render(request, "outlet.html", outlet=out, pager=pager(arts["total"], page.limit, page.offset, {}))


@router.get("/articles", response_class=HTMLResponse)
def articles_page(request: Request, ctx: Ctx, limit: int | None = None, offset: int = 0):
    page = page_of(ctx, limit, offset)
    with ctx.store.engine.connect() as conn:
        listed = catalog.list_articles(ctx.store, conn, page)
    return render(request, "articles.html", articles=listed.items, pager=pager(listed.total, page.limit,
                                                                               page.offset, {}))


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, ctx: Ctx, article_id: str):
    with ctx.store.engine.connect() as conn:
        art = evidence.article_detail(ctx.store, conn, article_id)
    if art is None:
        return _not_found(request, "article", article_id)
    return render(request, "article.html", art=art, pieces=evidence.article_pieces(art))


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, ctx: Ctx, q: str = "", kind: str = "all", limit: int | None = None,
                offset: int = 0):
    kind = kind if kind in ("all", "articles", "events") else "all"
    page = page_of(ctx, limit, offset)
    results = None
    if q.strip():
        with ctx.store.engine.connect() as conn:
            results = search.search(ctx.store, conn, q[:500], kind, page)
        for group in ("articles", "events"):
            for item in results[group]["items"]:
                item["parts"] = search.parts(item.get("snippet"))
    return render(request, "search.html", q=q, kind=kind, results=results)


@router.get("/ingest", response_class=HTMLResponse)
def ingest_page(request: Request, ctx: Ctx):
    return render(request, "ingest.html", writable=bool(ctx.token), max_bytes=ctx.config.max_upload_bytes,
                  jobs=[j.as_dict() for j in ctx.jobs.recent(10)])


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request):
    """The OpenAPI document as a page, rendered here (no third-party docs UI, no CDN)."""
    spec = request.app.openapi()
    ops = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "type": _type_of(p.get("schema", {})), "description": p.get("description", "")}
                      for p in op.get("parameters", [])]
            body = sorted(op.get("requestBody", {}).get("content", {}))
            ops.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "params": params, "body": body, "responses": sorted(op.get("responses", {})),
                        "secured": bool(op.get("security"))})
    return render(request, "docs.html", ops=ops, title=spec.get("info", {}).get("title", "API"),
                  description=spec.get("info", {}).get("description", ""))


def _type_of(schema: dict) -> str:
    if "anyOf" in schema:
        return " or ".join(_type_of(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    return str(schema.get("type", "object"))
