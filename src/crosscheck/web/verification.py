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

from sqlalchemy import Table, exists, select
from sqlalchemy.engine import Connection

from crosscheck.store import Store
from crosscheck.web.db import Page, paged

VERDICTS = ("corroborated", "single-source", "contested")
# Column names other builds may use for the same field (first present wins).
_ALIASES = {"article": ("article", "article_id"), "start": ("start", "start_char"),
            "end": ("end", "end_char"), "subject": ("subject", "event_id", "subject_id"),
            "status": ("status", "verdict"), "sources": ("independent_sources", "n_sources"),
            "id": ("claim_id", "id")}


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


def unverified_articles(store: Store, conn: Connection, among: list[str] | None = None) -> list[str]:
    """Storyline articles (of ``among``, when given) that have stored claims none of which
    the stored verification includes: added by an upload since the last full build.

    Why say so: an upload links its articles into the events at once (incremental
    linking), but only a full build compares claims across sources. Until then an
    event lists the new article's outlet while its verdict does not count it, and a
    reader must not take "single source" or "3 outlets agree" as the whole picture."""
    raw, verified, listed = store.table("claims"), store.table("storyline_claims"), store.table("storyline_articles")
    if raw is None or verified is None or listed is None or "article_id" not in raw.c:
        return []
    aid = listed.c.article_id  # two index probes per storyline article, not a scan of every claim
    stmt = (select(aid).where(exists().where(raw.c.article_id == aid))
            .where(~exists().where(verified.c.article_id == aid)))
    if among is not None:
        stmt = stmt.where(aid.in_(sorted(among)))
    return sorted(conn.execute(stmt).scalars())


@dataclass
class Verification:
    """The verification tables this store has (each may be None)."""

    claims: Table | None
    relations: Table | None
    verdicts: Table | None
    profiles: Table | None
    ends: Table | None = None  # relation_ends (migration 6): each relation's claims, indexed by claim

    @classmethod
    def of(cls, store: Store) -> "Verification":
        verdicts = store.table("verdicts")
        if verdicts is not None and (_col(verdicts, "subject") is None or _col(verdicts, "status") is None):
            verdicts = None
        claims = store.table("storyline_claims")  # with origins and clusters; else the raw claims
        claims = claims if claims is not None else store.table("claims")
        relations = store.table("claim_relations")
        relations = relations if relations is not None else store.table("relations")
        return cls(claims, relations, verdicts, store.table("outlet_profiles"), store.table("relation_ends"))

    @property
    def available(self) -> dict[str, bool]:
        return {"claims": self.claims is not None, "relations": self.relations is not None,
                "verdicts": self.verdicts is not None, "outlet_profiles": self.profiles is not None}

    def verdict_columns(self):
        """(subject, status, independent sources or None) columns of the events' verdicts."""
        if self.verdicts is None:
            return None
        t = self.verdicts
        cols = [c for c in (_col(t, "subject"), _col(t, "status"), _col(t, "sources")) if c is not None]
        stmt = select(*cols)
        if "subject_kind" in t.c:
            stmt = stmt.where(t.c.subject_kind == "event")
        sub = stmt.subquery("event_verdicts")
        counted = sub.c[cols[2].name] if len(cols) == 3 else None
        return sub, sub.c[cols[0].name], sub.c[cols[1].name], counted

    def list_rows(self, conn: Connection, table: Table | None, limit: int, offset: int,
                  article: str | None = None) -> tuple[list[dict], int]:
        if table is None:
            return [], 0
        stmt = select(table)
        col = _col(table, "article")
        if article is not None and col is not None:
            stmt = stmt.where(col == article)
        order = [c for c in (table.c.get("article_id"), table.c.get("position"), table.c.get("id")) if c is not None]
        rows, total = paged(conn, stmt.order_by(*order), Page(limit, offset))
        return [_plain(r) for r in rows], total

    def for_event(self, conn: Connection, event_id: str, mention_ids: list[str]) -> dict[str, Any]:
        """Claims for and against one event, the relations among them, and its verdict row."""
        out: dict[str, Any] = {"verdict": None, "for": [], "against": [], "relations": []}
        if self.verdicts is not None:
            stmt = select(self.verdicts).where(_col(self.verdicts, "subject") == event_id)
            if "subject_kind" in self.verdicts.c:
                stmt = stmt.where(self.verdicts.c.subject_kind == "event")
            row = conn.execute(stmt).mappings().first()
            out["verdict"] = _plain(dict(row)) if row else None
        if self.claims is None:
            return out
        verdict = out["verdict"] or {}
        wanted_for = set(verdict.get("supporting_claims") or [])
        wanted_against = set(verdict.get("disputing_claims") or [])
        key = _col(self.claims, "id")
        stmt = select(self.claims)
        if key is not None and (wanted_for or wanted_against):
            stmt = stmt.where(key.in_(sorted(wanted_for | wanted_against)))
        elif "event" in self.claims.c:
            stmt = stmt.where(self.claims.c.event.in_(mention_ids))
        else:
            return out
        claims = [_plain(dict(r)) for r in conn.execute(stmt).mappings()]
        ident = key.name if key is not None else "id"
        out["for"] = [c for c in claims if c.get(ident) not in wanted_against]
        out["against"] = [c for c in claims if c.get(ident) in wanted_against]
        out["relations"] = self._relations(conn, {c.get(ident) for c in claims})
        return out

    def _relations(self, conn: Connection, claim_ids: set) -> list[dict]:
        """The relations with a claim among ``claim_ids``, in stored order: looked up by claim
        where the relations' ends are indexed, else by reading them all (a storyline saved
        before migration 6: its ``relation_ends`` is empty while it has relations)."""
        if self.relations is None or not claim_ids:
            return []
        stmt = select(self.relations)
        if self._indexed(conn):
            by_claim = select(self.ends.c.relation).where(self.ends.c.claim_id.in_(sorted(claim_ids)))
            stmt = stmt.where(self.relations.c.position.in_(by_claim)).order_by(self.relations.c.position)
        rows = [_plain(dict(r)) for r in conn.execute(stmt).mappings()]
        return [r for r in rows if set(r.get("claims") or []) & claim_ids]

    def _indexed(self, conn: Connection) -> bool:
        if self.ends is None or "position" not in self.relations.c:
            return False
        return conn.execute(select(self.ends.c.relation).limit(1)).first() is not None or \
            conn.execute(select(self.relations.c.position).limit(1)).first() is None

    def profile(self, conn: Connection, outlet: str) -> dict[str, Any] | None:
        if self.profiles is None or "outlet" not in self.profiles.c:
            return None
        row = conn.execute(select(self.profiles).where(self.profiles.c.outlet == outlet)).mappings().first()
        return _plain(dict(row)) if row else None
