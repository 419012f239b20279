"""Feeds, sitemaps and OPML: parsing (no network), then `crosscheck feeds` against a
local server, and the re-poll that downloads nothing when nothing changed."""

from __future__ import annotations

import sqlite3

import pytest

pytest.importorskip("feedparser", reason="the 'fetch' extra is not installed")

from web_server import ARTICLES, ROBOTS, LocalServer, Route, add_articles, rss  # noqa: E402

from crosscheck.feeds import gunzip, newest_first, parse_feed, read_feed_list  # noqa: E402

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Coastal Gazette</title>
<entry><title>Harbour talks set for Thursday</title><link href="/gazette/talks?utm_campaign=x"/>
<published>2025-03-05T09:00:00Z</published><updated>2025-03-06T12:00:00Z</updated></entry>
<entry><title>No date</title><link href="/gazette/undated"/></entry>
</feed>"""

NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{base}/ledger/port-strike</loc><lastmod>2025-03-04</lastmod>
<news:news><news:publication><news:name>Selva Ledger</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2025-03-03T10:30:00+00:00</news:publication_date><news:title>Strike shuts Valmora harbour</news:title></news:news></url>
</urlset>"""

INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}/sitemap-news.xml</loc></sitemap></sitemapindex>"""


def test_atom_dates_kept_apart_with_their_source():
    p = parse_feed(ATOM, "http://127.0.0.1:1/atom.xml")
    assert p.kind == "atom" and p.title == "Coastal Gazette"
    e = p.entries[0]
    assert e.url == "http://127.0.0.1:1/gazette/talks"
    assert (e.published, e.published_source) == ("2025-03-05T09:00:00Z", "feed(atom10):published")
    assert (e.updated, e.updated_source) == ("2025-03-06T12:00:00Z", "feed(atom10):updated")
    assert p.entries[1].published is None and p.entries[1].updated is None


def test_rss_pubdate_is_published_not_updated():
    with LocalServer() as site:
        p = parse_feed(rss(site, ["/courier/strike-begins"]), site.url("/rss.xml"))
        e = p.entries[0]
        assert p.kind == "rss" and e.url == site.url("/courier/strike-begins")  # tracking stripped
        assert e.published_source == "feed(rss20):published" and e.updated is None


def test_news_sitemap_and_index():
    base = "http://127.0.0.1:1"
    sm = parse_feed(NEWS_SITEMAP.format(base=base).encode(), base + "/sitemap-news.xml")
    e = sm.entries[0]
    assert sm.kind == "sitemap" and e.outlet == "Selva Ledger" and e.title == "Strike shuts Valmora harbour"
    assert (e.published_source, e.updated_source) == ("sitemap:news:publication_date", "sitemap:lastmod")
    idx = parse_feed(INDEX.format(base=base).encode(), base + "/sitemap.xml")
    assert idx.kind == "sitemapindex" and idx.children == [base + "/sitemap-news.xml"]


def test_gzip_sitemap_capped_and_bad_input_has_a_reason():
    import gzip

    data = gzip.compress(b"<urlset/>" + b" " * 10_000)
    assert gunzip(data, 100_000).startswith(b"<urlset/>")
    assert "too large" in gunzip(data, 1_000)
    assert "not an RSS/Atom feed" in parse_feed(b"<html><body>hello</body></html>", "http://x/").error
    assert parse_feed(b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><urlset><url><loc>&e;</loc></url></urlset>",
                      "http://x/").entries == []


def test_newest_first_limit_and_dedup():
    p = parse_feed(ATOM, "http://h/atom.xml")
    entries = newest_first(p.entries + p.entries, 5)
    assert [e.title for e in entries] == ["Harbour talks set for Thursday", "No date"]
    assert len(newest_first(p.entries, 1)) == 1


def test_feed_list_plain_and_opml(tmp_path):
    plain = tmp_path / "feeds.txt"
    plain.write_text("# Valmora\nhttp://127.0.0.1:1/rss.xml\n\nfile:///etc/passwd\nhttp://127.0.0.1:1/rss.xml\n")
    got = read_feed_list(plain)
    assert got.urls == ["http://127.0.0.1:1/rss.xml"] and "not an http(s) URL" in got.errors[0][1]
    opml = tmp_path / "feeds.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body><outline text="News">'
                    '<outline text="Courier" type="rss" xmlUrl="http://127.0.0.1:1/rss.xml"/>'
                    '<outline text="Gazette" type="rss" xmlUrl="http://127.0.0.1:1/atom.xml"/></outline></body></opml>')
    assert read_feed_list(opml).urls == ["http://127.0.0.1:1/rss.xml", "http://127.0.0.1:1/atom.xml"]


@pytest.fixture
def site():
    with LocalServer() as s:
        s.routes["/robots.txt"] = Route(ROBOTS, content_type="text/plain")
        add_articles(s)
        s.routes["/rss.xml"] = Route(rss(s, ["/courier/strike-begins", "/courier/talks-resume"], {
            "/courier/strike-begins": "Mon, 03 Mar 2025 08:00:00 +0000",
            "/courier/talks-resume": "Wed, 05 Mar 2025 07:15:00 +0000"}),
            content_type="application/rss+xml", etag='"rss-1"')
        s.routes["/atom.xml"] = Route(ATOM, content_type="application/atom+xml",
                                      last_modified="Thu, 06 Mar 2025 12:00:00 GMT")
        s.routes["/sitemap.xml"] = Route(INDEX.format(base=s.url("")).encode(), content_type="application/xml")
        s.routes["/sitemap-news.xml"] = Route(NEWS_SITEMAP.format(base=s.url("")).encode(),
                                              content_type="application/xml", etag='"sm-1"')
        yield s


def test_feeds_command_ingests_and_repoll_downloads_nothing(site, tmp_path, capsys):
    from crosscheck.cli import main

    feeds = tmp_path / "feeds.txt"
    feeds.write_text("\n".join(site.url(p) for p in ("/rss.xml", "/atom.xml", "/sitemap.xml")) + "\n")
    db = tmp_path / "f.db"
    code = main(["feeds", str(feeds), "--db", str(db), "--rate", "0", "--out", str(tmp_path / "out"), "-q"])
    out = capsys.readouterr()
    assert code == 3  # /gazette/undated is a 404: reported, the rest is stored
    assert "gazette/undated: HTTP 404" in out.err
    with sqlite3.connect(db) as con:
        arts = dict(con.execute("select url, published_raw_source from articles"))
        entries = con.execute("select url, published, published_source, updated, updated_source "
                              "from feed_entries where url like '%gazette/talks'").fetchall()
        feeds_rows = con.execute("select url, kind, etag, last_modified from feeds order by url").fetchall()
    assert set(arts) == {site.url(p) for p in ("/courier/strike-begins", "/courier/talks-resume",
                                               "/gazette/talks", "/ledger/port-strike")}
    assert arts[site.url("/courier/strike-begins")] == "feed(rss20):published"
    assert arts[site.url("/ledger/port-strike")] == "sitemap:news:publication_date"
    assert entries == [(site.url("/gazette/talks"), "2025-03-05T09:00:00Z", "feed(atom10):published",
                        "2025-03-06T12:00:00Z", "feed(atom10):updated")]
    kinds = {u.rsplit("/", 1)[1]: (k, e, lm) for u, k, e, lm in feeds_rows}
    assert kinds["rss.xml"] == ("rss", '"rss-1"', None) and kinds["sitemap.xml"][0] == "sitemapindex"
    assert kinds["atom.xml"][2] == "Thu, 06 Mar 2025 12:00:00 GMT"  # a 404 entry is settled, not retried
    assert (tmp_path / "out" / "storyline.json").exists()

    site.reset_counts()
    main(["feeds", str(feeds), "--db", str(db), "--rate", "0", "-q"])
    summary = capsys.readouterr().out
    article_hits = {p: n for p, n in site.hits.items() if p in ARTICLES}
    assert article_hits == {}  # no article is requested again
    assert site.hits["/rss.xml"] == 1 and site.hits["/sitemap-news.xml"] == 1
    assert "0 articles added" in summary and "not modified" in summary


def test_transient_failure_is_retried_at_the_next_poll(site, tmp_path):
    from crosscheck.collect import CollectOptions, collect_feeds
    from crosscheck.fetch import Fetcher, Politeness
    from crosscheck.store import Store

    site.routes["/ledger/port-strike"].status = 500
    fetcher = Fetcher(Politeness(rate_per_host=0, retries=1, backoff_s=0.01), trust_env=False)
    feed = [site.url("/sitemap-news.xml")]
    with Store(f"sqlite:///{tmp_path / 't.db'}") as store:
        first = collect_feeds(feed, store, fetcher, CollectOptions())
        assert first.run is None and "HTTP 500" in first.errors[0].reason
        site.routes["/ledger/port-strike"].status = 200
        second = collect_feeds(feed, store, fetcher, CollectOptions())
        assert second.feeds_unchanged == 0  # validators were not kept: the feed is read again
        assert len(second.run.added) == 1
        third = collect_feeds(feed, store, fetcher, CollectOptions())
        assert third.feeds_unchanged == 1 and third.requests == 1 and third.bytes == 0
