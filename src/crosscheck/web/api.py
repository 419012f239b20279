"""The REST API under /api/v1: read endpoints open, write endpoints behind the token.

Lists are paged with ``limit`` and ``offset`` and answer ``{items, total, limit, offset,
next_offset}``. Errors are ``{"error": {"status", "message"}}`` (unknown ids are 404).
Writes (ingest) answer 202 with a job to poll at ``/api/v1/jobs/{id}``; the token check
and the upload size limit run before the body is read (``security.WriteGate``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crosscheck.web import catalog, evidence, events, search
from crosscheck.web.context import AppContext, event_filter, get_ctx, page_of
from crosscheck.web.uploads import Upload, json_upload
from crosscheck.web.verification import Verification

router = APIRouter(prefix="/api/v1")
Ctx = Annotated[AppContext, Depends(get_ctx)]
Limit = Annotated[int | None, Query(ge=1, le=1000, description="items per page (capped at the server's maximum)")]
Offset = Annotated[int, Query(ge=0, le=2**62, description="items to skip")]
bearer = HTTPBearer(auto_error=False, description="the token given to `crosscheck serve --token` "
                                                  "(or CROSSCHECK_TOKEN)")


def _found(value, what: str, key: str):
    if value is None:
        raise HTTPException(404, f"no {what} with id {key!r}")
    return value


def _filters(entity: str | None = None, outlet: str | None = None,
             date_from: Annotated[str | None, Query(alias="from", description="YYYY, YYYY-MM or YYYY-MM-DD")] = None,
             date_to: Annotated[str | None, Query(alias="to", description="YYYY, YYYY-MM or YYYY-MM-DD")] = None,
             verdict: Annotated[str | None, Query(description="corroborated, single-source or contested")] = None,
             kind: str | None = None) -> events.EventFilter:
    return event_filter(entity, outlet, date_from, date_to, verdict, kind)


Filters = Annotated[events.EventFilter, Depends(_filters)]


@router.get("/storyline", summary="Counts, date range, which optional data the store has, and articles added since claims were last compared")
def storyline(ctx: Ctx) -> dict:
    with ctx.store.engine.connect() as conn:
        return catalog.storyline_summary(ctx.store, conn, ctx.jobs.pending_build())


@router.get("/timeline", summary="Timeline marks: dated events with sources and verdict")
def timeline(ctx: Ctx, f: Filters, limit: Annotated[int | None, Query(ge=1, le=10_000)] = None) -> dict:
    cap = min(limit or ctx.config.timeline_limit, ctx.config.max_timeline_limit)
    with ctx.store.engine.connect() as conn:
        return events.timeline(ctx.store, conn, f, cap)


@router.get("/events", summary="Events in date order, filtered and paged")
def list_events(ctx: Ctx, f: Filters, limit: Limit = None, offset: Offset = 0) -> dict:
    with ctx.store.engine.connect() as conn:
        return events.list_events(ctx.store, conn, f, page_of(ctx, limit, offset)).as_dict()


@router.get("/events/{event_id}", summary="One event: mentions with evidence, outlets, claims for and against")
def get_event(ctx: Ctx, event_id: str) -> dict:
    with ctx.store.engine.connect() as conn:
        return _found(evidence.event_detail(ctx.store, conn, event_id), "event", event_id)


@router.get("/entities", summary="Entities, the most mentioned first")
def list_entities(ctx: Ctx, limit: Limit = None, offset: Offset = 0, type: str | None = None,
                  q: Annotated[str | None, Query(description="part of the name")] = None) -> dict:
    with ctx.store.engine.connect() as conn:
        return catalog.list_entities(ctx.store, conn, page_of(ctx, limit, offset), type, q).as_dict()


@router.get("/entities/{entity_id}", summary="One entity: aliases, events over time, co-occurring entities")
def get_entity(ctx: Ctx, entity_id: str) -> dict:
    with ctx.store.engine.connect() as conn:
        return _found(catalog.entity_detail(ctx.store, conn, entity_id), "entity", entity_id)


@router.get("/articles", summary="Articles by publication date")
def list_articles(ctx: Ctx, limit: Limit = None, offset: Offset = 0, outlet: str | None = None) -> dict:
    with ctx.store.engine.connect() as conn:
        return catalog.list_articles(ctx.store, conn, page_of(ctx, limit, offset), outlet).as_dict()


@router.get("/articles/{article_id}", summary="One article: original text, boilerplate, entities, times, events")
def get_article(ctx: Ctx, article_id: str) -> dict:
    with ctx.store.engine.connect() as conn:
        return _found(evidence.article_detail(ctx.store, conn, article_id), "article", article_id)


@router.get("/outlets", summary="Outlets with their numbers of articles and events")
def list_outlets(ctx: Ctx) -> dict:
    with ctx.store.engine.connect() as conn:
        items = catalog.list_outlets(ctx.store, conn)
    return {"items": items, "total": len(items)}


@router.get("/outlets/{name}", summary="One outlet: profile and articles")
def get_outlet(ctx: Ctx, name: str, limit: Limit = None, offset: Offset = 0) -> dict:
    with ctx.store.engine.connect() as conn:
        return _found(catalog.outlet_detail(ctx.store, conn, name, page_of(ctx, limit, offset)), "outlet", name)


def _verification_list(ctx: AppContext, which: str, limit, offset, article) -> dict:
    ver = Verification.of(ctx.store)
    page = page_of(ctx, limit, offset)
    with ctx.store.engine.connect() as conn:
        rows, total = ver.list_rows(conn, getattr(ver, which), page.limit, page.offset, article)
    out = {"items": rows, "total": total, "limit": page.limit, "offset": page.offset,
           "next_offset": page.offset + page.limit if page.offset + page.limit < total else None,
           "available": getattr(ver, which) is not None}
    if not out["available"]:
        out["message"] = f"this store has no {which}: rebuild it with a crosscheck that verifies claims"
    return out


@router.get("/claims", summary="Claims with attribution and modality (when the store has them)")
def list_claims(ctx: Ctx, limit: Limit = None, offset: Offset = 0, article: str | None = None) -> dict:
    return _verification_list(ctx, "claims", limit, offset, article)


@router.get("/relations", summary="Corroborations and contradictions between claims (when the store has them)")
def list_relations(ctx: Ctx, limit: Limit = None, offset: Offset = 0) -> dict:
    return _verification_list(ctx, "relations", limit, offset, None)


@router.get("/search", summary="Full-text search over articles and events")
def do_search(ctx: Ctx, q: Annotated[str, Query(min_length=1, max_length=500)],
              kind: Literal["all", "articles", "events"] = "all", limit: Limit = None, offset: Offset = 0) -> dict:
    with ctx.store.engine.connect() as conn:
        out = search.search(ctx.store, conn, q, kind, page_of(ctx, limit, offset))
    for group in ("articles", "events"):
        for item in out[group]["items"]:
            item["snippet"] = [{"text": p.text, "match": p.marked} for p in search.parts(item.get("snippet"))]
    return out


# --------------------------------------------------------------------------- writes
class ArticleIn(BaseModel):
    """One article to ingest; ``text`` or ``html`` is required, the rest is optional."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, description="the article as plain text")
    html: str | None = Field(None, description="the article as HTML (used when there is no text)")
    title: str | None = None
    outlet: str | None = Field(None, description="publisher, e.g. 'Reuters'")
    published: str | None = Field(None, description="publication date as given, e.g. '2015-10-22'")
    url: str | None = None
    id: str | None = Field(None, description="preferred article id; a stored or unusable id is replaced")

    @model_validator(mode="after")
    def _needs_text(self) -> "ArticleIn":
        if not (self.text or "").strip() and not (self.html or "").strip():
            raise ValueError("each article needs a non-empty 'text' or 'html'")
        return self


