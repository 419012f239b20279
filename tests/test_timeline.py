"""Timeline summary: which days, which sentences, in what order (crosscheck.timeline)."""

import datetime as dt
import json
import random

from crosscheck.cli import main
from crosscheck.models import (
    ArticleRecord, ArticleSummary, CleanDocument, Event, EventMention, OffsetBlock, PartialDate, PublicationDate,
    Sentence, SourceDocument, Storyline, TimeExpression,
)
from crosscheck.store import Store
from crosscheck.timeline import (
    DatedSentence, SourceCountRanker, article_origins, collect, keyword_filter, summarize, to_dict,
)

D = dt.date


def _s(article, day, text, how="mention", published=None, position=0, origin=None, event=None, sources=1):
    return DatedSentence(article=article, origin=origin or f"article:{article}", published=published, date=day,
                         how=how, text=text, start=0, end=len(text), position=position, event=event,
                         event_sources=sources)


def _record(aid, published, sentences, days=(), outlet=None):
    """An article whose body is its sentences joined by newlines; ``days``: (sentence index, day)."""
    body, spans = "", []
    for text in sentences:
        spans.append((len(body), len(body) + len(text)))
        body += text + "\n"
    src = SourceDocument(id=aid, path=f"{aid}.txt", format="txt", original=body, content_hash=aid, outlet=outlet)
    clean = CleanDocument(id=aid, body=body, blocks=[OffsetBlock(0, len(body), 0, len(body))])
    pub = PublicationDate(aid, PartialDate.from_date(published), "folder")
    times = [TimeExpression(spans[i][0], spans[i][0] + 3, "day", "DATE", d.isoformat(), PartialDate.from_date(d))
             for i, d in days]
    sents = [Sentence(a, b, t) for (a, b), t in zip(spans, sentences)]
    return ArticleRecord(src, clean, pub, sents, [], times, [])


def test_a_day_named_by_more_independent_sources_ranks_first():
    many = [_s(f"a{i}", D(2020, 3, 1), f"The summit opened in Vienna with ministers number {i} present.") for i in range(3)]
    chatty = [_s("b", D(2020, 3, 2), f"The committee met again today in a long session {i} times.", position=i) for i in range(5)]
    ranked = SourceCountRanker()(chatty + many)
    assert [r.date for r in ranked] == [D(2020, 3, 1), D(2020, 3, 2)]
    assert ranked[0].features.sources == 3 and ranked[1].features.mentions == 5


def test_later_articles_looking_back_count_for_the_day():
    day = D(2020, 3, 1)
    same = [_s("a", day, "Protesters gathered outside parliament on Sunday morning.", published=day),
            _s("b", D(2020, 3, 2), "Officials announced a new budget on Monday afternoon.", published=D(2020, 3, 2))]
    later = _s("c", day, "Sunday's protest outside parliament was the largest in years.", published=D(2020, 3, 9))
    ranked = SourceCountRanker()(same + [later])
    assert ranked[0].date == day and ranked[0].features.later_sources == 1


def test_summary_has_n_days_k_sentences_in_date_order_without_repeats():
    cands = []
    for day in (D(2020, 1, 5), D(2020, 1, 2), D(2020, 1, 9)):
        for i in range(3):
            cands.append(_s(f"{day}-{i}", day, f"Rescue teams reached the flooded town of Arden on {day} with boats.", position=i))
        cands.append(_s(f"{day}-x", day, f"Aid convoys carrying water and food left the capital on {day:%d %B}.", position=5))
    tl = summarize(cands, dates=2, per_date=2)
    assert len(tl.entries) == 2
    assert [e.date for e in tl.entries] == sorted(e.date for e in tl.entries)
    for e in tl.entries:
        texts = [s.sentence.text for s in e.sentences]
        assert len(texts) == 2 and len(set(texts)) == 2  # the three near-copies give one line


