"""The web commands of the CLI: ``fetch``, ``feeds``, ``watch``.

Why a module of its own: these commands share politeness options and need the
``fetch`` extra (httpx, feedparser, warcio); ``cli.py`` only registers them, so the
file-based commands never import any of it. Exit codes as in ``cli.py``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_SOME_REJECTED, EXIT_NOTHING = 0, 2, 3, 4
EXTRA_HINT = "the web commands need the 'fetch' extra: pip install 'crosscheck[fetch]'"


def add_commands(sub, common: argparse.ArgumentParser, budget: argparse.ArgumentParser) -> None:
    """Register fetch, feeds and watch on the CLI's subparsers (``budget``: ``--memory-budget``)."""
    from dataclasses import asdict

    from crosscheck.politeness import Politeness

    P = asdict(Politeness())

    web = argparse.ArgumentParser(add_help=False, parents=[budget])
    web.add_argument("--out", default=None, help="also write storyline.json and report.html into this folder")
    web.add_argument("--incremental", action="store_true", help="link and verify new articles into the stored storyline instead of rebuilding it (see crosscheck ingest --incremental)")
    web.add_argument("--outlets", default=None, help="JSON file mapping domain -> outlet name (extends the built-in table)")
    web.add_argument("--refresh", action="store_true", help="request stored URLs again (conditionally: unchanged pages cost a 304)")
    web.add_argument("--rate", type=float, default=P["rate_per_host"], help=f"requests per second per host; 0 = no limit (default: {P['rate_per_host']:g})")
    web.add_argument("--concurrency", type=int, default=P["concurrency_per_host"], help=f"requests in flight per host (default: {P['concurrency_per_host']})")
    web.add_argument("--timeout", type=float, default=P["timeout_s"], help=f"seconds per attempt, connect to last byte (default: {P['timeout_s']:g})")
    web.add_argument("--retries", type=int, default=P["retries"], help=f"retries after a network error, 429 or 5xx, with backoff (default: {P['retries']})")
    web.add_argument("--max-bytes", type=int, default=P["max_bytes"], help=f"size cap per page in bytes (default: {P['max_bytes']})")
    p = sub.add_parser("fetch", parents=[common, web], help="download article URLs and ingest them",
                       description="Download news pages (robots.txt honoured, polite per-host limits), extract them with the "
                                   "same clean stage and ingest them with their URL, outlet and dates. A URL already stored "
                                   "is not downloaded again unless --refresh.")
    p.add_argument("urls", nargs="+", help="http(s) URLs of articles")
    feeds = argparse.ArgumentParser(add_help=False)
    feeds.add_argument("feeds", help="file of feed URLs: one per line (# comments) or OPML; RSS, Atom and sitemaps (incl. "
                                     "sitemap indexes and news sitemaps)")
    feeds.add_argument("--max-entries", type=int, default=200, help="newest entries taken per feed or sitemap (default: 200)")
    sub.add_parser("feeds", parents=[common, web, feeds], help="read feeds and sitemaps, ingest their new articles",
                   description="Read each feed (conditionally: an unchanged feed costs a 304), then download and ingest "
                               "the articles not stored yet.")
    p = sub.add_parser("watch", parents=[common, web, feeds], help="poll feeds every N minutes and print what changed",
                       description="Poll the feeds every --every, ingest what is new, update the storyline and print new "
                                   "events, new outlets on an event and new contradictions. Ctrl-C or SIGTERM stops cleanly.")
    p.add_argument("--every", default="15m", help="poll interval, e.g. 30s, 15m, 1h (default: 15m)")
    p.add_argument("--max-polls", type=int, default=None, help="stop after this many polls (default: run until stopped)")


def handlers() -> dict:
    return {"fetch": _fetch, "feeds": _feeds, "watch": _watch}