class ArticlesIn(BaseModel):
    articles: list[ArticleIn] = Field(min_length=1, max_length=200)


def _accepted(ctx: AppContext, uploads: list[Upload]) -> dict:
    job = ctx.jobs.submit(uploads)
    return {"job": job.as_dict()}


@router.post("/ingest/articles", status_code=202, dependencies=[Depends(bearer)],
             summary="Ingest articles given as JSON; returns a job to poll")
def ingest_articles(ctx: Ctx, body: ArticlesIn) -> dict:
    records = [a.model_dump(exclude_none=True) for a in body.articles]
    return _accepted(ctx, [json_upload(records)])


@router.post("/ingest/files", status_code=202, dependencies=[Depends(bearer)],
             summary="Ingest uploaded files (.txt, .html, .htm, .json, .jsonl); returns a job to poll")
async def ingest_files(ctx: Ctx, files: Annotated[list[UploadFile], File(description="article files")]) -> dict:
    uploads = [Upload(f.filename or "upload", await f.read()) for f in files]
    if not uploads:
        raise HTTPException(400, "no files in the request")
    return _accepted(ctx, uploads)


@router.post("/build", status_code=202, dependencies=[Depends(bearer)],
             summary="Rebuild the storyline over the whole store (claims compared across sources); returns a job to poll")
def build(ctx: Ctx) -> dict:
    return {"job": ctx.jobs.submit_build().as_dict()}


@router.get("/jobs", summary="Recent ingest jobs")
def list_jobs(ctx: Ctx) -> dict:
    items = [j.as_dict() for j in ctx.jobs.recent()]
    return {"items": items, "total": len(items)}


@router.get("/jobs/{job_id}", summary="One ingest job's progress and result")
def get_job(ctx: Ctx, job_id: str) -> dict:
    return _found(ctx.jobs.get(job_id), "job", job_id).as_dict()
