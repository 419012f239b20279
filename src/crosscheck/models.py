"""Typed records that flow between the pipeline stages.

Why one module: every stage reads the previous stage's output type and writes its
own, so the types are the contract between stages. Stages import from here and never
from each other's internals. Records are plain dataclasses so they serialise with
``dataclasses.asdict`` and compare by value in tests; with ``slots=True``: a storyline
holds hundreds of thousands of them, and without an instance dict each is smaller and
quicker to read (2,125 BBC articles: rebuild peak 344 -> 329 MB, ~6 % faster).

Offsets: unless a field says otherwise, ``start``/``end`` are character offsets into
``SourceDocument.original`` (the decoded text of the input file, or of the JSON
record's text/html field). ``CleanDocument.body`` has its own offsets; convert them
with ``CleanDocument.to_original``.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Literal

Precision = Literal["day", "month", "year"]


# --------------------------------------------------------------------------- dates
@dataclass(frozen=True, order=True, slots=True)
class PartialDate:
    """A calendar date known to day, month or year precision.

    Why not ``datetime.date``: news text often fixes only a month ("in June 2012") or a
    year, and pretending to know the day would make a timeline lie.
    """

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year out of range: {self.year}")
        if self.month is None and self.day is not None:
            raise ValueError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.month}")
        if self.day is not None:
            last = calendar.monthrange(self.year, self.month or 1)[1]
            if not 1 <= self.day <= last:
                raise ValueError(f"day out of range: {self.year}-{self.month}-{self.day}")

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        return "year"

    def iso(self) -> str:
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def as_date(self) -> _dt.date | None:
        """The day, when known to day precision."""
        if self.day is None or self.month is None:
            return None
        return _dt.date(self.year, self.month, self.day)

    def first_day(self) -> _dt.date:
        return _dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> _dt.date:
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return _dt.date(self.year, month, day)

    @classmethod
    def from_date(cls, d: _dt.date) -> "PartialDate":
        return cls(d.year, d.month, d.day)

    @classmethod
    def parse(cls, value: str) -> "PartialDate":
        """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; raise ValueError otherwise."""
        parts = value.strip().split("-")
        if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
            raise ValueError(f"not an ISO partial date: {value!r}")
        nums = [int(p) for p in parts] + [None, None]
        return cls(nums[0], nums[1], nums[2])  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.iso()


# --------------------------------------------------------------------------- ingest
SourceFormat = Literal["txt", "html", "json", "tls"]


@dataclass(slots=True)
class SourceDocument:
    """One input article as read from disk, before any cleaning (ingest output)."""

    id: str
    path: str
    format: SourceFormat
    original: str  # decoded text of the file (or of the JSON record's text/html)
    content_hash: str  # sha256 of ``original``
    is_html: bool = False
    url: str | None = None
    title: str | None = None
    outlet: str | None = None
    published_raw: str | None = None  # a date given by metadata (JSON field, folder name)
    published_raw_source: str | None = None  # e.g. "json:published", "folder:InputDocs/2015-10-22"
    encoding: str = "utf-8"


@dataclass(slots=True)
class InputError:
    """A file (or record) that could not be used, with the reason. Never a silent None."""

    path: str
    reason: str

    def line(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(slots=True)
class DuplicateRecord:
    """``article`` repeats ``same_as``: exactly (same content) or nearly (re-post)."""

    article: str
    same_as: str
    kind: Literal["exact", "near"]
    similarity: float


@dataclass(slots=True)
class IngestResult:
    documents: list[SourceDocument] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    duplicates: list[DuplicateRecord] = field(default_factory=list)


# --------------------------------------------------------------------------- clean
@dataclass(frozen=True, slots=True)
class OffsetBlock:
    """Body range [body_start, body_end) came from original range [orig_start, orig_end)."""

    body_start: int
    body_end: int
    orig_start: int
    orig_end: int


@dataclass(slots=True)
class Removed:
    """A stretch of the original text that the cleaner stripped, and why."""

    start: int
    end: int
    reason: str  # e.g. "headline-ticker", "share-buttons", "footer", "appeared-first-on"
    text: str


@dataclass(slots=True)
class CleanDocument:
    """Article text with boilerplate removed, and the way back to the original offsets."""

    id: str
    body: str  # the kept text, paragraphs separated by "\n"
    blocks: list[OffsetBlock]  # sorted by body_start; covers every body character
    title: str | None = None
    title_span: tuple[int, int] | None = None  # original offsets
    byline: str | None = None
    byline_span: tuple[int, int] | None = None
    dateline: str | None = None  # e.g. "22 October 2015", "08:26 15.07.2016"
    dateline_span: tuple[int, int] | None = None
    removed: list[Removed] = field(default_factory=list)
    metadata_date: str | None = None  # from HTML metadata (trafilatura/htmldate)
    metadata_date_source: str | None = None
    outlet_hint: str | None = None  # site name from metadata or footer, when found

    @property
    def boilerplate_chars(self) -> int:
        return sum(r.end - r.start for r in self.removed)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a body range to the original text range it came from."""
        return (self._map(start, is_end=False), self._map(end, is_end=True))

    def _map(self, pos: int, *, is_end: bool) -> int:
        if not self.blocks:
            return pos
        starts = [b.body_start for b in self.blocks]
        i = max(bisect_right(starts, pos - (1 if is_end else 0)) - 1, 0)
        b = self.blocks[i]
        if b.body_end - b.body_start == b.orig_end - b.orig_start:
            return min(max(b.orig_start + (pos - b.body_start), b.orig_start), b.orig_end)
        # lengths differ (e.g. HTML entities): clamp to the block's edges
        return b.orig_end if is_end else b.orig_start


