"""Reads and writes of the stored verification that an increment needs, by key.

Why a module of its own: ``verify_increment`` compares a few new claims with the stored
ones, so it must read the stored claims by blocking term, by sentence copy, by cluster
and by relation, never all of them; and it writes its result in one transaction. This
module only knows the tables (``store_claims``: migrations 5 and 6); what to compare
is ``verify_increment``'s business.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

from sqlalchemy import and_, bindparam, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection

from crosscheck.models import Claim, ClaimKeys, Relation, Verdict
from crosscheck.store import Store
from crosscheck.store_claims import (
    ALL_CLAIMS, OUTLET_COUNTS, chunked, claim_from, claim_row, cluster_row, comparison_row, keys_from, kept_counts,
    outlet_counts, relation_end_rows, relation_from, relation_row, term_rows, verdict_row,
)
from crosscheck.store_counts import add_counts
from crosscheck.verdicts import share


@dataclass
class StoredCluster:
    position: int
    id: str
    claims: list[str]


class ComparisonStore:
    """The stored claims, clusters and relations, read by key (one open connection).
    ``lookup`` and ``grouped`` read any table by an indexed key: incremental linking finds
    stored entities and events with them too."""

    def __init__(self, store: Store, conn: Connection) -> None:
        self.store, self.conn = store, conn
        self.t = store.table

    def rows_in(self, table: str, columns: Sequence[str], key: str, values: Iterable[Any],
                join: str | None = None) -> Iterator[tuple]:
        """Rows of ``columns`` ("name", or "table.name" with ``join``) of ``table``, joined
        with the table ``join`` on their ``position`` when given, whose ``key`` is among
        ``values``; ``IN_CHUNK`` values per query.

        Through the driver, not the statement layer: its expanding IN parameters (a unique
        name rendered per value, every query) and its row objects took 40 % of reading
        10,000 stored claims for an increment into a 4,250-article store. Values come as
        the driver gives them: a boolean as 1/0 on SQLite (readers pass it to ``bool``)."""
        quote = self.conn.dialect.identifier_preparer.quote
        mark = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        source = quote(table) if join is None else (
            f"{quote(table)} JOIN {quote(join)} ON {quote(join)}.position = {quote(table)}.position")
        names = ", ".join(".".join(map(quote, c.split("."))) for c in columns)
        head = f"SELECT {names} FROM {source} WHERE {quote(table)}.{quote(key)} IN "
        for chunk in chunked(values):
            yield from self.conn.exec_driver_sql(head + f"({', '.join([mark] * len(chunk))})", tuple(chunk))

    def lookup(self, table: str, key: str, value: str, keys: Iterable[Any]) -> dict:
        """{key: value} of the rows whose ``key`` column is among ``keys``."""
        return dict(self.rows_in(table, (key, value), key, keys))

    def grouped(self, table: str, key: str, value: str, keys: Iterable[Any]) -> dict[Any, list]:
        """{key: [value, ...]} of the rows whose ``key`` column is among ``keys``, each list
        in ``value`` order (sorted here, not by the database's collation)."""
        out: dict[Any, list] = defaultdict(list)
        for k, v in sorted(self.rows_in(table, (key, value), key, keys)):
            out[k].append(v)
        return out

    def ready(self) -> str | None:
        """None when the stored storyline keeps comparison keys for all its claims, else why
        not. By key, not by counting rows: stored claims are numbered 0..n-1 (a save numbers
        them, an increment appends), so their number is the next position (an index's end)."""
        if self.t("claim_comparison") is None:
            return "the store predates incremental verification (migration 6)"
        n, m = self.next_position("storyline_claims"), self.count()
        if n != m:
            return f"the stored storyline keeps comparison keys for {m} of its {n} claims (built before they were kept)"
        return None

    def count(self) -> int:
        """Stored claims with comparison keys (the kept count: ``store_claims.ALL_CLAIMS``)."""
        return self.lookup("claim_term_counts", "term", "claims", [ALL_CLAIMS]).get(ALL_CLAIMS, 0)

    def next_position(self, table: str) -> int:
        t = self.t(table)
        top = self.conn.execute(select(func.max(t.c.position))).scalar()
        return 0 if top is None else top + 1

    # -- claims -------------------------------------------------------------------
    def claims(self, positions: Iterable[int]) -> dict[int, tuple[Claim, ClaimKeys]]:
        sc, cc = self.t("storyline_claims"), self.t("claim_comparison")
        names, keys = [c.name for c in sc.c], [c.name for c in cc.c]
        columns = [f"{t.name}.{c}" for t, cs in ((sc, names), (cc, keys)) for c in cs]
        out = {}
        for row in self.rows_in(sc.name, columns, "position", positions, join=cc.name):
            r = dict(zip(names, row))
            out[r["position"]] = (claim_from(r, r["article_id"]), keys_from(dict(zip(keys, row[len(names):]))))
        return out

    def likeness(self, positions: Iterable[int]) -> dict[int, tuple[str, str | None, tuple]]:
        """{position: (article id, event mention, (terms, predicate, predicate class,
        window))} of stored claims: what a new claim's affinity to a cluster member
        depends on (``verify.affinity``), as stored text: no claim or key parsed."""
        columns = ("storyline_claims.position", "storyline_claims.article_id", "storyline_claims.event",
                   "storyline_claims.predicate", "claim_comparison.terms", "claim_comparison.pred_class",
                   "claim_comparison.window_start", "claim_comparison.window_end")
        return {p: (article, mention, tuple(rest))
                for p, article, mention, *rest in self.rows_in("storyline_claims", columns, "position", positions,
                                                               join="claim_comparison")}

    def positions(self, claim_ids: Iterable[str]) -> dict[str, int]:
        return self.lookup("claim_comparison", "claim_id", "position", claim_ids)

    def stating(self, mention_ids: Iterable[str]) -> dict[str, list[int]]:
        """Positions of the stored claims stating each event mention."""
        return self.grouped("storyline_claims", "event", "position", mention_ids)

    def taking_part(self, positions: Iterable[int]) -> dict[int, bool]:
        return {p: bool(t) for p, t in self.lookup("claim_comparison", "position", "takes_part", positions).items()}

    def events_of_mentions(self, mention_ids: Iterable[str]) -> dict[str, str]:
        return self.lookup("event_mention_links", "mention_id", "event_id", mention_ids)

    def postings(self, terms: Iterable[str], limit: int) -> dict[str, list[int]]:
        """Positions of the latest ``limit`` claims taking part under each blocking term, in
        position order (``verify.RecentIds``): one query per term on the (term, position)
        key, so a term many stored claims share costs ``limit`` rows, not all of them."""
        ct = self.t("claim_terms")
        stmt = (select(ct.c.position).where(ct.c.term == bindparam("term"), ct.c.blocks.is_(True))
                .order_by(ct.c.position.desc()).limit(limit))
        out = {}
        for term in sorted(set(terms)):
            if found := self.conn.execute(stmt, {"term": term}).scalars().all():
                out[term] = found[::-1]
        return out

    def term_counts(self, terms: Iterable[str]) -> Counter:
        """Stored claims with each blocking term, taking part or not (``verify.block``
        counts all), read from the kept counts (``claim_term_counts``)."""
        return Counter(self.lookup("claim_term_counts", "term", "claims", terms))

    def rarity_counts(self, words: Iterable[str]) -> Counter:
        """Claims whose actor keys or topic terms hold each word (``LexicalSimilarity``'s
        df), read from the kept counts."""
        found = self.lookup("claim_term_counts", "term", "claims", (f"w:{w}" for w in words))
        return Counter({term[2:]: n for term, n in found.items()})

    def copies(self, keys: Iterable[str]) -> dict[str, list[int]]:
        """Positions of the stored claims whose sentence has each copy key, in position order."""
        return self.grouped("claim_comparison", "copy_key", "position", keys)

    # -- clusters and relations ------------------------------------------------------
    def cluster_ids(self, positions: Iterable[int]) -> dict[int, str]:
        return self.lookup("storyline_claims", "position", "cluster", positions)

    def cluster_positions(self, ids: Iterable[str]) -> dict[str, int]:
        return self.lookup("claim_clusters", "id", "position", ids)

    def clusters(self, ids: Iterable[str]) -> dict[str, StoredCluster]:
        return {cid: StoredCluster(pos, cid, json.loads(claims))
                for pos, cid, claims in self.rows_in("claim_clusters", ("position", "id", "claims"), "id", ids)}

    def relations_of(self, claim_ids: Iterable[str]) -> dict[int, Relation]:
        wanted = {r for (r,) in self.rows_in("relation_ends", ("relation",), "claim_id", claim_ids)}
        names = [c.name for c in self.t("claim_relations").c]
        rows = self.rows_in("claim_relations", names, "position", wanted)
        return {r["position"]: relation_from(r) for r in (dict(zip(names, row)) for row in rows)}

    def entity_names(self, ids: Iterable[str]) -> dict[str, str]:
        return self.lookup("entities", "id", "name", ids)

    def outlets(self) -> set[str]:
        """The stored articles' outlets, one index lookup per outlet (each the least
        greater than the last: a loose index scan), where ``SELECT DISTINCT`` read the whole
        index, an entry per stored article, on every update."""
        return set(self.conn.execute(text(
            "WITH RECURSIVE o(v) AS (SELECT min(outlet) FROM storyline_articles UNION ALL "
            "SELECT (SELECT min(outlet) FROM storyline_articles WHERE outlet > o.v) FROM o WHERE o.v IS NOT NULL) "
            "SELECT v FROM o WHERE v IS NOT NULL AND v <> ''")).scalars())


@dataclass
class ComparisonWrite:
    """What one increment changes in the stored verification (see ``write``)."""

    claims: list[tuple[int, Claim, ClaimKeys]] = field(default_factory=list)  # new, with positions
    origins: dict[int, tuple[Claim, ClaimKeys]] = field(default_factory=dict)  # stored claims given another origin
    cluster_of: dict[str, list[int]] = field(default_factory=dict)  # cluster id -> stored claims now in it
    relations: list[Relation] = field(default_factory=list)  # new
    clusters: list[tuple[int, str, list[str], str, str | None]] = field(default_factory=list)  # written anew
    drop_clusters: list[str] = field(default_factory=list)  # merged into another (or rewritten)
    verdicts: list[tuple[Verdict, str]] = field(default_factory=list)  # (verdict, "event" | "cluster")
    drop_event_verdicts: list[str] = field(default_factory=list)
    renamed_events: dict[str, str] = field(default_factory=dict)  # old event id -> recomputed id
    outlets: set[str] = field(default_factory=set)  # outlets whose profile is recomputed


def write(store: Store, change: ComparisonWrite) -> int:
    """Apply ``change`` in one transaction; returns the number of outlet profiles recomputed.
    The kept outlet counts (migration 10) take the new claims, and for the clusters the
    change rewrites, their claims standing alone after it less those that did before."""
    t = store.table
    with store.engine.begin() as conn:
        db = ComparisonStore(store, conn)
        before = _standing_alone(db, _rewritten_clusters(change))  # what their stored claims counted so far
        sc, cc = t("storyline_claims"), t("claim_comparison")
        if change.claims:
            conn.execute(insert(sc), [{**claim_row(c), "article_id": c.article, "position": p}
                                      for p, c, _k in change.claims])
            conn.execute(insert(cc), [comparison_row(p, c, k) for p, c, k in change.claims])
            terms = [r for p, _c, k in change.claims for r in term_rows(p, k)]
            if terms:
                conn.execute(insert(t("claim_terms")), terms)
            add_counts(conn, t("claim_term_counts"), kept_counts([k for _p, _c, k in change.claims]))
        for pos, (claim, keys) in change.origins.items():
            conn.execute(update(sc).where(sc.c.position == pos).values(
                origin=claim.origin, origin_evidence=claim.origin_evidence))
            conn.execute(update(cc).where(cc.c.position == pos).values(
                origin_name=keys.origin_name, origin_key=keys.origin_key, origin_evidence=keys.origin_evidence,
                relayed=keys.relayed))
        for cid, positions in change.cluster_of.items():
            for chunk in chunked(positions):
                conn.execute(update(sc).where(sc.c.position.in_(chunk)).values(cluster=cid))
        _write_relations(conn, db, change.relations)
        _write_clusters(conn, db, change)
        for old, new in change.renamed_events.items():
            cl = t("claim_clusters")
            conn.execute(update(cl).where(cl.c.event == old).values(event=new))
        counts = outlet_counts((c, k) for _p, c, k in change.claims)  # none standing alone yet
        for outlet, n in _standing_alone(db, [c[1] for c in change.clusters]).items():
            counts.setdefault(outlet, [0, 0, 0, 0])[3] += n
        for outlet, n in before.items():
            counts.setdefault(outlet, [0, 0, 0, 0])[3] -= n
        add_counts(conn, t("outlet_counts"), {o: dict(zip(OUTLET_COUNTS, n)) for o, n in counts.items() if any(n)})
        return _write_profiles(conn, db, change.outlets)


def _rewritten_clusters(change: ComparisonWrite) -> set[str]:
    """The stored clusters a change drops or rewrites (their verdicts go with them)."""
    return set(change.drop_clusters) | {v.subject for v, kind in change.verdicts if kind == "cluster"}


def _standing_alone(db: ComparisonStore, cluster_ids: Iterable[str]) -> Counter:
    """Stored claims per outlet whose cluster, one of ``cluster_ids``, stands alone
    (``verdicts.stands_alone``): read by the claims' cluster index, so an increment counts
    the members of the clusters it touches, not an outlet's claims."""
    sc, cc, vt = db.t("storyline_claims"), db.t("claim_comparison"), db.t("verdicts")
    stmt = (select(cc.c.outlet, func.count())
            .select_from(sc.join(cc, cc.c.position == sc.c.position).join(
                vt, and_(vt.c.subject_kind == "cluster", vt.c.subject == sc.c.cluster)))
            .where(sc.c.cluster.in_(bindparam("ids", expanding=True)), vt.c.independent_sources <= 1,
                   vt.c.status != "contested")
            .group_by(cc.c.outlet))
    out: Counter = Counter()
    for chunk in chunked(cluster_ids):
        out.update(dict(db.conn.execute(stmt, {"ids": chunk}).all()))
    return out


def _write_relations(conn: Connection, db: ComparisonStore, relations: Sequence[Relation]) -> None:
    if not relations:
        return
    base = db.next_position("claim_relations")
    conn.execute(insert(db.t("claim_relations")), [{**relation_row(r), "position": base + i}
                                                  for i, r in enumerate(relations)])
    conn.execute(insert(db.t("relation_ends")),
                 [row for i, r in enumerate(relations) for row in relation_end_rows(base + i, r)])


def _write_clusters(conn: Connection, db: ComparisonStore, change: ComparisonWrite) -> None:
    cl, vt = db.t("claim_clusters"), db.t("verdicts")
    for chunk in chunked(change.drop_clusters):
        conn.execute(delete(cl).where(cl.c.id.in_(chunk)))
    gone_clusters = _rewritten_clusters(change)
    for chunk in chunked(gone_clusters):
        conn.execute(delete(vt).where(and_(vt.c.subject_kind == "cluster", vt.c.subject.in_(chunk))))
    gone_events = set(change.drop_event_verdicts) | {v.subject for v, kind in change.verdicts if kind == "event"}
    for chunk in chunked(gone_events):
        conn.execute(delete(vt).where(and_(vt.c.subject_kind == "event", vt.c.subject.in_(chunk))))
    if change.clusters:
        conn.execute(insert(cl), [{**cluster_row(cid, claims, label, event), "position": p}
                                  for p, cid, claims, label, event in change.clusters])
    if change.verdicts:
        base = db.next_position("verdicts")
        conn.execute(insert(vt), [{**verdict_row(v, kind), "position": base + i}
                                  for i, (v, kind) in enumerate(change.verdicts)])


def _write_profiles(conn: Connection, db: ComparisonStore, outlets: set[str]) -> int:
    """Rewrite the outlet profiles of ``outlets`` from their kept counts (``outlet_counts``,
    as ``verdicts.outlet_profiles`` counts them) and their kept article counts: their
    rows are replaced, new ones go last (a storyline lists its profiles by outlet name:
    ``store_claims``)."""
    if not outlets:
        return 0
    prof, oc = db.t("outlet_profiles"), db.t("outlet_counts")
    kept = {row[0]: row[1:] for row in db.rows_in(oc.name, ("outlet", *OUTLET_COUNTS), "outlet", outlets)}
    published = db.lookup("outlet_articles", "outlet", "articles", outlets)  # kept (migration 17)
    old = db.lookup("outlet_profiles", "outlet", "position", outlets)
    nxt = db.next_position("outlet_profiles")
    rows = []
    for outlet in sorted(outlets):
        n, own, unnamed, alone = kept.get(outlet, (0, 0, 0, 0))
        n_articles = published.get(outlet, 0)
        position = old.get(outlet)
        if position is None:
            position, nxt = nxt, nxt + 1
        rows.append({"position": position, "outlet": outlet, "articles": n_articles, "claims": n,
                     "own_voice": share(own, n), "attributed": share(n - own, n), "unnamed_sources": share(unnamed, n),
                     "sole_source": alone, "sole_source_share": share(alone, n)})
    for chunk in chunked(old):
        conn.execute(delete(prof).where(prof.c.outlet.in_(chunk)))
    conn.execute(insert(prof), rows)
    return len(outlets)
