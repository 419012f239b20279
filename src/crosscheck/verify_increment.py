"""Verify newly linked articles against the stored verification, without rebuilding it.

Why: a full build compares every claim of the corpus (23 s of verification on 2,225 BBC
articles here, more than linearly more beyond), far too slow for each upload into a
large store. An increment reads only the stored claims the new ones could relate to
(by the keys a build blocks on, kept in the store by migration 6) and rewrites only
the clusters, verdicts and outlet profiles they touch:

1. Views of the new claims as a build makes them (``verify.build_views``), from the new
   records and the entities and events the increment linked; origins resolved against
   every stored outlet. A sentence found word for word in stored claims takes the
   earliest one's origin, and a stored claim takes the new one's when the new article
   is earlier (``origins.copied_within``).
2. Blocking as a build (``verify.block``): each new claim's keys (topic and object
   terms, its linked event), their counts over stored and new claims, the latest
   ``recent_per_key`` stored claims taking part under each (one indexed read per key, so
   what is read does not grow with the store); the same ``max_pairs`` most overlapping
   as candidates, and the same ``max_clusters`` stored clusters (their first
   ``MAX_COMPARED`` members, of which only those standing for the others are read in
   full: ``standing_for``).
3. Rarity weights from the stored term counts plus the new claims: the lexical
   similarity a build over the whole corpus would use for these claims (a stored
   claim's words are weighed as it is read).
4. Relations: each new claim judged against its candidates (``verify.relate``).
5. Clusters: each new claim joins the most similar candidate cluster or starts one;
   clusters joined by a new relation become one (the earliest keeps its id).
   Steps 4-5 run ``increment_block`` new claims at a time (``VerifyConfig``), reading
   the stored claims each block compares with and holding at most ``increment_held``
   from one block to the next (the longest unused let go, read again if needed): the
   stored claims an upload holds do not grow with the store, and the result is the same.
6. Verdicts recomputed from everything stored for every touched cluster (all its members
   and relations), for the events the increment linked into or a new contradiction
   touches, and the profiles of the outlets whose claims are in them, from counts kept by
   outlet (``store_comparison.write``: what the increment changed is added to them, so an
   outlet's stored claims are not counted again); one transaction.

What may differ from a build: a build visits claims in article order over the whole
corpus, an increment visits the new claims after the stored ones, and stored relations
keep the rarity weights they were judged with; so grouping can differ slightly, as
incremental linking's can. Verdicts never do: each is counted over the stored members
and relations of its cluster or event, so "3 outlets agree" is what the claims shown
say. Only the lexical similarity is incremental; with sentence embeddings
(``claim_similarity = "embeddings"``) an upload needs a full build.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Mapping, Sequence

from crosscheck.disjoint import DisjointSets
from crosscheck.heap import frozen_heap
from crosscheck.models import ArticleRecord, Claim, ClaimKeys, Entity, Event, Relation, Storyline
from crosscheck.origins import Origin, OriginResolver, copied_within
from crosscheck.similarity import ClaimView, LexicalSimilarity, comparison_keys, signed, view_of
from crosscheck.store import Store
from crosscheck.store_comparison import ComparisonStore, ComparisonWrite, write
from crosscheck.storyline import summarize_article
from crosscheck.verdicts import cluster_verdict, event_verdicts
from crosscheck.verify import (
    MAX_COMPARED, CrossSourceVerifier, RecentClusters, RecentIds, affinity, blocking_keys, build_views, overlapping,
    relate, resolved_claim, short, takes_part,
)


@dataclass
class VerifyIncrement:
    """What one incremental verification did (for the job page and the API)."""

    mode: str  # "incremental", or "build-needed" (with the reason) when it cannot be done here
    reason: str = ""
    claims: int = 0  # new claims compared
    candidates: int = 0  # stored claims read to compare them with (each counted once)
    alike: int = 0  # stored cluster members not read: others alike stood for them (``standing_for``)
    relations: int = 0  # new corroborations and contradictions
    clusters_created: int = 0
    clusters_updated: int = 0  # stored clusters recomputed (joined, merged or re-sourced)
    clusters_merged: int = 0  # stored clusters merged into another
    events: int = 0  # event verdicts recomputed
    outlets: int = 0  # outlet profiles recomputed
    seconds: float = 0.0  # wall time of this verification, reads and write included
    contradictions: list[dict] = field(default_factory=list)  # the new ones: {"articles", "explanation"}

    def summary(self) -> str:
        if self.mode != "incremental":
            return f"claims not compared here ({self.reason}): a full build compares them"
        return (f"{self.claims} claims compared across sources with {self.candidates} stored ones: "
                f"{self.relations} relations, {self.clusters_created} new claim clusters, {self.clusters_updated} "
                f"recomputed ({self.clusters_merged} merged), {self.events} event verdicts and {self.outlets} "
                f"outlet profiles recomputed")


def verify_articles(store: Store, records: Sequence[ArticleRecord], ids: Mapping, events: Sequence[Event],
                    replaced: Mapping[str, str], verifier: CrossSourceVerifier | None = None) -> VerifyIncrement:
    """Verify the claims of ``records`` (stored and just linked: ``ids`` their entity ids,
    ``events`` the events the increment wrote, ``replaced`` old event id -> new) against
    the stored verification (steps above)."""
    started = time.perf_counter()
    verifier = verifier or CrossSourceVerifier()
    if verifier.similarity is not LexicalSimilarity:
        return VerifyIncrement("build-needed", "only the lexical claim similarity is verified incrementally")
    with store.engine.connect() as conn:
        db = ComparisonStore(store, conn)
        why = db.ready()
        if why is not None:
            return VerifyIncrement("build-needed", why)
        with frozen_heap() as keep:
            inc = _Increment(db, verifier, store, keep)
            change, result = inc.run(records, ids, events, replaced)
    result.outlets = write(store, change)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


@dataclass
class _Group:
    """A cluster as the increment sees it: stored claim ids (all), new views, and the
    stored first members' views while held (``head``: None when not read or let go)."""

    position: int
    id: str
    stored: list[str] = field(default_factory=list)
    new: list[ClaimView] = field(default_factory=list)
    head: list[ClaimView] | None = None  # views of the stored first MAX_COMPARED members that stand for them all
    head_at: list[int] = field(default_factory=list)  # their positions
    counted: int = 0  # stored members among the first MAX_COMPARED (those ``head`` stands for)
    order: list[str] = field(default_factory=list)  # every member's claim id, in cluster order (merged groups)

    @property
    def first(self) -> list[ClaimView]:
        """The members a new claim is compared with: the stored first ones (those standing
        for them), then new ones up to ``MAX_COMPARED`` members in all."""
        return [*(self.head or ()), *self.new[:MAX_COMPARED - self.counted]]


