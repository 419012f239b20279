"""Store tables for cross-source verification: claims, relations, clusters, verdicts, profiles.

Why a module of its own: the store's generic machinery (one transaction per article,
storyline tables replaced as a whole) stays in ``store.py``; this module only knows how
the verification records map to rows and back, and builds the tables of migration 5.
Queried fields are real columns (modality, attribution, origin, cluster, status,
counts); small lists are JSON text, as elsewhere in the store.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import Counter
from itertools import chain
from sys import intern
from typing import Any, Callable, Container, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table, Text, select, text
from sqlalchemy.engine import Connection

from crosscheck.models import Claim, ClaimCluster, ClaimKeys, OutletProfile, PartialDate, Relation, Storyline, Verdict
from crosscheck.similarity import frozen
from crosscheck.verdicts import stands_alone

Row = dict[str, Any]
IN_CHUNK = 500  # values per SQL IN (...)


def chunked(values: Iterable[Any]) -> Iterator[list[Any]]:
    """``values``, distinct and sorted, ``IN_CHUNK`` at a time (one SQL IN each)."""
    items = sorted(set(values))
    for i in range(0, len(items), IN_CHUNK):
        yield items[i:i + IN_CHUNK]

# Storyline tables added by migration 5, in insertion order.
VERIFICATION_TABLES = ("storyline_claims", "claim_relations", "claim_clusters", "verdicts", "outlet_profiles")
# Added by migration 6: what an increment compares new claims by (``verify_increment``);
# written with the storyline, never loaded with it.
COMPARISON_TABLES = ("claim_comparison", "claim_terms", "relation_ends", "claim_term_counts", "outlet_counts")
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


def create_comparison_tables(conn: Connection) -> None:
    """Migration 6: each storyline claim's comparison keys (``models.ClaimKeys``), its
    blocking and rarity terms ("a:" actor keys, "t:" topic terms, "c:" object terms) by
    claim position, and the relations each claim is in."""
    md = MetaData()
    Table(
        "claim_comparison", md, Column("position", Integer, primary_key=True, autoincrement=False),
        Column("claim_id", String(200), nullable=False, unique=True),
        Column("article_id", String(200), nullable=False, index=True),
        Column("outlet", Text, nullable=False, index=True),
        Column("origin_name", Text, nullable=False), Column("origin_key", Text, nullable=False),
        Column("origin_evidence", Text), Column("relayed", Boolean, nullable=False),
        Column("pred_class", String(40)), Column("polarity", Integer, nullable=False),
        Column("window_start", String(10)), Column("window_end", String(10)),
        Column("copy_key", String(32), index=True), Column("takes_part", Boolean, nullable=False),
        Column("terms", Text, nullable=False),  # JSON {"actors": [...], "places": [...], "topic": [...], "core": [...]}
    )
    Table("claim_terms", md, Column("term", Text, primary_key=True),
          Column("position", Integer, primary_key=True, autoincrement=False),
          Column("blocks", Boolean, nullable=False))  # a candidate under this term (t:, c: of claims taking part)
    Table("relation_ends", md, Column("claim_id", String(200), primary_key=True),
          Column("relation", Integer, primary_key=True, autoincrement=False))
    md.create_all(conn)


def create_term_counts_table(conn: Connection) -> None:
    """Migration 9: how many stored claims have each blocking term and each rarity word
    (``kept_counts``), and how many have comparison keys at all (``ALL_CLAIMS``), kept as
    claims are saved, so that an increment reads a count by key instead of counting a
    word's claims (a word in a tenth of the claims is a tenth of the store per update).
    Filled from ``claim_terms`` and ``claim_comparison`` for a storyline stored before."""
    md = MetaData()
    Table("claim_term_counts", md, Column("term", Text, primary_key=True),
          Column("claims", Integer, nullable=False))
    md.create_all(conn)
    conn.execute(text(
        "INSERT INTO claim_term_counts (term, claims) "
        "SELECT term, count(*) FROM claim_terms WHERE term LIKE 't:%' OR term LIKE 'c:%' GROUP BY term "
        "UNION ALL "
        "SELECT 'w:' || substr(term, 3), count(DISTINCT position) FROM claim_terms "
        "WHERE term LIKE 'a:%' OR term LIKE 't:%' GROUP BY substr(term, 3) "
        f"UNION ALL SELECT '{ALL_CLAIMS}', count(*) FROM claim_comparison"))


# Per outlet of the stored claims (``claim_comparison.outlet``): its claims, those in its
# own voice and from unnamed sources, and those whose cluster stands alone
# (``verdicts.stands_alone``): what its profile is made of (``verdicts.outlet_profiles``).
OUTLET_COUNTS_SQL = (
    "SELECT cc.outlet, count(*), "
    "sum(CASE WHEN sc.attribution_kind = 'outlet' THEN 1 ELSE 0 END), "
    "sum(CASE WHEN sc.attribution_kind = 'sources' THEN 1 ELSE 0 END), "
    "sum(CASE WHEN vt.independent_sources <= 1 AND vt.status <> 'contested' THEN 1 ELSE 0 END) "
    "FROM claim_comparison cc JOIN storyline_claims sc ON sc.position = cc.position "
    "LEFT JOIN verdicts vt ON vt.subject_kind = 'cluster' AND vt.subject = sc.cluster GROUP BY cc.outlet")
OUTLET_COUNTS = ("claims", "own", "unnamed", "alone")


def create_outlet_counts_table(conn: Connection) -> None:
    """Migration 10: ``OUTLET_COUNTS`` of each outlet, kept as claims are saved and
    verified, so that an increment adds what it changed to a profile instead of counting
    the outlet's claims again (a feed of ten outlets: a tenth of the store per outlet, per
    update). Filled by ``OUTLET_COUNTS_SQL`` for a storyline stored before."""
    md = MetaData()
    Table("outlet_counts", md, Column("outlet", Text, primary_key=True),
          *(Column(name, Integer, nullable=False) for name in OUTLET_COUNTS))
    md.create_all(conn)
    conn.execute(text(f"INSERT INTO outlet_counts (outlet, {', '.join(OUTLET_COUNTS)}) {OUTLET_COUNTS_SQL}"))


def outlet_counts(claims: Iterable[tuple[Claim, ClaimKeys]], alone: Container[str] = ()) -> dict[str, list[int]]:
    """``OUTLET_COUNTS`` of ``claims`` by outlet; ``alone``: the ids of the clusters that
    stand alone (none for an increment's new claims: ``store_comparison.write`` adds those
    of the clusters it wrote)."""
    counts: dict[str, list[int]] = {}
    for c, k in claims:
        n = counts.setdefault(k.outlet, [0, 0, 0, 0])
        n[0] += 1
        n[1] += c.attribution_kind == "outlet"
        n[2] += c.attribution_kind == "sources"
        n[3] += c.cluster in alone
    return counts


def outlet_count_rows(st: Storyline, keys: Sequence[ClaimKeys]) -> Iterator[Row]:
    """``outlet_counts`` of a storyline whose claims have comparison ``keys`` (none: none)."""
    counts = outlet_counts(zip(st.claims, keys), {c.id for c in st.clusters if stands_alone(c.verdict)})
    return ({"outlet": outlet, **dict(zip(OUTLET_COUNTS, n))} for outlet, n in sorted(counts.items()))


def comparison_row(position: int, claim: Claim, k: ClaimKeys) -> Row:
    return {
        "position": position, "claim_id": claim.id, "article_id": claim.article, "outlet": k.outlet,
        "origin_name": k.origin_name, "origin_key": k.origin_key, "origin_evidence": k.origin_evidence,
        "relayed": k.relayed, "pred_class": k.pred_class, "polarity": k.polarity,
        "window_start": k.window[0].isoformat() if k.window else None,
        "window_end": k.window[1].isoformat() if k.window else None, "copy_key": k.copy_key,
        "takes_part": k.takes_part,
        "terms": js({"actors": sorted(k.actors), "places": sorted(k.places), "topic": sorted(k.topic),
                      "core": sorted(k.core)}),
    }


def keys_from(row: Row) -> ClaimKeys:
    terms = json.loads(row["terms"])
    window = None
    if row["window_start"] and row["window_end"]:
        window = (_dt.date.fromisoformat(row["window_start"]), _dt.date.fromisoformat(row["window_end"]))
    return ClaimKeys(
        row["origin_name"], row["origin_key"], row["origin_evidence"], bool(row["relayed"]), row["outlet"],
        *(frozen(shared(t) for t in terms[k]) for k in ("actors", "places", "topic", "core")),  # empty: one shared
        row["pred_class"], row["polarity"], window, row["copy_key"], bool(row["takes_part"]))


def term_rows(position: int, k: ClaimKeys) -> Iterator[Row]:
    """The claim's terms: "a:" actor keys and "t:" topic terms (rarity), "t:" and "c:"
    object terms (blocking, as ``verify.block``)."""
    for prefix, terms in (("a:", k.actors), ("t:", k.topic), ("c:", k.core)):
        for t in sorted(terms):
            yield {"term": prefix + t, "position": position, "blocks": prefix != "a:" and k.takes_part}


ALL_CLAIMS = "*"  # the ``claim_term_counts`` row that counts every claim with comparison keys


def kept_counts(keys: Sequence[ClaimKeys]) -> Counter:
    """What ``claim_term_counts`` keeps for these claims (migration 9): claims per blocking
    term ("t:", "c:", as ``verify.block`` counts them), per word of their actor keys or
    topic terms ("w:", ``LexicalSimilarity``'s rarity), and ``ALL_CLAIMS``. Counted over
    the claims' term sets first and prefixed once per distinct term: making a prefixed
    string per claim and term took ~0.35 s of saving the 2,125-article storyline."""
    topic: Counter = Counter()
    core: Counter = Counter()
    words: Counter = Counter()
    for k in keys:
        topic.update(k.topic)
        core.update(k.core)
        words.update(k.actors | k.topic)
    out = Counter({f"t:{t}": n for t, n in topic.items()})
    out.update({f"c:{c}": n for c, n in core.items()})
    out.update({f"w:{w}": n for w, n in words.items()})
    out[ALL_CLAIMS] = len(keys)
    return out


def term_count_rows(keys: Sequence[ClaimKeys]) -> Iterator[Row]:
    return ({"term": t, "claims": n} for t, n in sorted(kept_counts(keys).items()))


def relation_end_rows(position: int, r: Relation) -> Iterator[Row]:
    for claim in dict.fromkeys(r.claims):
        yield {"claim_id": claim, "relation": position}


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
        "detail": js({k: getattr(c, k) for k in _DETAIL}),
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


# ``json.dumps(value, ensure_ascii=False)``, without building an encoder per call (a
# storyline save encodes ~400,000 small lists: 1.9 s of them was dumps' own overhead).
js = json.JSONEncoder(ensure_ascii=False).encode


def relation_row(r: Relation) -> Row:
    return {"type": r.type, "claims": js(r.claims), "articles": js(r.articles), "explanation": r.explanation,
            "cue": r.cue, "score": r.score}


def relation_from(r: Row) -> Relation:
    return Relation(r["type"], json.loads(r["claims"]), json.loads(r["articles"]), r["explanation"], r["cue"], r["score"])


def cluster_row(cid: str, claims: list[str], label: str, event: str | None) -> Row:
    return {"id": cid, "claims": js(claims), "label": label, "event": event}


def verdict_row(v: Verdict, kind: str) -> Row:
    return {
        "subject": v.subject, "subject_kind": kind, "status": v.status,
        "independent_sources": v.independent_sources, "origins": js(v.origins),
        "supporting": js(v.supporting), "disputing": js(v.disputing), "explanation": v.explanation,
        "supporting_claims": js(v.supporting_claims), "disputing_claims": js(v.disputing_claims),
    }


def cluster_from(row: Row, verdict: Verdict) -> ClaimCluster:
    return ClaimCluster(row["id"], json.loads(row["claims"]), row["label"], verdict, row["event"])


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
        "claim_relations": (relation_row(r) for r in st.relations),
        "claim_clusters": (cluster_row(c.id, c.claims, c.label, c.event) for c in st.clusters),
        "verdicts": chain((verdict_row(v, "event") for v in st.verdicts),
                          (verdict_row(c.verdict, "cluster") for c in st.clusters)),
        "outlet_profiles": (
            {"outlet": p.outlet, "articles": p.articles, "claims": p.claims, "own_voice": p.own_voice,
             "attributed": p.attributed, "unnamed_sources": p.unnamed_sources, "sole_source": p.sole_source,
             "sole_source_share": p.sole_source_share} for p in st.outlet_profiles),
    }
    out = {name: _numbered(table) for name, table in rows.items()}
    keys = st.claim_keys if len(st.claim_keys) == len(st.claims) else []  # none: a storyline loaded from the store
    out["claim_comparison"] = (comparison_row(i, c, k) for i, (c, k) in enumerate(zip(st.claims, keys)))
    out["claim_terms"] = (row for i, k in enumerate(keys) for row in term_rows(i, k))
    out["relation_ends"] = (row for i, r in enumerate(st.relations) for row in relation_end_rows(i, r))
    out["claim_term_counts"] = term_count_rows(keys)
    out["outlet_counts"] = outlet_count_rows(st, keys)
    return out


def _numbered(rows: Iterable[Row]) -> Iterator[Row]:
    for i, row in enumerate(rows):
        row["position"] = i
        yield row


def verification_from(rows: Callable[[str], Iterable[Row]], claims: bool = True) -> dict[str, Any]:
    """Storyline fields (claims, relations, clusters, verdicts, outlet_profiles) from each
    table's rows (``rows(name)``, in saved order), read one table at a time; ``claims=False``:
    without claims and claim clusters (see ``StoredVerification``)."""
    events, of_cluster = [], {}
    for r in rows("verdicts"):
        if r["subject_kind"] == "event":
            events.append(_verdict_from(r))
        elif claims:
            of_cluster[r["subject"]] = _verdict_from(r)
    return {
        "claims": [claim_from(r, r["article_id"]) for r in rows("storyline_claims")] if claims else [],
        "relations": [relation_from(r) for r in rows("claim_relations")],
        "clusters": [
            cluster_from(r, of_cluster.pop(r["id"])) for r in rows("claim_clusters")] if claims else [],
        "verdicts": events,
        "outlet_profiles": sorted((  # by name, as a build writes them (an increment appends new outlets)
            OutletProfile(r["outlet"], r["articles"], r["claims"], r["own_voice"], r["attributed"],
                          r["unnamed_sources"], r["sole_source"], r["sole_source_share"])
            for r in rows("outlet_profiles")), key=lambda p: p.outlet.casefold()),
    }


class StoredVerification:
    """A stored storyline's claims and claim clusters, read when asked for instead of
    loaded with it (``Store.storyline_reader``): what ``crosscheck export`` writes them
    from (``export_claims.verification_dict(source=)``).

    Why: claims and clusters (with their verdicts) are the bulk of a stored storyline
    (most clusters hold one claim); an export reads each once, in its own order, and
    looks a few hundred claims up by id. ``claim_index``/``cluster_index`` give the light keys
    the caller orders by; ``claims_at``/``clusters_at`` read objects by handle (a row's
    position), ``IN_CHUNK`` per query."""

    def __init__(self, conn: Connection, tables: Mapping[str, Table]) -> None:
        self._conn, self._t = conn, tables

    def claim_index(self) -> list[tuple[str, int, int, str, int]]:
        """(article, start, end, claim id, handle) of every stored storyline claim."""
        t = self._t["storyline_claims"]
        return [tuple(r) for r in self._conn.execute(  # type: ignore[misc]
            select(t.c.article_id, t.c.start_char, t.c.end_char, t.c.claim_id, t.c.position).order_by(t.c.position))]

    def cluster_index(self) -> list[tuple[str, int]]:
        """(cluster id, handle) of every stored claim cluster."""
        t = self._t["claim_clusters"]
        return [tuple(r) for r in self._conn.execute(  # type: ignore[misc]
            select(t.c.id, t.c.position).order_by(t.c.position))]

    def claims_at(self, handles: Sequence[int]) -> list[Claim]:
        return [claim_from(r, r["article_id"]) for r in self._at("storyline_claims", handles)]

    def clusters_at(self, handles: Sequence[int]) -> list[ClaimCluster]:
        return self._clusters(self._at("claim_clusters", handles))

    def claim(self, claim_id: str) -> Claim | None:
        t = self._t["storyline_claims"]
        row = self._conn.execute(select(t).where(t.c.claim_id == claim_id).order_by(t.c.position)).mappings().first()
        return None if row is None else claim_from(dict(row), row["article_id"])

    def _at(self, table: str, handles: Sequence[int]) -> list[Row]:
        """The rows at ``handles``, in that order."""
        t = self._t[table]
        found: dict[int, Row] = {}
        for chunk in chunked(handles):
            found.update((r["position"], dict(r)) for r in self._conn.execute(
                select(t).where(t.c.position.in_(chunk))).mappings())
        return [found[h] for h in handles if h in found]

    def _clusters(self, rows: list[Row]) -> list[ClaimCluster]:
        t = self._t["verdicts"]
        verdicts: dict[str, Verdict] = {}
        for chunk in chunked(r["id"] for r in rows):
            stmt = select(t).where(t.c.subject_kind == "cluster", t.c.subject.in_(chunk))
            for r in self._conn.execute(stmt.order_by(t.c.position)).mappings():  # the last saved wins, as on load
                verdicts[r["subject"]] = _verdict_from(dict(r))
        return [cluster_from(r, verdicts[r["id"]]) for r in rows]
