"""Publication dates do not depend on the order articles are read in (``core._redate``).

The articles are written here (fiction): a report that dates its events by weekday only
("Monday, March 4": the year is one of several) and reports that state their date. Read
at once, the stated dates fix the first one's year; read first, it is undated until they
arrive, and then it must be re-dated (and its events re-anchored) exactly as if read at once.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st
from sqlalchemy import text as sql

from conftest import SAMPLE_CORPUS, SHARED, needs
from crosscheck.clean import clean
from crosscheck.core import process
from crosscheck.export import storyline_to_dict
from crosscheck.ingest import ingest
from crosscheck.models import PartialDate
from crosscheck.pubdate import ANYWHERE, CONTEXT_MARKS, DateContext, finish_date, first_pass
from crosscheck.settings import DEFAULT, Settings
from crosscheck.store import Store
from crosscheck.timex import scan

WEEKDAY_ONLY = ("Ministers agree to reopen the ferry route\n\n"
                "The trade ministers of Aldermere and Vrana met in Port Vell on Monday, March 4, and agreed to "
                "reopen the ferry route to Kestrel. The ferry operator said on Tuesday that sailings would resume "
                "within two weeks, once the harbor inspectors had signed off the terminal.\n")
STATED = ("Ferry to Kestrel sails again from March 18\n\n"
          "Harbor Gazette\n\n6 March 2019\n\n"
          "The ferry between Port Vell and Kestrel will sail again from March 18, its operator said on Wednesday. "
          "The trade ministers of Aldermere and Vrana agreed on Monday to reopen the route, closed since the "
          "autumn storms damaged the terminal.\n")
LATER = ("Ferry bookings open\n\n"
         "Kestrel Morning Post\n\n8 March 2019\n\n"
         "Bookings for the reopened ferry between Port Vell and Kestrel opened on Friday, the operator said. "
         "The first sailing on March 18 was sold out within hours.\n")


def _write(folder: Path, **texts: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def _story(result) -> dict:
    """The storyline as written to storyline.json, without the input paths (they differ)."""
    data = json.loads(json.dumps(storyline_to_dict(result.storyline), default=str))
    for a in data["articles"]:
        a.pop("path", None)
    return data


def _read(tmp_path: Path, batches: list[dict[str, str]], settings: Settings = DEFAULT) -> list:
    """Each batch read by one ``process`` call into one store; the results, in order."""
    results = []
    tmp_path.mkdir(parents=True, exist_ok=True)
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        for i, batch in enumerate(batches):
            results.append(process([_write(tmp_path / f"batch{i}", **batch)], store, settings))
    return results


@pytest.fixture(scope="module")
def at_once(tmp_path_factory) -> dict:
    [result] = _read(tmp_path_factory.mktemp("once"), [{"a-ferry": WEEKDAY_ONLY, "b-gazette": STATED}])
    return _story(result)


def test_an_article_read_before_any_dated_one_is_re_dated_when_they_arrive(tmp_path, at_once):
    first, second = _read(tmp_path, [{"a-ferry": WEEKDAY_ONLY}, {"b-gazette": STATED}])
    alone = {a.id: a for a in first.storyline.articles}["a-ferry"]
    assert alone.published is None and "no corpus dates" in alone.published_reason
    assert second.redated == ["a-ferry"]
    assert _story(second) == at_once
    dated = {a["id"]: a for a in at_once["articles"]}["a-ferry"]
    assert dated["published"] == "2019-03" and dated["published_method"] == "inferred"
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:  # its events were re-anchored on the new date
        times = {t.text: t.value for t in store.load_record("a-ferry").times}
    assert times["Monday, March 4"] == "2019-03-04"


def _reasons(first, second) -> tuple[str, str]:
    """a-ferry's date reason after the first batch and after the second."""
    return tuple({a.id: a for a in r.storyline.articles}["a-ferry"].published_reason for r in (first, second))


