"""Tests for crosscheck.ingest: formats, ids, encodings, bad inputs, duplicates."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from crosscheck.ingest import decode_bytes, ingest, normalized_hash
from crosscheck.settings import DEFAULT

FIX = Path(__file__).parent / "fixtures"

STORY = ("The regional water board said on Friday that the northern reservoir had reached "
         "its highest level since records began in 1961, and engineers opened two spillways "
         "as a precaution while farmers downstream were told to move livestock to higher "
         "ground before the weekend rain arrives in the valley.")


def by_id(result):
    return {d.id: d for d in result.documents}


def test_fixture_folder_all_formats():
    res = ingest([FIX / "ingest", FIX / "clean"])
    docs = by_id(res)
    assert {"wire-1", "records-2", "feed-7", "page", "ticker_article"} <= set(docs)
    assert docs["wire-1"].format == "json" and docs["wire-1"].outlet == "Example Wire"
    assert docs["wire-1"].published_raw == "2021-09-17"
    assert docs["wire-1"].published_raw_source == "json:published"
    assert docs["records-2"].is_html and docs["records-2"].original.startswith("<html>")
    assert docs["page"].is_html and docs["page"].format == "html"
    assert docs["ticker_article"].outlet is None
    # a record without text and a broken JSON line are errors with reasons, not crashes
    reasons = {e.path.rsplit("/", 1)[-1]: e.reason for e in res.errors}
    assert "no text" in reasons["records.json[2]"]
    assert "invalid JSON" in reasons["records.jsonl:2"]


def test_tls_layout_folder_date_and_unique_ids():
    docs = by_id(ingest([FIX / "ingest" / "story"]))
    # both files are named 1.htm.txt: the parent folder disambiguates both
    assert set(docs) == {"2020-05-01-1", "2020-05-02-1"}
    d = docs["2020-05-01-1"]
    assert d.format == "tls" and d.published_raw == "2020-05-01"
    assert d.published_raw_source == "folder:2020-05-01"


def test_order_is_deterministic():
    a = ingest([FIX / "clean", FIX / "ingest"])
    b = ingest([FIX / "ingest", FIX / "clean"])
    assert [d.id for d in a.documents] == [d.id for d in b.documents]


def test_encodings(tmp_path):
    text = "Café owners in Zürich said prices rose — again."
    (tmp_path / "latin.txt").write_bytes("Café owners in Zürich said the prices rose again this year, "
                                         "citing rent and wages.".encode("latin-1"))
    (tmp_path / "u16.txt").write_bytes(text.encode("utf-16"))
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + text.upper().encode("utf-8"))
    docs = by_id(ingest([tmp_path]))
    assert docs["latin"].original.startswith("Café owners in Zürich")
    assert docs["u16"].original == text
    assert docs["bom"].original == text.upper()  # BOM stripped
    assert docs["bom"].encoding == "utf-8-sig"


@pytest.mark.parametrize("name,data,needle", [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\t\n ", "empty"),
    ("nul.txt", b"some text\x00\x01\x02 more", "binary file, not text"),
    ("image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file, not text"),
    ("report.pdf", b"%PDF-1.4 text", ".pdf"),
    ("noext", b"plain words", "(none)"),
])
def test_bad_inputs_are_errors(tmp_path, name, data, needle):
    (tmp_path / name).write_bytes(data)
    res = ingest([tmp_path / name])
    assert res.documents == []
    assert len(res.errors) == 1 and needle in res.errors[0].reason


def test_missing_path_and_too_large(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 100)
    res = ingest([tmp_path / "nope", tmp_path / "big.txt"], DEFAULT.with_(max_article_chars=50))
    reasons = sorted(e.reason for e in res.errors)
    assert any("no such file" in r for r in reasons)
    assert any("too large" in r for r in reasons)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text("hidden words")
    p.chmod(0)
    try:
        res = ingest([p])
        assert res.documents == [] and "cannot read" in res.errors[0].reason
    finally:
        p.chmod(0o644)


def test_exact_duplicates_whitespace_and_store(tmp_path):
    (tmp_path / "a.txt").write_text(STORY)
    (tmp_path / "b.txt").write_text(STORY.replace(" ", "  \n", 3) + "\n\n")
    res = ingest([tmp_path])
    assert [d.id for d in res.documents] == ["a"]
    assert res.duplicates[0].article == "b" and res.duplicates[0].same_as == "a"
    assert res.duplicates[0].kind == "exact"
    again = ingest([tmp_path / "a.txt"], known_hashes={normalized_hash(STORY): "stored-1"})
    assert again.documents == []
    assert again.duplicates[0].same_as == "stored-1"


def test_near_duplicates_are_kept_and_recorded(tmp_path):
    (tmp_path / "a.txt").write_text(STORY)
    (tmp_path / "b.html").write_text(
        "<html><head><style>p{}</style></head><body><p>" + STORY.replace("Friday", "Friday,")
        + "</p><p>Reporting by A. Writer</p></body></html>")
    (tmp_path / "c.txt").write_text("A completely different report about a football match "
                                    "that ended in a draw after extra time on Sunday evening.")
    res = ingest([tmp_path])
    assert len(res.documents) == 3
    near = [d for d in res.duplicates if d.kind == "near"]
    assert len(near) == 1
    assert (near[0].article, near[0].same_as) == ("b", "a")
    assert 0.8 <= near[0].similarity <= 1.0


def test_id_collision_across_folders(tmp_path):
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "story.txt").write_text(f"Report {sub}: the ferry sailed late on Monday.")
    docs = by_id(ingest([tmp_path]))
    assert set(docs) == {"x-story", "y-story"}


def test_real_corpus_reads_cleanly():
    corpus = Path("/work/shared/corpus/syria-us-russia")
    if not corpus.is_dir():
        pytest.skip("sample corpus not available")
    res = ingest([corpus])
    assert len(res.documents) == 5 and res.errors == []
    assert len({d.id for d in res.documents}) == 5


@hsettings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_decode_never_raises(data):
    out = decode_bytes(data)
    assert isinstance(out, str) or (isinstance(out[0], str) and out[0].strip())


@hsettings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=200).filter(lambda t: t.strip() and "\x00" not in t))
def test_utf8_round_trip(text):
    out = decode_bytes(text.encode("utf-8"))
    assert out == (text, "utf-8") or isinstance(out, str)


def test_copy_of_fixture_is_exact_duplicate(tmp_path):
    shutil.copy(FIX / "clean" / "ticker_article.txt", tmp_path / "one.txt")
    shutil.copy(FIX / "clean" / "ticker_article.txt", tmp_path / "two.txt")
    res = ingest([tmp_path])
    assert [d.id for d in res.documents] == ["one"]
    assert [(d.article, d.kind) for d in res.duplicates] == [("two", "exact")]
