"""Tests for crosscheck.timex: one family of time expressions per test, plus properties.

Sentences are written for these tests; the corpus check reads /work/shared at test time
and skips when it is absent.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosscheck.models import PartialDate
from crosscheck.timex import tag

DCT = PartialDate(2015, 10, 22)  # a Thursday


def one(text: str, dct: PartialDate | None = DCT, **kw):
    found = tag(text, dct, **kw)
    assert len(found) == 1, [(e.text, e.value) for e in found]
    return found[0]


def values(text: str, dct: PartialDate | None = DCT) -> list[tuple[str, str]]:
    return [(e.text, e.value) for e in tag(text, dct)]


# --------------------------------------------------------------------------- absolute
@pytest.mark.parametrize("text,surface,value", [
    ("The treaty was signed on 22 October 2015 in Vienna.", "22 October 2015", "2015-10-22"),
    ("It was signed October 22, 2015, by both sides.", "October 22, 2015", "2015-10-22"),
    ("It was signed Oct. 22, 2015.", "Oct. 22, 2015", "2015-10-22"),
    ("Posted 15.07.2016 by the desk.", "15.07.2016", "2016-07-15"),
    ("Filed 2015-10-22 by the desk.", "2015-10-22", "2015-10-22"),
    ("Filed 3/4/2016 by the desk.", "3/4/2016", "2016-03-04"),
    ("They met in June 2012 in Geneva.", "June 2012", "2012-06"),
    ("The war began in 2001.", "2001", "2001"),
    ("The deal, announced Monday, Nov. 23, 2015, held.", "Monday, Nov. 23, 2015", "2015-11-23"),
])
def test_absolute_dates(text, surface, value):
    e = one(text)
    assert (e.text, e.value, e.anchor, e.type) == (surface, value, "absolute", "DATE")
    assert e.date == PartialDate.parse(value)


def test_time_with_date_keeps_the_day():
    e = one("08:26 15.07.2016 Moscow talks resume")
    assert e.type == "TIME" and e.value == "2016-07-15T08:26" and e.date == PartialDate(2016, 7, 15)


# --------------------------------------------------------------------------- partial
@pytest.mark.parametrize("text,value", [
    ("The talks ended Oct. 23.", "2015-10-23"),
    ("He arrived October 20.", "2015-10-20"),
    ("Strikes began on September 30.", "2015-09-30"),
    ("The vote will take place on Dec. 15.", "2015-12-15"),
    ("Officials said the offensive started Dec. 15.", "2014-12-15"),
    ("The ceasefire was agreed in January.", "2015-01"),
    ("Elections will be held in January.", "2016-01"),
])
def test_partial_dates_take_year_from_dct(text, value):
    e = one(text)
    assert e.value == value and e.anchor == "dct" and e.date == PartialDate.parse(value)


def test_partial_dates_without_dct_stay_unresolved_but_keep_weekday():
    e = one("He landed in Tehran on Monday, Nov. 23.", None)
    assert (e.value, e.date, e.weekday, e.anchor) == ("XXXX-11-23", None, 0, "none")


def test_weekday_picks_a_consistent_year():
    # 23 November was a Monday in 2015; with a dct early in 2016, last year is meant
    e = one("He landed in Tehran on Monday, Nov. 23.", PartialDate(2016, 1, 5))
    assert e.value == "2015-11-23" and e.weekday == 0


# --------------------------------------------------------------------------- weekdays
@pytest.mark.parametrize("text,value,weekday", [
    ("In the wake of the president's trip to Moscow Tuesday, talks began.", "2015-10-20", 1),
    ("On Tuesday, the minister said little.", "2015-10-20", 1),
    ("The ministers will meet Friday in Vienna.", "2015-10-23", 4),
    ("The summit is scheduled to open Saturday.", "2015-10-24", 5),
    ("They met last Monday.", "2015-10-19", 0),
    ("They will meet next Monday.", "2015-10-26", 0),
    ("The strike came Thursday.", "2015-10-22", 3),
])
def test_weekdays_resolve_by_tense(text, value, weekday):
    e = one(text)
    assert e.value == value and e.weekday == weekday and e.anchor == "dct"


def test_late_weekday_night():
    e = one("Kerry met Putin late Thursday night to talk.", PartialDate(2016, 7, 15))
    assert e.text == "late Thursday night" and e.date == PartialDate(2016, 7, 14)
    assert e.value.startswith("2016-07-14") and e.weekday == 3


def test_weekday_with_date():
    e = one("The vote is set for Friday, Oct. 23.")
    assert (e.text, e.value, e.weekday) == ("Friday, Oct. 23", "2015-10-23", 4)


def test_weekday_without_dct():
    e = one("They met on Tuesday.", None)
    assert e.value == "XXXX-WXX-2" and e.weekday == 1 and e.date is None


# --------------------------------------------------------------------------- deictic
@pytest.mark.parametrize("text,value", [
    ("Today the talks resume.", "2015-10-22"),
    ("Tomorrow, the minister flies home.", "2015-10-23"),
    ("Rebels attacked yesterday.", "2015-10-21"),
    ("The meeting happened last week.", "2015-W42"),
    ("The report comes out this week.", "2015-W43"),
    ("Prices rose last month.", "2015-09"),
    ("Prices will rise next month.", "2015-11"),
    ("Sales fell last year.", "2014"),
    ("Sales fell this year.", "2015"),
    ("The plane crashed two days ago.", "2015-10-20"),
    ("The firm said earlier this month that it would sell.", "2015-10"),
    ("The talks are now stalled.", "PRESENT_REF"),
])
def test_deictic(text, value):
    e = one(text)
    assert e.value == value


def test_tonight_is_a_time_on_the_dct():
    e = one("He speaks tonight.")
    assert e.type == "TIME" and e.value == "2015-10-22TNI" and e.date == DCT


# --------------------------------------------------------------------------- narrative
def test_narrative_anchor_follows_last_day_in_text():
    text = ("Talks stalled on Nov. 14. The next day, Nov. 15, the leaders met. "
            "But then, four days later, the deal fell apart.")
    got = tag(text, PartialDate(2015, 11, 24))
    assert [(e.text, e.value) for e in got] == [
        ("Nov. 14", "2015-11-14"), ("The next day", "2015-11-15"), ("Nov. 15", "2015-11-15"),
        ("four days later", "2015-11-19")]
    assert [e.anchor for e in got] == ["dct", "narrative", "dct", "narrative"]


@pytest.mark.parametrize("phrase,value", [
    ("the day after", "2015-03-03"), ("the next day", "2015-03-03"), ("the following day", "2015-03-03"),
    ("the day before", "2015-03-01"), ("a week later", "2015-03-09"), ("three days earlier", "2015-02-27"),
    ("that day", "2015-03-02"),
])
def test_narrative_phrases(phrase, value):
    got = tag(f"The siege began on March 2, 2015. Rebels withdrew {phrase}.", DCT)
    assert got[-1].text.lower() == phrase and got[-1].value == value and got[-1].anchor == "narrative"


def test_narrative_without_earlier_date_falls_back_to_dct():
    e = one("The next day, the rebels withdrew.")
    assert e.value == "2015-10-23" and e.anchor == "dct"


# --------------------------------------------------------------------------- durations
@pytest.mark.parametrize("text,surface,value", [
    ("They held a 30-minute meeting.", "30-minute", "PT30M"),
    ("The truce lasted six months.", "six months", "P6M"),
    ("A seven-year-old boy was hurt.", "seven-year-old", "P7Y"),
    ("The war has lasted four years.", "four years", "P4Y"),
    ("Fighting went on for several hours.", "several hours", "PTXH"),
    ("Two decades of war ended.", "Two decades", "P20Y"),
    ("Over the past two months, prices rose.", "the past two months", "P2M"),
])
def test_durations(text, surface, value):
    e = one(text)
    assert (e.text, e.type, e.value, e.date) == (surface, "DURATION", value, None)


# --------------------------------------------------------------------------- seasons, quarters, sets
@pytest.mark.parametrize("text,value,type_", [
    ("Profit rose in the third quarter.", "2015-Q3", "DATE"),
    ("Third-quarter profit rose.", "2015-Q3", "DATE"),
    ("Fighting slowed last winter.", "2014-WI", "DATE"),
    ("It happened in the summer of 2012.", "2012-SU", "DATE"),
    ("The council meets every week.", "P1W", "SET"),
    ("The paper is printed daily.", "P1D", "SET"),
])
def test_seasons_quarters_sets(text, value, type_):
    e = one(text)
    assert e.value == value and e.type == type_


# --------------------------------------------------------------------------- false positives
@pytest.mark.parametrize("text", [
    "We may see more talks.",
    "They march on the capital.",
    "The Sun reported the story.",
    "He came in a second time.",
    "We will see what happens.",
    "A quarter of the budget went to defence.",
    "The fall of the city shocked everyone.",
    "It cost 2000 dollars.",
    "Turnout reached 1999 voters.",
])
def test_no_false_positives(text):
    assert tag(text, DCT) == []


@pytest.mark.parametrize("text,expected", [
    # found in the BBC articles before time expressions had to start at a word boundary
    ("A windfall tax and a shortfall of cash.", []),
    ("A game like FM2005 could sell.", []),
    ('"Clearly 2004 was a good year," he said.', [("2004", "2004")]),
    ("We had a really diverse slate this year.", [("this year", "2015")]),
    ("As it might have done six months ago.", [("six months ago", "2015-04")]),
])
def test_expressions_start_at_a_word_boundary(text, expected):
    assert values(text) == expected


def test_theresa_may_is_not_a_month():
    assert values("Britain's Theresa May said so.") == []


def test_tense_hint_overrides_sentence():
    assert one("They meet Friday.", tense_hint="past").value == "2015-10-16"
    assert one("They meet Friday.", tense_hint="future").value == "2015-10-23"


# --------------------------------------------------------------------------- properties
_FORMATS = [
    lambda d: f"{d.day} {calendar.month_name[d.month]} {d.year}",
    lambda d: f"{calendar.month_name[d.month]} {d.day}, {d.year}",
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    lambda d: d.isoformat(),
    lambda d: f"{calendar.month_abbr[d.month]}. {d.day}, {d.year}" if d.month != 5 else f"May {d.day}, {d.year}",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dates(min_value=dt.date(1700, 1, 1), max_value=dt.date(2099, 12, 31)),
       st.sampled_from(range(len(_FORMATS))), st.sampled_from(["The deal was signed on {}.", "{}: talks", "Since {}, calm."]))
def test_rendered_dates_round_trip(date, fmt, frame):
    text = frame.format(_FORMATS[fmt](date))
    e = one(text, PartialDate(2015, 10, 22))
    assert e.date == PartialDate.from_date(date) and e.anchor == "absolute"


_news_words = st.sampled_from(["Monday", "Nov.", "23", "2015", "last", "week", "the", "next", "day", "May",
                               "ago", "three", "years", "-", "year-old", ",", ".", "Feb.", "29", "31", "Dec.",
                               "tonight", "every", "quarter", "third", "1999", "10:35", "a.m.", "9999", "later"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_news_words, max_size=25), st.sampled_from([None, PartialDate(2015, 10, 22), PartialDate(9999, 12, 31),
                                                            PartialDate(2016, 2, 29), PartialDate(1, 1, 1)]))
def test_dates_valid_and_spans_exact(words, dct):
    text = " ".join(words)
    for e in tag(text, dct):
        assert 0 <= e.start < e.end <= len(text) and text[e.start:e.end] == e.text
        if e.date is not None:
            PartialDate(e.date.year, e.date.month, e.date.day)  # re-validates
            assert e.value.startswith(e.date.iso())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from([None, PartialDate(2015, 10, 22), PartialDate(2015)]))
def test_never_raises_on_arbitrary_text(text, dct):
    for e in tag(text, dct):
        assert text[e.start:e.end] == e.text


# --------------------------------------------------------------------------- real corpus
CORPUS = Path("/work/shared/corpus/syria-us-russia")


@pytest.mark.skipif(not CORPUS.exists(), reason="sample corpus not available")
def test_corpus_sanity():
    """Known readings in the sample reports (checked by hand against the text)."""
    cases = {
        "003_": (PartialDate(2015, 10, 22), {"Tuesday": "2015-10-20", "Tomorrow": "2015-10-23"}),
        "002_": (PartialDate(2016, 7, 15), {"late Thursday night": "2016-07-14TNI"}),
        "001_": (PartialDate(2015, 11, 24), {"The next day": "2015-11-15", "four days later": "2015-11-19"}),
    }
    for prefix, (dct, expected) in cases.items():
        files = sorted(CORPUS.glob(prefix + "*.txt"))
        if not files:
            pytest.skip(f"{prefix}* missing")
        found = {e.text: e.value for e in tag(files[0].read_text(encoding="utf-8"), dct)}
        for surface, value in expected.items():
            assert found.get(surface) == value, (prefix, surface, found.get(surface))
