"""Small read helpers shared by the web app's queries: pages, JSON columns, row shapes.

Why here: every list endpoint pages the same way and every table keeps small lists as
JSON text, so both are done once. Queries go through SQLAlchemy Core on the store's
engine, so SQLite and PostgreSQL run the same code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection

from crosscheck.store import Store

Row = dict[str, Any]


@dataclass(frozen=True)
class Page:
    """Which slice of a list to return (``limit`` already clamped by the caller)."""

    limit: int = 50
    offset: int = 0


@dataclass
class PageOf:
    items: list
    total: int
    page: Page

    def as_dict(self) -> dict[str, Any]:
        nxt = self.page.offset + self.page.limit
        return {"items": self.items, "total": self.total, "limit": self.page.limit,
                "offset": self.page.offset, "next_offset": nxt if nxt < self.total else None}


def loads(value: str | None) -> list:
    return json.loads(value) if value else []


def count(conn: Connection, stmt: Select) -> int:
    return conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar() or 0


def paged(conn: Connection, stmt: Select, page: Page) -> tuple[list[Row], int]:
    """Rows of one page and the total number of rows the statement gives."""
    rows = [dict(r) for r in conn.execute(stmt.limit(page.limit).offset(page.offset)).mappings()]
    return rows, count(conn, stmt)


def names(store: Store, conn: Connection, ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """Entity id -> {id, name, type} for the ids given (unknown ids are left out)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    t = store.table("entities")
    rows = conn.execute(select(t.c.id, t.c.name, t.c.type).where(t.c.id.in_(ids)))
    return {i: {"id": i, "name": n, "type": ty} for i, n, ty in rows}


def entity_list(ids: list[str], known: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    return [known.get(i, {"id": i, "name": i, "type": "OTHER"}) for i in ids]


def has_storyline(store: Store, conn: Connection) -> bool:
    return conn.execute(select(store.table("storyline").c.id)).first() is not None
