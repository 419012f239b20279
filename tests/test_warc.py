"""WARC input: a small archive built here with warcio, read record by record."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest

pytest.importorskip("warcio", reason="the 'fetch' extra is not installed")

from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402
from web_server import ARTICLES, article_html  # noqa: E402

from crosscheck.models import InputError  # noqa: E402
from crosscheck.warc import WarcStats, read_warc  # noqa: E402

BASE = "https://valmora-courier.example"


def _response(writer: WARCWriter, url: str, body: bytes, status: str = "200 OK", ctype: str = "text/html; charset=utf-8"):
    http = StatusAndHeaders(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))


def build_warc(path, gzip: bool = True, big: int = 0) -> None:
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=gzip)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "crosscheck tests"}))
        for p in ("/courier/strike-begins", "/ledger/port-strike"):
            title, outlet, pub, paras = ARTICLES[p]
            req = StatusAndHeaders("GET " + p + " HTTP/1.1", [("Host", "valmora-courier.example")], is_http_request=True)
            w.write_record(w.create_warc_record(BASE + p, "request", http_headers=req))
            _response(w, BASE + p + "?utm_source=cc", article_html(title, outlet, pub, paras))
        # the same article captured twice, a PDF, a 404 and a metadata record: all skipped
        title, outlet, pub, paras = ARTICLES["/courier/strike-begins"]
        _response(w, BASE + "/courier/strike-begins", article_html(title, outlet, pub, paras + ["Updated."]))
        _response(w, BASE + "/report.pdf", b"%PDF-1.4 ...", ctype="application/pdf")
        _response(w, BASE + "/gone", b"<p>gone</p>", status="404 Not Found")
        w.write_record(w.create_warc_record(BASE + "/", "metadata", payload=io.BytesIO(b"via: test"),
                                            warc_content_type="application/warc-fields"))
        if big:
            _response(w, BASE + "/huge", b"<p>" + b"x" * big + b"</p>")


def test_read_warc_keeps_html_responses_only(tmp_path):
    path = tmp_path / "news.warc.gz"
    build_warc(path, big=60_000)
    errors: list[InputError] = []
    stats = WarcStats()
    from crosscheck.settings import Settings

    docs = read_warc(path, Settings(extra={"max_page_bytes": 50_000}), errors, stats)
    assert [d.url for d in docs] == [BASE + "/courier/strike-begins", BASE + "/ledger/port-strike"]
    d = docs[0]
    assert d.format == "html" and d.is_html and d.path == f"{path}#{BASE}/courier/strike-begins?utm_source=cc"
    assert (d.published_raw, d.published_raw_source) == ("2025-03-03T08:00:00+00:00", "page:meta[property=article:published_time]")
    assert stats.records == 10 and stats.documents == 2
    assert len(errors) == 1 and "too large" in errors[0].reason and errors[0].path.endswith("/huge")


def test_damaged_archive_keeps_what_was_read(tmp_path):
    path = tmp_path / "cut.warc"
    build_warc(path, gzip=False)
    data = path.read_bytes()
    cut = data.index(b"WARC/1.0", data.index(b"/ledger/port-strike")) + 3  # inside a later record's header
    path.write_bytes(data[:cut] + b"garbage\r\n\r\n" + data[cut + 200:])
    errors: list[InputError] = []
    docs = read_warc(path, errors=errors)
    assert docs and errors and "damaged" in errors[0].reason


def test_run_accepts_a_warc_archive(tmp_path):
    from crosscheck.cli import main

    path = tmp_path / "news.warc.gz"
    build_warc(path)
    db = tmp_path / "w.db"
    assert main(["run", str(path), "--db", str(db), "--out", str(tmp_path / "out"), "-q"]) == 0
    with sqlite3.connect(db) as con:
        rows = con.execute("select url, outlet, format from articles order by url").fetchall()
    assert [r[0] for r in rows] == [BASE + "/courier/strike-begins", BASE + "/ledger/port-strike"]
    data = json.loads((tmp_path / "out" / "storyline.json").read_text("utf-8"))
    assert {a["outlet"] for a in data["articles"]} == {"Valmora Courier", "Selva Ledger"}
    # a second run adds nothing: same content
    assert main(["run", str(path), "--db", str(db), "--out", str(tmp_path / "out"), "-q"]) == 0
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from articles").fetchone()[0] == 2