def test_a_date_whose_reason_alone_changes_is_rewritten_in_place(tmp_path):
    """c-post's 5 March is nearer to Monday, March 4 than b-gazette's 6 March: the year
    stays 2019 (not re-analysed), and the reason, which names the nearest context date,
    is rewritten."""
    nearer = LATER.replace("8 March 2019", "5 March 2019").replace("on Friday", "on Tuesday")
    [once] = _read(tmp_path / "once", [{"a-ferry": WEEKDAY_ONLY, "b-gazette": STATED, "c-post": nearer}])
    first, second = _read(tmp_path / "two", [{"a-ferry": WEEKDAY_ONLY, "b-gazette": STATED}, {"c-post": nearer}])
    assert second.redated == []
    assert _story(second) == _story(once)
    before, reason = _reasons(first, second)
    assert "nearest: 2019-03-06" in before and "nearest: 2019-03-05" in reason
    with Store(f"sqlite:///{tmp_path / 'two' / 'store.db'}") as store:
        assert store.load_record("a-ferry").published.reason == reason


def test_a_context_date_farther_than_the_nearest_leaves_a_date_and_its_reason_as_they_were(tmp_path):
    """c-post's 8 March is farther from Monday, March 4 than b-gazette's 6 March: nothing
    of a-ferry's date changes, its reason included (it names the nearest context date, not
    every one: listing them all made each such reason grow with the store's dates and be
    rewritten with each new one)."""
    [once] = _read(tmp_path / "once", [{"a-ferry": WEEKDAY_ONLY, "b-gazette": STATED, "c-post": LATER}])
    first, second = _read(tmp_path / "two", [{"a-ferry": WEEKDAY_ONLY, "b-gazette": STATED}, {"c-post": LATER}])
    assert second.redated == [] and _story(second) == _story(once)
    before, after = _reasons(first, second)
    assert before == after and "nearest: 2019-03-06" in after and "2019-03-08" not in after


def test_a_stored_date_is_re_checked_only_by_a_new_date_in_its_windows(tmp_path):
    """a-ferry's year is the one whose March 4 lies nearest a context date (b-gazette's
    6 March 2019, two days): only a new date within two days of a candidate year's
    March 4 could change it, so only such a date selects it for re-dating."""
    [_] = _read(tmp_path, [{"a-ferry": WEEKDAY_ONLY, "b-gazette": STATED}])
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        windows = store.load_record("a-ferry").published.context_windows
        assert (dt.date(2019, 3, 2), dt.date(2019, 3, 6)) in windows and len(windows) > 1
        assert all((b - a).days == 4 for a, b in windows)
        assert store.load_record("b-gazette").published.context_windows == ()  # stated
        assert store.dated_within([dt.date(2019, 3, 8), dt.date(2020, 6, 1)]) == []
        assert store.dated_within([dt.date(2019, 3, 8), dt.date(2019, 3, 5)]) == ["a-ferry"]
        assert store.dated_within([dt.date(2013, 3, 4)]) == ["a-ferry"]  # another candidate year's March 4


def test_a_store_saved_before_date_windows_re_checks_its_context_dates_once(tmp_path):
    """Migration 13 gives each stored date whose reason carries a context mark a window of
    every day (it cannot know better without reading the article again); the next new
    date re-checks it, as before, and writes its real windows, so the one after does not."""
    [_] = _read(tmp_path / "once", [{"a-ferry": WEEKDAY_ONLY, "b-gazette": STATED, "c-post": LATER}])
    _read(tmp_path / "two", [{"a-ferry": WEEKDAY_ONLY, "b-gazette": STATED}])
    url = f"sqlite:///{tmp_path / 'two' / 'store.db'}"
    with Store(url) as store, store.engine.begin() as conn:  # as a store saved before migration 13
        conn.execute(sql("DROP TABLE date_windows"))
        conn.execute(sql("DELETE FROM schema_migrations WHERE id = 13"))
    with Store(url) as store:
        assert store.applied_migrations == [13]
        assert store.load_record("a-ferry").published.context_windows == ANYWHERE
        assert store.dated_within([dt.date(2019, 3, 8)]) == ["a-ferry"]
        second = process([_write(tmp_path / "two" / "batch2", **{"c-post": LATER})], store)
        assert second.redated == []  # re-checked; its date and reason stay
        with Store(f"sqlite:///{tmp_path / 'once' / 'store.db'}") as once:
            narrow = once.load_record("a-ferry").published.context_windows
        assert store.load_record("a-ferry").published.context_windows == narrow != ANYWHERE
        assert store.dated_within([dt.date(2019, 3, 9)]) == []


