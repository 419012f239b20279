"""``crosscheck export --format parquet``: one Parquet file per storyline table.

Checked against the store itself: every table's rows (count and order), the claims' and
events' values and list columns as the loaded storyline has them, the same files however
the rows are batched, one read snapshot, the previous files intact after a failure, and one-line
errors for an empty store and a missing pyarrow.
"""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

pq = pytest.importorskip("pyarrow.parquet", reason="the 'parquet' extra (pyarrow) is not installed")

from crosscheck.cli import main  # noqa: E402
from crosscheck.core import process  # noqa: E402
from crosscheck.export_parquet import TABLES, write_parquet  # noqa: E402
from crosscheck.store import Store  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "harbor-accord"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    db = tmp_path_factory.mktemp("pq") / "store.db"
    with Store(f"sqlite:///{db}") as store:
        process([CORPUS], store)
    return db


def test_every_storyline_table_is_written_whole_and_in_saved_order(built, tmp_path):
    assert main(["export", "--db", str(built), "--out", str(tmp_path), "--format", "parquet", "-q"]) == 0
    folder = tmp_path / "parquet"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{name}.parquet" for name in TABLES)
    with Store(f"sqlite:///{built}") as store, store.table_reader() as rows:
        for name, (table, _lists) in TABLES.items():
            stored = list(rows(table))
            read = pq.read_table(folder / f"{name}.parquet").to_pylist()
            assert len(read) == len(stored), name
            key = "position" if "position" in pq.read_schema(folder / f"{name}.parquet").names else "id"
            assert [r[key] for r in read] == [r[key] for r in stored], name
    counts = {n: pq.read_metadata(folder / f"{n}.parquet").num_rows for n in ("claims", "events", "relations")}
    assert counts["claims"] > 100 and counts["events"] > 10 and counts["relations"] > 0


def test_values_and_list_columns_are_the_stored_storyline_s(built, tmp_path):
    files = {f.name: f for f in write_parquet(Store(f"sqlite:///{built}"), tmp_path)}
    with Store(f"sqlite:///{built}") as store:
        st = store.load_storyline()
    claims = pq.read_table(files["claims"].path).to_pylist()
    assert files["claims"].rows == len(st.claims) == len(claims)
    for row, c in zip(claims, st.claims):  # provenance and what verification compared
        assert (row["claim_id"], row["article_id"], row["start_char"], row["end_char"], row["text"]) == (
            c.id, c.article, c.start, c.end, c.text)
        assert (row["lemmas"], row["mentions"], row["actors"], row["cluster"], row["negated"]) == (
            c.lemmas, c.mentions, c.actors, c.cluster, c.negated)
        assert "detail" not in row
    events = pq.read_table(files["events"].path).to_pylist()
    assert [(e["id"], e["actors"], e["places"]) for e in events] == [(e.id, e.actors, e.places) for e in st.events]
    verdicts = {v["subject"]: v for v in pq.read_table(files["verdicts"].path).to_pylist()}
    assert all(verdicts[v.subject]["supporting"] == v.supporting for v in st.verdicts)
    mentions = pq.read_table(files["event_mentions"].path).to_pylist()
    assert sum(len(e.mentions) for e in st.events) == len(mentions)
    assert all(isinstance(i, int) for m in mentions for i in m["actor_mentions"])


def test_batches_do_not_change_the_files(built, tmp_path):
    with Store(f"sqlite:///{built}") as store:
        whole = {f.name: f.path for f in write_parquet(store, tmp_path / "whole")}
        small = {f.name: f.path for f in write_parquet(store, tmp_path / "small", batch_rows=7)}
    for name in TABLES:
        assert pq.read_table(small[name]).equals(pq.read_table(whole[name])), name


def test_one_snapshot_for_all_files(built, tmp_path):
    """An update committed while the export runs is in none of its files."""
    import crosscheck.export_parquet as export_parquet

    db = tmp_path / "copy.db"
    db.write_bytes(built.read_bytes())
    real = export_parquet._write
    done = []

    def write_then_update(pa, pq_, schema, path, rows, batch_rows):
        n = real(pa, pq_, schema, path, rows, batch_rows)
        if not done:  # after the first file: another connection deletes every claim
            done.append(path)
            with Store(f"sqlite:///{db}") as other, other.engine.begin() as conn:
                conn.execute(other.table("storyline_claims").delete())
        return n

    export_parquet._write = write_then_update
    try:
        with Store(f"sqlite:///{db}") as store:
            files = {f.name: f.rows for f in write_parquet(store, tmp_path / "out")}
            assert store.counts("storyline_claims")["storyline_claims"] == 0  # (the update did happen)
    finally:
        export_parquet._write = real
    assert files["claims"] > 100


def test_a_failed_export_leaves_the_previous_files_as_they_were(built, tmp_path, monkeypatch):
    import crosscheck.export_parquet as export_parquet

    db = tmp_path.parent / f"{tmp_path.name}-changed.db"
    db.write_bytes(built.read_bytes())
    with Store(f"sqlite:///{db}") as store:
        write_parquet(store, tmp_path)
        with store.engine.begin() as conn:  # the store changes before the next export
            conn.execute(store.table("events").update().values(title="changed"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real = export_parquet._decoded

    def fail_in_claims(rows, lists, detail=False):
        for n, row in enumerate(real(rows, lists, detail)):
            if "lemmas" in row and n == 50:  # the claims table, part-way
                raise OSError("disk full")
            yield row

    monkeypatch.setattr(export_parquet, "_decoded", fail_in_claims)
    monkeypatch.setattr(export_parquet, "BATCH_ROWS", 20)  # some batches are written before it fails
    with Store(f"sqlite:///{db}") as store, pytest.raises(OSError):
        write_parquet(store, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no partial file, no newer table


def test_empty_store_and_missing_pyarrow_are_one_line_errors(built, tmp_path, capsys, monkeypatch):
    empty = tmp_path / "empty.db"
    assert main(["export", "--db", str(empty), "--out", str(tmp_path), "--format", "parquet"]) == 4
    err = capsys.readouterr().err.strip()
    assert "no storyline stored yet" in err and "Traceback" not in err and len(err.splitlines()) == 1
    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError("No module named 'pyarrow'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    assert main(["export", "--db", str(built), "--out", str(tmp_path), "--format", "parquet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "pip install 'crosscheck[parquet]'" in err and "Traceback" not in err and len(err.splitlines()) == 1
