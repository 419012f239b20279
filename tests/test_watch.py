"""watch: intervals, what counts as a change, polls against a local server whose feed
grows, and a clean stop on SIGTERM / Ctrl-C with nothing half-written."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("httpx", reason="the 'fetch' extra is not installed")

from web_server import ROBOTS, LocalServer, Route, add_articles, rss  # noqa: E402

from crosscheck.models import ArticleSummary, Event, EventMention, PartialDate, Storyline  # noqa: E402
from crosscheck.watch import parse_every, storyline_changes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_parse_every():
    assert parse_every("15m") == 900 and parse_every("30s") == 30 and parse_every("1h30m") == 5400
    assert parse_every("90") == 90 and parse_every("0.5s") == 0.5
    for bad in ("", "soon", "15x", "0m", "-5m"):
        with pytest.raises(ValueError):
            parse_every(bad)


# --------------------------------------------------------------------------- changes
def _mention(mid: str, article: str) -> EventMention:
    return EventMention(mid, article, 0, 1, "x", 0, 1, "strike", "strike", "Strike", [], [], None, None, "outlet", "outlet")


def _storyline(events: dict[str, list[tuple[str, str]]], outlets: dict[str, str]) -> Storyline:
    arts = [ArticleSummary(a, o, None, None, None, "unknown", "", 0, a) for a, o in outlets.items()]
    evs = [Event(eid, PartialDate(2025, 3, 3), eid.title(), "strike", [], [], [_mention(m, a) for m, a in ms])
           for eid, ms in events.items()]
    return Storyline(arts, [], evs)


def test_changes_new_event_new_outlet_and_tolerant_of_missing_relations():
    outlets = {"a": "Valmora Courier", "b": "Selva Ledger", "c": "Coastal Gazette"}
    before = _storyline({"strike": [("a:1", "a")]}, outlets)
    after = _storyline({"strike2": [("a:1", "a"), ("b:4", "b")], "talks": [("c:0", "c")]}, outlets)
    lines = [c.line for c in storyline_changes(before, after)]
    assert lines == ["+ outlet Selva Ledger on event 2025-03-03 Strike2",
                     "+ event 2025-03-03 Talks (Coastal Gazette)"]
    assert storyline_changes(after, after) == []
    assert [c.kind for c in storyline_changes(None, before)] == ["new-event"]


def test_changes_new_contradictions_when_relations_exist():
    outlets = {"a": "Valmora Courier", "b": "Selva Ledger"}
    before = _storyline({"s": [("a:1", "a")]}, outlets)
    after = _storyline({"s": [("a:1", "a")]}, outlets)
    rel = SimpleNamespace(type="contradicts", claims=["c1", "c2"], articles=["b", "a"],
                          explanation="A says the talks resumed; B says they were called off")
    after.relations = [rel, {"type": "corroborates", "claims": [], "articles": ["a", "b"], "explanation": "same"}]
    changes = storyline_changes(before, after)
    assert [c.kind for c in changes] == ["new-contradiction"]
    assert changes[0].line == "! contradiction (a, b): A says the talks resumed; B says they were called off"
    before.relations = [rel]
    assert storyline_changes(before, after) == []


# --------------------------------------------------------------------------- polling
@pytest.fixture
def site():
    with LocalServer() as s:
        s.routes["/robots.txt"] = Route(ROBOTS, content_type="text/plain")
        add_articles(s)
        s.routes["/rss.xml"] = Route(rss(s, ["/courier/strike-begins"]), content_type="application/rss+xml", etag='"1"')
        yield s


@pytest.mark.parametrize("incremental,out", [(False, True), (True, True), (True, False)],
                         ids=["rebuild", "incremental", "incremental-no-outputs"])
def test_watch_polls_report_what_changed(site, tmp_path, monkeypatch, incremental, out):
    """The same lines whether each poll rebuilds the storyline or adds to it (``--incremental``);
    an incremental watch reads the storyline whole only once (the first poll builds it in an
    empty store), reports each increment's own changes and writes its files from the store."""
    from crosscheck.fetch import Fetcher, Politeness
    from crosscheck.settings import Settings
    from crosscheck.store import Store
    from crosscheck.watch import Watcher

    loads: list[int] = []
    real = Store.load_storyline
    monkeypatch.setattr(Store, "load_storyline", lambda self: loads.append(1) or real(self))
    lines: list[str] = []
    with Store(f"sqlite:///{tmp_path / 'w.db'}") as store:
        w = Watcher([site.url("/rss.xml")], store, Fetcher(Politeness(rate_per_host=0), trust_env=False),
                    emit=lines.append, out=tmp_path / "out" if out else None, settings=Settings(incremental=incremental))
        assert w.run(0.01, max_polls=1) == 1
        assert lines[0].startswith("poll 1") and "1 new articles" in lines[0]
        assert any(x.startswith("+ event") and "(Valmora Courier)" in x for x in lines[1:])
        lines.clear()
        site.routes["/rss.xml"] = Route(rss(site, ["/courier/strike-begins", "/ledger/port-strike", "/gazette/talks"]),
                                        content_type="application/rss+xml", etag='"2"')
        w.run(0.01, max_polls=1)
        assert lines[0].startswith("poll 2") and "2 new articles" in lines[0] and "1 already stored" in lines[0]
        assert any("Selva Ledger" in x for x in lines[1:]) and any("Coastal Gazette" in x for x in lines[1:])
        lines.clear()
        w.run(0.01, max_polls=1)
        assert len(lines) == 1 and "1 requests, 0 bytes" in lines[0] and lines[0].endswith("; no change")
        assert (tmp_path / "out" / "report.html").exists() == out
        if incremental:
            assert len(loads) == 1
        if incremental and out:  # the files of the last increment, as export writes them from the store
            from crosscheck.cli import main

            assert main(["export", "--db", f"sqlite:///{tmp_path / 'w.db'}", "--out", str(tmp_path / "exp"), "-q"]) == 0
            for name in ("storyline.json", "report.html"):
                assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "exp" / name).read_bytes()


