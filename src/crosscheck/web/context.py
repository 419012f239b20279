"""What every request handler needs: the store, the write token, limits, the job queue.

Why an object on ``app.state`` and not module globals: two apps (two databases, a test
and a server) can live in one process without sharing anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request

from crosscheck.models import PartialDate
from crosscheck.settings import Settings
from crosscheck.store import Store
from crosscheck.web.db import Page
from crosscheck.web.events import EventFilter
from crosscheck.web.jobs import IngestService
from crosscheck.web.verification import VERDICTS


@dataclass(frozen=True)
class WebConfig:
    max_upload_bytes: int = 5_000_000  # per write request, multipart or JSON
    page_size: int = 50
    max_page_size: int = 200
    timeline_limit: int = 2_000  # marks per timeline request by default
    max_timeline_limit: int = 10_000
    verify_after_upload: bool = True  # an upload's claims are compared across sources (web.jobs)


@dataclass
class AppContext:
    store: Store
    token: str | None
    settings: Settings
    config: WebConfig
    jobs: IngestService


def get_ctx(request: Request) -> AppContext:
    return request.app.state.ctx


MAX_OFFSET = 2**62  # SQL integers are 64-bit: a larger offset from a URL was a 500 (OverflowError)


def page_of(ctx: AppContext, limit: int | None, offset: int | None) -> Page:
    limit = ctx.config.page_size if limit is None else limit
    return Page(max(1, min(limit, ctx.config.max_page_size)), min(max(0, offset or 0), MAX_OFFSET))


def parse_date(value: str | None, name: str) -> PartialDate | None:
    if not value:
        return None
    try:
        return PartialDate.parse(value)
    except ValueError:
        raise HTTPException(400, f"{name}: expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")


def event_filter(entity: str | None, outlet: str | None, date_from: str | None, date_to: str | None,
                 verdict: str | None, kind: str | None) -> EventFilter:
    """Validated filter values (400 with the reason when one is malformed)."""
    if verdict and verdict not in VERDICTS:
        raise HTTPException(400, f"verdict: expected one of {', '.join(VERDICTS)}, got {verdict!r}")
    return EventFilter(entity or None, outlet or None, parse_date(date_from, "from"), parse_date(date_to, "to"),
                       verdict or None, kind or None)
