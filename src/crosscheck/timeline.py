"""Timeline summary: the N days of a story that most sources report, K sentences each.

Why: the storyline lists every event; a reader (or an editor writing a "how it
unfolded" box) wants the few days that mattered and a line or two for each. A day
matters when many independent sources report what happened on it, and above all when
articles published later still refer back to it, which is what DATEWISE's date features
measure (Ghalandari & Ifrim 2020, "Examining the State-of-the-Art in News Timeline
Summarization"); crosscheck adds what it already knows: which sentences tell one linked
event, and how many independent origins report that event.

Steps:
1. ``collect``: candidate sentences with the day they are about. A sentence that names
   a day (a day-precision time expression in it) is about that day; the evidence
   sentence of a linked event is about the event's day; one of the first
   ``clip_sentences`` of an article that names no day is about the publication day and
   the day before (``published_days``): the lead of a news report tells today's and
   yesterday's news (DATEWISE's "PM" candidate collection).
2. A ``TimelineRanker`` (strategy; default ``SourceCountRanker``) scores each day from
   its features (independent sources naming it, sources published later naming it,
   articles published that day, sentences naming it, events with two or more
   independent origins) and ranks that day's sentences: centrality (tf-idf cosine to
   all of the day's candidates), times the support of the sentence's event, less for
   sentences dated only by publication.
3. ``summarize`` walks the ranked days, keeps up to K sentences per day that pass an
   optional filter (e.g. topic keywords), are not near-repeats of a sentence kept for
   that day and were not used for another day, until N days have sentences; the result
   is in date order.

Heuristics are data (``data/timeline.json``). Output is deterministic: every sort
has a total order.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Callable, Iterable, Literal, Mapping, Protocol, Sequence

from crosscheck.models import ArticleRecord, ArticleSummary, Storyline

How = Literal["mention", "event", "published"]
WORD = re.compile(r"\w+")


@cache
def config() -> dict:
    """The heuristics (constant data, so caching never changes output)."""
    return json.loads(resources.files("crosscheck").joinpath("data", "timeline.json").read_text("utf-8"))


@cache
def stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class DatedSentence:
    """A sentence of an article and the day it is taken to be about."""

    article: str
    origin: str  # independent origin: the outlet, the article a re-post copies, or the article
    published: dt.date | None
    date: dt.date
    how: How
    text: str
    start: int  # original offsets of the sentence
    end: int
    position: int  # index of the sentence in its article
    event: str | None = None  # linked event the sentence tells, if any
    event_sources: int = 1  # independent origins that report that event


@dataclass(frozen=True)
class DateFeatures:
    sources: int  # independent origins with a sentence naming the day (or telling its event)
    later_sources: int  # ... of them published after the day
    published: int  # independent origins published on the day
    mentions: int  # sentences naming the day
    corroborated_events: int  # events on the day reported by 2+ independent origins


@dataclass(frozen=True)
class ScoredSentence:
    sentence: DatedSentence
    score: float


@dataclass
class RankedDate:
    date: dt.date
    score: float
    features: DateFeatures
    sentences: list[ScoredSentence]  # best first


class TimelineRanker(Protocol):
    """Ranks the candidate days (best first), each with its sentences ranked."""

    def __call__(self, candidates: Sequence[DatedSentence]) -> list[RankedDate]: ...


@dataclass
class TimelineEntry:
    date: dt.date
    score: float
    features: DateFeatures
    sentences: list[ScoredSentence]


@dataclass
class Timeline:
    entries: list[TimelineEntry]  # in date order
    candidates: int  # candidate sentences considered
    dates_considered: int
    notes: list[str] = field(default_factory=list)  # why fewer days than asked, when so


# --------------------------------------------------------------------------- step 1
def article_origins(records: Iterable[ArticleRecord], storyline: Storyline | None) -> dict[str, str]:
    """Independent origin of each article: its outlet, else the origin of the article it
    re-posts, else the article itself (unknown outlets are not merged)."""
    summary = {a.id: a for a in storyline.articles} if storyline else {}
    return {r.id: article_origin(r.id, summary, r.source.outlet) for r in records}


def article_origin(article: str, summary: Mapping[str, ArticleSummary], outlet: str | None = None) -> str:
    """``article_origins`` for one article; ``outlet``: its own source's, used when the
    storyline does not summarise it."""
    a, root, seen = summary.get(article), article, {article}
    while a is not None and a.same_origin_as and a.same_origin_as not in seen:
        root = a.same_origin_as
        seen.add(root)
        a = summary.get(root)
    name = (summary[root].outlet if root in summary else None) or (outlet if root == article else None)
    return f"outlet:{name.lower()}" if name else f"article:{root}"


def collect(records: Iterable[ArticleRecord], storyline: Storyline | None = None, *,
            since: dt.date | None = None, until: dt.date | None = None) -> list[DatedSentence]:
    """Step 1: candidate sentences of the articles published in [since, until] (when
    given; articles with an unknown publication day are kept). ``records`` are read
    once, so a stream (``Store.iter_records``) serves: only the candidates are held."""
    cfg = config()
    summary = {a.id: a for a in storyline.articles} if storyline else {}
    events = _event_index(storyline, summary)
    out: list[DatedSentence] = []
    for r in records:
        pub = r.published.value.as_date() if r.published.value is not None else None
        if pub is not None and ((since and pub < since) or (until and pub > until)):
            continue
        out.extend(_article_candidates(r, pub, article_origin(r.id, summary, r.source.outlet), events.get(r.id, []),
                                       cfg["clip_sentences"], cfg["published_days"]))
    return sorted(set(out), key=lambda c: (c.date, c.article, c.position, c.how))


def _event_index(storyline: Storyline | None, summary: Mapping[str, ArticleSummary]
                 ) -> dict[str, list[tuple[int, str, dt.date | None, int]]]:
    """Per article: (body start of the evidence sentence, event id, event day, sources)."""
    out: dict[str, list] = defaultdict(list)
    for ev in storyline.events if storyline else []:
        day = ev.date.as_date() if ev.date is not None else None
        sources = len({article_origin(m.article, summary) for m in ev.mentions})
        for m in ev.mentions:
            out[m.article].append((m.body_start, ev.id, day, sources))
    return {a: sorted(v, key=lambda x: (x[0], x[1])) for a, v in out.items()}


def _article_candidates(r: ArticleRecord, pub: dt.date | None, origin: str, events, clip: int,
                        pub_days: int) -> Iterable[DatedSentence]:
    starts = [s.start for s in r.sentences]
    named: dict[int, set[dt.date]] = defaultdict(set)
    for t in r.times:
        if t.date is not None and t.date.precision == "day" and starts:
            named[bisect_right(starts, t.start) - 1].add(t.date.as_date())  # type: ignore[arg-type]
    told: dict[int, tuple[str, dt.date | None, int]] = {}
    for body_start, ev, day, sources in events:
        i = bisect_right(starts, body_start) - 1
        if i >= 0 and i not in told:
            told[i] = (ev, day, sources)
    for i, s in enumerate(r.sentences):
        a, b = r.clean.to_original(s.start, s.end)
        ev, day, sources = told.get(i, (None, None, 1))
        base = dict(article=r.id, origin=origin, published=pub, text=s.text.strip(), start=a, end=b,
                    position=i, event=ev, event_sources=sources)
        days = named.get(i, set())
        if day is not None:
            yield DatedSentence(date=day, how="event", **base)
        for d in sorted(days - {day}):
            yield DatedSentence(date=d, how="mention", **base)
        if day is None and not days and i < clip and pub is not None:
            for k in range(pub_days):
                yield DatedSentence(date=pub - dt.timedelta(days=k), how="published", **base)


# --------------------------------------------------------------------------- step 2
def bag(text: str) -> Counter:
    """Lower-cased content words of a text (stop words dropped)."""
    stops = stop_words()
    return Counter(w for w in WORD.findall(text.lower()) if w not in stops)


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    na, nb = math.sqrt(sum(v * v for v in a.values())), math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


class SourceCountRanker:
    """Default strategy: days by independent sources (see the module docstring)."""

    def __init__(self, weights: dict[str, float] | None = None, sentence: dict | None = None) -> None:
        cfg = config()
        self.weights = weights or cfg["date_weights"]
        self.cfg = sentence or cfg["sentence"]

    def __call__(self, candidates: Sequence[DatedSentence]) -> list[RankedDate]:
        by_date: dict[dt.date, list[DatedSentence]] = defaultdict(list)
        for c in candidates:
            by_date[c.date].append(c)
        idf = self._idf(candidates)
        ranked = []
        for d in sorted(by_date):
            feats = self.features(d, by_date[d])
            score = sum(w * math.log1p(getattr(feats, k)) for k, w in sorted(self.weights.items()))
            ranked.append(RankedDate(d, score, feats, self.rank_sentences(by_date[d], idf)))
        return sorted(ranked, key=lambda r: (-r.score, r.date))

    @staticmethod
    def features(day: dt.date, cands: Sequence[DatedSentence]) -> DateFeatures:
        named = [c for c in cands if c.how != "published"]
        return DateFeatures(
            sources=len({c.origin for c in named}),
            later_sources=len({c.origin for c in named if c.published is not None and c.published > day}),
            published=len({c.origin for c in cands if c.how == "published" and c.published == day}),
            mentions=len({(c.article, c.position) for c in named}),
            corroborated_events=len({c.event for c in named if c.event and c.event_sources >= 2}),
        )

    @staticmethod
    def _idf(candidates: Sequence[DatedSentence]) -> dict[str, float]:
        texts = {(c.article, c.position): c.text for c in candidates}
        df = Counter(w for t in texts.values() for w in set(bag(t)))
        n = max(len(texts), 1)
        return {w: math.log(n / c) + 1.0 for w, c in df.items()}

    def rank_sentences(self, cands: Sequence[DatedSentence], idf: dict[str, float]) -> list[ScoredSentence]:
        """The day's sentences, best first: centrality x event support x kind factor."""
        cfg = self.cfg
        unique: dict[tuple[str, int], DatedSentence] = {}
        for c in sorted(cands, key=lambda c: (c.article, c.position, c.how != "event", c.how)):
            unique.setdefault((c.article, c.position), c)
        vecs = {k: {w: n * idf.get(w, 1.0) for w, n in bag(c.text).items()} for k, c in unique.items()}
        centroid: dict[str, float] = defaultdict(float)
        for v in vecs.values():
            for w, x in v.items():
                centroid[w] += x
        out = []
        for k, c in unique.items():
            words = len(c.text.split())
            if not cfg["min_words"] <= words <= cfg["max_words"]:
                continue
            support = 1.0 + cfg["support_weight"] * math.log(max(c.event_sources, 1))
            factor = cfg["published_factor"] if c.how == "published" else 1.0
            out.append(ScoredSentence(c, cosine(vecs[k], centroid) * support * factor))
        return sorted(out, key=lambda s: (-s.score, s.sentence.article, s.sentence.position))


