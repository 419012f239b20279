"""Claims, relations, verdicts and outlet profiles, when the store has them.

Why an adapter: cross-source verification (claims with attribution, corroborations and
contradictions, per-event verdicts) is built by another part of crosscheck and may be
absent from a store (older database, or a build without it). The web app looks for its
tables by name and reads them generically; without them every event still has a
verdict from the outlets that report it: two or more independent outlets (an article
whose outlet is unknown counts as its own) is "corroborated", one is "single-source".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from crosscheck.store import Store
from crosscheck.web.db import Page, paged

VERDICTS = ("corroborated", "single-source", "contested")
# Column names other builds may use for the same field (first present wins).
_ALIASES = {"article": ("article", "article_id"), "start": ("start", "start_char"),
            "end": ("end", "end_char"), "subject": ("subject", "event_id", "subject_id"),
            "status": ("status", "verdict"), "sources": ("independent_sources", "n_sources")}


def _col(t: Table, field: str):
    for name in _ALIASES.get(field, (field,)):
        if name in t.c:
            return t.c[name]
    return None


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON-ready data: JSON-looking text decoded, offsets under their plain names."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k in ("search_tsv", "position"):
            continue
        if isinstance(v, str) and v[:1] in "[{":
            try:
                v = json.loads(v)
            except ValueError:
                pass
        out[{"article_id": "article", "start_char": "start", "end_char": "end"}.get(k, k)] = v
    return out


@dataclass
class Verification:
    """The verification tables this store has (each may be None)."""

    claims: Table | None
    relations: Table | None
    verdicts: Table | None
    profiles: Table | None

    @classmethod
    def of(cls, store: Store) -> "Verification":
        verdicts = store.table("verdicts")
        if verdicts is not None and (_col(verdicts, "subject") is None or _col(verdicts, "status") is None):
            verdicts = None
        return cls(store.table("claims"), store.table("relations") or store.table("claim_relations"),
                   verdicts, store.table("outlet_profiles"))

    @property
    def available(self) -> dict[str, bool]:
        return {"claims": self.claims is not None, "relations": self.relations is not None,
                "verdicts": self.verdicts is not None, "outlet_profiles": self.profiles is not None}

    def verdict_columns(self):
        """(subject, status, independent sources or None) columns of the verdict table."""
        if self.verdicts is None:
            return None
        return _col(self.verdicts, "subject"), _col(self.verdicts, "status"), _col(self.verdicts, "sources")

    def list_rows(self, conn: Connection, table: Table | None, limit: int, offset: int,
                  article: str | None = None) -> tuple[list[dict], int]:
        if table is None:
            return [], 0
        stmt = select(table)
        col = _col(table, "article")
        if article is not None and col is not None:
            stmt = stmt.where(col == article)
        order = [c for c in (table.c.get("position"), table.c.get("id")) if c is not None]
        rows, total = paged(conn, stmt.order_by(*order), Page(limit, offset))
        return [_plain(r) for r in rows], total

    def for_event(self, conn: Connection, event_id: str, mention_ids: list[str]) -> dict[str, Any]:
        """Claims for and against one event, the relations among them, and its verdict row."""
        out: dict[str, Any] = {"verdict": None, "for": [], "against": [], "relations": []}
        if self.verdicts is not None:
            subject = _col(self.verdicts, "subject")
            row = conn.execute(select(self.verdicts).where(subject == event_id)).mappings().first()
            out["verdict"] = _plain(dict(row)) if row else None
        if self.claims is None:
            return out
        verdict = out["verdict"] or {}
        wanted_for = set(verdict.get("supporting_claims") or [])
        wanted_against = set(verdict.get("disputing_claims") or [])
        stmt = select(self.claims)
        if "event" in self.claims.c and not (wanted_for or wanted_against):
            stmt = stmt.where(self.claims.c.event.in_(mention_ids))
        elif "id" in self.claims.c:
            stmt = stmt.where(self.claims.c.id.in_(sorted(wanted_for | wanted_against)))
        claims = [_plain(dict(r)) for r in conn.execute(stmt).mappings()]
        out["for"] = [c for c in claims if c.get("id") not in wanted_against]
        out["against"] = [c for c in claims if c.get("id") in wanted_against]
        out["relations"] = self._relations(conn, {c.get("id") for c in claims})
        return out

    def _relations(self, conn: Connection, claim_ids: set) -> list[dict]:
        if self.relations is None or not claim_ids:
            return []
        rows = [_plain(dict(r)) for r in conn.execute(select(self.relations)).mappings()]
        return [r for r in rows if set(r.get("claims") or []) & claim_ids]

    def profile(self, conn: Connection, outlet: str) -> dict[str, Any] | None:
        if self.profiles is None or "outlet" not in self.profiles.c:
            return None
        row = conn.execute(select(self.profiles).where(self.profiles.c.outlet == outlet)).mappings().first()
        return _plain(dict(row)) if row else None
