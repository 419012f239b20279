"""The CLI end to end on small inputs written here: outputs, exit codes, bad input."""

from __future__ import annotations

import json
import sqlite3

from crosscheck.cli import main

GOOD = """Ministers meet in Corvina over river dispute

Politics 10:05 07.06.2022

Foreign Minister Lena Ostrova met her counterpart Pavel Dorn in Corvina on Monday to discuss the shared river.
Officials familiar with the talks said the two ministers agreed to set up a joint water commission.
"""

SECOND = """River commission holds first session

8 June 2022

The joint water commission agreed by Lena Ostrova and Pavel Dorn held its first session in Corvina on Tuesday.
"""


def _run(tmp_path, *paths, db="store.db"):
    return main(["run", *map(str, paths), "--db", str(tmp_path / db), "--out", str(tmp_path / "out"), "--quiet"])


def test_run_writes_json_html_and_sqlite(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(GOOD, encoding="utf-8")
    assert _run(tmp_path, tmp_path / "in") == 0
    data = json.loads((tmp_path / "out" / "storyline.json").read_text("utf-8"))
    assert [a["id"] for a in data["articles"]] == ["a"]
    assert data["articles"][0]["published"] == "2022-06-07"
    meeting = [e for e in data["events"] if e["date"] == "2022-06-06"]
    assert meeting and meeting[0]["mentions"][0]["text"].startswith("Foreign Minister Lena Ostrova met")
    assert "<html" in (tmp_path / "out" / "report.html").read_text("utf-8").lower()
    with sqlite3.connect(tmp_path / "store.db") as con:
        assert con.execute("select count(*) from articles").fetchone()[0] == 1


def test_bad_inputs_are_one_line_each_and_the_rest_is_processed(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 not really")
    code = _run(tmp_path, folder, tmp_path / "missing-folder")
    err = capsys.readouterr().err
    assert code == 3
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    for name in ("empty.txt", "binary.txt", "notes.docx", "missing-folder"):
        assert sum(name in line for line in lines) == 1, (name, lines)
    data = json.loads((tmp_path / "out" / "storyline.json").read_text("utf-8"))
    assert [a["id"] for a in data["articles"]] == ["good"]


def test_second_run_adds_to_the_store_and_links_across_runs(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "two" / "b.txt").write_text(SECOND, encoding="utf-8")
    assert _run(tmp_path, tmp_path / "one") == 0
    assert _run(tmp_path, tmp_path / "two") == 0
    assert _run(tmp_path, tmp_path / "one") == 0  # same content again: nothing added
    data = json.loads((tmp_path / "out" / "storyline.json").read_text("utf-8"))
    assert sorted(a["id"] for a in data["articles"]) == ["a", "b"]
    assert data["duplicates"] == []
    names = {e["name"] for e in data["entities"] if set(e["articles"]) == {"a", "b"}}
    assert {"Lena Ostrova", "Pavel Dorn"} <= names


def test_build_and_export_rewrite_outputs_from_the_store(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(GOOD, encoding="utf-8")
    assert main(["ingest", str(tmp_path / "in"), "--db", str(tmp_path / "s.db"), "-q"]) == 0
    assert not (tmp_path / "out").exists()
    assert main(["build", "--db", str(tmp_path / "s.db"), "--out", str(tmp_path / "out"), "-q"]) == 0
    first = (tmp_path / "out" / "storyline.json").read_text("utf-8")
    assert main(["export", "--db", str(tmp_path / "s.db"), "--out", str(tmp_path / "out2"), "--format", "json", "-q"]) == 0
    assert (tmp_path / "out2" / "storyline.json").read_text("utf-8") == first
