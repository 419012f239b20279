"""What two claims are about, and how alike that is: the comparable view of a claim.

Why a view: clustering and stance compare who a claim is about (actors, with a capital
standing for its state: "Washington rebuffed" is about the United States), what it is
about (content lemmas folded onto shared topic terms: collaboration = cooperation), its
predicate class and polarity (agree +, rebuff -, "never accepted" -), and when it can
hold (the claim's own date, else its article's publication window).

Similarity strategies share one signature. The default, ``LexicalSimilarity``, is the
deterministic path: rarity-weighted (idf) cosine over actor keys and over topic terms,
and a linked event counts as the same proposition. ``EmbeddingSimilarity`` (optional,
``pip install '.[embeddings]'``) blends in sentence-embedding cosine.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from itertools import repeat
from typing import Mapping, Protocol, Sequence

from crosscheck.models import ArticleRecord, Claim, ClaimKeys, PartialDate
from crosscheck.origins import Origin

ACTOR_WEIGHT = 0.5  # how much actor overlap scales the topic score (0: not at all)
PREDICATE_WEIGHT = 0.4  # how much a different relation (sign vs spend) lowers it
CORE_FLOOR = 0.35  # topic score when the predicates are about the same thing ("collaboration" = "cooperation")


@dataclass(frozen=True)
class VerifyLexicon:
    classes: Mapping[str, str]  # lemma -> predicate class
    negative: frozenset[str]
    antonyms: frozenset[frozenset[str]]
    timed: frozenset[frozenset[str]]  # antonyms that are a sequence in time, not a dispute
    light: frozenset[str]
    agreement_nouns: frozenset[str]
    synonyms: Mapping[str, str]
    seats: Mapping[str, str]
    generic_words: frozenset[str]
    topic_stop: frozenset[str]
    light_verbs: frozenset[str]  # copulas and light verbs: no relation of their own ("be", "have")
    counted_units: frozenset[str]  # numbers of these say nothing about one happening ("21-year-old")
    repetition: frozenset[str]  # "again", "second": another happening of the kind, not a different date

    @classmethod
    def load(cls) -> "VerifyLexicon":
        raw = json.loads(resources.files("crosscheck").joinpath("data/verify.json").read_text("utf-8"))
        classes = {lemma: cls_ for cls_, lemmas in raw["predicate_classes"].items() for lemma in lemmas}
        return cls(
            classes, frozenset(raw["negative_classes"]), frozenset(frozenset(p) for p in raw["antonyms"]),
            frozenset(frozenset(p) for p in raw["timed_antonyms"]),
            frozenset(raw["light_agreement"]), frozenset(raw["agreement_nouns"]), raw["synonyms"],
            raw["seats"], frozenset(raw["generic_name_words"]), frozenset(raw["topic_stop"]),
            frozenset(raw["light_verbs"]), frozenset(raw["counted_units"]), frozenset(raw["repetition"]),
        )

    def opposed(self, a: str | None, b: str | None) -> bool:
        return a is not None and b is not None and frozenset((a, b)) in self.antonyms


@dataclass(slots=True)
class ClaimView:
    """A claim with everything comparison needs, resolved at storyline time."""

    claim: Claim
    origin: Origin
    outlet: str  # the article's outlet, or its id when unknown
    actors: frozenset[str]
    places: frozenset[str]
    topic: frozenset[str]
    core: frozenset[str]  # what the predicate is about (object heads, folded like topic terms)
    pred_class: str | None
    polarity: int  # +1 affirms the proposition, -1 denies it
    window: tuple[_dt.date, _dt.date] | None
    event: str | None  # linked storyline event
    # The claim's resolved entity ids: kept beside the stored claim, not in a copy of it,
    # until the storyline's claims are made (``verify._resolved``).
    actor_ids: list[str] = field(default_factory=list)
    # One number per distinct (actors, topic, core, predicate, class, event): views with
    # one signature score the same against any view (``LexicalSimilarity`` memoises on
    # it); -1: not numbered (``signed``).
    signature: int = -1
    copy_key: str | None = None  # see ``origins.copy_key``

    @property
    def id(self) -> str:
        return self.claim.id


def comparison_keys(v: ClaimView, takes_part: bool) -> ClaimKeys:
    """What the store keeps of a view (``ClaimKeys``)."""
    o = v.origin
    return ClaimKeys(o.name, o.key, o.evidence, o.relayed, v.outlet, v.actors, v.places, v.topic, v.core,
                     v.pred_class, v.polarity, v.window, v.copy_key, takes_part)


def view_of(claim: Claim, keys: ClaimKeys, event: str | None) -> ClaimView:
    """A stored claim's view again (``comparison_keys`` reversed); ``event``: the storyline
    event that states it now (event ids change as linking recomputes events)."""
    origin = Origin(keys.origin_name, keys.origin_key, keys.origin_evidence, keys.relayed)
    return ClaimView(claim, origin, keys.outlet, keys.actors, keys.places, keys.topic, keys.core, keys.pred_class,
                     keys.polarity, keys.window, event, list(claim.actors), copy_key=keys.copy_key)


class Similarity(Protocol):
    def __call__(self, a: ClaimView, b: ClaimView) -> float: ...


# ----------------------------------------------------------------------------- views
_EMPTY: frozenset[str] = frozenset()


def frozen(items) -> frozenset[str]:
    """``frozenset(items)``, one shared object when empty: every frozenset takes at least
    216 bytes, and most claims name no place and many no object."""
    out = frozenset(items)
    return out if out else _EMPTY


def signed(views: Sequence[ClaimView], numbers: dict[tuple, int] | None = None) -> None:
    """Number the views' lexical signatures (see ``ClaimView.signature``). Why: a
    syndicated or lightly edited copy of an article repeats its claims word for word,
    and every clustering candidate then offers each of them twice. ``numbers``: the
    numbers given so far, to number views read later alike."""
    numbers = {} if numbers is None else numbers
    for v in views:
        key = (v.actors, v.topic, v.core, v.claim.predicate, v.pred_class, v.event)
        v.signature = numbers.setdefault(key, len(numbers))


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def actor_keys(names: Sequence[str], ids: Sequence[str], lex: VerifyLexicon) -> frozenset[str]:
    """Entity ids (a seat of government as its state) plus the distinctive name words."""
    keys: set[str] = set()
    for name, eid in zip(names, ids):
        seat = lex.seats.get(name) or lex.seats.get(re.sub(r"^the ", "", name, flags=re.I))
        keys.add(slug(seat) if seat else eid)
        keys.update(w for w in re.findall(r"[a-z][a-z'-]+", (seat or name).lower()) if w not in lex.generic_words)
    return frozen(keys)


def predicate_class(claim: Claim, lex: VerifyLexicon) -> str | None:
    cls = lex.classes.get(claim.predicate)
    if cls is None and claim.predicate in lex.light and any(w in lex.agreement_nouns for w in claim.objects):
        cls = "accept"  # "reached an understanding", "struck a deal"
    return cls


def polarity(claim: Claim, cls: str | None, lex: VerifyLexicon) -> int:
    sign = -1 if cls in lex.negative else 1
    if claim.negated:
        sign = -sign
    if claim.modality == "denied":
        sign = -sign
    return sign


def topic_terms(claim: Claim, names: frozenset[str], lex: VerifyLexicon) -> frozenset[str]:
    """Content lemmas folded onto topic terms; names and stance verbs left out."""
    out = set()
    for lemma in claim.lemmas:
        if lemma in names or lemma in lex.classes or lemma in lex.topic_stop or (lemma == claim.predicate and lemma in lex.light):
            continue
        out.add(lex.synonyms.get(lemma, lemma))
    return frozen(out)


def core_terms(claim: Claim, names: frozenset[str], lex: VerifyLexicon) -> frozenset[str]:
    """The objects of the predicate as topic terms ("understandings on cooperation" ->
    agreement, cooperation); names and generic words left out."""
    return frozen(lex.synonyms.get(o, o) for o in claim.objects
                  if o not in names and o not in lex.topic_stop and o not in lex.classes)


def window(claim: Claim, record: ArticleRecord | None) -> tuple[_dt.date, _dt.date] | None:
    """When the claim can hold: its own date, else its article's publication bounds."""
    if claim.date is not None:
        return claim.date.first_day(), claim.date.last_day()
    if record is None:
        return None
    pub = record.published
    lo: PartialDate | None = pub.earliest or pub.value
    hi: PartialDate | None = pub.latest or pub.value
    if lo is None or hi is None:
        return None
    return lo.first_day(), hi.last_day()


