"""Collect articles from the web into the store: URLs, feeds, sitemaps.

Why a module between the fetcher and the pipeline: it decides what to ask for and
what a response becomes. In order:

1. feeds (and child sitemaps of a sitemap index, two levels deep) are requested with
   the ETag / Last-Modified of the last poll; a 304 ends there, nothing downloaded.
2. entry and command-line URLs are canonicalised; those already settled in the store
   (stored article, or an outcome that asking again will not change) are not
   requested at all unless ``refresh``; with ``refresh`` they are re-requested
   conditionally.
3. responses become ``SourceDocument``s (HTML only), identity by canonical URL: a page
   whose rel=canonical names a stored article is "the same article" and is not stored
   again; two URLs of one article in a poll give one document.
4. the documents go through ``core.process_documents`` (clean → … → storyline).
5. only then is the bookkeeping written (``webstate``): URL rows with the article each
   became, and feed validators — unless an entry failed transiently, in which case the
   feed is read again next poll so that entry is retried.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from crosscheck.core import Progress, RunResult, process_documents
from crosscheck.feeds import FeedEntry, FeedParse, newest_first, parse_feed
from crosscheck.fetch import FetchRequest, FetchResult, Fetcher
from crosscheck.models import InputError, SourceDocument
from crosscheck.nlp import Analyzer
from crosscheck.outlet_table import OutletTable
from crosscheck.settings import DEFAULT, Settings
from crosscheck.store import Store
from crosscheck.urls import canonical_url, is_fetchable, web_rules
from crosscheck.webpage import decode_page, page_document, page_info
from crosscheck.webstate import FeedState, UrlRecord, WebState

FEED_ACCEPT = "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5"
SITEMAP_DEPTH = 2  # a sitemap index may point to indexes once more, no deeper


@dataclass(frozen=True)
class CollectOptions:
    refresh: bool = False  # re-request stored URLs (conditionally) and ignore feed validators
    max_entries: int | None = 200  # newest entries taken per feed or sitemap
    outlets: OutletTable = field(default_factory=OutletTable.load)
    read_back: bool = True  # the storyline read back after an incremental update (core.process)


@dataclass
class CollectReport:
    """What one collection did: counts for the summary line and the benchmark."""

    run: RunResult | None = None  # None when no new page reached the pipeline
    feeds: int = 0
    feeds_unchanged: int = 0
    pages_fetched: int = 0  # 200 responses with a body
    pages_not_modified: int = 0
    already_stored: int = 0  # settled URLs not requested
    same_article: int = 0
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0
    errors: list[InputError] = field(default_factory=list)
    transient: set[str] = field(default_factory=set)  # URLs whose failure may pass

    def count(self, results: Sequence[FetchResult]) -> None:
        self.requests += sum(r.requests for r in results)
        self.bytes += sum(r.bytes_downloaded for r in results)


@dataclass
class _Pending:
    """A page on its way into the store, and the URL row to write once it is there."""

    doc: SourceDocument | None
    record: UrlRecord


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def collect_urls(urls: Sequence[str], store: Store, fetcher: Fetcher, options: CollectOptions = CollectOptions(),
                 settings: Settings = DEFAULT, progress: Progress | None = None,
                 analyzer: Analyzer | None = None) -> CollectReport:
    """``crosscheck fetch``: download the given article URLs and ingest them."""
    report, started = CollectReport(), time.monotonic()
    state = WebState(store)
    entries = []
    for u in urls:
        if is_fetchable(u):
            entries.append(FeedEntry(canonical_url(u)))
        else:
            report.errors.append(InputError(u, "not an http(s) URL; only http and https are fetched"))
    pending = _fetch_pages(entries, state, fetcher, options, report, via="cli")
    _ingest(pending, state, store, settings, progress, report, analyzer, options.read_back)
    report.seconds = time.monotonic() - started
    return report


def collect_feeds(feed_urls: Sequence[str], store: Store, fetcher: Fetcher,
                  options: CollectOptions = CollectOptions(), settings: Settings = DEFAULT,
                  progress: Progress | None = None, should_stop: Callable[[], bool] = lambda: False,
                  analyzer: Analyzer | None = None) -> CollectReport:
    """``crosscheck feeds`` and one ``watch`` poll: read feeds, ingest their new articles."""
    report, started = CollectReport(), time.monotonic()
    state = WebState(store)
    feeds = _poll_feeds(list(dict.fromkeys(feed_urls)), state, fetcher, options, report)
    entries: list[FeedEntry] = []
    for _state, parse in feeds:
        entries += newest_first(parse.entries, options.max_entries) if parse else []
    pending = [] if should_stop() else _fetch_pages(entries, state, fetcher, options, report, via="feed")
    if should_stop():
        report.seconds = time.monotonic() - started
        return report  # nothing recorded: the next poll starts from the same state
    _ingest(pending, state, store, settings, progress, report, analyzer, options.read_back)
    now = _now()
    for fstate, parse in feeds:
        taken = newest_first(parse.entries, options.max_entries) if parse else []
        if any(e.url in report.transient for e in taken):
            fstate.etag = fstate.last_modified = None  # read it again next poll: retry those
        state.record_feed(fstate, taken, now)
    report.seconds = time.monotonic() - started
    return report


# --------------------------------------------------------------------------- feeds
def _poll_feeds(urls: list[str], state: WebState, fetcher: Fetcher, options: CollectOptions,
                report: CollectReport) -> list[tuple[FeedState, FeedParse | None]]:
    """Fetch feeds (conditionally) and the child sitemaps of sitemap indexes."""
    out: list[tuple[FeedState, FeedParse | None]] = []
    seen = set(urls)
    level = urls
    for depth in range(SITEMAP_DEPTH + 1):
        requests = []
        for url in level:
            old = None if options.refresh else state.feed_state(url)
            requests.append(FetchRequest(url, old.etag if old else None, old.last_modified if old else None,
                                         accept=FEED_ACCEPT))
        results = fetcher.fetch_all(requests)
        report.count(results)
        children: list[str] = []
        for res in results:
            fstate, parse = _feed_result(res, report)
            out.append((fstate, parse))
            if parse is not None and depth < SITEMAP_DEPTH:
                children += [c for c in parse.children if c not in seen]
                seen.update(parse.children)
        report.feeds += len(results)
        if not children:
            break
        level = children
    return out


def _feed_result(res: FetchResult, report: CollectReport) -> tuple[FeedState, FeedParse | None]:
    fstate = FeedState(res.url, res.outcome, 0, res.fetched_at or _now(), etag=res.etag,
                       last_modified=res.last_modified, status=res.status, reason=res.reason or None)
    if res.outcome == "not-modified":
        report.feeds_unchanged += 1
        return fstate, None
    if not res.ok:
        report.errors.append(InputError(res.url, f"feed not read: {res.reason}"))
        fstate.etag = fstate.last_modified = None
        return fstate, None
    parse = parse_feed(res.body, res.final_url or res.url)
    fstate.kind, fstate.title, fstate.entries = parse.kind, parse.title, len(parse.entries)
    if parse.error:
        report.errors.append(InputError(res.url, parse.error))
        fstate.outcome, fstate.reason, fstate.etag, fstate.last_modified = "error", parse.error, None, None
        return fstate, None
    return fstate, parse


# --------------------------------------------------------------------------- pages
def _fetch_pages(entries: Sequence[FeedEntry], state: WebState, fetcher: Fetcher, options: CollectOptions,
                 report: CollectReport, via: str) -> list[_Pending]:
    """Request the entries not settled yet (all with ``refresh``) and read the responses."""
    by_url: dict[str, FeedEntry] = {}
    for e in entries:
        by_url.setdefault(e.url, e)
    settled = state.settled(list(by_url))
    requests = []
    for url in by_url:
        if url in settled and not options.refresh:
            report.already_stored += 1
            continue
        etag, modified = state.validators(url) if url in settled else (None, None)
        requests.append(FetchRequest(url, etag, modified))
    results = fetcher.fetch_all(requests)
    report.count(results)
    pending: list[_Pending] = []
    claimed: set[str] = set()
    for res in results:
        item = _page(res, by_url[res.url], state, options, report, via, claimed)
        if item is not None:
            pending.append(item)
    return pending


def _page(res: FetchResult, entry: FeedEntry, state: WebState, options: CollectOptions,
          report: CollectReport, via: str, claimed: set[str]) -> _Pending | None:
    rec = UrlRecord(res.url, res.outcome, res.fetched_at or _now(), final_url=res.final_url, status=res.status,
                    reason=res.reason or None, etag=res.etag, last_modified=res.last_modified,
                    bytes=res.bytes_downloaded, via=via)
    if res.outcome == "not-modified":
        report.pages_not_modified += 1
        old = state.url_record(res.url)
        if old is not None:
            rec.canonical_url, rec.article_id, rec.content_hash = old.canonical_url, old.article_id, old.content_hash
        return _Pending(None, rec)
    if not res.ok:
        return _failed(res, rec, report)
    report.pages_fetched += 1
    if res.content_type and res.content_type not in web_rules()["html_types"]:
        return _refuse(rec, "not-html", f"not an HTML page (content type {res.content_type})", report)
    decoded = decode_page(res.body, res.charset)
    if isinstance(decoded, str):
        return _refuse(rec, "not-text", decoded, report)
    text, encoding = decoded
    page = page_info(text, res.final_url or res.url)
    outlet = options.outlets.lookup(page.canonical or res.url) or entry.outlet
    feed_pub = (entry.published, entry.published_source) if entry.published else None
    doc = page_document(res.final_url or res.url, text, encoding, path=res.final_url or res.url, page=page,
                        outlet=outlet, title=entry.title, feed_published=feed_pub)
    rec.canonical_url, rec.content_hash = doc.url, doc.content_hash
    rec.page_published, rec.page_published_source = page.published, page.published_source
    rec.page_updated, rec.page_updated_source = page.updated, page.updated_source
    same = None if options.refresh or doc.url == res.url else state.settled([doc.url or ""]).get(doc.url or "")
    if same is not None or doc.url in claimed:
        report.same_article += 1
        rec.outcome, rec.article_id = "same-article", same or doc.id
        rec.reason = f"same article as {doc.url} (rel=canonical)"
        return _Pending(None, rec)
    claimed.add(doc.url or "")
    return _Pending(doc, rec)


def _failed(res: FetchResult, rec: UrlRecord, report: CollectReport) -> _Pending:
    if res.outcome == "error" and res.status is not None and 400 <= res.status < 500 and res.status not in (408, 429):
        rec.outcome = "gone"
    if rec.outcome == "error":
        report.transient.add(res.url)
    report.errors.append(InputError(res.url, res.reason or res.outcome))
    return _Pending(None, rec)


def _refuse(rec: UrlRecord, outcome: str, reason: str, report: CollectReport) -> _Pending:
    rec.outcome, rec.reason = outcome, reason
    report.errors.append(InputError(rec.url, reason))
    return _Pending(None, rec)


# --------------------------------------------------------------------------- into the store
def _ingest(pending: list[_Pending], state: WebState, store: Store, settings: Settings,
            progress: Progress | None, report: CollectReport, analyzer: Analyzer | None = None,
            read_back: bool = True) -> None:
    """Run the pipeline over the new documents, then write the URL rows."""
    docs = [p.doc for p in pending if p.doc is not None]
    if docs:
        kwargs = {"progress": progress} if progress is not None else {}
        report.run = process_documents(docs, store, settings, errors=list(report.errors), analyzer=analyzer,
                                       read_back=read_back, **kwargs)
        report.errors = list(report.run.errors)  # the fetch errors first, then the pipeline's
        reasons = {e.path: e.reason for e in report.run.errors}
        stored = store.hashes()  # content hash -> article id (new, or stored before)
        for p in pending:
            if p.doc is None:
                continue
            p.record.article_id = stored.get(p.doc.content_hash)
            if p.record.article_id is None and p.doc.path in reasons:
                p.record.outcome, p.record.reason = "rejected", reasons[p.doc.path]
    state.record_urls([p.record for p in pending])
