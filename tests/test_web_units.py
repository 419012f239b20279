"""Small pure parts of the web app: highlighting, upload labels, search queries, ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("fastapi")

from crosscheck.models import SourceDocument  # noqa: E402
from crosscheck.web.highlight import Span, pieces, window  # noqa: E402
from crosscheck.web.search import fts5_query, parts  # noqa: E402
from crosscheck.web.uploads import Upload, label, relabel_path, settle_ids, stage  # noqa: E402

spans = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60), st.sampled_from(["ev", "rm", "ent"])), max_size=6)


@given(st.text(max_size=60), spans, st.integers(0, 60), st.integers(0, 60))
def test_pieces_cover_the_text_exactly(text, raw, a, b):
    lo, hi = sorted((min(a, len(text)), min(b, len(text))))
    cut = pieces(text, [Span(s, e, css) for s, e, css in raw], lo, hi)
    assert "".join(p.text for p in cut) == text[lo:hi]
    assert all(p.text for p in cut)


def test_overlapping_spans_combine_classes_and_inner_link_wins():
    cut = pieces("Assad met Putin", [Span(0, 15, "ev", href="/events/e"), Span(10, 15, "ent", href="/entities/p")])
    assert [(p.text, p.css, p.href) for p in cut] == [("Assad met ", "ev", "/events/e"),
                                                      ("Putin", "ent ev", "/entities/p")]


def test_window_snaps_to_line_breaks():
    text = "one\ntwo three four\nfive"
    lo, hi = window(text, 8, 13, 6)
    assert text[lo:hi] == "two three four"


@pytest.mark.parametrize("raw, shown", [("../../etc/passwd.txt", "passwd.txt"), ("C:\\Users\\x\\a b.html", "a b.html"),
                                        ("<script>.txt", "script_.txt"), ("", "upload"), ("...", "upload")])
def test_upload_names_are_labels_only(raw, shown):
    assert label(raw) == shown


def test_staged_files_get_server_names(tmp_path: Path):
    names, errors = stage([Upload("../../x.txt", b"hello"), Upload("a.exe", b"MZ"), Upload("y.TXT", b"hello")],
                          tmp_path)
    assert list(names.values()) == ["x.txt"] and len(errors) == 1  # same bytes twice: once
    [server] = names
    assert server.startswith("upload-") and server.endswith(".txt") and (tmp_path / server).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [server]
    assert relabel_path(f"{tmp_path}/{server}[2]", tmp_path, names) == "upload:x.txt[2]"


def test_client_ids_never_replace_stored_articles():
    docs = [SourceDocument("kept", "p", "json", "t", "h1" * 32), SourceDocument("a b/../c", "p", "json", "t", "h2" * 32),
            SourceDocument("fresh-1", "p", "json", "t", "h3" * 32)]
    renamed = settle_ids(docs, {"kept"})
    assert [d.id for d in docs] == [f"upload-{'h1' * 8}", f"upload-{'h2' * 8}", "fresh-1"]
    assert renamed == {"kept": docs[0].id, "a b/../c": docs[1].id}


@pytest.mark.parametrize("q, expected", [('Assad "Moscow', '"Assad" "Moscow"'), ("NEAR(a b)", '"NEAR" "a" "b"'),
                                         ("*", "")])
def test_fts5_queries_quote_every_word(q, expected):
    assert fts5_query(q) == expected


def test_snippet_markers_become_parts():
    assert [(p.text, p.marked) for p in parts("a \ue000b\ue001 c")] == [("a ", False), ("b", True), (" c", False)]
