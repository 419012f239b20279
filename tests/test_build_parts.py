"""A build in parts (``crosscheck.build_parts``): never more than a part's records read at a time.

Checked on the example corpus, built at once and in parts of 3 (four parts of its 10
articles): no step reads more than a part's records; every article, event mention and
claim is in the storyline with its evidence; the events are the build's at once; the
same store and part size give the same bytes; a part that cannot be verified ends in a
build at once that says why, and an interrupted one says what the store holds; and the
command line writes the files ``export`` writes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crosscheck import build_parts
from crosscheck.cli import main
from crosscheck.core import process, rebuild, write_stored_outputs
from crosscheck.settings import DEFAULT
from crosscheck.store import Store

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "harbor-accord"
PARTS = DEFAULT.with_(build_parts=3)
# 10 articles: a build at once estimated at 20.9 MB, over this budget; parts of 2 fit it
OVER_BUDGET = DEFAULT.with_(build_memory_mb=20.2)


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    """A store of the example corpus's articles (and a storyline built at once)."""
    db = tmp_path_factory.mktemp("parts") / "store.db"
    with Store(f"sqlite:///{db}") as store:
        process([CORPUS], store)
    return db


def _copy(stored: Path, tmp_path: Path, name: str = "copy.db") -> Store:
    shutil.copy(stored, tmp_path / name)
    return Store(f"sqlite:///{tmp_path / name}")


def _files(store: Store, out: Path) -> dict[str, bytes]:
    write_stored_outputs(store, out)
    return {name: (out / name).read_bytes() for name in ("storyline.json", "report.html")}


def test_no_step_reads_more_records_than_a_part(stored, tmp_path, monkeypatch):
    read: list[int] = []
    original_iter, original_load = Store.iter_records, Store.load_record

    def counted_iter(self, **kw):
        n = 0
        for n, record in enumerate(original_iter(self, **kw), start=1):
            yield record
        read.append(n)

    loaded: list[str] = []
    monkeypatch.setattr(Store, "iter_records", counted_iter)
    monkeypatch.setattr(Store, "load_record", lambda self, a: loaded.append(a) or original_load(self, a))
    with _copy(stored, tmp_path) as store:
        done = build_parts.build_in_parts(store, PARTS)
        order = store.build_order()
    assert (done.parts, done.articles, done.fallback) == (4, 10, "")
    assert read and max(read) == 3  # the first part, read twice by the build; never the store
    assert sorted(loaded) == sorted(order[3:]) and len(loaded) == 7  # each later article once, by its part


def test_the_storyline_holds_every_article_with_evidence_and_the_events_of_a_build_at_once(stored, tmp_path):
    with _copy(stored, tmp_path, "once.db") as store:
        once = rebuild(store)
    with _copy(stored, tmp_path) as store:
        assert rebuild(store, PARTS, read_back=False) is None
        parts = store.load_storyline()
    assert sorted(a.id for a in parts.articles) == sorted(a.id for a in once.articles)
    assert {c.id for c in parts.claims} == {c.id for c in once.claims}
    assert {c for k in parts.clusters for c in k.claims} == {c.id for c in parts.claims}  # each claim clustered
    originals = {a.id: a.original for a in parts.articles}
    for e in parts.events:
        for m in e.mentions:
            assert originals[m.article][m.start:m.end] == m.text  # offsets point at the evidence
    for c in parts.claims:
        assert originals[c.article][c.start:c.end] == c.text

    def grouping(storyline):
        return sorted(sorted((m.article, m.start, m.end) for m in e.mentions) for e in storyline.events)

    assert grouping(parts) == grouping(once)
    assert sorted(e.id for e in parts.events) == sorted(e.id for e in once.events)
    assert len(parts.duplicates) == len(once.duplicates) == 1  # the re-post, listed once


def test_the_same_store_and_part_size_give_the_same_files(stored, tmp_path):
    files = []
    for k in range(2):
        with _copy(stored, tmp_path, f"copy{k}.db") as store:
            build_parts.build_in_parts(store, PARTS)
            files.append(_files(store, tmp_path / f"out{k}"))
    assert files[0] == files[1]


def test_a_part_as_large_as_the_store_is_a_build_at_once(stored, tmp_path):
    with _copy(stored, tmp_path, "once.db") as store:
        rebuild(store)
        once = _files(store, tmp_path / "once")
    with _copy(stored, tmp_path) as store:
        rebuild(store, DEFAULT.with_(build_parts=10), read_back=False)
        assert _files(store, tmp_path / "parts") == once