def test_an_incremental_update_rebuilds_when_stored_articles_are_re_dated(tmp_path, at_once):
    first, second = _read(tmp_path, [{"a-ferry": WEEKDAY_ONLY}, {"b-gazette": STATED}],
                          replace(DEFAULT, incremental=True))
    inc = second.increment
    assert inc.mode == "rebuilt" and not inc.verified and "a-ferry" in inc.verification["reason"]
    assert _story(second) == at_once


def test_the_sample_corpus_read_in_two_batches_dates_as_read_at_once(tmp_path):
    files = sorted(needs(SAMPLE_CORPUS).iterdir())
    batches = [{f.stem: f.read_text(encoding="utf-8") for f in part} for part in (files[:2], files[2:])]
    [once] = _read(tmp_path / "once", [{**batches[0], **batches[1]}])
    _, second = _read(tmp_path / "two", batches)
    assert second.redated == [f.stem for f in files[:2]]  # undated when read first, dated by the others
    assert _story(second) == _story(once)


def test_a_web_upload_that_re_dates_stored_articles_queues_a_build(tmp_path):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from crosscheck.web import create_app

    url = f"sqlite:///{tmp_path / 'web.db'}"
    auth = {"Authorization": "Bearer t0ken-redate"}
    with TestClient(create_app(url, "t0ken-redate")) as client:
        def upload(name: str, text: str) -> dict:
            r = client.post("/api/v1/ingest/files", headers=auth, files=[("files", (name, text.encode(), "text/plain"))])
            assert r.status_code == 202, r.text
            return _finished(client, r.json()["job"])

        [ferry] = upload("a-ferry.txt", WEEKDAY_ONLY)["articles"]
        assert client.get(f"/api/v1/articles/{ferry}").json()["published"] is None
        second = upload("b-gazette.txt", STATED)
        assert second["result"]["mode"] == "rebuilt" and second["result"]["redated"] == [ferry]
        build = _finished(client, {"poll": f"/api/v1/jobs/{second['result']['verify_job']}"})
        assert build["status"] == "done"
        article = client.get(f"/api/v1/articles/{ferry}").json()
        unverified = client.get("/api/v1/storyline").json()["unverified_articles"]["count"]
    assert article["published"] == "2019-03" and unverified == 0


def _finished(client, job: dict, timeout: float = 120) -> dict:
    deadline = dt.datetime.now() + dt.timedelta(seconds=timeout)
    while dt.datetime.now() < deadline:
        state = client.get(job["poll"]).json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError(f"job did not finish: {state}")


# --------------------------------------------------------------------------- the re-dating filter
# Fiction taking each step-3 branch that reads the context (real news rarely does: 3 of
# the 65 real articles below): a weekday date with and without a year bound, a day-dated
# past event, and a month-day date alone (which must not read it).
BRANCHES = {
    "weekday": WEEKDAY_ONLY,
    "weekday-bound": WEEKDAY_ONLY.replace("met in Port Vell", "met in Port Vell, as they did in 2010,"),
    "day-dated": ("Bridge closed\n\nThe council voted on March 3, 2005 to close the old bridge, and the "
                  "works began the next week, officials said.\n"),
    "month-day": ("Bridge reopens\n\nThe old bridge reopened on June 12 after repairs, officials said; "
                  "it had been closed since March 3.\n"),
}