# --------------------------------------------------------------------------- step 3
def keyword_filter(keywords: Sequence[str]) -> Callable[[str], bool] | None:
    """Keep sentences containing any keyword (case-insensitive substring); None: keep all."""
    kws = [k.lower() for k in keywords if k.strip()]
    if not kws:
        return None
    return lambda text: any(k in text.lower() for k in kws)


def summarize(candidates: Sequence[DatedSentence], dates: int, per_date: int, *,
              ranker: TimelineRanker | None = None, keep: Callable[[str], bool] | None = None,
              since: dt.date | None = None, until: dt.date | None = None) -> Timeline:
    """Step 3: the ``dates`` best days in [since, until] with ``per_date`` sentences each."""
    ranker = ranker or SourceCountRanker()
    inside = [c for c in candidates if (since is None or c.date >= since) and (until is None or c.date <= until)]
    ranked = ranker(inside)
    threshold = config()["sentence"]["redundancy"]
    used: set[tuple[str, int]] = set()  # a sentence dated by publication is a candidate on two days
    entries: list[TimelineEntry] = []
    for rd in ranked:
        if len(entries) >= dates:
            break
        picked = _pick(rd.sentences, per_date, keep, used, threshold)
        if picked:
            entries.append(TimelineEntry(rd.date, rd.score, rd.features, picked))
    notes = [] if len(entries) >= dates else [
        f"{len(entries)} of {dates} days: no other day has a sentence that passes the filters"]
    return Timeline(sorted(entries, key=lambda e: e.date), len(inside), len(ranked), notes)


