"""The fetcher against a local server: robots.txt, limits, timeouts, retries, caps,
redirects, conditional requests; then `crosscheck fetch` into a store."""

from __future__ import annotations

import sqlite3
import time

import pytest

pytest.importorskip("httpx", reason="the 'fetch' extra is not installed")

from web_server import ARTICLES, ROBOTS, LocalServer, Route, add_articles, article_html  # noqa: E402

from crosscheck.fetch import Fetcher, FetchRequest, Politeness, retry_after  # noqa: E402
from crosscheck.urls import article_id, canonical_url  # noqa: E402
from crosscheck.webpage import page_info  # noqa: E402

FAST = Politeness(rate_per_host=0, timeout_s=2.0, retries=2, backoff_s=0.01, max_bytes=50_000)


@pytest.fixture
def site():
    with LocalServer() as s:
        s.routes["/robots.txt"] = Route(ROBOTS, content_type="text/plain")
        yield s


def fetcher(**changes) -> Fetcher:
    from dataclasses import replace

    return Fetcher(replace(FAST, **changes), trust_env=False)


# --------------------------------------------------------------------------- URLs
def test_canonical_url_strips_tracking_and_fragment():
    a = canonical_url("HTTP://Example.COM:80/News/a?utm_source=x&id=7&fbclid=1&gclid=2&smid=tw#top")
    assert a == "http://example.com/News/a?id=7"
    assert canonical_url("https://example.com/a?b=2&a=1") == canonical_url("https://example.com/a?a=1&b=2&utm_medium=x")
    assert article_id(a) == article_id("http://example.com/News/a?id=7") and article_id(a).startswith("example-com-news-a-")


def test_page_info_reads_canonical_and_dates_apart():
    html = article_html("T", "Outlet", "2025-03-03T08:00:00Z", ["x"], canonical="/amp/../a?utm_campaign=z",
                        modified="2025-03-04T10:00:00Z").decode()
    info = page_info(html, "http://127.0.0.1:9/x")
    assert info.canonical == "http://127.0.0.1:9/a"
    assert (info.published, info.published_source) == ("2025-03-03T08:00:00Z", "page:meta[property=article:published_time]")
    assert (info.updated, info.updated_source) == ("2025-03-04T10:00:00Z", "page:meta[property=article:modified_time]")


def test_retry_after_seconds_and_cap():
    assert retry_after("3", 60) == 3 and retry_after("600", 60) == 60 and retry_after("soon", 60) is None


# --------------------------------------------------------------------------- fetching
def test_ok_sends_user_agent_and_reads_robots_once(site):
    add_articles(site, ["/courier/strike-begins", "/ledger/port-strike"])
    results = fetcher().fetch_all([FetchRequest(site.url(p)) for p in ("/courier/strike-begins", "/ledger/port-strike")])
    assert [r.outcome for r in results] == ["ok", "ok"]
    assert b"Valmora" in results[0].body and results[0].content_type == "text/html" and results[0].charset == "utf-8"
    assert site.hits["/robots.txt"] == 1
    agents = {h.get("User-Agent") for _, h in site.requests}
    assert len(agents) == 1 and agents.pop().startswith("crosscheck/")


def test_robots_disallow_blocks_with_reason(site):
    site.routes["/private/memo"] = Route(b"<p>secret</p>")
    r = fetcher().fetch(site.url("/private/memo"))
    assert r.outcome == "blocked" and "robots.txt" in r.reason and site.hits["/private/memo"] == 0


def test_robots_missing_allows_and_unreachable_disallows(site):
    del site.routes["/robots.txt"]
    site.routes["/a"] = Route(b"<p>a</p>")
    assert fetcher().fetch(site.url("/a")).ok
    site.routes["/robots.txt"] = Route(b"down", status=500)
    r = fetcher().fetch(site.url("/a"))
    assert r.outcome == "blocked" and "unreachable" in r.reason


def test_404_is_not_retried_500_is_with_backoff(site):
    r = fetcher().fetch(site.url("/missing"))
    assert r.outcome == "error" and r.status == 404 and "HTTP 404" in r.reason and site.hits["/missing"] == 1
    site.routes["/broken"] = Route(b"oops", status=500)
    r = fetcher(retries=3).fetch(site.url("/broken"))
    assert r.status == 500 and site.hits["/broken"] == 4 and "after 4 attempts" in r.reason


def test_transient_503_then_ok(site):
    site.routes["/busy"] = Route(b"<p>fine now</p>", fail_first=2)
    r = fetcher().fetch(site.url("/busy"))
    assert r.ok and site.hits["/busy"] == 3 and r.requests == 3 + 1  # + robots.txt