# --------------------------------------------------------------------------- publication date
@dataclass(slots=True)
class PublicationDate:
    """When the article was published, how we know, and how precisely."""

    article: str
    value: PartialDate | None
    method: Literal["metadata", "folder", "dateline", "inferred", "unknown"]
    evidence: str | None = None  # the text that fixed it
    evidence_span: tuple[int, int] | None = None  # original offsets, when from the text
    reason: str = ""  # why this value (or why unknown)
    earliest: PartialDate | None = None  # bounds, when inferred
    latest: PartialDate | None = None
    # Spans of days (first, last) in which a new stated corpus date could change this
    # date; empty when none can (stated dates, and inferences the context did not decide).
    # ``core._redate`` re-checks only the stored articles with a span holding a new date.
    context_windows: tuple[tuple[_dt.date, _dt.date], ...] = ()


# --------------------------------------------------------------------------- time
TimexType = Literal["DATE", "TIME", "DURATION", "SET"]


@dataclass(slots=True)
class TimeExpression:
    """A time expression found in text, normalised TIMEX3-style.

    ``start``/``end`` index the text that was given to the tagger (for the pipeline:
    ``CleanDocument.body``). ``value`` is a TIMEX3 value ("2015-10-20", "2015-10",
    "2015-W43", "P4D", "PRESENT_REF", "XXXX-10-20" when unresolvable). ``date`` is
    set when the value names a calendar day, month or year.
    """

    start: int
    end: int
    text: str
    type: TimexType
    value: str
    date: PartialDate | None = None
    anchor: Literal["absolute", "dct", "narrative", "none"] = "none"
    rule: str = ""  # which rule produced it, for debugging and evidence
    weekday: int | None = None  # 0=Monday..6=Sunday when the text names one ("Monday, Nov. 23")


# --------------------------------------------------------------------------- NLP annotations
@dataclass(slots=True)
class Sentence:
    start: int  # body offsets
    end: int
    text: str


@dataclass(slots=True)
class EntityMention:
    article: str
    start: int  # body offsets
    end: int
    text: str
    label: str  # spaCy label: PERSON, ORG, GPE, NORP, LOC, FAC, EVENT, ...
    sentence: int  # index into AnalyzedDocument.sentences
    entity_id: str | None = None  # filled by entity resolution


@dataclass(slots=True)
class Token:
    """The minimum of spaCy's parse that the events stage needs (kept picklable)."""

    i: int  # index within its sentence
    start: int  # body offset
    text: str
    lemma: str
    pos: str
    tag: str
    dep: str
    head: int  # index within its sentence
    ent_iob: str = "O"


@dataclass(slots=True)
class AnalyzedDocument:
    """A cleaned article with sentences, tokens, entity mentions and time expressions."""

    clean: CleanDocument
    published: PublicationDate
    sentences: list[Sentence]
    tokens: list[list[Token]]  # per sentence
    mentions: list[EntityMention]
    times: list[TimeExpression]

    @property
    def id(self) -> str:
        return self.clean.id


