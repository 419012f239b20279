"""Cross-document linking: the same real-world event told by several articles becomes one.

Why blocking then greedy clustering: two mentions can only be one event when their
dates are compatible and they share a participant, so candidates come from an index on
(entity) and are filtered by date; comparing every pair would be quadratic and would
let lexical look-alikes from different weeks merge. Steps:

1. Order mentions by date (undated last), then article and position: deterministic.
2. For each mention, candidate events are those sharing an actor or place entity whose
   dates are compatible (same day, +-1 day for "late Thursday night" style slippage,
   or one date containing the other when precision differs). An undated mention may
   join a dated event of the same kind, with a stricter threshold.
   Which events are looked at is ``link_blocking.py``'s job: keys by entity, day and
   kind family, closed date windows dropped, at most ``CANDIDATE_BUDGET`` per mention
   (rarest entity first), so the cost grows near-linearly with the number of mentions;
   below the budget the candidates are exactly these.
3. Only mentions of one kind family can be one event (a visit and a meeting can; a
   release and a condemnation cannot). Score = entity overlap weighted by rarity (sharing "Russia" says less than sharing
   "Vienna" in a story about Russia) + lexical similarity (rapidfuzz token-set ratio) +
   same event kind + exact date; join the best event at or above the threshold
   (a stricter threshold inside one article), else start a new event. Two mentions
   naming no common participant may still be one event when they fall on the same
   day, are of one kind family (talks/meeting) and one names a participant the other
   article is about ("the talks between Mr. Hale and Mr. Vrana opened on March 14" vs
   "Negotiators from Valdoria and Kestrel met on Tuesday").
4. The event's date is the most precise date most mentions agree on; its title is the
   title of its earliest-published own-voice mention.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from typing import Mapping, Protocol, Sequence

from rapidfuzz import fuzz

from crosscheck.link_blocking import CandidateIndex, EventCluster
from crosscheck.models import Event, EventMention, PartialDate
from crosscheck.settings import DEFAULT, Settings

SAME_ARTICLE_BONUS = 0.15  # extra score needed to merge two mentions of one article
UNDATED_MARGIN = 0.2  # extra score an undated mention needs to join a dated event
UNDATED_NEVER_JOIN = frozenset({"statement", "event"})  # too generic to place by kind alone
CONTEXT_TOP = 4  # an article's context: the entities its event mentions name most
KIND_FAMILY = {"talks": "meeting", "meeting": "meeting", "visit": "meeting"}  # kinds one happening is told as
CANDIDATE_BUDGET = 16  # most events one mention is scored against (link_blocking.py: exact below it)
REPRESENTATIVES = 16  # an event with more mentions is scored against its first and latest 8


class Linker(Protocol):
    def __call__(self, mentions: Sequence[EventMention]) -> list[Event]: ...


def dates_compatible(a: PartialDate | None, b: PartialDate | None, slack_days: int = 1) -> bool:
    """Whether two dates can name the same happening (None is compatible with nothing)."""
    if a is None or b is None:
        return False
    if a.precision == "day" and b.precision == "day":
        return abs((a.as_date() - b.as_date()).days) <= slack_days  # type: ignore[operator]
    return a.first_day() <= b.last_day() and b.first_day() <= a.last_day()


class GreedyLinker:
    """The default linker: the numbered steps in the module docstring."""

    def __init__(self, settings: Settings = DEFAULT, candidate_budget: int | None = CANDIDATE_BUDGET,
                 representatives: int | None = REPRESENTATIVES) -> None:
        self.threshold = settings.link_threshold
        self.budget, self.representatives = candidate_budget, representatives

    def __call__(self, mentions: Sequence[EventMention], *, weights: dict[str, float] | None = None,
                 context: dict[str, set[str]] | None = None) -> list[Event]:
        """``weights``/``context`` default to those of ``mentions``; a caller linking one
        part of a corpus passes the whole corpus's (``ray_engine.RayLinker``)."""
        weights = entity_weights(mentions) if weights is None else weights
        context = article_context(mentions) if context is None else context
        clusters: list[EventCluster] = []
        index = CandidateIndex(weights, _family, UNDATED_NEVER_JOIN, self.budget)  # step 2 (link_blocking.py)
        for m in sorted(mentions, key=_order):
            best, best_score = None, 0.0
            for ci in index.candidates(m, clusters):
                score = self._score(m, clusters[ci], weights, context)
                if score > best_score:
                    best, best_score = ci, score
            if best is None or best_score < self.threshold:
                clusters.append(EventCluster(_family(m.kind)))
                best = len(clusters) - 1
            clusters[best].add(m)
            index.add(m, best, clusters[best])
        return sorted((_event(c.mentions) for c in clusters), key=lambda e: (e.date is None, str(e.date), e.id))

    def _score(self, m: EventMention, c: EventCluster, weights: dict[str, float], context) -> float:
        return cluster_score(m, c.representatives(self.representatives), weights, context)


