"""Small hand-written article records and a storyline for the store/export/render tests.

The texts are invented for these tests (no publisher's text). Offsets are computed
with ``str.find`` so they are right by construction.
"""

from __future__ import annotations

import hashlib

from crosscheck.models import (
    ArticleRecord,
    ArticleSummary,
    CleanDocument,
    DuplicateRecord,
    Entity,
    EntityMention,
    EntityRef,
    Event,
    EventMention,
    InputError,
    OffsetBlock,
    PartialDate,
    PublicationDate,
    Removed,
    Sentence,
    SourceDocument,
    Storyline,
    TimeExpression,
)

HOSTILE = "<script>alert(1)</script>"

A1 = (
    "Print Friendly, PDF & Email\n"
    "Kerry and Lavrov meet in Geneva\n"
    "GENEVA, 22 October 2015 - US Secretary of State John Kerry met Russian Foreign "
    "Minister Sergei Lavrov in Geneva on Thursday, officials said.\n"
    "Russia began air strikes in Syria in September 2015.\n"
    "The two men will talk again, according to Mr. Lavrov.\n"
    "The post Kerry and Lavrov meet in Geneva appeared first on Example Wire."
)
A1_BOILER = [
    ("share-buttons", "Print Friendly, PDF & Email\n"),
    ("appeared-first-on", "\nThe post Kerry and Lavrov meet in Geneva appeared first on Example Wire."),
]
A2 = (
    f"<html><head><title>{HOSTILE} Kerry, Lavrov talk</title></head><body>"
    "<p>Kerry and Lavrov met in Geneva on Oct. 22, sources said.</p>"
    f"<p>{HOSTILE} & more</p><footer>(c) Daily Example &copy;</footer></body></html>"
)
A3 = (
    "Kerry and Lavrov meet in Geneva\n"
    "GENEVA, 22 October 2015 - US Secretary of State John Kerry met Russian Foreign "
    "Minister Sergei Lavrov in Geneva on Thursday, officials said."
)


def _clean(aid: str, original: str, boiler: list[tuple[str, str]]) -> CleanDocument:
    """Cut the boilerplate strings out of ``original``; keep the offset blocks."""
    removed = sorted(
        (Removed(original.find(t), original.find(t) + len(t), reason, t) for reason, t in boiler),
        key=lambda r: r.start)
    body, blocks, pos = "", [], 0
    for r in removed + [Removed(len(original), len(original), "", "")]:
        if r.start > pos:
            blocks.append(OffsetBlock(len(body), len(body) + r.start - pos, pos, r.start))
            body += original[pos:r.start]
        pos = r.end
    return CleanDocument(id=aid, body=body, blocks=blocks, removed=removed)


def _emention(rec_id: str, original: str, body: str, n: int, sentence: str, **kw) -> EventMention:
    start = original.find(sentence)
    assert start >= 0, sentence
    b = body.find(sentence)
    return EventMention(
        id=f"{rec_id}-m{n}", article=rec_id, start=start, end=start + len(sentence),
        text=sentence, body_start=b, body_end=b + len(sentence), **kw)


def _ent(aid: str, body: str, text: str, label: str, sentence: int, eid: str | None) -> EntityMention:
    s = body.find(text)
    return EntityMention(aid, s, s + len(text), text, label, sentence, eid)


