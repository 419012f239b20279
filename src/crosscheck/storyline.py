"""Assemble the storyline from stored per-article records.

Why from records: per-article work is done once and stored; this corpus-level step
(entity resolution across all articles, actor ids on event mentions, cross-document
linking, article summaries) is cheap and is rerun over everything in the store, so a
second ``run`` with new articles links them with the old ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Sequence

from crosscheck.entities import Resolver, RuleResolver
from crosscheck.link import GreedyLinker, Linker
from crosscheck.models import (
    ArticleRecord, ArticleSummary, CleanDocument, DuplicateRecord, EntityMention, EntityRef, EventMention, InputError,
    Storyline,
)
from crosscheck.outlet import infer_outlet
from crosscheck.settings import DEFAULT, Settings
from crosscheck.verify import CrossSourceVerifier, Verifier


def build_storyline(
    records: Iterable[ArticleRecord],
    *,
    settings: Settings = DEFAULT,
    resolver: Resolver | None = None,
    linker: Linker | None = None,
    errors: Sequence[InputError] = (),
    duplicates: Sequence[DuplicateRecord] = (),
    verifier: Verifier | None = None,
    checkpoint: Callable[[], None] = lambda: None,
) -> Storyline:
    """Resolve entities, attach actor ids, link events and summarise articles; then
    verify across sources (claims' origins, clusters, relations, verdicts: verify.py).

    ``records`` in article-id order, read twice (here, then by the verifier): a list, or
    ``Store.stream_records`` so that the corpus is never held whole. Between the two
    passes only what the steps keep is held (see ``_Pass``): on 2,225 BBC articles the
    loaded records were two fifths of this step's traced peak, and much of them (bodies,
    sentences, the claims' source rows) is not needed once read.

    ``checkpoint`` is called once the linked storyline (long-lived from then on) is made:
    the run passes ``heap.frozen_heap``'s ``keep`` so the garbage collector stops
    re-walking it while verification churns (2,225 BBC articles: 35-38 s without, 31-33 s
    with it)."""
    if iter(records) is records:
        raise TypeError("build_storyline reads the records twice: pass a list or Store.stream_records, not an iterator")
    resolver = resolver or RuleResolver()
    linker = linker or GreedyLinker(settings)
    seen = _Pass.read(records)
    resolution = resolver(seen.mentions, seen.locate)
    events = linker([_with_ids(m, seen.mentions_of[m.article], resolution.ids) for m in seen.event_mentions])
    dups = list(duplicates) + [d for d in seen.duplicates if d not in duplicates]
    storyline = Storyline(seen.articles, resolution.entities, events, list(errors), dups)
    del seen
    checkpoint()
    return (verifier or CrossSourceVerifier.from_settings(settings))(storyline, records, resolution.ids)


@dataclass
class _Pass:
    """What the first pass over the records keeps: entity and event mentions, each
    article's offset map and text (for entity references) and its summary."""

    mentions: list[EntityMention] = field(default_factory=list)
    mentions_of: dict[str, list[EntityMention]] = field(default_factory=dict)
    event_mentions: list[EventMention] = field(default_factory=list)
    cleans: dict[str, CleanDocument] = field(default_factory=dict)
    articles: list[ArticleSummary] = field(default_factory=list)
    duplicates: list[DuplicateRecord] = field(default_factory=list)
    originals: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, records: Iterable[ArticleRecord]) -> "_Pass":
        out = cls()
        for r in records:
            out.mentions.extend(r.mentions)
            out.mentions_of[r.id] = r.mentions
            out.event_mentions.extend(r.event_mentions)
            out.cleans[r.id] = replace(r.clean, body="")  # the offset map, not the text
            out.articles.append(_summary(r))
            if r.duplicate:
                out.duplicates.append(r.duplicate)
        by_id = {a.id: a for a in out.articles}  # records come in id order, but say so
        out.articles = [by_id[i] for i in sorted(by_id)]
        out.originals = {a.id: a.original for a in out.articles}
        return out

    def locate(self, article: str, start: int, end: int) -> EntityRef:
        s, e = self.cleans[article].to_original(start, end)
        return EntityRef(article, s, e, self.originals[article][s:e])


def _with_ids(m: EventMention, mentions: Sequence[EntityMention], ids: dict) -> EventMention:
    """The event mention with the entity ids of its actor and place mentions (indices into
    its article's entity ``mentions``)."""
    def lookup(indices: list[int]) -> list[str]:
        out = []
        for i in indices:
            em = mentions[i]
            eid = ids.get((em.article, em.start, em.end))
            if eid and eid not in out:
                out.append(eid)
        return out

    places = lookup(m.place_mentions)
    actors = [a for a in lookup(m.actor_mentions) if a not in places]
    return replace(m, actors=actors, places=places)


def _summary(r: ArticleRecord) -> ArticleSummary:
    outlet, _how = infer_outlet(r.source, r.clean)
    title = r.source.title or r.clean.title
    pub = r.published
    return ArticleSummary(
        id=r.id, outlet=outlet, title=title, published=pub.value, published_evidence=pub.evidence,
        published_method=pub.method, published_reason=pub.reason,
        boilerplate_chars=r.clean.boilerplate_chars, path=r.source.path,
        same_origin_as=r.duplicate.same_as if r.duplicate else None, url=r.source.url,
        format=r.source.format, original=r.source.original, removed=list(r.clean.removed),
        published_span=pub.evidence_span,
    )


# Public names for incremental linking (crosscheck.incremental), which must attach entity
# ids and summarise articles exactly as a full build does.
attach_entity_ids = _with_ids
summarize_article = _summary
