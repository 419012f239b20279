"""The verification part of storyline.json: claims, relations, clusters, verdicts, profiles.

Why separate from ``export.py``: the storyline view stays one function there; this module
turns the verification records into plain, deterministically ordered data (claims by
article and offset, relations by type and claim ids, clusters by id) that both the JSON
file and the HTML report read.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, Iterator, Mapping, Protocol, Sequence, TypeVar

from crosscheck.models import Claim, ClaimCluster, Event, OutletProfile, Relation, Storyline, Verdict


def _natural(value: str) -> tuple:
    from crosscheck.export import natural_key  # one definition of the order

    return natural_key(value)


def claim_dict(c: Claim, outlets: Mapping[str, str | None]) -> dict[str, Any]:
    return {
        "id": c.id, "text": c.text, "article": c.article, "outlet": outlets.get(c.article),
        "start": c.start, "end": c.end, "sentence_start": c.sentence_start, "sentence_end": c.sentence_end,
        "attributed_to": c.attributed_to, "attribution_kind": c.attribution_kind, "speakers": list(c.speakers),
        "modality": c.modality, "negated": c.negated, "predicate": c.predicate,
        "origin": c.origin, "origin_evidence": c.origin_evidence,
        "date": c.date.iso() if c.date else None, "event": c.event, "actors": list(c.actors),
        "cluster": c.cluster,
    }


def relation_dict(r: Relation) -> dict[str, Any]:
    return {"type": r.type, "claims": list(r.claims), "articles": list(r.articles),
            "explanation": r.explanation, "cue": r.cue, "score": r.score}


def verdict_dict(v: Verdict) -> dict[str, Any]:
    return {
        "status": v.status, "independent_sources": v.independent_sources, "origins": list(v.origins),
        "supporting": list(v.supporting), "disputing": list(v.disputing), "explanation": v.explanation,
        "supporting_claims": list(v.supporting_claims), "disputing_claims": list(v.disputing_claims),
    }


def cluster_dict(c: ClaimCluster) -> dict[str, Any]:
    return {"id": c.id, "label": c.label, "claims": list(c.claims), "event": c.event, "verdict": verdict_dict(c.verdict)}


def profile_dict(p: OutletProfile) -> dict[str, Any]:
    return {"outlet": p.outlet, "articles": p.articles, "claims": p.claims, "own_voice": p.own_voice,
            "attributed": p.attributed, "unnamed_sources": p.unnamed_sources, "sole_source": p.sole_source,
            "sole_source_share": p.sole_source_share}


def event_verification(e: Event, verdicts: Mapping[str, Verdict], outlets: Mapping[str, str | None]) -> dict[str, Any]:
    """An event's "independent_sources" and "verdict" (None when the storyline has none:
    then its outlets, or articles of unknown outlet, are counted)."""
    v = verdicts.get(e.id)
    if v is None:
        n = len({outlets.get(a) or f"article:{a}" for a in e.articles})
        return {"independent_sources": n, "verdict": None}
    return {"independent_sources": v.independent_sources, "verdict": verdict_dict(v)}


T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Records(Generic[T]):
    """Records of the storyline as dicts, each made when it is read and not kept: what
    ``verification_dict(lazy=True)`` gives for claims and clusters (the bulk of a large
    storyline's dict view: ~40 MB at 4,450 BBC articles), for writers that read them once
    in order (storyline.json) or look a few up by id (the report's quotes). ``lookup``:
    an item by id (default: an index of ``items``, built on the first ``get``)."""

    def __init__(self, items: SizedIterable[T], make: Callable[[T], dict[str, Any]],
                 lookup: Callable[[str], T | None] | None = None) -> None:
        self._items, self._make, self._lookup = items, make, lookup
        self._by_id: dict[str, T] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(self._make, self._items)

    def get(self, key: str) -> dict[str, Any] | None:
        """The record whose item has id ``key``, made afresh; None when there is none."""
        if self._lookup is not None:
            item = self._lookup(key)
        else:
            if self._by_id is None:
                self._by_id = {item.id: item for item in self._items}  # type: ignore[attr-defined]
            item = self._by_id.get(key)
        return None if item is None else self._make(item)


class SizedIterable(Protocol[T_co]):
    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[T_co]: ...


class ClaimSource(Protocol):
    """Where a storyline's claims and clusters are read from when it does not hold them
    (``store_claims.StoredVerification``): light keys to order by, objects by handle."""

    def claim_index(self) -> list[tuple[str, int, int, str, int]]: ...  # (article, start, end, id, handle)

    def cluster_index(self) -> list[tuple[str, int]]: ...  # (id, handle)

    def claims_at(self, handles: Sequence[int]) -> list[Claim]: ...

    def clusters_at(self, handles: Sequence[int]) -> list[ClaimCluster]: ...

    def claim(self, claim_id: str) -> Claim | None: ...


class _Handles(Generic[T]):
    """Items read from a ``ClaimSource`` in the order of ``handles``, a chunk at a time,
    afresh on each pass: only one chunk is alive at once."""

    CHUNK = 1000

    def __init__(self, handles: list[int], read: Callable[[Sequence[int]], list[T]]) -> None:
        self._handles, self._read = handles, read

    def __len__(self) -> int:
        return len(self._handles)

    def __iter__(self) -> Iterator[T]:
        for k in range(0, len(self._handles), self.CHUNK):
            yield from self._read(self._handles[k:k + self.CHUNK])


def _claim_order(article: str, start: int, end: int, claim_id: str) -> tuple:
    return (_natural(article), start, end, _natural(claim_id))


def _in_claim_order(index: list[tuple[str, int, int, str, int]]) -> list[int]:
    """The handles of ``ClaimSource.claim_index`` rows in ``_claim_order``, sorted article
    by article: the same order as one sort by that key, without every claim's key tuple
    at once (~22 MB for 45,341 claims)."""
    by_article: dict[tuple, list[tuple[str, int, int, str, int]]] = {}
    for row in index:
        by_article.setdefault(_natural(row[0]), []).append(row)
    del index[:]  # the rows now live in the groups only
    out: list[int] = []
    for key in sorted(by_article):
        rows = by_article.pop(key)
        out.extend(r[-1] for r in sorted(rows, key=lambda r: (r[1], r[2], _natural(r[3]))))
    return out


def verification_dict(st: Storyline, lazy: bool = False, source: ClaimSource | None = None) -> dict[str, Any]:
    """The top-level keys storyline.json gains; with ``lazy``, claims and clusters as
    ``Records`` (the same dicts, made when read); with ``source``, read from it in the
    same order instead of from ``st`` (which then holds none: ``Records`` always)."""
    outlets = {a.id: a.outlet for a in st.articles}
    relations = sorted(st.relations, key=lambda r: (r.type, [_natural(c) for c in r.claims]))
    if source is None:
        claim_records: Records = Records(sorted(st.claims, key=lambda c: _claim_order(c.article, c.start, c.end, c.id)),
                                         lambda c: claim_dict(c, outlets))
        cluster_records: Records = Records(sorted(st.clusters, key=lambda c: _natural(c.id)), cluster_dict)
    else:
        lazy = True
        clusters = sorted(source.cluster_index(), key=lambda k: _natural(k[0]))
        claim_records = Records(_Handles(_in_claim_order(source.claim_index()), source.claims_at),
                                lambda c: claim_dict(c, outlets), source.claim)
        cluster_records = Records(_Handles([k[-1] for k in clusters], source.clusters_at), cluster_dict)
    return {
        "claims": claim_records if lazy else list(claim_records),
        "relations": [relation_dict(r) for r in relations],
        "claim_clusters": cluster_records if lazy else list(cluster_records),
        "outlet_profiles": [profile_dict(p) for p in sorted(st.outlet_profiles, key=lambda p: (p.outlet.casefold(), p.outlet))],
    }


def verification_counts(st: Storyline, claims: int | None = None) -> dict[str, int]:
    """``claims``: their number when ``st`` does not hold them (read from a ``ClaimSource``)."""
    return {
        "claims": len(st.claims) if claims is None else claims,
        "corroborations": sum(1 for r in st.relations if r.type == "corroborates"),
        "contradictions": sum(1 for r in st.relations if r.type == "contradicts"),
        "contested_events": sum(1 for v in st.verdicts if v.status == "contested"),
        "corroborated_events": sum(1 for v in st.verdicts if v.status == "corroborated"),
    }