def standing_for(positions: Sequence[int], alike: Mapping[int, tuple[str, tuple]]) -> list[int]:
    """Of a cluster's first members (``positions``, in cluster order), those that stand
    for them all when a new claim is compared with the cluster: of the members alike in
    all ``verify.affinity`` reads (``alike``: article, then comparison terms, predicate,
    its class, window and event), the first of two articles; a member not in ``alike`` is
    kept. Why: the affinity is the best similarity to a member of another article than
    the new claim's, so members alike score alike, and with two articles' members one is
    of another article. Syndicated and re-edited copies fill a cluster's first members
    with such claims, each read and parsed for nothing."""
    kept, articles = [], {}
    for p in positions:
        if p not in alike:
            kept.append(p)
            continue
        article, likeness = alike[p]
        seen = articles.setdefault(likeness, [])
        if len(seen) < 2 and article not in seen:
            seen.append(article)
            kept.append(p)
    return kept


class _Increment:
    def __init__(self, db: ComparisonStore, verifier: CrossSourceVerifier, store: Store,
                 keep: Callable[[], None] = lambda: None) -> None:
        self.db, self.store, self.cfg, self.lex, self.judge = db, store, verifier.cfg, verifier.lex, verifier.judge
        self.keep = keep  # ``heap.frozen_heap``'s: what a block leaves held is not walked again by the collector
        self.views: dict[int, ClaimView] = {}  # stored claims' views held now, by position
        self.seen: set[int] = set()  # every stored claim read (``VerifyIncrement.candidates``)
        self.alike: set[int] = set()  # stored cluster members whose likeness was read (``standing_for``)
        self.kept: set[int] = set()  # held until the end: stored claims step 1 re-sourced
        self.resourced: dict[int, Origin] = {}  # stored claims given another origin (step 1)
        self.known = db.outlets()
        self.cluster_at: dict[int, str] = {}  # stored cluster ids by position, under the new claims' keys
        self.stored = db.count()  # claims in the store (rarity weights and the blocking cap count them with the new)
        self.sim: LexicalSimilarity | None = None  # step 3's, once made
        self.numbers: dict[tuple, int] | None = None  # the block's signatures (``similarity.signed``) while comparing
        self.last_used: dict[int, int] = {}  # stored view position -> the block that last used it

    def run(self, records, ids, events, replaced) -> tuple[ComparisonWrite, VerifyIncrement]:
        new = self._new_views(records, ids, events)
        base = self.db.next_position("storyline_claims")
        self._copies(new)
        every = [blocking_keys(v) for v in new]  # a build counts every claim's keys, blocks with those taking part
        keys = [ks if takes_part(v, self.cfg) else () for v, ks in zip(new, every)]
        df, cap, postings = self._blocking(every, keys, events)
        cindex = self._cluster_index(postings)
        self._similarity(new)
        relations, joined = self._compare(new, keys, (df, cap), postings, cindex, base)
        change = ComparisonWrite()
        result = VerifyIncrement("incremental", claims=len(new), relations=len(relations), contradictions=[
            {"articles": r.articles, "explanation": r.explanation} for r in relations if r.type == "contradicts"])
        final = self._merge(joined, relations, change, result)
        cluster_id = {v.id: g.id for g in final for v in g.new}
        change.claims = [(base + j, resolved_claim(v, cluster_id[v.id]), comparison_keys(v, takes_part(v, self.cfg)))
                         for j, v in enumerate(new)]
        change.relations = relations
        final += self._resourced_groups(final)
        outlets = self._cluster_verdicts(final, relations, change, result)
        result.events = self._event_verdicts(events, new, relations, replaced, change)
        change.outlets = {s.outlet or s.id for s in map(summarize_article, records)} | outlets
        change.origins = {p: self._resourced_claim(p) for p in self.resourced}
        result.candidates = len(self.seen)
        result.alike = len(self.alike - self.seen)
        return change, result

    # -- step 1 -------------------------------------------------------------------------
    def _new_views(self, records, ids, events) -> list[ClaimView]:
        summaries = [summarize_article(r) for r in records]
        resolver = OriginResolver.from_articles([*summaries, *self._reposted(summaries)], known=self.known)
        names = self.db.entity_names(set(ids.values()))
        entities = [Entity(eid, name, "", [], []) for eid, name in names.items()]
        return build_views(Storyline(summaries, entities, list(events)), records, ids, self.lex, resolver)

    def _reposted(self, summaries) -> list:
        """Stored summaries of the articles the new ones re-post (and so on up the chain)."""
        have = {s.id for s in summaries}
        wanted = {s.same_origin_as for s in summaries if s.same_origin_as} - have
        out = []
        while wanted:
            found = self.store.load_summaries(wanted)
            out += found
            have |= wanted
            wanted = {s.same_origin_as for s in found if s.same_origin_as} - have
        return out

    def _copies(self, new: list[ClaimView]) -> None:
        """Step 1's word-for-word copies between stored and new claims."""
        by_key: dict[str, list[int]] = defaultdict(list)
        for j, v in enumerate(new):
            if v.copy_key is not None:
                by_key[v.copy_key].append(j)
        stored = self.db.copies(by_key)
        self._read([p for ps in stored.values() for p in ps])
        for key, positions in stored.items():
            olds = [self.views[p] for p in positions]
            group = [(v.claim.article, v.origin, v.window) for v in [*olds, *(new[j] for j in by_key[key])]]
            for k, origin in copied_within(group).items():
                if k < len(olds):
                    self.resourced[positions[k]] = olds[k].origin = origin
                else:
                    new[by_key[key][k - len(olds)]].origin = origin
        self.kept.update(self.resourced)

    def _resourced_claim(self, position: int) -> tuple[Claim, ClaimKeys]:
        v = self.views[position]
        claim = replace(v.claim, origin=v.origin.name, origin_evidence=v.origin.evidence)
        return claim, comparison_keys(v, takes_part(v, self.cfg))

    # -- step 2 -------------------------------------------------------------------------
    def _blocking(self, every, keys, events) -> tuple[Counter, int, dict[str, list[int]]]:
        df = self.db.term_counts({k for ks in every for k in ks if k[0] != "e"})
        df.update(k for ks in every for k in ks)
        cap = max(50, int(self.cfg.common_share * (self.stored + len(every))))
        terms = {k for ks in keys for k in ks if k[0] != "e"}
        postings = self.db.postings([k for k in terms if k[0] == "c" or df[k] <= cap], self.cfg.recent_per_key)
        mentions = {ev.id: [m.id for m in ev.mentions] for ev in events}
        stating = self.db.stating(m for ms in mentions.values() for m in ms)
        found = {eid: sorted(p for m in mentions.get(eid, ()) for p in stating.get(m, ()))
                 for eid in {k[2:] for ks in keys for k in ks if k[0] == "e"}}
        taking = self.db.taking_part(p for ps in found.values() for p in ps)
        for eid, positions in found.items():
            postings[f"e:{eid}"] = [p for p in positions if taking.get(p)]
            df[f"e:{eid}"] += len(positions)
        return df, cap, postings

    def _pairs(self, block: range, keys, blocking, index: RecentIds, base) -> list[tuple[int, int]]:
        """Step 2's candidate pairs of the block's new claims, each new claim filed under its
        keys after its own (so later ones meet it)."""
        df, cap = blocking
        pairs = []
        for j in block:
            if not keys[j]:
                continue
            top = overlapping(keys[j], index, df, cap, self.cfg.max_pairs)
            for k in keys[j]:
                index.add(k, base + j)
            pairs += [(i, base + j) for i in top]
        return pairs

    def _cluster_index(self, postings) -> RecentClusters:
        """The stored clusters under each of the new claims' keys (no member read yet)."""
        ids = self.db.cluster_ids({p for ps in postings.values() for p in ps})
        at = self.db.cluster_positions(set(ids.values()))  # members are read only for the candidates
        cindex = RecentClusters(self.cfg.recent_per_key)
        for k, ps in postings.items():  # in position order: a cluster's latest claim under k sets its place
            for p in ps:
                if ids.get(p) in at:
                    cindex.add(k, at[ids[p]])
        self.cluster_at = {ci: cid for cid, ci in at.items()}
        return cindex

    def _add_groups(self, groups: dict[int, _Group], positions: Iterable[int]) -> None:
        """The stored clusters at ``positions`` (of ``cluster_at``) into ``groups``, with
        their first members' views (again, for one whose views were let go). Read for a
        block's claims at once; one that becomes a candidate only later is read then (a
        key's window of latest claims moves on as new claims are filed, so a cluster can
        enter a claim's most overlapping ones)."""
        positions = [ci for ci in positions if ci not in groups or groups[ci].head is None]
        if not positions:  # the usual case once a block's read is done
            return
        missing = {self.cluster_at[ci] for ci in positions if ci not in groups}
        found = self.db.clusters(missing).values()
        groups.update({c.position: _Group(c.position, c.id, list(c.claims)) for c in found})
        wanted = [groups[ci] for ci in positions]
        first = self.db.positions(c for g in wanted for c in g.stored[:MAX_COMPARED])
        for g in wanted:
            g.head_at = [first[c] for c in g.stored[:MAX_COMPARED] if c in first]
            g.counted = len(g.head_at)
        alike = self._likeness({p for g in wanted for p in g.head_at})
        for g in wanted:
            g.head_at = standing_for(g.head_at, alike)
        self._read([p for g in wanted for p in g.head_at], compared=True)
        for g in wanted:
            g.head = [self.views[p] for p in g.head_at]

    def _likeness(self, positions: set[int]) -> dict[int, tuple[str, tuple]]:
        """{position: (article, what else its affinity depends on)} of stored claims, their
        event as linked now (as ``_read`` gives their views)."""
        found = self.db.likeness(positions)
        events = self.db.events_of_mentions({m for _a, m, _k in found.values() if m})
        self.alike.update(positions)
        return {p: (article, (*rest, events.get(m or ""))) for p, (article, m, rest) in found.items()}

    # -- steps 3-5 ----------------------------------------------------------------------
    def _similarity(self, new: list[ClaimView]) -> None:
        """Rarity weights of the new claims' words and the stored claims read so far; those
        read later are weighed as they come (``_read``), with the same counts."""
        words = {k for v in [*self.views.values(), *new] for k in v.actors | v.topic}
        df = self.db.rarity_counts(words)
        df.update(k for v in new for k in v.actors | v.topic)
        self.sim = LexicalSimilarity((), self.lex, counts=(self.stored + len(new), df))

    def _compare(self, new, keys, blocking, postings, cindex, base) -> tuple[list[Relation], dict[int, _Group]]:
        """Steps 4-5, ``increment_block`` new claims at a time, in order: each block's
        candidate pairs judged, then its claims clustered. Why blocks: the stored claims a
        whole increment compares with grew with the store (40,650 views, ~140 MB, for 500
        articles into 3,500 near-copied BBC ones); a block reads those it needs that are
        not held, and after it at most ``increment_held`` stay (``_let_go``). Nothing in a
        block depends on a later one, and weights and signatures are what one read of them
        all gives, so relations and clusters are those of one block; what was let go and
        is needed again is read again."""
        index = RecentIds(self.cfg.recent_per_key)
        for k, ps in postings.items():
            for p in ps:
                index.add(k, p)
        groups: dict[int, _Group] = {}
        nxt = self.db.next_position("claim_clusters")
        self.keep()
        relations: list[Relation] = []
        size = self.cfg.increment_block
        for start in range(0, len(new), size):
            block = range(start, min(start + size, len(new)))
            self._renumber(new[:block.stop])  # later new claims are not compared in this block
            pairs = self._pairs(block, keys, blocking, index, base)
            self._read([i for i, _j in pairs if i < base], compared=True)
            self._add_groups(groups, {ci for j in block if keys[j]
                                      for ci in overlapping(keys[j], cindex, *blocking, self.cfg.max_clusters)})
            at = {p: new[p - base] if p >= base else self.views[p] for pair in pairs for p in pair}
            relations += relate(at, pairs, self.sim, self.judge, self.cfg)
            used: set[int] = set()
            nxt = self._cluster(block, new, keys, blocking, groups, cindex, (base, nxt), used)
            self.last_used.update(dict.fromkeys((p for p in at if p < base), start))
            self.last_used.update(dict.fromkeys((p for ci in used for p in groups[ci].head_at), start))
            self._let_go(groups)
            self.keep()
        self.numbers = None
        return relations, {ci: g for ci, g in groups.items() if g.new}

    def _renumber(self, new) -> None:
        """Signatures numbered afresh for a block (the views held and the new ones up to the
        block's end), and the similarity's memory of scores by signature forgotten with the
        old numbers."""
        self.numbers = {}
        signed([*self.views.values(), *new], self.numbers)
        self.sim.forget()

    def _cluster(self, block, new, keys, blocking, groups: dict[int, _Group], cindex, at, used: set[int]) -> int:
        """Step 5's greedy choice for each new claim of the block, in order (``verify.cluster``);
        returns the next new cluster's position. ``at``: (the first new claim's position,
        the next new cluster's); ``used``: gets the clusters compared with."""
        base, nxt = at
        for j in block:
            v, ks = new[j], keys[j]
            best, best_score = None, 0.0
            candidates = overlapping(ks, cindex, *blocking, self.cfg.max_clusters)
            self._add_groups(groups, candidates)
            used.update(candidates)
            for ci in candidates:
                score = affinity(v, groups[ci].first, self.sim, self.cfg)
                if score > best_score:
                    best, best_score = ci, score
            if best is None:
                best, nxt = nxt, nxt + 1
                groups[best] = _Group(best, f"cl-{base + j}", head=[])  # a claim position: never reused
            groups[best].new.append(v)
            for k in ks:
                cindex.add(k, best)
        return nxt

    def _let_go(self, groups: dict[int, _Group]) -> None:
        """After a block: the stored views used longest ago are let go until those held
        (with those ``kept``) fit in ``increment_held``. A cluster whose first members are
        not all held any more is let go with them: a joined one keeps its id and new
        members, one no new claim joined is forgotten (either is read again when needed)."""
        recent = sorted(self.views.keys() - self.kept, key=lambda p: (-self.last_used.get(p, -1), p))
        held = self.kept.union(recent[:max(0, self.cfg.increment_held - len(self.kept))])
        for ci in [ci for ci, g in groups.items() if g.stored and g.head is not None]:
            g = groups[ci]
            if not held.issuperset(g.head_at):
                if g.new:
                    g.head, g.head_at = None, []
                else:
                    del groups[ci]
        self.views = {p: v for p, v in self.views.items() if p in held}
        self.last_used = {p: b for p, b in self.last_used.items() if p in held}

    def _merge(self, joined, relations, change, result) -> list[_Group]:
        """Clusters joined by a new relation become one, the earliest first (``verify.merge``)."""
        of = {v.id: ci for ci, g in joined.items() for v in g.new}
        other = [c for r in relations for c in r.claims if c not in of]
        stored_pos = self.db.positions(other)
        stored_cluster = self.db.cluster_ids(stored_pos.values())
        extra = self.db.clusters(set(stored_cluster.values()))
        groups = dict(joined)
        for c in extra.values():
            groups.setdefault(c.position, _Group(c.position, c.id, list(c.claims)))
        of.update({c: extra[stored_cluster[p]].position for c, p in stored_pos.items()})
        order = sorted({*joined, *(of[c] for r in relations for c in r.claims)})
        slot = {ci: n for n, ci in enumerate(order)}
        sets = DisjointSets(len(order))
        for r in relations:
            sets.union(slot[of[r.claims[0]]], slot[of[r.claims[1]]])
        merged: dict[int, list[_Group]] = defaultdict(list)
        for ci in order:
            merged[sets.find(slot[ci])].append(groups[ci])
        final = []
        for parts in merged.values():
            head = parts[0]
            g = _Group(head.position, head.id, [c for p in parts for c in p.stored], [v for p in parts for v in p.new],
                       order=[c for p in parts for c in (*p.stored, *(v.id for v in p.new))])
            final.append(g)
            change.drop_clusters += [p.id for p in parts if p.stored]
            for p in parts[1:]:
                if p.stored:
                    result.clusters_merged += 1
                    change.cluster_of.setdefault(g.id, []).extend(self.db.positions(p.stored).values())
        result.clusters_created = sum(1 for g in final if not g.stored)
        return final

    # -- step 6 -------------------------------------------------------------------------
    def _read(self, positions, compared: bool = False) -> None:
        """Views of stored claims (by position) not held now, with their events as now
        linked; ``compared``: for steps 4-5, so their words are weighed (with the counts
        ``_similarity`` uses) and their signatures numbered with the block's."""
        wanted = [p for p in positions if p not in self.views]
        found = self.db.claims(wanted)
        events = self.db.events_of_mentions({c.event for c, _k in found.values() if c.event})
        read = []
        for p, (claim, keys) in found.items():
            self.views[p] = v = view_of(claim, keys, events.get(claim.event or ""))
            read.append(v)
        self.seen.update(found)
        if compared and read:
            words = {k for v in read for k in v.actors | v.topic}
            self.sim.add_counts(self.db.rarity_counts(words - self.sim.idf.keys()))
            signed(read, self.numbers)

    def _members(self, groups: Sequence[_Group]) -> list[list[ClaimView]]:
        """Every member's view of each group, in cluster order (the stored ones read at once)."""
        positions = self.db.positions(c for g in groups for c in g.stored)
        self._read(positions.values())
        out = []
        for g in groups:
            new = {v.id: v for v in g.new}
            out.append([new[c] if c in new else self.views[positions[c]] for c in g.order or g.stored
                        if c in new or c in positions])
        return out

    def _resourced_groups(self, final: list[_Group]) -> list[_Group]:
        """Stored clusters not otherwise touched whose claims step 1 gave another origin."""
        done = {g.id for g in final}
        ids = {c for c in self.db.cluster_ids(self.resourced).values() if c and c not in done}
        return [_Group(c.position, c.id, list(c.claims)) for c in self.db.clusters(ids).values()]

    def _relations_of(self, claim_ids, new: Sequence[Relation]) -> list[Relation]:
        """Stored relations (in stored order) then new ones with a claim among ``claim_ids``."""
        ids = set(claim_ids)
        stored = self.db.relations_of(ids)
        return [stored[p] for p in sorted(stored)] + [r for r in new if ids & set(r.claims)]

    def _cluster_verdicts(self, final, relations, change: ComparisonWrite, result: VerifyIncrement) -> set[str]:
        """Each touched cluster rewritten with its verdict; returns the outlets of their claims."""
        outlets: set[str] = set()
        stored = self.db.relations_of(c for g in final for c in g.stored)
        every = [stored[p] for p in sorted(stored)] + list(relations)  # stored ones first, in stored order
        by_claim: dict[str, set[int]] = defaultdict(set)
        for i, r in enumerate(every):
            for c in r.claims:
                by_claim[c].add(i)
        for g, members in zip(final, self._members(final)):
            rels = [every[i] for i in sorted({i for m in members for i in by_claim.get(m.id, ())})]
            outlets.update(m.outlet for m in members)
            event = next((m.event for m in members if m.event), None)
            change.clusters.append((g.position, g.id, [m.id for m in members], short(members[0].claim.text, 90), event))
            change.verdicts.append((cluster_verdict(g.id, members, rels), "cluster"))
            if g.stored:
                result.clusters_updated += 1
                change.drop_clusters.append(g.id)
        return outlets

    def _event_verdicts(self, events, new, relations, replaced, change: ComparisonWrite) -> int:
        """Verdicts of the events the increment linked into, a new contradiction touches or
        whose stored claims step 1 re-sourced."""
        touched = {ev.id: ev for ev in events}
        by_id = {v.id: v for v in new}
        ends = {c for r in relations if r.type == "contradicts" for c in r.claims}
        stored_ends = self.db.positions(ends - by_id.keys())
        self._read(stored_ends.values())
        by_id.update({c: self.views[p] for c, p in stored_ends.items()})
        disputed = {by_id[c].event for c in ends if c in by_id}
        resourced = {self.views[p].event for p in self.resourced}
        touched.update({ev.id: ev for ev in self.store.load_events((disputed | resourced) - set(touched) - {None})})
        mentions = {m.id for ev in touched.values() for m in ev.mentions}
        stating = self.db.stating(mentions)
        self._read(p for ps in stating.values() for p in ps)
        views = [self.views[p] for p in sorted({p for ps in stating.values() for p in ps})]
        views += [v for v in new if v.claim.event in mentions]
        rels = [r for r in self._relations_of([v.id for v in views], relations) if r.type == "contradicts"]
        ends = {c for r in rels for c in r.claims} - {v.id for v in views}
        others = self.db.positions(ends - {v.id for v in new})
        self._read(others.values())
        views += [v for v in new if v.id in ends] + [self.views[p] for p in others.values()]
        articles = {m.article for ev in touched.values() for m in ev.mentions}
        summaries = self.store.load_summaries(articles)
        resolver = OriginResolver.from_articles([*summaries, *self._reposted(summaries)], known=self.known)
        origins = {a: resolver.article_origin(a) for a in articles}
        display = {s.id: s.outlet or s.id for s in summaries}
        verdicts = event_verdicts(list(touched.values()), views, [], rels, origins, display)
        change.verdicts += [(v, "event") for v in verdicts]
        change.drop_event_verdicts = sorted(replaced)
        change.renamed_events = dict(replaced)
        return len(verdicts)