def _pick(sentences: Sequence[ScoredSentence], k: int, keep, used: set[tuple[str, int]],
          threshold: float) -> list[ScoredSentence]:
    """Up to ``k`` sentences of one day: filtered, unused, no near-repeat within the day."""
    picked: list[ScoredSentence] = []
    kept: list[Counter] = []
    for s in sentences:
        if len(picked) >= k:
            break
        key = (s.sentence.article, s.sentence.position)
        if key in used or (keep is not None and not keep(s.sentence.text)):
            continue
        b = bag(s.sentence.text)
        if any(cosine(b, o) > threshold for o in kept):
            continue
        kept.append(b)
        used.add(key)
        picked.append(s)
    return picked


# --------------------------------------------------------------------------- output
def to_dict(tl: Timeline) -> dict:
    """JSON-ready form: days in order, each with its score, features and sentences."""
    return {
        "dates": [{
            "date": e.date.isoformat(), "score": round(e.score, 6), "features": asdict(e.features),
            "sentences": [{"text": s.sentence.text, "article": s.sentence.article, "start": s.sentence.start,
                           "end": s.sentence.end, "how": s.sentence.how, "event": s.sentence.event,
                           "score": round(s.score, 6)} for s in e.sentences],
        } for e in tl.entries],
        "candidates": tl.candidates, "dates_considered": tl.dates_considered, "notes": tl.notes,
    }


def format_text(tl: Timeline) -> str:
    """Plain text: a date line, its sentences with their article, a blank line."""
    lines = []
    for e in tl.entries:
        lines.append(f"{e.date.isoformat()}  ({e.features.sources} sources, {e.features.mentions} mentions)")
        lines += [f"  - {s.sentence.text}  [{s.sentence.article}]" for s in e.sentences]
        lines.append("")
    return "\n".join(lines + tl.notes)