def cluster_score(m: EventMention, mentions: Sequence[EventMention], weights: dict[str, float], context) -> float:
    """How well ``m`` fits an event made of ``mentions``: the mean pair score, 0 when any
    pair cannot be one event. Public so incremental linking scores exactly like this linker."""
    total = 0.0
    for o in mentions:  # stops at the first veto: most candidates are vetoed cheaply
        s = pair_score(m, o, weights, context)
        if s is None:
            return 0.0
        total += s
    return total / len(mentions) if mentions else 0.0


def event_of(mentions: Sequence[EventMention]) -> Event:
    """The event a group of mentions makes (step 4): id, consensus date, title, actors."""
    return _event(list(mentions))


def mention_order(m: EventMention) -> tuple:
    """The order the linker visits mentions in (step 1)."""
    return _order(m)


def entity_weights(mentions: Sequence[EventMention]) -> dict[str, float]:
    """Inverse document frequency of each entity over the mentions (rare = telling)."""
    return weights_from_counts(Counter(e for m in mentions for e in set(m.actors) | set(m.places)), len(mentions))


def weights_from_counts(counts: Mapping[str, int], n: int) -> dict[str, float]:
    """The weights of ``entity_weights`` from each entity's mention count out of ``n``
    mentions (incremental linking counts the stored mentions by index)."""
    return {e: math.log(1 + max(n, 1) / c) for e, c in counts.items()}


def _family(kind: str) -> str:
    return KIND_FAMILY.get(kind, kind)


def article_context(mentions: Sequence[EventMention]) -> dict[str, set[str]]:
    """Each article's most-named participants (what the article is about)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for m in mentions:
        counts[m.article].update(sorted(set(m.actors) | set(m.places)))  # sorted: ties keep first-seen order
    return {a: {e for e, _ in c.most_common(CONTEXT_TOP)} for a, c in counts.items()}


def _same_day_same_family(a: EventMention, b: EventMention, ea: set, eb: set, context) -> bool:
    if a.date is None or a.date != b.date or a.date.precision != "day":
        return False
    if a.article == b.article:
        return False
    return bool(ea & context.get(b.article, set())) or bool(eb & context.get(a.article, set()))


def pair_score(a: EventMention, b: EventMention, weights: dict[str, float] | None = None, context=None) -> float | None:
    """Similarity of two mentions in [0, 1]; None when they cannot be one event."""
    if a.id == b.id:
        return None
    if _family(a.kind) != _family(b.kind):
        return None  # a release on Tuesday is not the condemnation on Monday
    undated = (a.date is None) != (b.date is None)
    if not undated and not dates_compatible(a.date, b.date):
        return None
    if undated and (a.kind != b.kind or a.kind in UNDATED_NEVER_JOIN):
        return None
    ea, eb = set(a.actors) | set(a.places), set(b.actors) | set(b.places)
    w = weights or {}
    size = lambda es: sum(w.get(e, 1.0) for e in sorted(es))  # sorted: float sums must not follow hash order
    if ea & eb:
        overlap = size(ea & eb) / math.sqrt(size(ea) * size(eb))  # a 2-entity mention is no match for a 6-entity one
    elif _same_day_same_family(a, b, ea, eb, context or {}):
        overlap = 0.5
    else:
        return None
    lexical = fuzz.token_set_ratio(a.text.lower(), b.text.lower()) / 100
    kind = 1.0 if a.kind == b.kind else 0.5
    exact = 1.0 if a.date is not None and a.date == b.date else 0.0
    score = 0.45 * overlap + 0.25 * lexical + 0.15 * kind + 0.15 * exact
    if a.article == b.article:
        score -= SAME_ARTICLE_BONUS
    if undated:
        score -= UNDATED_MARGIN
    return score


def _order(m: EventMention) -> tuple:
    return (m.date is None, str(m.date or ""), m.article, m.body_start)


def _event(mentions: list[EventMention]) -> Event:
    mentions = sorted(mentions, key=lambda m: (m.article, m.body_start))
    date = _consensus_date([m.date for m in mentions if m.date is not None])
    lead = next((m for m in mentions if m.attribution_kind == "outlet"), mentions[0])
    actors = _ranked(a for m in mentions for a in m.actors)
    places = _ranked(p for m in mentions for p in m.places)
    kind = Counter(m.kind for m in mentions).most_common(1)[0][0]
    digest = hashlib.sha1("|".join(m.id for m in mentions).encode()).hexdigest()[:10]
    return Event(f"ev-{digest}", date, lead.title, kind, actors, places, mentions)


def _consensus_date(dates: list[PartialDate]) -> PartialDate | None:
    """The most common date among the most precise ones (ties: the earliest)."""
    if not dates:
        return None
    rank = {"day": 0, "month": 1, "year": 2}
    best = min(rank[d.precision] for d in dates)
    counts = Counter(d for d in dates if rank[d.precision] == best)
    return min(counts, key=lambda d: (-counts[d], d))


def _ranked(items) -> list[str]:
    counts = Counter(items)
    return sorted(counts, key=lambda x: (-counts[x], x))