def _real_documents(fiction: Path) -> list:
    """Cleaned real articles (BBC news, the sample corpus) and ``BRANCHES`` (written to
    ``fiction``), each with its time-expression scan."""
    bbc = needs(SHARED / "benchmarks" / "bbc-news")
    paths = sorted(p for p in bbc.rglob("*.txt") if p.name != "README.TXT")
    picked = random.Random(7).sample(paths, 60) + (sorted(SAMPLE_CORPUS.iterdir()) if SAMPLE_CORPUS.exists() else [])
    picked += sorted(_write(fiction, **BRANCHES).iterdir())
    docs = ingest(picked, DEFAULT, {}).documents
    out = []
    for d in docs:
        cl = clean(d, DEFAULT)
        out.append((d, cl, first_pass(d, cl, dt.date.today()), scan(cl.body)))
    return out


@pytest.fixture(scope="module")
def real_documents(tmp_path_factory) -> list:
    return _real_documents(tmp_path_factory.mktemp("fiction"))


_DAYS = st.one_of(
    st.builds(lambda y, m, d: PartialDate(y, m, d), st.integers(1996, 2024), st.integers(1, 12), st.integers(1, 28)),
    st.builds(lambda y, m: PartialDate(y, m), st.integers(1996, 2024), st.integers(1, 12)),  # a folder's month
)


@hsettings(max_examples=25, deadline=None)
@given(a=st.lists(_DAYS, max_size=4), b=st.lists(_DAYS, min_size=1, max_size=4))
def test_only_dates_marked_as_context_dependent_change_with_the_context(real_documents, a, b):
    """``core._redate`` re-checks only dates with a window holding a new context date
    (``PublicationDate.context_windows``), and a store saved before the windows marks
    those whose reason carries a context mark: both hold only if every date that other
    context dates can move (its value, reason or windows) says so."""
    today = dt.date.today()
    for src, cl, first, scanned in real_documents:
        if first[0] is not None:
            continue  # stated: never re-dated
        old = finish_date(src, cl, first, DateContext(tuple(a), today), list(scanned))
        new = finish_date(src, cl, first, DateContext(tuple(a + b), today), list(scanned))
        if new != old:
            assert any(m in old.reason for m in CONTEXT_MARKS), (src.id, old.reason, new.reason)
            assert any(lo <= d.first_day() <= hi for d in b for lo, hi in old.context_windows), \
                (src.id, old.context_windows, b, old.reason, new.reason)


def test_a_new_date_just_outside_every_window_changes_nothing(real_documents):
    """The windows are exact at their edges: for each context-dependent date, new context
    dates one day either side of each window's ends change it only when inside a window
    (a window one day too narrow misses the tie at its edge; random dates rarely hit it)."""
    today = dt.date.today()
    probed = 0
    for ctx in ([PartialDate(2005, 3, 1)], [PartialDate(2019, 3, 6), PartialDate(2016, 11, 20)]):
        for src, cl, first, scanned in real_documents:
            if first[0] is not None:
                continue
            old = finish_date(src, cl, first, DateContext(tuple(ctx), today), list(scanned))
            if not old.context_windows or old.context_windows == ANYWHERE:
                continue
            edges = {e + dt.timedelta(days=k) for lo, hi in old.context_windows for e in (lo, hi) for k in (-1, 0, 1)}
            for day in sorted(edges):
                new = finish_date(src, cl, first, DateContext((*ctx, PartialDate.parse(day.isoformat())), today),
                                  list(scanned))
                inside = any(lo <= day <= hi for lo, hi in old.context_windows)
                assert new == old or inside, (src.id, day, old.context_windows, old.reason, new.reason)
                probed += 1
    assert probed > 50  # the written articles alone give a few dozen