def _sentences(body: str) -> list[Sentence]:
    out, pos = [], 0
    for line in body.split("\n"):
        if line:
            out.append(Sentence(pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def record_a1() -> ArticleRecord:
    clean = _clean("a1", A1, A1_BOILER)
    clean.title = "Kerry and Lavrov meet in Geneva"
    clean.title_span = (A1.find(clean.title), A1.find(clean.title) + len(clean.title))
    clean.dateline = "22 October 2015"
    ds = A1.find(clean.dateline)
    clean.dateline_span = (ds, ds + len(clean.dateline))
    clean.outlet_hint = "Example Wire"
    body = clean.body
    meet = ("GENEVA, 22 October 2015 - US Secretary of State John Kerry met Russian Foreign "
            "Minister Sergei Lavrov in Geneva on Thursday, officials said.")
    return ArticleRecord(
        source=SourceDocument(
            id="a1", path="corpus/a1.txt", format="txt", original=A1,
            content_hash=hashlib.sha256(A1.encode()).hexdigest()),
        clean=clean,
        published=PublicationDate(
            "a1", PartialDate(2015, 10, 22), "dateline", evidence="22 October 2015",
            evidence_span=clean.dateline_span, reason="dateline at the top of the story"),
        sentences=_sentences(body),
        mentions=[_ent("a1", body, "John Kerry", "PERSON", 1, "e1"),
                  _ent("a1", body, "Sergei Lavrov", "PERSON", 1, "e2"),
                  _ent("a1", body, "Syria", "GPE", 2, None)],
        times=[TimeExpression(body.find("22 October 2015"), body.find("22 October 2015") + 15,
                              "22 October 2015", "DATE", "2015-10-22", PartialDate(2015, 10, 22),
                              "absolute", "dmy"),
               TimeExpression(body.find("Thursday"), body.find("Thursday") + 8, "Thursday",
                              "DATE", "2015-10-22", PartialDate(2015, 10, 22), "dct",
                              "weekday", weekday=3),
               TimeExpression(body.find("September 2015"), body.find("September 2015") + 14,
                              "September 2015", "DATE", "2015-09", PartialDate(2015, 9),
                              "absolute", "my")],
        event_mentions=[
            _emention("a1", A1, body, 1, meet, trigger="meet", kind="meeting",
                      title="John Kerry meets Sergei Lavrov", actors=["e1", "e2"], places=["e3"],
                      date=PartialDate(2015, 10, 22), date_text="Thursday",
                      attributed_to="officials", attribution_kind="sources",
                      actor_mentions=[0, 1]),
            _emention("a1", A1, body, 2, "Russia began air strikes in Syria in September 2015.",
                      trigger="begin", kind="military", title="Russia begins air strikes in Syria",
                      actors=["e5"], places=["e4"], date=PartialDate(2015, 9),
                      date_text="September 2015", attributed_to="outlet",
                      attribution_kind="outlet", place_mentions=[2]),
            _emention("a1", A1, body, 3, "The two men will talk again, according to Mr. Lavrov.",
                      trigger="talk", kind="statement", title="Kerry and Lavrov to talk again",
                      actors=["e1", "e2"], places=[], date=None, date_text=None,
                      attributed_to="Mr. Lavrov", attribution_kind="person"),
        ],
    )


def record_a2() -> ArticleRecord:
    """An HTML article whose title and text carry a script tag (must never run)."""
    footer = "<footer>(c) Daily Example &copy;</footer>"
    clean = _clean("a2", A2, [("footer", footer)])
    clean.title = f"{HOSTILE} Kerry, Lavrov talk"
    clean.metadata_date, clean.metadata_date_source = "2015-10-23", "htmldate"
    sent = "Kerry and Lavrov met in Geneva on Oct. 22, sources said."
    return ArticleRecord(
        source=SourceDocument(
            id="a2", path="corpus/a2.html", format="html", original=A2,
            content_hash=hashlib.sha256(A2.encode()).hexdigest(), is_html=True,
            url="https://example.org/news/kerry-lavrov", title=clean.title,
            outlet=f"Daily {HOSTILE} Example", encoding="windows-1252"),
        clean=clean,
        published=PublicationDate("a2", PartialDate(2015, 10, 23), "metadata",
                                  evidence="2015-10-23", reason="htmldate: article:published_time"),
        sentences=_sentences(clean.body),
        mentions=[_ent("a2", clean.body, "Kerry", "PERSON", 0, "e1")],
        times=[],
        event_mentions=[_emention(
            "a2", A2, clean.body, 1, sent, trigger="meet", kind="meeting",
            title="Kerry meets Lavrov", actors=["e1", "e2"], places=["e3"],
            date=PartialDate(2015, 10, 22), date_text="Oct. 22",
            attributed_to="sources", attribution_kind="sources", negated=False)],
    )


def record_a3() -> ArticleRecord:
    """A re-post of a1's lead: near duplicate, date unknown."""
    clean = _clean("a3", A3, [])
    return ArticleRecord(
        source=SourceDocument(id="a3", path="corpus/sub/a3.txt", format="txt", original=A3,
                              content_hash=hashlib.sha256(A3.encode()).hexdigest(),
                              published_raw=None),
        clean=clean,
        published=PublicationDate("a3", None, "inferred", reason="no date in text",
                                  earliest=PartialDate(2015, 10, 22), latest=PartialDate(2015)),
        sentences=_sentences(clean.body), mentions=[], times=[], event_mentions=[],
        duplicate=DuplicateRecord("a3", "a1", "near", 0.8125),
    )


def records() -> list[ArticleRecord]:
    return [record_a1(), record_a2(), record_a3()]


def summary(rec: ArticleRecord, same_origin_as: str | None = None) -> ArticleSummary:
    src, pub = rec.source, rec.published
    return ArticleSummary(
        id=rec.id, outlet=src.outlet or rec.clean.outlet_hint, title=rec.clean.title or src.title,
        published=pub.value, published_evidence=pub.evidence, published_method=pub.method,
        published_reason=pub.reason, boilerplate_chars=rec.clean.boilerplate_chars,
        path=src.path, same_origin_as=same_origin_as, url=src.url, format=src.format,
        original=src.original, removed=list(rec.clean.removed), published_span=pub.evidence_span)


def _ref(rec: ArticleRecord, text: str) -> EntityRef:
    s = rec.source.original.find(text)
    return EntityRef(rec.id, s, s + len(text), text)


def storyline() -> Storyline:
    a1, a2, a3 = records()
    m1, m2, m3 = a1.event_mentions
    entities = [
        Entity("e1", "John Kerry", "PERSON", ["Kerry", "John Kerry"], ["a1", "a2", "a3"],
               [_ref(a1, "John Kerry"), _ref(a2, "Kerry"), _ref(a3, "John Kerry")]),
        Entity("e2", "Sergei Lavrov", "PERSON", ["Lavrov", "Mr. Lavrov"], ["a1", "a2"],
               [_ref(a1, "Sergei Lavrov"), _ref(a2, "Lavrov")]),
        Entity("e3", "Geneva", "GPE", [], ["a1", "a2"], [_ref(a1, "Geneva"), _ref(a2, "Geneva")]),
        Entity("e4", "Syria", "GPE", [], ["a1"], [_ref(a1, "Syria")]),
        Entity("e5", "Russia", "GPE", ["Moscow"], ["a1"], [_ref(a1, "Russia")]),
    ]
    events = [
        Event("ev3", None, "Kerry and Lavrov to talk again", "statement", ["e1", "e2"], [], [m3]),
        Event("ev1", PartialDate(2015, 10, 22), "John Kerry meets Sergei Lavrov in Geneva",
              "meeting", ["e1", "e2"], ["e3"], [a2.event_mentions[0], m1]),
        Event("ev2", PartialDate(2015, 9), "Russia begins air strikes in Syria", "military",
              ["e5"], ["e4"], [m2]),
    ]
    return Storyline(
        articles=[summary(a1), summary(a2), summary(a3, same_origin_as="a1")],
        entities=entities, events=events,
        errors=[InputError("corpus/broken.pdf", "unsupported format: .pdf"),
                InputError(f"corpus/{HOSTILE}.txt", "undecodable bytes")],
        duplicates=[DuplicateRecord("a3", "a1", "near", 0.8125)],
    )
