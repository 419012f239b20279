"""Tests for crosscheck.clean: boilerplate rules, header fields, offset mapping."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from crosscheck.clean import clean
from crosscheck.ingest import ingest
from crosscheck.models import SourceDocument

FIX = Path(__file__).parent / "fixtures" / "clean"
CORPUS = Path("/work/shared/corpus/syria-us-russia")


def doc_from(path: Path, **kw) -> SourceDocument:
    text = path.read_text("utf-8")
    return SourceDocument(id=path.stem, path=str(path), format="html" if path.suffix == ".html" else "txt",
                          original=text, content_hash=hashlib.sha256(text.encode()).hexdigest(),
                          is_html=path.suffix == ".html", **kw)


def text_doc(text: str) -> SourceDocument:
    return SourceDocument(id="t", path="t.txt", format="txt", original=text, content_hash="")


def assert_exact_blocks(doc: SourceDocument, cd) -> None:
    for b in cd.blocks:
        assert doc.original[b.orig_start:b.orig_end] == cd.body[b.body_start:b.body_end]


def test_plain_text_boilerplate_and_header():
    doc = doc_from(FIX / "ticker_article.txt")
    cd = clean(doc)
    assert cd.title == "Harbour Authority Approves Night Ferry Trial"
    assert doc.original[slice(*cd.title_span)] == cd.title
    assert cd.byline == "Maria Lopez"
    assert cd.dateline == "14:05 03.03.2021"
    assert doc.original[slice(*cd.dateline_span)] == cd.dateline
    assert cd.outlet_hint == "exampledaily.com"
    reasons = {r.reason for r in cd.removed}
    assert {"share-buttons", "headline-ticker", "copyright", "footer"} <= reasons
    for bad in ("09:10", "Share this", "Tweet", "Storm closes", "See all", "Latest news",
                "Copyright", "exampledaily", "Maria Lopez", "Economy"):
        assert bad not in cd.body
    lines = cd.body.split("\n")
    assert lines[0].startswith("The harbour authority on Tuesday")
    # a paragraph wrapped mid-sentence stays as two lines
    assert "Opponents said the plan was rushed and that" in lines
    assert "the noise study was never published." in lines
    for r in cd.removed:
        assert doc.original[r.start:r.end] == r.text
    # title/byline/dateline are not boilerplate
    assert not any("Maria" in r.text or "Harbour" in r.text for r in cd.removed)
    assert_exact_blocks(doc, cd)


def test_appeared_first_on_and_navigation():
    doc = doc_from(FIX / "reposted.txt")
    cd = clean(doc)
    assert cd.outlet_hint == "Riverside Gazette"
    assert cd.title == "City Council Delays Tram Vote"
    assert doc.original[slice(*cd.title_span)] == cd.title
    assert {r.reason for r in cd.removed} == {"navigation", "appeared-first-on"}
    assert "Home | World" not in cd.body and "appeared first" not in cd.body
    assert cd.body.count("\n") == 1


def test_metadata_title_line_is_not_body():
    text = "Dam Level Hits Record\n\nThe reservoir rose again on Friday, the water board said.\n"
    doc = text_doc(text)
    doc.title = "Dam level hits record"
    cd = clean(doc)
    assert cd.title == "Dam level hits record" and cd.title_span == (0, 21)
    assert cd.body == "The reservoir rose again on Friday, the water board said."


def test_short_ticker_run_is_not_removed():
    # two timestamps are not a ticker: nothing is removed
    text = ("Markets opened higher today after the central bank kept rates unchanged.\n"
            "10:00 01.02.2022\nShares rose\n11:00 01.02.2022\n")
    cd = clean(text_doc(text))
    assert cd.removed == []
    assert "Shares rose" in cd.body


def test_html_page():
    doc = doc_from(FIX / "page.html")
    cd = clean(doc)
    assert cd.title == "Old river bridge reopens after two years of repairs"
    assert cd.outlet_hint == "Valley Times"
    assert cd.metadata_date == "2019-06-14" and "htmldate" in cd.metadata_date_source
    assert cd.byline == "Tom Becker"
    body = cd.body
    assert "£4 million" in body and "steel deck & strengthened" in body
    for bad in ("Home", "Share on Facebook", "Related stories", "Valley Times. All rights",
                "script", "color: red"):
        assert bad not in body
    reasons = {r.reason for r in cd.removed}
    assert {"html-navigation", "html-footer", "html-share-buttons"} <= reasons
    # every body line maps back to source whose visible text is that line
    start = 0
    for line in body.split("\n"):
        s, e = cd.to_original(start, start + len(line))
        visible = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", doc.original[s:e])).split())
        assert visible == " ".join(line.split())
        start += len(line) + 1
    # an entity maps to the whole entity in the source
    k = body.index("&")
    assert doc.original[slice(*cd.to_original(k, k + 1))] == "&amp;"


def test_html_without_article_falls_back_to_visible_text():
    src = "<html><body><div>Short note</div><div>Another line here</div></body></html>"
    doc = SourceDocument(id="h", path="h.html", format="html", original=src,
                         content_hash="", is_html=True)
    cd = clean(doc)
    for line in cd.body.split("\n"):
        assert line in src


LINE = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd", "Zs"),
                                      whitelist_characters=".,;'\"-()"),
               min_size=1, max_size=80).map(str.strip).filter(bool)
NOISE = st.sampled_from(["", "Share this:", "Tweet", "Print Friendly, PDF & Email", "  ",
                         "Home | World | Sport", "Copyright 2020 Some Paper"])


@hsettings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(LINE, NOISE), min_size=1, max_size=12), st.data())
def test_offsets_round_trip_and_no_invented_text(pairs, data):
    original = "\n".join(f"{a}\n{b}" for a, b in pairs)
    doc = text_doc(original)
    cd = clean(doc)
    for line in cd.body.split("\n"):
        assert line in original  # cleaning never invents text
    assert_exact_blocks(doc, cd)
    if not cd.body:
        return
    # any span inside one body line maps back exactly
    starts = [0] + [m.end() for m in re.finditer("\n", cd.body)]
    i = data.draw(st.integers(0, len(starts) - 1))
    end_of_line = cd.body.find("\n", starts[i])
    end_of_line = len(cd.body) if end_of_line < 0 else end_of_line
    s = data.draw(st.integers(starts[i], end_of_line))
    e = data.draw(st.integers(s, end_of_line))
    os_, oe = cd.to_original(s, e)
    assert original[os_:oe] == cd.body[s:e]


def _corpus():
    if not CORPUS.is_dir():
        pytest.skip("sample corpus /work/shared/corpus/syria-us-russia not available")
    res = ingest([CORPUS])
    return {d.id[:3]: (d, clean(d)) for d in res.documents}


def test_real_corpus_boilerplate():
    docs = _corpus()
    for key, (doc, cd) in docs.items():
        assert "Print Friendly" not in cd.body, key
        assert_exact_blocks(doc, cd)
        for line in cd.body.split("\n"):
            assert line in doc.original
    doc2, cd2 = docs["002"]
    assert not any("24.04.2024" in line for line in cd2.body.split("\n"))
    assert cd2.dateline and "15.07.2016" in cd2.dateline
    doc3, cd3 = docs["003"]
    assert cd3.dateline == "22 October 2015" and cd3.byline == "Bill Van Auken"
    assert "wsws.org" not in cd3.body and cd3.outlet_hint == "wsws.org"
    assert docs["004"][1].outlet_hint == "crude-oil.news"
    assert "appeared first on" not in docs["004"][1].body


def test_time_first_ticker_after_footer_and_outlet_priority():
    text = ("Ferry Strike Ends\n\nThe ferry crews returned to work on Monday after a deal on pay, "
            "the union said in a statement.\n\n"
            "The post Ferry Strike Ends appeared first on Other Wire.\n"
            "To contact the Island Courier newsroom visit:\n\nislandcourier.example/contact\n\n"
            "10:05 02.05.2021\nBridge toll rises again\n09:40 02.05.2021\nNew school opens\n"
            "09:10 02.05.2021\nMayor visits the harbour\nAll news\n")
    cd = clean(text_doc(text))
    assert cd.body == ("The ferry crews returned to work on Monday after a deal on pay, "
                       "the union said in a statement.")
    # the publisher's own footer outranks the "appeared first on" origin
    assert cd.outlet_hint == "islandcourier.example"
    ticker = [r for r in cd.removed if r.reason == "headline-ticker"]
    assert len(ticker) == 1 and ticker[0].text.endswith("Mayor visits the harbour\nAll news")


def test_html_script_and_style_are_recorded_as_removed():
    doc = doc_from(FIX / "page.html")
    cd = clean(doc)
    hidden = [r for r in cd.removed if r.reason in ("html-script", "html-style")]
    scripts = " ".join(r.text for r in hidden if r.reason == "html-script")
    assert "Bridge reopens script text" in scripts and "more script" in scripts
    assert any("color: red" in r.text for r in hidden if r.reason == "html-style")
    for r in cd.removed:
        if r.reason in ("html-script", "html-style"):
            assert doc.original[r.start:r.end] == r.text


@pytest.mark.parametrize("line, dateline, label", [
    ("Gulf Courier, 29 March 2023", "29 March 2023", "Gulf Courier"),
    ("MOSCOW, Oct. 22, 2015", "Oct. 22, 2015", "MOSCOW"),
    ("Reuters | 22 October 2015", "22 October 2015", "Reuters"),
    ("Harbor Gazette 6 March 2019", "6 March 2019", "Harbor Gazette"),
])
def test_a_dateline_after_an_outlet_or_place_name_and_a_comma_or_bar(line, dateline, label):
    text = (f"Fighters seize cargo ship off Port Serin\n\n{line}\n\nArmed fighters of the Northern Tide Front "
            "seized the cargo ship Grey Heron on Saturday off Port Serin, the coast guard said.\n")
    doc = text_doc(text)
    cd = clean(doc)
    assert cd.dateline == dateline and doc.original[slice(*cd.dateline_span)] == dateline
    assert [r.text for r in cd.removed if r.reason == "dateline-label"] == [label]
    assert line not in cd.body and cd.body.startswith("Armed fighters")


def test_a_byline_naming_its_outlet_and_date_stays_a_byline():
    cd = clean(text_doc("Ship seized\n\nBy Jane Roe, Reuters, 22 October 2015\n\nArmed fighters seized the "
                        "cargo ship Grey Heron on Saturday off Port Serin, the coast guard said.\n"))
    assert cd.byline == "Jane Roe, Reuters, 22 October 2015" and cd.dateline is None