def windows_compatible(a, b, slack_days: int) -> bool | None:
    """True/False when both windows are known, None when either is unknown."""
    if a is None or b is None:
        return None
    slack = _dt.timedelta(days=slack_days)
    return a[0] - slack <= b[1] and b[0] - slack <= a[1]


# ----------------------------------------------------------------------------- strategies
class LexicalSimilarity:
    """Deterministic default: what a claim is about (topic) weighs most, who it is about
    (actors) scales it. Topic score: mean of the idf-weighted cosine and the idf-weighted
    overlap coefficient (a short claim inside a longer one still scores); the actor score
    is the idf-weighted cosine; claims stating one linked event score 1."""

    def __init__(self, views: Sequence[ClaimView], lexicon: VerifyLexicon | None = None,
                 counts: tuple[int, Mapping[str, int]] | None = None) -> None:
        """``counts``: (claims, claims per actor key or topic term) of the whole corpus,
        when ``views`` are only some of its claims (``verify_increment``)."""
        n, df = counts or (len(views), Counter(k for v in views for k in v.actors | v.topic))
        self._n = max(1, n)
        self.idf: dict[str, float] = {}
        self._w2: dict[str, float] = {}  # squared idf, the unit of every sum
        self.add_counts(df)
        self.lex = lexicon or VerifyLexicon.load()
        self._sums: dict[frozenset[str], float] = {}  # per instance: sums of squared idf
        self._scores: dict[tuple[int, int], float] = {}  # per instance: score per pair of signatures

    def add_counts(self, df: Mapping[str, int]) -> None:
        """Rarity weights for words not weighted yet (claims holding each, of the same
        corpus of ``counts``' claims). Why: an increment reads some stored claims only as
        it goes; a word it did not know would weigh 1, not what the corpus gives it. Add a
        view's words before scoring it (sums are remembered per set of words)."""
        for k, c in df.items():
            if c and k not in self.idf:
                self.idf[k] = w = math.log(1 + self._n / c)
                self._w2[k] = w ** 2

    def forget(self) -> None:
        """Drop the remembered sums and scores: before views are numbered afresh
        (``signed``), and to let go of the word sets they hold."""
        self._sums.clear()
        self._scores.clear()

    def _weights(self, keys: frozenset[str]) -> float:
        total = self._sums.get(keys)
        if total is None:
            total = self._sums[keys] = self._sum(keys)
        return total

    def _sum(self, keys) -> float:
        return math.fsum(map(self._w2.get, keys, repeat(1.0)))  # fsum: the same total in any (hash) order

    def parts(self, a: ClaimView, b: ClaimView) -> tuple[float, float]:
        """(actor score, topic score). Actors: the share of the smaller set found in the
        other (the story's main actors are everywhere, so no rarity weighting here)."""
        actor = len(a.actors & b.actors) / min(len(a.actors), len(b.actors)) if a.actors and b.actors else 0.0
        shared = a.topic & b.topic
        topic = 0.0
        if shared:  # cosine, and with two shared words or more (one says nothing yet) containment too
            wa, wb, common = self._weights(a.topic), self._weights(b.topic), self._sum(shared)
            topic = common / math.sqrt(wa * wb)
            if len(shared) >= 2:
                topic = (topic + common / min(wa, wb)) / 2
        if a.core & b.core:
            topic = max(topic, CORE_FLOOR + (1 - CORE_FLOOR) * topic)
        return actor, topic

    MEMO = 1 << 12  # signature pairs remembered (then forgotten at once): a copy's twin
    # claims sit in the same clusters, so their repeats come close together (the same gain
    # as 65,536 on 4,450 near-copied BBC articles, in ~0.6 MB)

    def __call__(self, a: ClaimView, b: ClaimView) -> float:
        """The score is a function of the two signatures (when numbered): computed once
        per pair of them while remembered, so a repeated claim costs a lookup."""
        if a.signature < 0 or b.signature < 0:
            return self._score(a, b)
        key = (a.signature, b.signature)
        score = self._scores.get(key)
        if score is None:
            if len(self._scores) >= self.MEMO:
                self._scores.clear()
            score = self._scores[key] = self._score(a, b)
        return score

    def _score(self, a: ClaimView, b: ClaimView) -> float:
        if a.event is not None and a.event == b.event:
            return 1.0
        actor, topic = self.parts(a, b)
        if not a.actors or not b.actors:
            actor = 0.5  # a claim naming nobody is neither about the same actors nor about others
        return topic * (1 - ACTOR_WEIGHT + ACTOR_WEIGHT * actor) * (1 - PREDICATE_WEIGHT + PREDICATE_WEIGHT * self.predicates(a, b))

    def predicates(self, a: ClaimView, b: ClaimView) -> float:
        """1: one relation (same verb, same class or antonym classes); 0.5: a light or
        unclassed verb on one side; 0: two different classed relations."""
        if a.claim.predicate == b.claim.predicate or a.claim.predicate in b.topic or b.claim.predicate in a.topic:
            return 1.0
        if a.pred_class is None or b.pred_class is None:
            return 0.5
        return 1.0 if a.pred_class == b.pred_class or self.lex.opposed(a.pred_class, b.pred_class) else 0.0