def _spawn(tmp_path: Path, site: LocalServer, *extra: str) -> subprocess.Popen:
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(site.url("/rss.xml") + "\n")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "crosscheck.cli", "watch", str(feeds), "--every", "1s", "--rate", "0",
         "--db", str(tmp_path / "w.db"), *extra],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _consistent(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        orphans = con.execute("select count(*) from fetched_urls f left join articles a on a.id = f.article_id "
                              "where f.article_id is not null and a.id is null").fetchone()[0]
        assert orphans == 0
        return (con.execute("select count(*) from articles").fetchone()[0],
                con.execute("select count(*) from fetched_urls").fetchone()[0])


def _wait_for(cond, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.05)


def test_sigterm_between_polls_stops_cleanly(site, tmp_path):
    proc = _spawn(tmp_path, site)
    _wait_for(lambda: site.hits["/rss.xml"] >= 2)  # the second poll has started: the first is done
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "poll 1" in out and "watch stopped after" in out and "Traceback" not in err
    assert _consistent(tmp_path / "w.db") == (1, 1)


def test_ctrl_c_during_a_poll_leaves_nothing_half_written(site, tmp_path):
    site.routes["/courier/strike-begins"].delay = 1.5  # the page is in flight when Ctrl-C comes
    proc = _spawn(tmp_path, site)
    _wait_for(lambda: site.hits["/courier/strike-begins"] >= 1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopping (SIGINT)" in err and "watch stopped after 1 polls" in out
    assert _consistent(tmp_path / "w.db") == (0, 0)
    with sqlite3.connect(tmp_path / "w.db") as con:
        assert con.execute("select count(*) from feeds").fetchone()[0] == 0  # the feed is read again next time


def test_an_incremental_watch_writes_files_when_an_increment_falls_back_to_a_rebuild(tmp_path, monkeypatch):
    """``watch --incremental --out``: a poll whose increment could not verify (and rebuilt
    the storyline instead) still writes that storyline's files."""
    import crosscheck.watch as watch
    from crosscheck.collect import CollectReport
    from crosscheck.core import RunResult
    from crosscheck.incremental import REDATED, IncrementResult
    from crosscheck.models import Storyline
    from crosscheck.settings import Settings
    from crosscheck.store import Store

    rebuilt = RunResult(Storyline([], [], []), added=["a"],
                        increment=IncrementResult.needs_build(["a"], ["b"], REDATED))
    monkeypatch.setattr(watch, "collect_feeds", lambda *a, **k: CollectReport(run=rebuilt))
    monkeypatch.setattr("crosscheck.nlp.Analyzer", lambda settings: None)
    with Store(f"sqlite:///{tmp_path / 'w.db'}") as store:
        w = watch.Watcher(["http://127.0.0.1:9/rss.xml"], store, fetcher=None, emit=lambda line: None,
                          out=tmp_path / "out", settings=Settings(incremental=True))
        poll = w.poll(1)
    assert [c.kind for c in poll.changes] == ["rebuilt"]
    assert (tmp_path / "out" / "storyline.json").exists() and (tmp_path / "out" / "report.html").exists()
