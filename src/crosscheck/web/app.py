"""The web application: ``create_app(db_url, token)`` returns a FastAPI app.

Why a factory: the database URL and the write token are start-up choices (``crosscheck
serve --db … --token …``), and tests build apps on their own databases. The app serves
server-rendered pages (Jinja2, autoescaped), the REST API under /api/v1, and its own
static assets: nothing is loaded from another site (the API docs page is rendered from
the OpenAPI document by the app itself).
"""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from crosscheck.settings import DEFAULT, Settings
from crosscheck.store import Store
from crosscheck.web import api, pages
from crosscheck.web.context import AppContext, WebConfig
from crosscheck.web.jobs import IngestService
from crosscheck.web.security import SecurityHeaders, WriteGate, error_response

HERE = Path(__file__).parent
from crosscheck.web import TOKEN_ENV
log = logging.getLogger("crosscheck.web")


def create_app(db_url: str = "sqlite:///crosscheck.db", token: str | None = None, *,
               settings: Settings | None = None, config: WebConfig | None = None) -> FastAPI:
    """The app over the store at ``db_url``; writes need ``token`` (default: $CROSSCHECK_TOKEN)."""
    token = token if token is not None else (os.environ.get(TOKEN_ENV) or None)
    settings = (settings or DEFAULT).with_(db_url=db_url)
    config = config or WebConfig()
    store = Store(db_url)
    jobs = IngestService(store, settings, verify_after_upload=config.verify_after_upload)
    ctx = AppContext(store, token, settings, config, jobs)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if (job := ctx.jobs.verify_unverified()) is not None:
            log.info("articles without verification in the store: build job %s queued", job.id)
        yield
        ctx.jobs.shutdown()
        store.close()

    app = FastAPI(title="crosscheck", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json",
                  description="Evidence-linked, cross-source storylines from news articles. Read endpoints are "
                              "open; ingest needs the server's token as `Authorization: Bearer TOKEN`.")
    app.state.ctx = ctx
    app.state.templates = pages.make_templates(HERE / "templates")
    app.add_middleware(WriteGate, token=token, max_bytes=config.max_upload_bytes)
    app.add_middleware(SecurityHeaders)
    _errors(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") and request.url.path != "/api/docs"


def _errors(app: FastAPI) -> None:
    """JSON errors under /api/, an HTML error page elsewhere; never a traceback."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such page: {request.url.path}"
        if _wants_json(request):
            return error_response(exc.status_code, message, getattr(exc, "headers", None))
        return pages.error_page(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path"))
            problems.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
        message = "invalid request: " + "; ".join(problems[:5])
        if _wants_json(request):
            return error_response(422, message)
        return pages.error_page(request, 400, message)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        message = f"internal error ({type(exc).__name__}); the server log has the details"
        if _wants_json(request):
            return error_response(500, message)
        return pages.error_page(request, 500, message)