def _setup(args, reporter):
    """Fetcher, options and settings from the arguments; None (after an error) if unusable."""
    try:
        from crosscheck.collect import CollectOptions
        from crosscheck.fetch import Fetcher, Politeness
        from crosscheck.outlet_table import OutletTable
    except ImportError as exc:
        reporter.error(f"{EXTRA_HINT} ({exc})")
        return None
    from crosscheck.settings import Settings

    try:
        outlets = OutletTable.load(args.outlets)
    except (OSError, ValueError) as exc:
        reporter.error(f"{args.outlets}: {exc}")
        return None
    politeness = Politeness(rate_per_host=max(0.0, args.rate), concurrency_per_host=max(1, args.concurrency),
                            timeout_s=args.timeout, retries=max(0, args.retries), max_bytes=args.max_bytes)
    # Never read back: a build at once returns its storyline anyway, and the files of an increment or of a
    # build in parts are written from the store (``core.write_run_outputs``), never holding it whole
    options = CollectOptions(refresh=args.refresh, max_entries=getattr(args, "max_entries", None), outlets=outlets,
                             read_back=False)
    extra = {"outlets_file": args.outlets, "max_page_bytes": args.max_bytes}
    return Fetcher(politeness), options, Settings(db_url=args.db, incremental=args.incremental, extra=extra,
                                                  build_memory_mb=args.memory_budget)


def _write_files(args, store, report) -> None:
    """With ``--out``: the run's storyline.json and report.html (``core.write_run_outputs``)."""
    if report.run is not None and args.out:
        from crosscheck.core import write_run_outputs

        write_run_outputs(report.run, store, args.out)


def _finish(args, reporter, report, what: str) -> int:
    for err in report.errors:
        reporter.error(err.line())
    run = report.run
    if run is not None and args.out:
        reporter.info(f"wrote {Path(args.out) / 'storyline.json'} and {Path(args.out) / 'report.html'}")
    added = len(run.added) if run else 0
    reporter.summary(
        f"{what}: {added} articles added, {report.already_stored} already stored (not requested), "
        f"{report.pages_not_modified} not modified, {report.same_article} same article as a stored one, "
        f"{len(report.errors)} rejected; {report.requests} requests, {report.bytes} bytes in {report.seconds:.1f} s ({args.db})")
    if report.errors:
        nothing = added == 0 and report.already_stored == 0 and report.pages_not_modified == 0 and report.same_article == 0
        return EXIT_NOTHING if nothing and not report.feeds_unchanged else EXIT_SOME_REJECTED
    return EXIT_OK


def _fetch(args, reporter) -> int:
    setup = _setup(args, reporter)
    if setup is None:
        return EXIT_USAGE
    fetcher, options, settings = setup
    from crosscheck.collect import collect_urls
    from crosscheck.store import Store

    with Store(args.db) as store, reporter.progress() as progress:
        report = collect_urls(args.urls, store, fetcher, options, settings, progress)
        _write_files(args, store, report)
    return _finish(args, reporter, report, "fetch")


def _feed_urls(args, reporter) -> list[str] | None:
    from crosscheck.feeds import read_feed_list

    if not Path(args.feeds).is_file():
        reporter.error(f"{args.feeds}: no such file")
        return None
    listed = read_feed_list(args.feeds)
    for where, reason in listed.errors:
        reporter.error(f"{where}: {reason}")
    if not listed.urls:
        reporter.error(f"{args.feeds}: no feed URLs in the file")
        return None
    return listed.urls


def _feeds(args, reporter) -> int:
    setup = _setup(args, reporter)
    if setup is None:
        return EXIT_USAGE
    urls = _feed_urls(args, reporter)
    if urls is None:
        return EXIT_NOTHING
    fetcher, options, settings = setup
    from crosscheck.collect import collect_feeds
    from crosscheck.store import Store

    with Store(args.db) as store, reporter.progress() as progress:
        report = collect_feeds(urls, store, fetcher, options, settings, progress)
        _write_files(args, store, report)
    return _finish(args, reporter, report, "feeds")


def _watch(args, reporter) -> int:
    from crosscheck.watch import parse_every

    try:
        every = parse_every(args.every)
    except ValueError as exc:
        reporter.error(str(exc))
        return EXIT_USAGE
    setup = _setup(args, reporter)
    if setup is None:
        return EXIT_USAGE
    urls = _feed_urls(args, reporter)
    if urls is None:
        return EXIT_NOTHING
    fetcher, options, settings = setup
    from crosscheck.store import Store
    from crosscheck.watch import Watcher, install_stop_handlers

    with Store(args.db) as store:
        watcher = Watcher(urls, store, fetcher, options, settings, emit=reporter.summary,
                          out=Path(args.out) if args.out else None)
        restore = install_stop_handlers(watcher, reporter.info)
        try:
            polls = watcher.run(every, args.max_polls)
        finally:
            restore()
    reporter.summary(f"watch stopped after {polls} polls; the store is consistent ({args.db})")
    return EXIT_OK
