"""Tests for crosscheck.pubdate: parsers, the cascade, year inference, real corpus."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

import crosscheck.timex as timex
from crosscheck.clean import clean
from crosscheck.ingest import ingest
from crosscheck.models import CleanDocument, OffsetBlock, PartialDate, SourceDocument, TimeExpression
from crosscheck.pubdate import infer_publication_dates, parse_date_text

CORPUS = Path("/work/shared/corpus/syria-us-russia")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


@pytest.mark.parametrize("text,expected", [
    ("22 October 2015", "2015-10-22"),
    ("08:26 15.07.2016", "2016-07-15"),
    ("Oct. 22, 2015", "2015-10-22"),
    ("Thursday, October 22, 2015", "2015-10-22"),
    ("2015-10-22T10:00:00Z", "2015-10-22"),
    ("Thu, 22 Oct 2015 10:00:00 +0000", "2015-10-22"),
    ("Sept. 3, 2019", "2019-09-03"),
    ("June 2012", "2012-06"),
    ("2014", "2014"),
    ("25/12/2020", "2020-12-25"),
    ("12/25/2020", "2020-12-25"),
])
def test_parse_date_text(text, expected):
    value, how = parse_date_text(text)
    assert value is not None, how
    assert value.iso() == expected


@pytest.mark.parametrize("text", ["", "yesterday", "03/04/2020", "31.02.2016", "no date"])
def test_parse_date_text_reasons(text):
    value, reason = parse_date_text(text)
    assert value is None and reason


@hsettings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.sampled_from(["{d} {M} {y}", "{M} {d}, {y}", "{d:02d}.{m:02d}.{y}", "{y}-{m:02d}-{d:02d}",
                        "{a}. {d}, {y}"]))
def test_parse_formats_round_trip(day, fmt):
    text = fmt.format(d=day.day, m=day.month, y=day.year, M=MONTHS[day.month - 1],
                      a=MONTHS[day.month - 1][:3])
    value, how = parse_date_text(text)
    assert value == PartialDate.from_date(day), how


@hsettings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_parser_returns_valid_date_or_reason(text):
    value, how = parse_date_text(text)
    assert isinstance(how, str) and how
    if value is not None:
        assert isinstance(value, PartialDate)
        PartialDate.parse(value.iso())  # valid calendar date


def make(doc_id: str, body: str, **src) -> tuple[SourceDocument, CleanDocument]:
    sd = SourceDocument(id=doc_id, path=f"{doc_id}.txt", format="txt", original=body,
                        content_hash="", **src)
    cd = CleanDocument(id=doc_id, body=body, blocks=[OffsetBlock(0, len(body), 0, len(body))])
    return sd, cd


def test_metadata_folder_and_rejections():
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    docs = [
        make("a", "Text.", published_raw="2021-09-17", published_raw_source="json:published"),
        make("b", "Text.", published_raw="2020-05-01", published_raw_source="folder:2020-05-01"),
        make("c", "Text.", published_raw=future, published_raw_source="json:date"),
        make("d", "Text.", published_raw="1972-01-01", published_raw_source="json:date"),
    ]
    docs[2][1].dateline, docs[2][1].dateline_span = "3 March 2021", (0, 5)
    out = infer_publication_dates(docs)
    assert [p.article for p in out] == ["a", "b", "c", "d"]
    assert (out[0].method, str(out[0].value)) == ("metadata", "2021-09-17")
    assert (out[1].method, str(out[1].value)) == ("folder", "2020-05-01")
    assert out[2].method == "dateline" and str(out[2].value) == "2021-03-03"
    assert "future" in out[2].reason
    assert "before 1990" in out[3].reason and out[3].method in ("unknown", "inferred")


def test_html_metadata_date():
    sd, cd = make("h", "Body.")
    cd.metadata_date, cd.metadata_date_source = "2019-06-14", "html-meta via htmldate"
    (p,) = infer_publication_dates([(sd, cd)])
    assert p.method == "metadata" and str(p.value) == "2019-06-14"


WEEKDAY_TEXT = ("Talks resumed in 2014. On Tuesday, October 20, the envoy flew to the capital. "
                "On October 21, a senator denounced the plan.")


def test_weekday_year_from_context():
    sd, cd = make("x", WEEKDAY_TEXT)
    (p,) = infer_publication_dates([(sd, cd)], context=[PartialDate(2015, 10, 22)])
    assert p.method == "inferred" and str(p.value) == "2015-10"
    assert str(p.earliest) == "2015-10-21"
    assert p.evidence == "Tuesday, October 20"
    assert WEEKDAY_TEXT[slice(*p.evidence_span)] == "Tuesday, October 20"
    assert "2015" in p.reason and "2014" in p.reason
    # with other context the other candidate year wins: proximity decides
    (q,) = infer_publication_dates([(sd, cd)], context=[PartialDate(2020, 9)])
    assert str(q.value) == "2020-10"


def test_weekday_without_context_stays_open_with_bound():
    sd, cd = make("x", WEEKDAY_TEXT)
    (p,) = infer_publication_dates([(sd, cd)])
    assert p.value is None and p.method == "unknown"
    assert "2015/2020" in p.reason
    assert p.earliest == PartialDate(2015, 10, 20)  # first candidate after 2014


def test_weekday_alone_is_ambiguous():
    sd, cd = make("x", "On Monday, Nov. 23 the leaders met again.")
    (p,) = infer_publication_dates([(sd, cd)])
    assert p.value is None and p.method == "unknown"
    assert "candidate years" in p.reason


def test_month_day_without_any_year_leaves_the_year_unknown():
    """Corpus dates must not lend a year: a wrong guess would misdate every event."""
    sd, cd = make("x", "The letter was sent on July 19 by the general. The talks began last month. "
                       "A channel was set up after 2015.")
    (p,) = infer_publication_dates([(sd, cd)], context=[PartialDate(2018, 9, 1)])
    assert p.value is None and p.method == "unknown"
    assert "July 19" in p.reason and "never states the year" in p.reason
    assert p.earliest == PartialDate(2015)


def test_no_dates_is_unknown_with_reason():
    sd, cd = make("x", "Officials said the situation remained calm.")
    (p,) = infer_publication_dates([(sd, cd)])
    assert p.value is None and p.method == "unknown" and p.reason


def test_future_mentions_do_not_set_the_date():
    text = ("On Monday, March 1, 2021 the council met. The council will vote on "
            "Friday, March 12, 2021.")
    sd, cd = make("x", text)
    (p,) = infer_publication_dates([(sd, cd)], context=[PartialDate(2021, 2, 20)])
    assert str(p.value) == "2021-03" and str(p.earliest) == "2021-03-01"


def test_old_day_dated_event_is_only_a_bound():
    sd, cd = make("x", "The attacks of 11 September 2001 changed the airline business.")
    (p,) = infer_publication_dates([(sd, cd)])
    assert p.value is None and p.earliest == PartialDate(2001, 9, 11)
    (q,) = infer_publication_dates([(sd, cd)], context=[PartialDate(2015, 3, 1)])
    assert q.value is None and "far from" in q.reason


def test_stand_in_tagger_is_honoured(monkeypatch):
    """The step-3 logic depends only on the timex API; a stand-in proves it."""
    body = "Putin landed on Monday, Nov. 23."
    fake = [TimeExpression(16, 31, "Monday, Nov. 23", "DATE", "XXXX-11-23", weekday=0)]
    monkeypatch.setattr(timex, "tag", lambda text, dct: fake)
    sd, cd = make("x", body)
    (p,) = infer_publication_dates([(sd, cd)], context=[PartialDate(2015, 10, 22)])
    assert str(p.value) == "2015-11" and p.evidence == "Monday, Nov. 23"


def test_real_corpus_dates():
    if not CORPUS.is_dir():
        pytest.skip("sample corpus /work/shared/corpus/syria-us-russia not available")
    res = ingest([CORPUS])
    pairs = [(d, clean(d)) for d in res.documents]
    out = {p.article[:3]: p for p in infer_publication_dates(pairs)}
    assert (out["002"].method, str(out["002"].value)) == ("dateline", "2016-07-15")
    assert (out["003"].method, str(out["003"].value)) == ("dateline", "2015-10-22")
    assert str(out["000"].value).startswith("2015-10")
    assert str(out["001"].value).startswith("2015-11")
    for p in out.values():
        assert p.value is not None or p.reason
        if p.evidence_span:
            doc = next(d for d, _ in pairs if d.id == p.article)
            assert doc.original[slice(*p.evidence_span)] == p.evidence


def test_last_month_refers_to_a_dated_month():
    text = ("On Thursday, April 13, the ministers met again in the building where they signed "
            "the accord last month. The ship was seized in March.")
    sd, cd = make("x", text)
    (p,) = infer_publication_dates([(sd, cd)], context=[PartialDate(2023, 3, 17)])
    assert str(p.value) == "2023-04" and str(p.earliest) == "2023-04-13"
    assert p.latest == PartialDate(2023, 4)