def test_timeout_is_honoured_for_slow_and_dripping_responses(site):
    site.routes["/slow"] = Route(b"<p>late</p>", delay=3.0)
    site.routes["/drip"] = Route(b"x" * 20_000, drip=0.1)  # 20 chunks over 2 s, each read is quick
    f = fetcher(timeout_s=0.5, retries=0)
    t0 = time.monotonic()
    slow, drip = f.fetch_all([FetchRequest(site.url("/slow")), FetchRequest(site.url("/drip"))])
    assert time.monotonic() - t0 < 1.5
    assert slow.outcome == drip.outcome == "error"
    assert "timed out after 0.5 s" in slow.reason and "timed out" in drip.reason


def test_size_cap_declared_and_streamed(site):
    site.routes["/big"] = Route(b"y" * 200_000)
    site.routes["/big-chunked"] = Route(b"z" * 200_000, chunked=True)
    big, chunked = fetcher().fetch_all([FetchRequest(site.url("/big")), FetchRequest(site.url("/big-chunked"))])
    assert big.outcome == "too-large" and "Content-Length 200000" in big.reason and big.body == b""
    assert chunked.outcome == "too-large" and "stopped reading" in chunked.reason
    assert chunked.bytes_downloaded < 120_000


def test_redirects_followed_safely(site):
    add_articles(site, ["/courier/strike-begins"])
    site.routes["/r1"] = Route(status=302, headers={"Location": "/r2"})
    site.routes["/r2"] = Route(status=301, headers={"Location": site.url("/courier/strike-begins")})
    site.routes["/to-file"] = Route(status=302, headers={"Location": "file:///etc/passwd"})
    site.routes["/loop"] = Route(status=302, headers={"Location": "/loop2"})
    site.routes["/loop2"] = Route(status=302, headers={"Location": "/loop"})
    for i in range(8):
        site.routes[f"/hop{i}"] = Route(status=307, headers={"Location": f"/hop{i + 1}"})
    ok, bad, loop, long = fetcher().fetch_all([FetchRequest(site.url(p)) for p in ("/r1", "/to-file", "/loop", "/hop0")])
    assert ok.ok and ok.final_url == site.url("/courier/strike-begins") and len(ok.redirects) == 2
    assert bad.outcome == "error" and "refused" in bad.reason and "file:///etc/passwd" in bad.reason
    assert "redirect loop" in loop.reason
    assert "too many redirects" in long.reason and site.hits["/hop6"] == 0


def test_conditional_request_downloads_nothing(site):
    site.routes["/feed"] = Route(b"<rss/>" * 100, etag='"v1"', last_modified="Mon, 03 Mar 2025 09:00:00 GMT")
    f = fetcher()
    first = f.fetch(site.url("/feed"))
    again = f.fetch(FetchRequest(site.url("/feed"), first.etag, first.last_modified))
    assert first.ok and first.etag == '"v1"'
    assert again.outcome == "not-modified" and again.bytes_downloaded == 0 and again.body == b""
    assert site.requests[-1][1].get("If-None-Match") == '"v1"'


def test_rate_limit_and_concurrency_per_host(site):
    for i in range(6):
        site.routes[f"/p{i}"] = Route(b"<p>x</p>", delay=0.05)
    t0 = time.monotonic()
    fetcher(rate_per_host=20, concurrency_per_host=2).fetch_all([FetchRequest(site.url(f"/p{i}")) for i in range(6)])
    elapsed = time.monotonic() - t0
    assert elapsed >= 6 / 20 - 0.02  # 7 starts (robots + 6) at 20/s need at least 0.3 s
    assert site.max_inflight <= 2


def test_crawl_delay_from_robots_is_honoured(site):
    site.routes["/robots.txt"] = Route(b"User-agent: crosscheck\nCrawl-delay: 1\n", content_type="text/plain")
    for i in range(2):
        site.routes[f"/c{i}"] = Route(b"<p>x</p>")
    t0 = time.monotonic()
    fetcher().fetch_all([FetchRequest(site.url(f"/c{i}")) for i in range(2)])  # rate limit off, robots wins
    assert time.monotonic() - t0 >= 0.95


def test_non_http_urls_are_refused_without_a_request(site):
    r = fetcher().fetch("file:///etc/passwd")
    assert r.outcome == "error" and "only http and https" in r.reason and r.requests == 0


# --------------------------------------------------------------------------- crosscheck fetch
def test_fetch_incremental_writes_its_files_from_the_store(site, tmp_path, monkeypatch):
    """``fetch --incremental --out``: the new page is linked and verified into the stored
    storyline, which is not read back whole; the files are written from the store, the
    bytes ``export`` writes but for this run's own rejected URL."""
    import json

    from crosscheck.cli import main
    from crosscheck.store import Store

    add_articles(site)
    db = tmp_path / "web.db"
    assert main(["fetch", site.url("/courier/strike-begins"), "--db", str(db), "--rate", "0", "-q"]) == 0
    loads = []
    real = Store.load_storyline
    monkeypatch.setattr(Store, "load_storyline", lambda self, **k: loads.append(k) or real(self, **k))
    code = main(["fetch", site.url("/ledger/port-strike"), site.url("/nope"), "--db", str(db), "--rate", "0",
                 "--incremental", "--out", str(tmp_path / "out"), "-q"])
    assert code == 3 and loads == []
    monkeypatch.undo()
    assert main(["export", "--db", str(db), "--out", str(tmp_path / "exp"), "-q"]) == 0
    ran, exported = (json.loads((tmp_path / d / "storyline.json").read_text("utf-8")) for d in ("out", "exp"))
    assert [e["path"] for e in ran["errors"]] == [site.url("/nope")] and ran["counts"]["articles"] == 2
    assert {**ran, "errors": [], "counts": {**ran["counts"], "errors": 0}} == exported


