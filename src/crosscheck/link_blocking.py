"""Candidate events for the greedy linker, bounded so that linking stays near-linear.

Why a module of its own: ``link.py`` decides *whether* a mention is the same event as
an earlier group of mentions (the score); this module decides *which* groups are worth
scoring. Plain blocking by entity and by day (what the linker did first) lets a very
frequent entity's block grow with the corpus, and every mention was scored against all
of it: quadratic (50 s for 10k synthetic mentions, see benchmarks/linking_scale.py).

How, and why the linker's result does not change while blocks are small:

1. Keys carry what any match must share. A dated mention looks up (entity, kind
   family) for each of its entities and (day, kind family) for its day: mentions of
   two families are never one event. An undated mention looks up (entity, kind): it
   may only join events made of dated mentions of exactly its kind; an undated mention
   of a never-join kind gets no candidates at all.
2. Every event keeps a summary (family, kinds, kinds of its undated mentions, four
   date bounds) so that the linker's veto "this mention's date is compatible with the
   date of every mention of the event" is decided exactly in O(1) (``admits``).
3. The linker visits mentions in order of first day, so an event whose date window has
   closed is closed for good: it is dropped from the dated keys when met.
4. At most ``budget`` candidates per mention: keys are read rarest entity first (the
   linker's inverse-frequency weights), within a key most recently joined event first,
   the day key last. When every block is smaller than the budget, the candidates are
   exactly the old ones less those that would score zero, visited in the same order,
   so the result is identical; past it, a very frequent entity contributes only its
   most recently active events. That cap is what makes the cost O(n · budget).
5. An event with more than ``representatives`` mentions is scored against its first
   and its latest mentions only (bounded cost per candidate; ``representatives``).

``budget=None`` and ``representatives=None`` give the exhaustive behaviour (used by the
benchmark as the same-run reference).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from crosscheck.models import EventMention

FAR = 10**9  # an ordinal beyond any date's
SLACK_DAYS = 1  # day-precision dates this far apart are compatible (link.dates_compatible's default)


def entities_of(m: EventMention) -> set[str]:
    return set(m.actors) | set(m.places)


@dataclass
class EventCluster:
    """The mentions linked so far into one event, with the summary ``admits`` needs."""

    family: str
    mentions: list[EventMention] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    undated_kinds: set[str] = field(default_factory=set)  # kinds of its undated mentions
    lo: int = -FAR  # max over dated mentions of (first day - slack): a day mention must be >= lo
    hi: int = FAR  # min over dated mentions of (last day + slack): ... and <= hi
    lo0: int = -FAR  # max first day: a coarse (month/year) mention must end on or after it
    hi0: int = FAR  # min last day: ... and start on or before it

    def add(self, m: EventMention) -> None:
        self.mentions.append(m)
        self.kinds.add(m.kind)
        if m.date is None:
            self.undated_kinds.add(m.kind)
            return
        first, last = m.date.first_day().toordinal(), m.date.last_day().toordinal()
        slack = SLACK_DAYS if m.date.precision == "day" else 0
        self.lo, self.hi = max(self.lo, first - slack), min(self.hi, last + slack)
        self.lo0, self.hi0 = max(self.lo0, first), min(self.hi0, last)

    def admits(self, m: EventMention, family: str, never_join: frozenset[str], span: tuple[int, int] | None) -> bool:
        """Whether no mention of this event vetoes ``m`` on family, date or kind (exact).

        ``span`` is ``m``'s (first day, last day) as ordinals, None when undated."""
        if family != self.family:
            return False
        if m.date is None:
            return not self.undated_kinds and self.kinds == {m.kind} and m.kind not in never_join
        if self.undated_kinds and (self.undated_kinds != {m.kind} or m.kind in never_join):
            return False
        first, last = span  # type: ignore[misc]
        if m.date.precision == "day":
            return self.lo <= first <= self.hi
        return first <= self.hi0 and self.lo0 <= last

    def closed_before(self, first_day: int) -> bool:
        """No dated mention starting on or after ``first_day`` can join (bounds only shrink)."""
        return self.hi < first_day

    def representatives(self, limit: int | None) -> Sequence[EventMention]:
        """All mentions, or the first and latest ``limit // 2`` each when there are more."""
        return representatives(self.mentions, limit)


def representatives(mentions: Sequence[EventMention], limit: int | None) -> Sequence[EventMention]:
    """``mentions`` (in the order they joined), or the first and latest ``limit // 2`` of
    them when there are more: an event is scored against these (step 5). Shared with
    incremental linking, so that an event's cost per candidate is bounded there too."""
    if limit is None or len(mentions) <= limit:
        return mentions
    half = max(1, limit // 2)
    return list(mentions[:half]) + list(mentions[-half:])


class CandidateIndex:
    """Blocking keys -> events, most recently joined last (dicts keep insertion order)."""

    def __init__(self, weights: dict[str, float], family: Callable[[str], str],
                 never_join: frozenset[str], budget: int | None) -> None:
        self.weights, self.family, self.never_join, self.budget = weights, family, never_join, budget
        self.blocks: dict[tuple, dict[int, None]] = {}

    def candidates(self, m: EventMention, clusters: Sequence[EventCluster]) -> list[int]:
        """Indices of the events ``m`` may join, ascending (the linker's visiting order)."""
        family = self.family(m.kind)
        found: dict[int, None] = {}
        for key in self._keys(m, family):
            block = self.blocks.get(key)
            if block and self._scan(m, family, block, clusters, found):
                break
        return sorted(found)

    def _keys(self, m: EventMention, family: str) -> list[tuple]:
        ents = sorted(entities_of(m), key=lambda e: (-self.weights.get(e, 0.0), e))  # rarest first
        if m.date is None:
            return [] if m.kind in self.never_join else [("u", e, m.kind) for e in ents]
        keys = [("e", e, family) for e in ents]
        return keys + ([("d", m.date, family)] if m.date.precision == "day" else [])

    def _scan(self, m, family, block, clusters, found) -> bool:
        """Add admitted events of one block to ``found``; True when the budget is spent."""
        span = (m.date.first_day().toordinal(), m.date.last_day().toordinal()) if m.date is not None else None
        stale, full = [], False
        for cid in reversed(block):
            if cid in found:
                continue
            if self.budget is not None and len(found) >= self.budget:
                full = True
                break
            c = clusters[cid]
            if c.admits(m, family, self.never_join, span):
                found[cid] = None
            elif c.closed_before(span[0]) if span else (c.undated_kinds or len(c.kinds) > 1):
                stale.append(cid)  # can never be a candidate again for mentions visited later
        for cid in stale:
            del block[cid]
        return full

    def add(self, m: EventMention, cid: int, cluster: EventCluster) -> None:
        """Index ``cluster`` (which now holds ``m``) under ``m``'s keys, as most recent."""
        if m.date is None:
            return  # later mentions are undated too (the visiting order) and never join it
        ents = entities_of(m)
        keys = [("e", e, cluster.family) for e in ents]
        if m.date.precision == "day":
            keys.append(("d", m.date, cluster.family))
        if cluster.kinds == {m.kind} and not cluster.undated_kinds and m.kind not in self.never_join:
            keys += [("u", e, m.kind) for e in ents]
        for key in keys:
            block = self.blocks.setdefault(key, {})
            block.pop(cid, None)
            block[cid] = None