@dataclass(slots=True)
class ArticleRecord:
    """Everything derived from one article: what the store saves atomically.

    Per-article work (clean, dates, NLP, event candidates) is done once and stored;
    corpus-level work (entity resolution, linking, storyline) is recomputed from these
    records, so a second run with more articles links across both runs.
    """

    source: SourceDocument
    clean: CleanDocument
    published: PublicationDate
    sentences: list[Sentence]
    mentions: list[EntityMention]
    times: list[TimeExpression]
    event_mentions: list["EventMention"]
    duplicate: DuplicateRecord | None = None
    claims: list["Claim"] = field(default_factory=list)  # propositions with attribution (claims.py)

    @property
    def id(self) -> str:
        return self.source.id


# --------------------------------------------------------------------------- entities
@dataclass(slots=True)
class EntityRef:
    """Where an entity is mentioned: original offsets and the surface text."""

    article: str
    start: int
    end: int
    text: str


EntityType = Literal["PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "OTHER"]


@dataclass(slots=True)
class Entity:
    """One real-world actor across all articles."""

    id: str
    name: str
    type: str
    aliases: list[str]
    articles: list[str]
    mentions: list[EntityRef] = field(default_factory=list)


# --------------------------------------------------------------------------- events
Attribution = Literal["outlet", "person", "sources", "document", "organization"]


@dataclass(slots=True)
class EventMention:
    """One sentence of one article reporting that something happened."""

    id: str
    article: str
    start: int  # original offsets of the evidence sentence
    end: int
    text: str  # original[start:end]
    body_start: int
    body_end: int
    trigger: str  # lemma of the event verb/noun, e.g. "meet", "visit", "agree"
    kind: str  # class from the trigger lexicon: meeting, visit, agreement, statement, ...
    title: str
    actors: list[str]  # entity ids
    places: list[str]  # entity ids of GPE/LOC/FAC in the sentence
    date: PartialDate | None
    date_text: str | None  # the time expression that dated it
    attributed_to: str  # "outlet" or the name of the person / sources / document
    attribution_kind: Attribution
    negated: bool = False
    actor_mentions: list[int] = field(default_factory=list)  # indices into the article's mentions
    place_mentions: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Event:
    """A real-world event, as told by one or more articles."""

    id: str
    date: PartialDate | None
    title: str
    kind: str
    actors: list[str]
    places: list[str]
    mentions: list[EventMention]

    @property
    def articles(self) -> list[str]:
        return sorted({m.article for m in self.mentions})


# --------------------------------------------------------------------------- claims and verification
Modality = Literal["asserted", "reported", "alleged", "denied", "hoped-planned", "questioned"]


@dataclass(slots=True)
class Claim:
    """One proposition a sentence puts forward, who puts it forward, and how firmly.

    Why separate from ``EventMention``: verification compares what sources *say* (an
    agreement exists, a proposal was rebuffed), which is wider than "something happened".
    ``start``/``end`` are original offsets of the proposition's clause; ``sentence_start``/
    ``sentence_end`` those of the whole sentence (the evidence a reader checks).
    ``speakers`` lists the chain of voices outer to inner ("Reuters", "the memo"); the
    last one is ``attributed_to`` ("outlet" when the article speaks in its own voice).
    ``origin`` is the outlet the claim is relayed from when the text names one ("Reuters
    reported"), else None; the storyline replaces it with the resolved independent
    origin and fills ``cluster`` and ``actors``.
    """

    id: str
    article: str
    start: int
    end: int
    text: str
    sentence: int  # index into the article's sentences
    sentence_start: int
    sentence_end: int
    predicate: str  # lemma of the proposition's head (verb or event noun)
    subject: str = ""
    negated: bool = False
    attributed_to: str = "outlet"
    attribution_kind: Attribution = "outlet"
    modality: Modality = "asserted"
    speakers: list[str] = field(default_factory=list)
    origin: str | None = None
    origin_evidence: str | None = None
    lemmas: list[str] = field(default_factory=list)  # content lemmas of the clause, in order
    objects: list[str] = field(default_factory=list)  # what the predicate is about: object head lemmas
    numbers: list[str] = field(default_factory=list)  # "669 mission": a number and what it counts
    mentions: list[int] = field(default_factory=list)  # indices into the article's entity mentions
    places: list[int] = field(default_factory=list)  # those mentions that say where ("in Vienna")
    date: PartialDate | None = None
    event: str | None = None  # id of the event mention this claim states
    actors: list[str] = field(default_factory=list)  # entity ids (filled at storyline time)
    cluster: str | None = None


RelationType = Literal["corroborates", "contradicts"]


@dataclass(slots=True)
class Relation:
    """Two claims from different origins agree or disagree, with the reason in one line."""

    type: RelationType
    claims: list[str]
    articles: list[str]
    explanation: str
    cue: str = ""  # what decided it: antonym, negation, number, date, place, stance-model, same-event, similar
    score: float = 1.0


VerdictStatus = Literal["corroborated", "single-source", "contested"]


@dataclass(slots=True)
class Verdict:
    """How well one event or claim cluster is backed, counted in independent origins."""

    subject: str  # event id or claim cluster id
    status: VerdictStatus
    independent_sources: int
    origins: list[str]  # independent origins on the backing side
    supporting: list[str]  # outlets (or article ids when unknown) on the backing side
    disputing: list[str]  # outlets on the other side
    explanation: str
    supporting_claims: list[str] = field(default_factory=list)
    disputing_claims: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ClaimCluster:
    """Claims from any article that speak of one proposition."""

    id: str
    claims: list[str]
    label: str
    verdict: Verdict
    event: str | None = None  # the event the cluster's claims state, when one does


@dataclass(frozen=True, slots=True)
class ClaimKeys:
    """What verification compared a claim by (its comparison view without the claim).

    Why kept: an upload is verified against the stored claims without re-reading their
    articles (``verify_increment``), so the store keeps each claim's resolved origin,
    outlet, actor keys, topic and object terms, predicate class, polarity, time window
    and the key of its sentence (for word-for-word copies). Sets are the verifier's
    shared ones, so keeping them costs a small object per claim."""

    origin_name: str
    origin_key: str
    origin_evidence: str | None
    relayed: bool
    outlet: str
    actors: frozenset[str]
    places: frozenset[str]
    topic: frozenset[str]
    core: frozenset[str]
    pred_class: str | None
    polarity: int
    window: tuple[_dt.date, _dt.date] | None
    copy_key: str | None  # digest of the sentence's words (long sentences only), else None
    takes_part: bool = True  # blocks for candidates (``verify._takes_part``)


@dataclass(slots=True)
class OutletProfile:
    """How an outlet sources what it says (shares over its claims)."""

    outlet: str
    articles: int
    claims: int
    own_voice: float  # share stated in the outlet's own voice
    attributed: float  # share attributed to a person, organisation, document or sources
    unnamed_sources: float  # share attributed to unnamed sources
    sole_source: int  # claims whose cluster has no other independent origin
    sole_source_share: float


# --------------------------------------------------------------------------- storyline
@dataclass(slots=True)
class ArticleSummary:
    id: str
    outlet: str | None
    title: str | None
    published: PartialDate | None
    published_evidence: str | None
    published_method: str
    published_reason: str
    boilerplate_chars: int
    path: str
    same_origin_as: str | None = None
    url: str | None = None
    format: str = "txt"
    original: str = ""  # the decoded text that all offsets index into
    removed: list[Removed] = field(default_factory=list)
    published_span: tuple[int, int] | None = None


@dataclass(slots=True)
class Storyline:
    """The product: articles, entities and dated, linked, evidence-carrying events."""

    articles: list[ArticleSummary]
    entities: list[Entity]
    events: list[Event]
    errors: list[InputError] = field(default_factory=list)
    duplicates: list[DuplicateRecord] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)  # every claim, with origin and cluster
    relations: list[Relation] = field(default_factory=list)  # corroborates / contradicts
    clusters: list[ClaimCluster] = field(default_factory=list)  # claims about one proposition
    verdicts: list[Verdict] = field(default_factory=list)  # one per event (subject = event id)
    outlet_profiles: list[OutletProfile] = field(default_factory=list)
    # Aligned with ``claims`` (same order) when verification made them; empty for a
    # storyline loaded from the store or built before they were kept.
    claim_keys: list[ClaimKeys] = field(default_factory=list)
