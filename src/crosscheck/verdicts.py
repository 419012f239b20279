"""Verdicts: how many independent origins back an event or a claim cluster, and who disputes it.

Why counted in origins, not articles: a re-post, a wire copy relayed by three sites and
two articles of one outlet each add nothing to corroboration. A cluster's claims fall
on two sides: corroborating claims on one side, contradicting claims on the other
(claims without a relation take the side of their polarity). The backing side is the
one with more independent origins. Status: "contested" when any claim contradicts
another, else "corroborated" with two or more independent origins, else
"single-source". An event's origins are those of the claims that state its mentions
(a relayed origin counts as that outlet), else of its articles; it is contested when
one of those claims is contradicted.
"""

from __future__ import annotations

from collections import defaultdict
from sys import intern
from typing import Mapping, Sequence

from crosscheck.models import ArticleSummary, ClaimCluster, Event, OutletProfile, Relation, Verdict
from crosscheck.origins import Origin
from crosscheck.similarity import ClaimView


def sides(members: Sequence[ClaimView], relations: Sequence[Relation]) -> dict[str, int]:
    """+1 / -1 per claim: relations first (corroborates = same side), then polarity."""
    sign = {"corroborates": 1, "contradicts": -1}
    adj: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for r in relations:
        a, b = r.claims
        adj[a].append((b, sign[r.type]))
        adj[b].append((a, sign[r.type]))
    anchor = members[0].polarity if members else 1
    side: dict[str, int] = {}
    for m in members:
        if m.id in side:
            continue
        side[m.id] = 1 if m.polarity == anchor else -1
        stack = [m.id]
        while stack:
            cur = stack.pop()
            for nxt, s in adj[cur]:
                if nxt not in side:
                    side[nxt] = side[cur] * s
                    stack.append(nxt)
    return side


def _names(views: Sequence[ClaimView]) -> tuple[list[str], list[str]]:
    """(origins, outlets) of some claims, each sorted and unique."""
    origins = {v.origin.key: v.origin.name for v in views}
    outlets = sorted({v.outlet for v in views}, key=str.casefold)
    return sorted(origins.values(), key=str.casefold), outlets


def cluster_verdict(cid: str, members: Sequence[ClaimView], relations: Sequence[Relation]) -> Verdict:
    side = sides(members, relations)
    plus = [m for m in members if side[m.id] > 0]
    minus = [m for m in members if side[m.id] < 0]
    if len({m.origin.key for m in minus}) > len({m.origin.key for m in plus}):
        plus, minus = minus, plus
    origins, outlets = _names(plus)
    against_origins, against = _names(minus)
    contested = any(r.type == "contradicts" for r in relations)
    status = "contested" if contested else "corroborated" if len(origins) >= 2 else "single-source"
    return Verdict(
        subject=cid, status=status, independent_sources=len(origins), origins=origins,
        supporting=outlets, disputing=against if contested else [],
        # one string per distinct text: most clusters are one article's single claim, and
        # all of that article's say "single source: <its origin>"
        explanation=intern(_explain(status, origins, against_origins if contested else [],
                                    len({m.claim.article for m in plus}))),
        supporting_claims=[m.id for m in plus], disputing_claims=[m.id for m in minus] if contested else [],
    )


def _explain(status: str, origins: list[str], against: list[str], n_articles: int) -> str:
    if status == "contested":
        return f"contested: {', '.join(origins)} vs {', '.join(against)}"
    if status == "corroborated":
        return f"corroborated by {len(origins)} independent origins: {', '.join(origins)}"
    extra = f" ({n_articles} articles, one origin)" if n_articles > 1 else ""
    return f"single source: {', '.join(origins) or 'unknown'}{extra}"


def event_verdicts(
    events: Sequence[Event], views: Sequence[ClaimView], clusters: Sequence[ClaimCluster],
    relations: Sequence[Relation], article_origin: Mapping[str, Origin], outlets: Mapping[str, str],
) -> list[Verdict]:
    """One verdict per event (see the module docstring)."""
    by_mention = {v.claim.event: v for v in views if v.claim.event}
    contra: dict[str, list[str]] = defaultdict(list)
    for r in relations:
        if r.type == "contradicts":
            a, b = r.claims
            contra[a].append(b)
            contra[b].append(a)
    by_id = {v.id: v for v in views}
    out = []
    for ev in events:
        origins: dict[str, str] = {}
        backing, disputing = [], []
        for m in ev.mentions:
            v = by_mention.get(m.id)
            o = v.origin if v is not None else article_origin.get(m.article, Origin(m.article, f"article:{m.article}"))
            origins[o.key] = o.name
            if v is not None:
                backing.append(v.id)
                disputing += [c for c in contra.get(v.id, []) if c not in disputing]
        names = sorted(origins.values(), key=str.casefold)
        supporters = sorted({outlets.get(m.article) or m.article for m in ev.mentions}, key=str.casefold)
        against = sorted({by_id[c].outlet for c in disputing}, key=str.casefold)
        status = "contested" if disputing else "corroborated" if len(names) >= 2 else "single-source"
        against_origins = sorted({by_id[c].origin.name for c in disputing}, key=str.casefold)
        out.append(Verdict(ev.id, status, len(names), names, supporters, against,
                           _explain(status, names, against_origins, len(ev.articles)), backing, disputing))
    return out


def outlet_profiles(views: Sequence[ClaimView], clusters: Sequence[ClaimCluster], articles: Sequence[ArticleSummary]) -> list[OutletProfile]:
    """Per outlet: own voice vs attributed, unnamed sources, how often it stands alone."""
    solo = {cid for c in clusters if stands_alone(c.verdict) for cid in c.claims}
    by_outlet: dict[str, list[ClaimView]] = defaultdict(list)
    for v in views:
        by_outlet[v.outlet].append(v)
    n_articles: dict[str, int] = defaultdict(int)
    for a in articles:
        n_articles[a.outlet or a.id] += 1
    out = []
    for outlet in sorted(set(by_outlet) | set(n_articles), key=str.casefold):
        vs = by_outlet.get(outlet, [])
        n = len(vs)
        own = sum(1 for v in vs if v.claim.attribution_kind == "outlet")
        unnamed = sum(1 for v in vs if v.claim.attribution_kind == "sources")
        alone = sum(1 for v in vs if v.id in solo)
        out.append(OutletProfile(outlet, n_articles.get(outlet, 0), n, share(own, n), share(n - own, n),
                                 share(unnamed, n), alone, share(alone, n)))
    return out


def stands_alone(v: Verdict) -> bool:
    """A cluster's claims stand alone (an outlet profile's ``sole_source``): one independent
    origin and no dispute. Said again in SQL by ``store_claims.OUTLET_COUNTS_SQL`` and
    ``store_comparison._standing_alone``."""
    return v.independent_sources <= 1 and v.status != "contested"


def share(k: int, n: int) -> float:
    return round(k / n, 3) if n else 0.0
