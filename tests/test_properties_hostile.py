"""Property tests for hostile text (issue 7), beside the ones in test_clean/test_timex/
test_pubdate: impossible dates ("31 February", "the 45th") never become invalid TIMEX3
values or publication dates; HTML cleaning (tags, scripts, entities, boilerplate mixed
in) never invents text and its offsets point at the quoted text of the HTML source."""

from __future__ import annotations

import datetime as dt
import html
import re

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from crosscheck.clean import clean
from crosscheck.models import PartialDate, SourceDocument
from crosscheck.pubdate import infer_publication_dates
from crosscheck.timex import tag

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December", "Feb", "Sept", "Smarch"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
FRAMES = ["on {d} {M} {y}", "on {M} {d}, {y}", "the {d}th", "on the {d}th of {M}", "{M} {d}th",
          "on {W}, {d} {M}", "{y}-{m:02d}-{d:02d}", "{d}/{m}/{y}", "{W} the {d}th"]
ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

dates_text = st.builds(
    lambda f, d, m, y, M, W: f.format(d=d, m=m, y=y, M=M, W=W),
    st.sampled_from(FRAMES), st.integers(0, 99), st.integers(0, 19), st.integers(1, 9999),
    st.sampled_from(MONTHS), st.sampled_from(WEEKDAYS))


def _valid_value(value: str) -> None:
    if m := ISO_DAY.match(value):
        dt.date(*map(int, m.groups()))
    elif m := ISO_MONTH.match(value):
        assert 1 <= int(m.group(2)) <= 12, value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(dates_text, min_size=1, max_size=4),
       st.sampled_from([None, PartialDate(2025, 3, 3), PartialDate(2024, 2, 29), PartialDate(9999, 12, 31)]))
def test_impossible_dates_never_become_invalid_values(phrases, dct):
    text = "Officials said the accord was signed " + ", and ".join(phrases) + "."
    for e in tag(text, dct):
        assert text[e.start:e.end] == e.text
        _valid_value(e.value)
        if e.date is not None:
            dt.date(e.date.year, e.date.month or 1, e.date.day or 1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(dates_text, min_size=1, max_size=3))
def test_publication_date_inference_valid_or_unknown_with_reason(phrases):
    text = ("Harbor talks resume\n\n" + " ".join(f"Ministers met {p} in Aldermere, officials said." for p in phrases)
            + "\n")
    src = SourceDocument(id="d", path="d.txt", format="txt", original=text, content_hash="")
    (pub,) = infer_publication_dates([(src, clean(src))])
    if pub.value is None:
        assert pub.reason
    else:
        v = pub.value
        dt.date(v.year, v.month or 1, v.day or 1)
        assert dt.date(v.year, v.month or 1, 1) <= dt.date.today() + dt.timedelta(days=31)


WORD = st.sampled_from("harbor talks resumed minister said accord signed officials Vrana Kestrel "
                       "&amp; &lt;b&gt; caf&eacute; &#8220;quoted&#8221; Aldermere patrol".split())
PARA = st.lists(WORD, min_size=12, max_size=40).map(" ".join)
NOISE = st.sampled_from([
    "<nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>",
    "<script>var x = '<p>not text</p>'; alert(1)</script>",
    "<style>p { color: red }</style>", "<!-- <p>comment</p> -->",
    "<div class='share'>Share on Facebook Share on Twitter</div>",
    "<footer>Copyright 2025 Harbor Herald. All rights reserved.</footer>",
    "<img src=x onerror=\"alert('x')\">", "<aside>Most read: other stories</aside>"])


def _visible_words(source: str) -> set[str]:
    no_code = re.sub(r"<(script|style)\b.*?</\1>|<!--.*?-->", " ", source, flags=re.S | re.I)
    return set(html.unescape(re.sub(r"<[^>]+>", " ", no_code)).split())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(PARA, NOISE), min_size=1, max_size=8), st.data())
def test_html_cleaning_invents_nothing_and_offsets_quote_the_source(pairs, data):
    body_html = "".join(f"{n}<p>{p}</p>" for p, n in pairs)
    source = f"<html><head><title>Harbor talks</title></head><body><article>{body_html}</article></body></html>"
    doc = SourceDocument(id="h", path="h.html", format="html", original=source, content_hash="", is_html=True)
    cd = clean(doc)
    visible = _visible_words(source)
    for word in cd.body.split():
        assert word in visible, f"invented {word!r}"
    assert "alert" not in cd.body and "not text" not in cd.body
    words = list(re.finditer(r"\S+", cd.body))
    assume(words)  # (too many empty bodies would fail the health check: the test is not vacuous)
    m = data.draw(st.sampled_from(words))
    s, e = cd.to_original(m.start(), m.end())
    quoted = html.unescape(re.sub(r"<[^>]+>", "", source[s:e]))
    assert quoted == m.group(), (source[s:e], m.group())
