"""Link newly stored articles into the stored storyline without rebuilding it.

Why: ``crosscheck build`` re-resolves entities and re-links every event mention of the
corpus, which is right for a batch but far too slow for one article uploaded into a
2,000-article store. Here only what the new articles touch is read and rewritten:

1. Entities. The new articles' entity mentions are resolved (with the same resolver as
   a build) together with pseudo-mentions of the stored entities whose names could match
   (blocking: they share a word with a new mention's normalised name). A new mention that
   lands with a stored entity takes its id; the others make new entities with fresh ids.
   Stored entities gain the new aliases, articles and references; they are never renamed
   or merged here.
2. The new articles' event mentions get their actor and place ids as in a build.
3. Linking, with the linker's own blocking: the candidate events of a mention are the
   stored events that share an actor or place with it (the entity index: for each entity
   the events of its latest ``LATEST_MENTIONS`` stored mentions, as a build's linker
   keeps an entity's most recently joined events in front of its budget) or have a
   mention on its day (the day index), plus the events this ingest created. Each mention,
   in the linker's order, joins the best-scoring candidate at or above the threshold
   (``link.cluster_score``: the same score as a build, with entity rarity counted over all
   stored mentions and article context over the candidates' articles; an event of more
   than ``link.REPRESENTATIVES`` mentions is scored against its first and latest ones in
   the linker's order, as in a build, so a long-running story's big events cost the same
   per candidate as small ones), else starts an event of its own.
4. Only the touched events are recomputed (``link.event_of``: id, consensus date, title,
   actors, places) and rewritten; their old ids are reported as replaced. Untouched
   events, other entities and other articles' summaries are not rewritten.

5. With ``verify``, the new claims are compared across sources against the stored
   ones (``verify_increment``: relations, clusters, and the verdicts and outlet profiles
   they touch). Without it, or where that module cannot (a store built before it
   existed, embedding similarity), a touched event shows its outlets until the next
   ``crosscheck build``, and the web app names the articles whose claims wait for it
   (``web.verification.unverified_articles``).

A build may also group slightly differently, because the greedy linker visits mentions in
date order over the whole corpus, while an increment visits only the new ones.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Container, Sequence

from sqlalchemy import bindparam, select

from crosscheck.core import rebuild
from crosscheck.entities import Resolver, RuleResolver
from crosscheck.link import REPRESENTATIVES, article_context, cluster_score, event_of, mention_order, weights_from_counts
from crosscheck.link_blocking import representatives
from crosscheck.models import ArticleRecord, Entity, EntityMention, EntityRef, Event, EventMention
from crosscheck.settings import DEFAULT, Settings
from crosscheck.store import Store
from crosscheck.store_comparison import ComparisonStore
from crosscheck.store_counts import kept_rows
from crosscheck.store_rows import form_words
from crosscheck.storyline import attach_entity_ids, summarize_article
from crosscheck.verify import CrossSourceVerifier
from crosscheck.verify_increment import VerifyIncrement, verify_articles

log = logging.getLogger("crosscheck.incremental")
REDATED = "re-dated by the new articles' dates"  # why an increment stands down (``core._redate``)
LATEST_MENTIONS = 64  # an entity's stored mentions, latest first, whose events are its candidates (step 3)
STORED = "\x00stored:"  # article-id prefix of the stored entities' pseudo-mentions


@dataclass
class IncrementResult:
    """What one increment did, for the job page and the API."""

    mode: str  # "incremental"; "full": the store had no storyline to extend; "rebuilt": nothing linked, a build is due
    articles: list[str]
    events_created: list[str] = field(default_factory=list)
    events_replaced: dict[str, str] = field(default_factory=dict)  # old id -> recomputed id
    entities_created: list[str] = field(default_factory=list)
    entities_updated: list[str] = field(default_factory=list)
    candidate_events: int = 0  # stored events scored against the new mentions
    stored_events: int = 0  # events in the store before the increment
    verification: dict | None = None  # ``verify_increment.VerifyIncrement`` as a dict, when asked for

    @classmethod
    def needs_build(cls, articles: Sequence[str], stale: Sequence[str], why: str) -> "IncrementResult":
        """Nothing linked: the stored storyline holds what these articles change (the
        ``stale`` stored articles were ``why``: re-dated or replaced by new versions), so
        only a full build is right."""
        reason = f"{len(stale)} stored articles {why}: {listed(stale)}"
        return cls("rebuilt", list(articles), verification={"mode": "build-needed", "reason": reason})

    @property
    def reason(self) -> str:
        """Why the new claims were not compared incrementally ("" when they were)."""
        return (self.verification or {}).get("reason", "")

    def summary(self) -> str:
        if self.mode == "full":
            return f"built the storyline over the whole store ({len(self.articles)} new articles)"
        if self.mode == "rebuilt":
            return f"not linked incrementally ({self.verification['reason']}): the storyline is rebuilt"
        linked = (f"{len(self.articles)} articles linked: {len(self.events_created)} new events, "
                  f"{len(self.events_replaced)} of {self.stored_events} stored events recomputed "
                  f"({self.candidate_events} candidates scored), {len(self.entities_created)} new entities, "
                  f"{len(self.entities_updated)} entities updated; ")
        if self.verification is not None:
            return linked + self.verification["summary"]
        return linked + "their claims are compared across sources at the next full build (crosscheck build)"

    @property
    def verified(self) -> bool:
        """The new claims were compared across sources (by this increment or a full build)."""
        return self.mode == "full" or (self.verification or {}).get("mode") == "incremental"


def listed(ids: Sequence[str], limit: int = 5) -> str:
    """Article ids for a one-line message: the first ``limit``, then "..."."""
    return ", ".join(ids[:limit]) + (", ..." if len(ids) > limit else "")


def link_new_articles(
    store: Store, article_ids: Sequence[str], settings: Settings = DEFAULT, resolver: Resolver | None = None,
    *, verify: bool = False,
) -> IncrementResult:
    """Link the stored articles ``article_ids`` into the stored storyline (steps above);
    with ``verify``, then compare their claims across sources (``verify_increment``)."""
    records = [r for r in (store.load_record(a) for a in article_ids) if r is not None]
    if not store.has_storyline():
        rebuild(store, settings, read_back=False)
        return IncrementResult("full", [r.id for r in records])
    replaced = sorted(a.id for a in store.load_summaries(article_ids))
    if replaced:  # new versions of stored articles: their old events and claims are in the storyline
        return IncrementResult.needs_build([r.id for r in records], replaced, "replaced by new versions")
    result = IncrementResult("incremental", [r.id for r in records], stored_events=store.counts("events")["events"])
    created, extended, ids = _resolve(store, records, resolver or RuleResolver())
    result.entities_created = sorted(e.id for e in created)
    result.entities_updated = sorted(e.id for e in extended)
    mentions = [attach_entity_ids(m, r.mentions, ids) for r in records for m in r.event_mentions]
    events, replaced = _link(store, mentions, settings, result)
    result.events_replaced = replaced
    store.update_storyline(remove_events=sorted(replaced), events=events,
                           articles=[summarize_article(r) for r in records], entities=created,
                           duplicates=[r.duplicate for r in records if r.duplicate is not None], extended=extended)
    if verify:
        done = _verify(store, records, ids, events, replaced, settings)
        result.verification = {**asdict(done), "summary": done.summary()}
    return result


def _verify(store, records, ids, events, replaced, settings) -> VerifyIncrement:
    """``verify_increment.verify_articles``; a failure leaves the linked articles unverified
    (its write is one transaction) and says why, so that the caller falls back to a full
    build instead of losing the upload that was already stored and linked."""
    try:
        return verify_articles(store, records, ids, events, replaced, CrossSourceVerifier.from_settings(settings))
    except Exception as exc:  # logged in full; the result carries the one-line reason
        log.exception("incremental verification failed")
        return VerifyIncrement("build-needed", f"incremental verification failed ({type(exc).__name__}: {exc})")


# --------------------------------------------------------------------------- entities
def _resolve(store: Store, records: list[ArticleRecord],
             resolver: Resolver) -> tuple[list[Entity], list[Entity], dict]:
    """The new entities, the stored ones extended (``_extend``) and the entity ids of the
    new mentions."""
    new = [m for r in records for m in r.mentions]
    stored = _stored_forms(store, form_words(m.text for m in new))
    pseudo = [EntityMention(f"{STORED}{eid}", i, i + 1, text, label, 0)
              for i, (eid, text, label) in enumerate(stored)]
    by_id = {r.id: r for r in records}

    def locate(article: str, start: int, end: int) -> EntityRef:
        if article.startswith(STORED):
            return EntityRef(article, start, end, "")
        rec = by_id[article]
        s, e = rec.clean.to_original(start, end)
        return EntityRef(article, s, e, rec.source.original[s:e])

    resolution = resolver([*pseudo, *new], locate)
    taken: set[str] = set()  # entity ids given out here; stored ones are asked of the store
    stored_ids = store.entity_ids()
    target_of: dict[str, str] = {}  # resolver's entity id -> stored or fresh id
    touched: dict[str, list[EntityRef]] = defaultdict(list)
    created: list[Entity] = []
    for ent in resolution.entities:
        own = [r for r in ent.mentions if not r.article.startswith(STORED)]
        if not own:
            continue
        hosts = Counter(r.article[len(STORED):] for r in ent.mentions if r.article.startswith(STORED))
        if hosts:  # joins the stored entity most of its stored names belong to
            target = min(hosts, key=lambda e: (-hosts[e], e))
            touched[target].extend(own)
        else:
            target = _fresh(ent.id, taken, stored_ids)
            created.append(Entity(target, ent.name, ent.type, list(ent.aliases),
                                  sorted({r.article for r in own}), own))
        target_of[ent.id] = target
    ids = {k: target_of[v] for k, v in resolution.ids.items()
           if not k[0].startswith(STORED) and v in target_of}
    return created, _extend(store, touched), ids


def _stored_forms(store: Store, words: set[str]) -> list[tuple[str, str, str]]:
    """(entity id, surface form, type) of stored entities sharing a word with the new
    mentions: found by word (``entity_words``, migration 8), never by reading them all."""
    with store.engine.connect() as conn:
        db = ComparisonStore(store, conn)
        ids = {e for es in db.grouped("entity_words", "word", "entity_id", words).values() for e in es}
        types = db.lookup("entities", "id", "type", ids)
        forms = [(i, n) for i, n in db.lookup("entities", "id", "name", ids).items()]
        forms += [(i, a) for i, aliases in db.grouped("entity_aliases", "entity_id", "alias", ids).items() for a in aliases]
    out = [(i, text, types[i]) for i, text in forms if i in types and words & form_words([text])]
    return sorted(set(out))


def _fresh(base: str, taken: set[str], stored: Container[str]) -> str:
    """``base``, or ``base-2``, ``base-3``...: the first id neither given out by this
    increment (``taken``) nor stored (``Store.entity_ids``: asked by primary key, since a
    new entity's id is rarely taken)."""
    eid, n = base, 2
    while eid in taken or eid in stored:
        eid, n = f"{base}-{n}", n + 1
    taken.add(eid)
    return eid


def _extend(store: Store, touched: dict[str, list[EntityRef]]) -> list[Entity]:
    """Stored entities with the new articles' aliases added; their ``mentions`` and
    ``articles`` are only the new references and their articles
    (``Store.update_storyline(extended=)`` adds the references after the stored ones, and
    an entity's articles are those of its references), so what an entity named everywhere
    has stored is neither read nor rewritten."""
    if not touched:
        return []
    ents, aliases = store.table("entities"), store.table("entity_aliases")
    keys = sorted(touched)
    with store.engine.connect() as conn:
        rows = conn.execute(select(ents).where(ents.c.id.in_(keys))).mappings().all()
        al = defaultdict(list)
        for eid, alias in conn.execute(select(aliases.c.entity_id, aliases.c.alias).where(
                aliases.c.entity_id.in_(keys)).order_by(aliases.c.entity_id, aliases.c.position)):
            al[eid].append(alias)
    out = []
    for row in rows:
        eid, new = row["id"], touched[row["id"]]
        names = set(al[eid]) | {r.text.strip() for r in new}
        out.append(Entity(
            eid, row["name"], row["type"], sorted(names - {row["name"], ""}),
            sorted({r.article for r in new}),
            sorted(new, key=lambda r: (r.article, r.start))))
    return out


# --------------------------------------------------------------------------- linking
def _link(store: Store, mentions: list[EventMention], settings: Settings,
          result: IncrementResult) -> tuple[list[Event], dict[str, str]]:
    """Steps 3-4: the events to write, and stored event id -> recomputed id."""
    index = _EventIndex.load(store, mentions)
    # in the order a build joins them (stored events list them by article), so that the
    # representatives an event is scored against are a build's first and latest mentions
    clusters = {eid: sorted(ev.mentions, key=mention_order) for eid, ev in index.events.items()}
    result.candidate_events = len(clusters)
    weights = index.weights
    context = index.context(mentions)
    touched: set[str] = set()
    fresh = 0
    for m in sorted(mentions, key=mention_order):
        best, best_score = None, 0.0
        for cid in index.near(m):
            score = cluster_score(m, representatives(clusters[cid], REPRESENTATIVES), weights, context)
            if score > best_score:
                best, best_score = cid, score
        if best is None or best_score < settings.link_threshold:
            fresh += 1
            best = f"\x00new-{fresh}"
            clusters[best] = []
        clusters[best].append(m)
        touched.add(best)
        index.add(best, m)
    events, replaced = [], {}
    for cid in sorted(touched):
        ev = event_of(clusters[cid])
        events.append(ev)
        if cid.startswith("\x00new-"):
            result.events_created.append(ev.id)
        else:
            replaced[cid] = ev.id
    return events, replaced


@dataclass
class _EventIndex:
    """The linker's blocking indexes over the stored events, limited to the candidates."""

    events: dict[str, Event]
    by_entity: dict[str, list[str]]
    by_day: dict[str, list[str]]
    weights: dict[str, float]
    store: Store

    @classmethod
    def load(cls, store: Store, mentions: list[EventMention]) -> "_EventIndex":
        """The stored events sharing an entity or a day with the new mentions, and the
        weights of the entities they name: by index (``mention_entities``, migration 8)."""
        ents = {e for m in mentions for e in (*m.actors, *m.places)}
        days = sorted({m.date.iso() for m in mentions if m.date is not None and m.date.precision == "day"})
        links = store.table("event_mention_links")
        by_entity: dict[str, list[str]] = defaultdict(list)
        by_day: dict[str, list[str]] = defaultdict(list)
        with store.engine.connect() as conn:
            db = ComparisonStore(store, conn)
            me = db.t("mention_entities")
            latest = (select(me.c.event_id).where(me.c.entity_id == bindparam("entity"))
                      .order_by(me.c.date.desc(), me.c.mention_id.desc()).limit(LATEST_MENTIONS))
            for e in sorted(ents):
                if found := conn.execute(latest, {"entity": e}).scalars().all():
                    by_entity[e] = list(dict.fromkeys(found))
            for eid, day in conn.execute(select(links.c.event_id, links.c.date).where(links.c.date.in_(days))):
                if eid not in by_day[day]:
                    by_day[day].append(eid)
            wanted = {e for ids in (*by_entity.values(), *by_day.values()) for e in ids}
            events = {ev.id: ev for ev in store.load_events(wanted)}
            for block in (*by_entity.values(), *by_day.values()):  # only events that are there to score
                block[:] = [e for e in block if e in events]
            named = ents | {e for ev in events.values() for m in ev.mentions for e in (*m.actors, *m.places)}
            weights = _weights(conn, db, named, mentions)
        return cls(events, by_entity, by_day, weights, store)

    def near(self, m: EventMention) -> list[str]:
        found = {c for e in set(m.actors) | set(m.places) for c in self.by_entity.get(e, ())}
        if m.date is not None and m.date.precision == "day":
            found |= set(self.by_day.get(m.date.iso(), ()))
        return sorted(found)

    def add(self, cid: str, m: EventMention) -> None:
        for e in set(m.actors) | set(m.places):
            if cid not in self.by_entity[e]:
                self.by_entity[e].append(cid)
        if m.date is not None and m.date.precision == "day" and cid not in self.by_day[m.date.iso()]:
            self.by_day[m.date.iso()].append(cid)

    def context(self, mentions: list[EventMention]) -> dict[str, set[str]]:
        """Each candidate article's most-named participants, over all its stored mentions."""
        articles = sorted({m.article for ev in self.events.values() for m in ev.mentions})
        links = self.store.table("event_mention_links")
        stored: list[EventMention] = []
        with self.store.engine.connect() as conn:
            for art, actors, places in conn.execute(select(links.c.article_id, links.c.actors, links.c.places)
                                                    .where(links.c.article_id.in_(articles))):
                stored.append(_Stub(art, json.loads(actors), json.loads(places)))  # type: ignore[arg-type]
        return article_context([*stored, *mentions])


def _weights(conn, db: ComparisonStore, named: set[str], mentions: list[EventMention]) -> dict[str, float]:
    """``link.entity_weights`` over every stored and new mention, for the entities the
    scored mentions name (the others are never looked up): from the kept counts of
    stored mentions (migrations 12 and 16), not by counting them."""
    n = kept_rows(conn, db.t("row_counts"), ["event_mention_links"])["event_mention_links"] + len(mentions)
    counts: Counter = Counter({e: k for e, k in db.lookup("entity_counts", "entity_id", "mentions", named).items() if k})
    counts.update(e for m in mentions for e in set(m.actors) | set(m.places))
    return weights_from_counts(counts, n)


@dataclass
class _Stub:
    """Just what ``article_context`` reads of a mention."""

    article: str
    actors: list[str]
    places: list[str]