def test_keyword_filter_and_date_span():
    cands = [_s("a", D(2021, 5, 1), "The hurricane made landfall near the coast early on Monday."),
             _s("b", D(2021, 5, 3), "Markets rose sharply in early trading on Wednesday morning."),
             _s("c", D(2021, 6, 1), "The hurricane season ended with a record number of named storms.")]
    tl = summarize(cands, dates=5, per_date=1, keep=keyword_filter(["Hurricane"]), until=D(2021, 5, 31))
    assert [e.date for e in tl.entries] == [D(2021, 5, 1)]
    assert tl.notes and "1 of 5 days" in tl.notes[0]
    assert keyword_filter([]) is None


def test_output_does_not_depend_on_input_order():
    cands = [_s(f"a{i % 4}", D(2020, 1, 1 + i % 3), f"Sentence number {i} about the talks in Geneva and Bern.", position=i)
             for i in range(12)]
    shuffled = cands[:]
    random.Random(3).shuffle(shuffled)
    assert to_dict(summarize(cands, 2, 2)) == to_dict(summarize(shuffled, 2, 2))


def test_collect_dates_sentences_by_expression_event_and_publication():
    rec = _record("a", D(2020, 2, 10), [
        "Storm Dara hit the coast on Saturday, flooding hundreds of homes.",
        "Thousands were left without power across the region overnight.",
        "The government promised aid to the flooded towns on Monday.",
    ], days=[(0, D(2020, 2, 8))])
    mention = EventMention(id="a:1", article="a", start=0, end=10, text="", body_start=rec.sentences[2].start,
                           body_end=rec.sentences[2].end, trigger="promise", kind="statement", title="aid",
                           actors=[], places=[], date=PartialDate(2020, 2, 10), date_text="Monday",
                           attributed_to="outlet", attribution_kind="outlet")
    event = Event("ev-1", PartialDate(2020, 2, 10), "aid", "statement", [], [], [mention])
    got = {(c.position, c.date, c.how) for c in collect([rec], Storyline([], [], [event]))}
    assert (0, D(2020, 2, 8), "mention") in got
    assert (2, D(2020, 2, 10), "event") in got
    assert {(1, D(2020, 2, 10), "published"), (1, D(2020, 2, 9), "published")} <= got
    assert not collect([rec], since=D(2020, 3, 1))  # published before the span


def test_reposts_and_one_outlet_are_one_origin():
    recs = [_record(a, D(2020, 1, 1), ["Text of the article goes here for the test."], outlet=o)
            for a, o in (("a", None), ("b", None), ("c", "Daily Wire"), ("d", "daily wire"))]
    summaries = [ArticleSummary(r.id, r.source.outlet, None, None, None, "folder", "", 0, r.source.path,
                                same_origin_as="a" if r.id == "b" else None) for r in recs]
    origins = article_origins(recs, Storyline(summaries, [], []))
    assert origins["a"] == origins["b"] == "article:a"
    assert origins["c"] == origins["d"] == "outlet:daily wire"


def test_cli_timeline_writes_json_and_refuses_an_empty_store(tmp_path, capsys, monkeypatch):
    def whole(*_a, **_k):
        raise AssertionError("the timeline reads the records as a stream, never the store's records whole")

    monkeypatch.setattr(Store, "load_records", whole)
    db = tmp_path / "t.db"
    assert main(["timeline", "--db", str(db)]) == 4
    with Store(f"sqlite:///{db}") as store:
        for i in range(3):
            store.save_article(_record(f"n{i}", D(2020, 4, 2), [
                f"Negotiators from both sides signed the ceasefire in Oslo on Wednesday, report {i} said.",
                "Fighting had continued until the last hour before the agreement was reached."],
                days=[(0, D(2020, 4, 1))]))
    out = tmp_path / "tl.json"
    assert main(["timeline", "--db", str(db), "--dates", "2", "--sentences-per-date", "1", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert [d["date"] for d in data["dates"]] == ["2020-04-01", "2020-04-02"]
    assert data["dates"][0]["features"]["sources"] == 3
    assert main(["timeline", "--db", str(db), "--dates", "1"]) == 0
    assert "2020-04-01" in capsys.readouterr().out
