"""report.html: escaping, evidence quotes, anchors, self-containment, determinism."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from crosscheck.models import PartialDate, Storyline
from crosscheck.render import _segments, _Span, build_view, date_label, render_html, write_report
from output_samples import HOSTILE, storyline


class _Collect(HTMLParser):
    """Script bodies, tags with ids, and the text inside each quote-highlight span."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.ids: set[str] = set()
        self.urls: list[tuple[str, str, str]] = []
        self.highlight: dict[str, str] = {}
        self._in_script = False
        self._keys: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append("")
        if "id" in a:
            self.ids.add(a["id"])
        for name in ("src", "href", "action", "data"):
            if name in a:
                self.urls.append((tag, name, a[name] or ""))
        if tag == "span":
            self._keys.append((a.get("data-q") or "").split())

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        if tag == "span" and self._keys:
            self._keys.pop()

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        for keys in self._keys:
            for k in keys:
                self.highlight[k] = self.highlight.get(k, "") + data


def _parse(doc: str) -> _Collect:
    p = _Collect()
    p.feed(doc)
    return p


def test_hostile_article_text_is_escaped():
    doc = render_html(storyline())
    assert HOSTILE not in doc
    assert html.escape(HOSTILE, quote=False) in doc  # title, outlet, text, error path
    p = _parse(doc)
    assert len(p.scripts) == 1  # only the report's own script
    assert "alert(1)" not in p.scripts[0]
    assert "onerror" not in doc.lower() and "javascript:" not in doc.lower()


def test_self_contained():
    doc = render_html(storyline())
    p = _parse(doc)
    external = [(t, n, u) for t, n, u in p.urls if re.match(r"^\s*(https?:)?//", u)]
    assert external == []
    assert all(u.startswith("#") for _, _, u in p.urls)  # every link is in-page
    assert "@import" not in doc and "<link" not in doc and "url(" not in doc
    # the article's URL is shown as text, not linked
    assert "https://example.org/news/kerry-lavrov" in doc


def test_quotes_link_to_exactly_their_sentence():
    st = storyline()
    doc = render_html(st)
    p = _parse(doc)
    view = build_view(st)
    mentions = [m for g in view["timeline"] for e in g["events"] for m in e["mentions"]]
    assert len(mentions) == 4
    for m in mentions:
        assert html.escape(m["text"], quote=False) in doc  # the evidence quote itself
        assert m["anchor"] in p.ids and m["key"] in p.ids  # article card and sentence start
        assert f'href="#{m["key"]}"' in doc
        assert p.highlight[m["key"]] == m["text"]  # highlighted text == quoted span


def test_original_text_survives_rendering():
    st = storyline()
    doc = render_html(st)
    for a in st.articles:
        pre = re.search(rf'id="{build_view(st)["anchors"][a.id]}".*?<pre class="text">\n(.*?)</pre>',
                        doc, re.S).group(1)
        assert html.unescape(re.sub(r"<[^>]+>", "", pre)) == a.original


def test_timeline_groups_and_sections():
    doc = render_html(storyline())
    order = [doc.index(s) for s in
             ("September 2015 (month only)", "Thu 22 October 2015", ">Undated<")]
    assert order == sorted(order)
    for text in ("reported by 2 outlets", "according to Mr. Lavrov", "according to officials",
                 "in the outlet&#39;s own voice", "Same origin as", "share-buttons",
                 "<del>Print Friendly, PDF &amp; Email", "unsupported format: .pdf",
                 "method: dateline", "dateline at the top of the story", "Sergei Lavrov"):
        assert text in doc, text


def test_deterministic_and_written(tmp_path):
    a = render_html(storyline())
    assert a == render_html(storyline())
    assert "Generated" not in a
    assert "Generated 2024-01-01" in render_html(storyline(), generated="2024-01-01")
    write_report(storyline(), tmp_path / "out" / "report.html")
    assert (tmp_path / "out" / "report.html").read_text(encoding="utf-8") == a


def test_empty_storyline_renders():
    doc = render_html(Storyline([], [], []))
    assert "No events were found." in doc and "Every input was used." in doc


def test_segments_cover_text_and_overlaps():
    text = "abcdefghij"
    segs = _segments(text, [_Span(2, 6, "q", "k1"), _Span(4, 8, "q", "k2"),
                            _Span(5, 99, "rm"), _Span(3, 3, "q", "empty")])
    assert "".join(s["text"] for s in segs) == text
    assert [s["qkeys"] for s in segs] == ["", "k1", "k1 k2", "k2", ""]
    assert [s["id"] for s in segs] == ["", "k1", "k2", "", ""]


def test_date_labels():
    assert date_label(PartialDate(2015, 10, 22)) == "Thu 22 October 2015"
    assert date_label(PartialDate(2015, 10)) == "October 2015"
    assert date_label(PartialDate(2015)) == "2015"
    assert date_label(None) == "Undated"
