"""Assemble the storyline from stored per-article records.

Why from records: per-article work is done once and stored; this corpus-level step
(entity resolution across all articles, actor ids on event mentions, cross-document
linking, article summaries) is cheap and is rerun over everything in the store, so a
second ``run`` with new articles links them with the old ones.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from crosscheck.entities import Resolver, RuleResolver
from crosscheck.link import GreedyLinker, Linker
from crosscheck.models import (
    ArticleRecord, ArticleSummary, DuplicateRecord, EntityRef, EventMention, InputError, Storyline,
)
from crosscheck.outlet import infer_outlet
from crosscheck.settings import DEFAULT, Settings
from crosscheck.verify import CrossSourceVerifier, Verifier


def build_storyline(
    records: Sequence[ArticleRecord],
    *,
    settings: Settings = DEFAULT,
    resolver: Resolver | None = None,
    linker: Linker | None = None,
    errors: Sequence[InputError] = (),
    duplicates: Sequence[DuplicateRecord] = (),
    verifier: Verifier | None = None,
) -> Storyline:
    """Resolve entities, attach actor ids, link events and summarise articles; then
    verify across sources (claims' origins, clusters, relations, verdicts: verify.py)."""
    resolver = resolver or RuleResolver()
    linker = linker or GreedyLinker(settings)
    by_id = {r.id: r for r in records}

    def locate(article: str, start: int, end: int) -> EntityRef:
        rec = by_id[article]
        s, e = rec.clean.to_original(start, end)
        return EntityRef(article, s, e, rec.source.original[s:e])

    resolution = resolver([m for r in records for m in r.mentions], locate)
    mentions = [_with_ids(m, by_id[m.article], resolution.ids) for r in records for m in r.event_mentions]
    events = linker(mentions)
    articles = [_summary(r) for r in sorted(records, key=lambda r: r.id)]
    dups = list(duplicates) + [r.duplicate for r in records if r.duplicate and r.duplicate not in duplicates]
    storyline = Storyline(articles, resolution.entities, events, list(errors), dups)
    return (verifier or CrossSourceVerifier.from_settings(settings))(storyline, records, resolution.ids)


def _with_ids(m: EventMention, rec: ArticleRecord, ids: dict) -> EventMention:
    def lookup(indices: list[int]) -> list[str]:
        out = []
        for i in indices:
            em = rec.mentions[i]
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
