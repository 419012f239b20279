"""Store tables for cross-source verification: claims, relations, clusters, verdicts, profiles.

Why a module of its own: the store's generic machinery (one transaction per article,
storyline tables replaced as a whole) stays in ``store.py``; this module only knows how
the verification records map to rows and back, and builds the tables of migration 5.
Queried fields are real columns (modality, attribution, origin, cluster, status,
counts); small lists are JSON text, as elsewhere in the store.
"""

from __future__ import annotations

import json
from itertools import chain
from sys import intern
from typing import Any, Iterable, Iterator

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table, Text
from sqlalchemy.engine import Connection

from crosscheck.models import Claim, ClaimCluster, OutletProfile, PartialDate, Relation, Storyline, Verdict

Row = dict[str, Any]
# Storyline tables added by migration 5, in insertion order.
VERIFICATION_TABLES = ("storyline_claims", "claim_relations", "claim_clusters", "verdicts", "outlet_profiles")
_DETAIL = ("speakers", "lemmas", "objects", "numbers", "mentions", "places", "actors")


# --------------------------------------------------------------------------- migration 5
def _claim_columns() -> list[Column]:
    return [
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("claim_id", String(200), nullable=False, index=True),
        Column("start_char", Integer, nullable=False), Column("end_char", Integer, nullable=False),
        Column("text", Text, nullable=False), Column("sentence", Integer, nullable=False),
        Column("sentence_start", Integer, nullable=False), Column("sentence_end", Integer, nullable=False),
        Column("predicate", Text, nullable=False), Column("subject", Text, nullable=False),
        Column("negated", Boolean, nullable=False),
        Column("attributed_to", Text, nullable=False),
        Column("attribution_kind", String(20), nullable=False, index=True),
        Column("modality", String(20), nullable=False, index=True),
        Column("origin", Text), Column("origin_evidence", Text),
        Column("date", String(10)), Column("date_precision", String(5)),
        Column("event", String(200), index=True), Column("cluster", String(200), index=True),
        Column("detail", Text, nullable=False),  # JSON: speakers, lemmas, objects, numbers, mentions, places, actors
    ]


def create_tables(conn: Connection) -> None:
    """Migration 5: claims per article; the storyline's claims, relations, clusters,
    verdicts (events and clusters) and outlet profiles."""
    md = MetaData()
    Table("articles", md, Column("id", String(200), primary_key=True))  # exists: only the FK target
    Table("claims", md, Column("article_id", String(200), ForeignKey("articles.id", ondelete="CASCADE"),
                               primary_key=True, index=True), *_claim_columns())
    Table("storyline_claims", md, Column("article_id", String(200), nullable=False, index=True), *_claim_columns())
    Table(
        "claim_relations", md, Column("position", Integer, primary_key=True, autoincrement=False),
        Column("type", String(20), nullable=False, index=True), Column("claims", Text, nullable=False),
        Column("articles", Text, nullable=False), Column("explanation", Text, nullable=False),
        Column("cue", String(40), nullable=False), Column("score", Float, nullable=False),
    )
    Table(
        "claim_clusters", md, Column("position", Integer, primary_key=True, autoincrement=False),
        Column("id", String(200), nullable=False, unique=True), Column("claims", Text, nullable=False),
        Column("label", Text, nullable=False), Column("event", String(200)),
    )
    Table(
        "verdicts", md, Column("position", Integer, primary_key=True, autoincrement=False),
        Column("subject", String(200), nullable=False, index=True),
        Column("subject_kind", String(10), nullable=False),  # "event" or "cluster"
        Column("status", String(20), nullable=False, index=True),
        Column("independent_sources", Integer, nullable=False),
        Column("origins", Text, nullable=False), Column("supporting", Text, nullable=False),
        Column("disputing", Text, nullable=False), Column("explanation", Text, nullable=False),
        Column("supporting_claims", Text, nullable=False), Column("disputing_claims", Text, nullable=False),
    )
    Table(
        "outlet_profiles", md, Column("position", Integer, primary_key=True, autoincrement=False),
        Column("outlet", Text, nullable=False), Column("articles", Integer, nullable=False),
        Column("claims", Integer, nullable=False), Column("own_voice", Float, nullable=False),
        Column("attributed", Float, nullable=False), Column("unnamed_sources", Float, nullable=False),
        Column("sole_source", Integer, nullable=False), Column("sole_source_share", Float, nullable=False),
    )
    md.create_all(conn, tables=[t for name, t in md.tables.items() if name != "articles"])


# --------------------------------------------------------------------------- rows
def claim_row(c: Claim) -> Row:
    return {
        "claim_id": c.id, "start_char": c.start, "end_char": c.end, "text": c.text,
        "sentence": c.sentence, "sentence_start": c.sentence_start, "sentence_end": c.sentence_end,
        "predicate": c.predicate, "subject": c.subject, "negated": c.negated,
        "attributed_to": c.attributed_to, "attribution_kind": c.attribution_kind, "modality": c.modality,
        "origin": c.origin, "origin_evidence": c.origin_evidence,
        "date": c.date.iso() if c.date else None, "date_precision": c.date.precision if c.date else None,
        "event": c.event, "cluster": c.cluster,
        "detail": json.dumps({k: getattr(c, k) for k in _DETAIL}, ensure_ascii=False),
    }


