"""Synthetic event mentions for the linking scale benchmark (``linking_scale.py``).

Why synthetic: scaling needs 10k..1M mentions with a known truth, and no public corpus
gives that with the fields the linker uses. The generator aims at what real stored
mentions look like (measured on the sample corpus: ~11 mentions per article, 2-7
entities per mention, a few entities in half of all mentions, many undated mentions):

* real events: a kind (weighted like news: statements most), a day spread uniformly
  over ``span_days`` (months), 1-4 participants and a place drawn from a Zipf law over a
  vocabulary that grows with n (more events, more actors), and 2-3 topic words;
* several mentions per event (1 + geometric, mean ~2.5), each with paraphrase noise:
  synonym verbs, dropped and added words, an entity dropped or a frequent one added,
  the date slipped by a day, coarsened to the month, or missing (undated);
* articles: mentions of one day are spread over articles of ~10 mentions each, so the
  linker's article context and same-article penalty are exercised.

Deterministic for a given (n, seed). Entities are ids like ``e17``; rank 0 is the most
frequent.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass

from crosscheck.models import EventMention, PartialDate

KINDS = {  # kind: (weight, verb phrases)
    "statement": (30, ["said", "stated", "declared", "told reporters", "announced"]),
    "meeting": (10, ["met", "held a meeting with", "sat down with", "hosted"]),
    "talks": (8, ["held talks with", "negotiated with", "discussed the issue with", "spoke by phone with"]),
    "visit": (7, ["visited", "travelled to", "arrived in", "toured"]),
    "agreement": (8, ["agreed with", "signed a deal with", "reached an accord with", "struck a deal with"]),
    "strike": (8, ["bombed", "launched strikes on", "attacked", "shelled"]),
    "accusation": (6, ["accused", "blamed", "charged", "denounced"]),
    "proposal": (5, ["proposed to", "offered", "suggested to", "put forward a plan to"]),
    "release": (4, ["released", "freed", "let go", "set free"]),
    "election": (4, ["won the vote in", "was elected in", "won the election in", "took the ballot in"]),
    "protest": (5, ["protested against", "rallied against", "marched against", "demonstrated against"]),
    "arrest": (5, ["arrested", "detained", "held", "took into custody"]),
}
FILLERS = ["on Tuesday", "officials said", "according to reports", "late on Thursday", "this week",
           "in a statement", "sources said", "earlier", "again", "for the first time", "state media said"]
SYLLABLES = ["ka", "lo", "mir", "va", "den", "sor", "ta", "ri", "bel", "an", "gor", "zu", "pe", "nox", "il"]


@dataclass
class SynthCorpus:
    mentions: list[EventMention]
    truth: dict[str, int]  # mention id -> real event index
    events: int
    articles: int
    span_days: int


class Zipf:
    """Draws ranks 0..size-1 with P(rank k) proportional to 1/(k+1)^s (inverse CDF)."""

    def __init__(self, size: int, s: float, rng: random.Random) -> None:
        self.cdf = list(itertools.accumulate(1 / (k + 1) ** s for k in range(size)))
        self.rng = rng

    def __call__(self) -> int:
        return bisect.bisect_left(self.cdf, self.rng.random() * self.cdf[-1])


def name(k: int) -> str:
    """A pronounceable made-up name for entity rank ``k`` (deterministic)."""
    out, k = [], k + 1
    while k:
        k, r = divmod(k, len(SYLLABLES))
        out.append(SYLLABLES[r])
    return "".join(out).capitalize()


def generate(n: int, seed: int = 0, span_days: int = 182, zipf_s: float = 1.1) -> SynthCorpus:
    """About ``n`` mentions (exactly n: the last event is cut) with their true events."""
    rng = random.Random(seed)
    actors = Zipf(max(1000, n // 5), zipf_s, rng)
    places = Zipf(max(200, n // 50), zipf_s, rng)
    kinds, weights = list(KINDS), [w for w, _ in KINDS.values()]
    start = dt.date(2015, 1, 1)
    raw: list[tuple[int, dict, int]] = []  # (day, mention fields, event index)
    ev = 0
    while len(raw) < n:
        kind = rng.choices(kinds, weights)[0]
        day = rng.randrange(span_days)
        parts = sorted({f"e{actors()}" for _ in range(rng.randint(1, 4))})
        place = f"p{places()}"
        topic = [f"w{rng.randrange(50_000)}" for _ in range(rng.randint(2, 3))]
        size = 1
        while rng.random() < 0.6 and size < 20:
            size += 1
        for _ in range(size):
            raw.append(_mention(rng, kind, day, parts, place, topic, actors, ev))
        ev += 1
    raw = raw[:n]
    mentions, truth, articles = _place_in_articles(raw, rng, start)
    return SynthCorpus(mentions, truth, ev, articles, span_days)


def _mention(rng, kind, day, parts, place, topic, actors, ev) -> tuple[int, dict, int]:
    ents = [p for p in parts if rng.random() > 0.2] or [parts[0]]
    if rng.random() < 0.2:
        ents.append(f"e{actors()}")
    ents = sorted(set(ents))
    places = [place] if rng.random() < 0.8 else []
    verb = rng.choice(KINDS[kind][1])
    words = [name(int(e[1:])) for e in ents[:1]] + verb.split() + [name(int(e[1:])) for e in ents[1:]]
    words += ([f"in {name(10_000 + int(place[1:]))}"] if places else []) + ["over"] + topic
    words = [w for w in words if rng.random() > 0.1] + rng.sample(FILLERS, rng.randint(0, 2))
    r = rng.random()
    if r < 0.08:
        date_kind, slip = "day", rng.choice((-1, 1))
    elif r < 0.15:
        date_kind, slip = "month", 0
    elif r < 0.45:
        date_kind, slip = "none", 0
    else:
        date_kind, slip = "day", 0
    fields = {"text": " ".join(words) + ".", "kind": kind, "actors": ents, "places": places,
              "date_kind": date_kind}
    return day + slip, fields, ev


def _place_in_articles(raw, rng, start) -> tuple[list[EventMention], dict[str, int], int]:
    """Group mentions of one day into articles of ~10 and build the records."""
    by_day: dict[int, list] = {}
    for day, fields, ev in raw:
        by_day.setdefault(day, []).append((fields, ev))
    mentions, truth, n_articles = [], {}, 0
    for day in sorted(by_day):
        items = by_day[day]
        rng.shuffle(items)
        n_art = max(1, len(items) // 10)
        pos: dict[int, int] = {}
        for fields, ev in items:
            a = rng.randrange(n_art)
            k = pos[a] = pos.get(a, -1) + 1
            art = f"d{day:05d}a{a:04d}"
            d = start + dt.timedelta(days=day)
            date = {"day": PartialDate(d.year, d.month, d.day), "month": PartialDate(d.year, d.month),
                    "none": None}[fields["date_kind"]]
            text = fields["text"]
            m = EventMention(
                id=f"{art}:{k}", article=art, start=k * 200, end=k * 200 + len(text), text=text,
                body_start=k * 200, body_end=k * 200 + len(text), trigger=fields["kind"], kind=fields["kind"],
                title=text[:60], actors=fields["actors"], places=fields["places"], date=date,
                date_text=None, attributed_to="outlet", attribution_kind="outlet")
            mentions.append(m)
            truth[m.id] = ev
        n_articles += n_art
    return mentions, truth, n_articles