class EmbeddingSimilarity:
    """Lexical score blended with sentence-embedding cosine (optional extra).

    ``encode`` maps texts to unit vectors; with the ``embeddings`` extra installed,
    ``EmbeddingSimilarity.from_package(views)`` loads the pinned MiniLM model offline.
    """

    def __init__(self, views: Sequence[ClaimView], encode, weight: float = 0.5, lexicon: VerifyLexicon | None = None) -> None:
        self.lexical = LexicalSimilarity(views, lexicon)
        self.lex = self.lexical.lex
        texts = [v.claim.text for v in views]
        vectors = encode(texts) if texts else []
        self.vec = {v.id: vec for v, vec in zip(views, vectors)}
        self.weight = weight

    @classmethod
    def from_package(cls, views: Sequence[ClaimView], weight: float = 0.5, device: str = "cpu") -> "EmbeddingSimilarity":
        """``device``: a run's ``--device`` ("auto": a GPU when torch sees one, or "cpu")."""
        from crosscheck.embeddings import encoder, torch_device  # imported only when asked for

        return cls(views, encoder(torch_device(device)), weight)

    def __call__(self, a: ClaimView, b: ClaimView) -> float:
        lexical = self.lexical(a, b)
        va, vb = self.vec.get(a.id), self.vec.get(b.id)
        if va is None or vb is None or lexical >= 1.0:
            return lexical
        cosine = float(sum(x * y for x, y in zip(va, vb)))
        return (1 - self.weight) * lexical + self.weight * max(0.0, cosine)