def test_fetch_command_stores_articles_and_repoll_is_free(site, tmp_path, capsys):
    from crosscheck.cli import main

    add_articles(site)
    db = tmp_path / "web.db"
    urls = [site.url("/courier/strike-begins") + "?utm_source=newsletter", site.url("/ledger/port-strike")]
    assert main(["fetch", *urls, "--db", str(db), "--rate", "0", "-q"]) == 0
    with sqlite3.connect(db) as con:
        rows = con.execute("select url, outlet, published_raw, published_raw_source, format from articles order by url").fetchall()
        fetched = con.execute("select url, canonical_url, outcome, etag from fetched_urls order by url").fetchall()
    assert [r[0] for r in rows] == [site.url("/courier/strike-begins"), site.url("/ledger/port-strike")]
    assert rows[0][2:] == ("2025-03-03T08:00:00+00:00", "page:meta[property=article:published_time]", "html")
    assert all(f[2] == "ok" and f[3] for f in fetched)
    capsys.readouterr()
    site.reset_counts()
    # the same article again (other tracking parameters): nothing is requested
    assert main(["fetch", site.url("/courier/strike-begins") + "?fbclid=abc", "--db", str(db), "--rate", "0"]) == 0
    assert sum(site.hits.values()) == 0
    assert "1 already stored" in capsys.readouterr().out
    # --refresh asks again, conditionally: 304, no body
    assert main(["fetch", *urls, "--db", str(db), "--rate", "0", "--refresh", "-q"]) == 0
    assert site.hits["/courier/strike-begins"] == 1 and site.bytes_sent == len(ROBOTS)  # robots.txt: a new process


def test_rel_canonical_decides_the_same_article(site, tmp_path):
    from crosscheck.collect import collect_urls
    from crosscheck.store import Store

    add_articles(site, ["/courier/strike-begins"])
    title, outlet, pub, paras = ARTICLES["/courier/strike-begins"]
    site.routes["/amp/strike"] = Route(article_html(title, outlet, pub, paras + ["Share this story."],
                                                    canonical=site.url("/courier/strike-begins")))
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        first = collect_urls([site.url("/courier/strike-begins")], store, fetcher())
        second = collect_urls([site.url("/amp/strike")], store, fetcher())
        assert len(first.run.added) == 1
        assert second.same_article == 1 and second.run is None
        assert len(store.load_records()) == 1


def test_fetch_errors_are_one_line_each_and_exit_3(site, tmp_path, capsys):
    from crosscheck.cli import main

    add_articles(site, ["/courier/strike-begins"])
    site.routes["/private/x"] = Route(b"<p>x</p>")
    code = main(["fetch", site.url("/courier/strike-begins"), site.url("/nope"), site.url("/private/x"),
                 "ftp://example.invalid/x", "--db", str(tmp_path / "e.db"), "--rate", "0", "-q"])
    err = capsys.readouterr().err
    assert code == 3
    assert "HTTP 404" in err and "robots.txt" in err and "only http and https" in err and "Traceback" not in err


def test_fetch_over_the_memory_budget_builds_in_parts_and_writes_its_files_from_the_store(site, tmp_path, caplog,
                                                                                         monkeypatch):
    from crosscheck.cli import main
    from crosscheck.store import Store

    add_articles(site)
    urls = [site.url(p) for p in ARTICLES]
    db = tmp_path / "budget.db"
    out = tmp_path / "out"
    with monkeypatch.context() as m:
        read_whole = []
        m.setattr(Store, "load_storyline", lambda self, **kw: read_whole.append(1))
        assert main(["fetch", *urls, "--db", str(db), "--rate", "0", "--memory-budget", "20.2", "--out", str(out),
                     "-q"]) == 0
        assert not read_whole  # the storyline built in parts is never read back whole
    said = [r.getMessage() for r in caplog.records if r.name == "crosscheck.build_parts"]
    assert said and f"a build at once of {len(urls)} stored articles" in said[0] and "parts of 2 articles" in said[0]
    assert main(["export", "--db", str(db), "--out", str(tmp_path / "exported"), "-q"]) == 0
    for name in ("storyline.json", "report.html"):  # written from the stored storyline, as export writes it
        assert (out / name).read_bytes() == (tmp_path / "exported" / name).read_bytes()
    with pytest.raises(SystemExit) as usage:
        main(["fetch", urls[0], "--db", str(db), "--memory-budget", "-3"])
    assert usage.value.code == 2