@pytest.mark.parametrize("settings", [PARTS, OVER_BUDGET], ids=["asked", "over-budget"])
def test_a_part_that_cannot_be_verified_ends_in_a_build_at_once(stored, tmp_path, monkeypatch, caplog, settings):
    import crosscheck.incremental as incremental

    with _copy(stored, tmp_path, "once.db") as store:
        rebuild(store)
        once = _files(store, tmp_path / "once")
    calls = []

    def failing(*args, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk trouble")
        return original(*args, **kw)

    original = incremental.verify_articles
    monkeypatch.setattr(incremental, "verify_articles", failing)
    with _copy(stored, tmp_path) as store:
        assert rebuild(store, settings, read_back=False) is None
        assert _files(store, tmp_path / "parts") == once  # at once, not planned into parts again
    said = [r.getMessage() for r in caplog.records if r.name == "crosscheck.build_parts"]
    fallback = said[-1]
    assert fallback.startswith(f"part 3 of {4 if settings is PARTS else 5} could not be verified incrementally")
    assert "disk trouble" in fallback and fallback.endswith(": building the whole store at once")
    assert len(said) == (2 if settings is OVER_BUDGET else 1)  # the user's one line (and the plan's)


def test_an_interrupted_build_in_parts_says_the_stored_storyline_is_partial(stored, tmp_path, monkeypatch, caplog):
    original, calls = build_parts.link_new_articles, []

    def interrupted(*args, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(*args, **kw)

    monkeypatch.setattr(build_parts, "link_new_articles", interrupted)
    with _copy(stored, tmp_path) as store:
        with pytest.raises(KeyboardInterrupt):
            build_parts.build_in_parts(store, PARTS)
        assert len(store.load_storyline().articles) == 6  # the first two parts, kept
    said = [r.getMessage() for r in caplog.records if r.name == "crosscheck.build_parts"]
    assert said == ["the build in parts stopped in part 3 of 4: the store holds the storyline of the parts before "
                    "it; 'crosscheck build' builds it again"]


def test_build_order_is_by_publication_date_undated_last(stored, tmp_path):
    with _copy(stored, tmp_path) as store:
        order = store.build_order()
        dates = [store.load_record(a).published.value for a in order]
    assert len(order) == len(set(order)) == 10
    undated = [d is None for d in dates]
    assert undated == sorted(undated)  # undated last
    days = [d.first_day() for d in dates if d is not None]
    assert days == sorted(days) and len(days) >= 5


def test_the_command_line_builds_in_parts_and_writes_the_exported_files(stored, tmp_path, capsys):
    db = tmp_path / "cli.db"
    shutil.copy(stored, db)
    assert main(["build", "--db", str(db), "--build-parts", "3", "--out", str(tmp_path / "built"), "-q"]) == 0
    assert main(["export", "--db", str(db), "--out", str(tmp_path / "exported"), "-q"]) == 0
    for name in ("storyline.json", "report.html"):
        assert (tmp_path / "built" / name).read_bytes() == (tmp_path / "exported" / name).read_bytes()
    assert main(["run", str(CORPUS), "--db", str(tmp_path / "run.db"), "--build-parts", "4",
                 "--out", str(tmp_path / "run"), "-q"]) == 0
    assert "10 articles" in capsys.readouterr().out
    with pytest.raises(SystemExit) as usage:
        main(["build", "--db", str(db), "--build-parts", "0"])
    assert usage.value.code == 2


def test_the_plan_builds_at_once_within_the_memory_budget_and_in_parts_beyond_it():
    assert build_parts.planned(20_000) == build_parts.PartsPlan(0)  # 1,778 MB: within the default 2,048
    big = build_parts.planned(30_000)
    assert big.size == 250 and "30,000 stored articles" in big.why and "2,657 MB" in big.why
    assert "budget of 2,048 MB" in big.why and "parts of 250" in big.why
    assert build_parts.planned(30_000, DEFAULT.with_(build_memory_mb=0)) == build_parts.PartsPlan(0)  # no limit
    assert build_parts.planned(30_000, DEFAULT.with_(build_memory_mb=30)).size == 113  # the first part fits
    assert build_parts.planned(30_000, DEFAULT.with_(build_memory_mb=1)).size == 1
    assert build_parts.planned(10, PARTS) == build_parts.PartsPlan(3)  # asked for: no reason to give
    assert build_parts.planned(3, PARTS) == build_parts.PartsPlan(0)  # one part holds them all
    assert build_parts.planned(30_000, PARTS).size == 3  # asked for wins over the budget
    assert build_parts.planned(10, OVER_BUDGET).size == 2


def test_a_store_over_the_memory_budget_is_built_in_parts_and_says_why(stored, tmp_path, caplog, capsys):
    with _copy(stored, tmp_path, "two.db") as store:
        build_parts.build_in_parts(store, DEFAULT.with_(build_parts=2))
        asked = _files(store, tmp_path / "asked")
    with _copy(stored, tmp_path) as store:
        assert rebuild(store, OVER_BUDGET, read_back=False) is None  # in parts: not read back
        assert _files(store, tmp_path / "planned") == asked
    said = [r.getMessage() for r in caplog.records if r.name == "crosscheck.build_parts"]
    assert said == ["a build at once of 10 stored articles would take about 21 MB, over the memory budget of 20 MB: "
                    "building in parts of 2 articles (--memory-budget 0 builds at once; run, ingest and build take "
                    "--build-parts N for another size)"]
    db = tmp_path / "cli.db"
    shutil.copy(stored, db)
    assert main(["build", "--db", str(db), "--memory-budget", "20.2", "--out", str(tmp_path / "cli"), "-q"]) == 0
    assert {n: (tmp_path / "cli" / n).read_bytes() for n in asked} == asked
    for bad in ("-1", "nan", "lots"):
        with pytest.raises(SystemExit) as usage:
            main(["build", "--db", str(db), "--memory-budget", bad])
        assert usage.value.code == 2
    assert "--memory-budget" in capsys.readouterr().err