def claim_from(row: Row, article: str) -> Claim:
    """A stored claim. Its words (lemmas, speakers, objects, numbers) and labels repeat
    across thousands of claims: one shared string each (``sys.intern``) instead of a new
    copy per claim saved a fifth of the loaded records' memory on 1,200 BBC articles."""
    detail = {k: [shared(x) for x in v] for k, v in json.loads(row["detail"]).items()}
    return Claim(
        id=row["claim_id"], article=article, start=row["start_char"], end=row["end_char"], text=row["text"],
        sentence=row["sentence"], sentence_start=row["sentence_start"], sentence_end=row["sentence_end"],
        predicate=shared(row["predicate"]), subject=row["subject"], negated=bool(row["negated"]),
        attributed_to=shared(row["attributed_to"]), attribution_kind=shared(row["attribution_kind"]),
        modality=shared(row["modality"]),
        origin=row["origin"], origin_evidence=row["origin_evidence"],
        date=PartialDate.parse(row["date"]) if row["date"] else None, event=row["event"], cluster=row["cluster"],
        **{k: detail.get(k, []) for k in _DETAIL},
    )


def shared(value: Any) -> Any:
    """One shared copy of a string that repeats across records (``sys.intern``)."""
    return intern(value) if isinstance(value, str) else value


def _js(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _verdict_row(v: Verdict, kind: str) -> Row:
    return {
        "subject": v.subject, "subject_kind": kind, "status": v.status,
        "independent_sources": v.independent_sources, "origins": _js(v.origins),
        "supporting": _js(v.supporting), "disputing": _js(v.disputing), "explanation": v.explanation,
        "supporting_claims": _js(v.supporting_claims), "disputing_claims": _js(v.disputing_claims),
    }


def _verdict_from(row: Row) -> Verdict:
    return Verdict(
        row["subject"], row["status"], row["independent_sources"], json.loads(row["origins"]),
        json.loads(row["supporting"]), json.loads(row["disputing"]), row["explanation"],
        json.loads(row["supporting_claims"]), json.loads(row["disputing_claims"]),
    )


def verification_rows(st: Storyline) -> dict[str, Iterator[Row]]:
    """Rows of the verification tables of one storyline (positions in list order), made
    as they are read: a large storyline's rows are never all held at once."""
    rows: dict[str, Iterable[Row]] = {
        "storyline_claims": ({**claim_row(c), "article_id": c.article} for c in st.claims),
        "claim_relations": (
            {"type": r.type, "claims": _js(r.claims), "articles": _js(r.articles), "explanation": r.explanation,
             "cue": r.cue, "score": r.score} for r in st.relations),
        "claim_clusters": (
            {"id": c.id, "claims": _js(c.claims), "label": c.label, "event": c.event} for c in st.clusters),
        "verdicts": chain((_verdict_row(v, "event") for v in st.verdicts),
                          (_verdict_row(c.verdict, "cluster") for c in st.clusters)),
        "outlet_profiles": (
            {"outlet": p.outlet, "articles": p.articles, "claims": p.claims, "own_voice": p.own_voice,
             "attributed": p.attributed, "unnamed_sources": p.unnamed_sources, "sole_source": p.sole_source,
             "sole_source_share": p.sole_source_share} for p in st.outlet_profiles),
    }
    return {name: _numbered(table) for name, table in rows.items()}


def _numbered(rows: Iterable[Row]) -> Iterator[Row]:
    for i, row in enumerate(rows):
        row["position"] = i
        yield row


def verification_from(rows: dict[str, list[Row]]) -> dict[str, Any]:
    """Storyline fields (claims, relations, clusters, verdicts, outlet_profiles) from rows."""
    verdicts = {(r["subject_kind"], r["subject"]): _verdict_from(r) for r in rows["verdicts"]}
    return {
        "claims": [claim_from(r, r["article_id"]) for r in rows["storyline_claims"]],
        "relations": [
            Relation(r["type"], json.loads(r["claims"]), json.loads(r["articles"]), r["explanation"], r["cue"],
                     r["score"]) for r in rows["claim_relations"]],
        "clusters": [
            ClaimCluster(r["id"], json.loads(r["claims"]), r["label"], verdicts[("cluster", r["id"])], r["event"])
            for r in rows["claim_clusters"]],
        "verdicts": [_verdict_from(r) for r in rows["verdicts"] if r["subject_kind"] == "event"],
        "outlet_profiles": [
            OutletProfile(r["outlet"], r["articles"], r["claims"], r["own_voice"], r["attributed"],
                          r["unnamed_sources"], r["sole_source"], r["sole_source_share"])
            for r in rows["outlet_profiles"]],
    }
