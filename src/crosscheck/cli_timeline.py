"""``crosscheck timeline``: a timeline summary of the stored story (``crosscheck.timeline``).

Why a module of its own: ``cli.py`` stays a thin table of commands while each command
family registers its own options; this one reads the store, never writes to it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {n}")
    return n


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from None


def add_timeline(sub, common: argparse.ArgumentParser) -> None:
    """Register ``timeline`` on the CLI's subparsers."""
    p = sub.add_parser(
        "timeline", parents=[common],
        help="the most reported days of the stored story, a few sentences each",
        description="Rank the days of the stored story by independent sources and mentions and print "
                    "(or write as JSON) the N best days with K sentences each, in date order.")
    p.add_argument("--dates", type=_positive, default=10, help="number of days (default: 10)")
    p.add_argument("--sentences-per-date", type=_positive, default=2, help="sentences per day (default: 2)")
    p.add_argument("--out", default=None, help="write the timeline as JSON to this file (default: print it as text)")
    p.add_argument("--keyword", action="append", default=[],
                   help="keep only sentences containing this word (case-insensitive; repeat for several)")
    p.add_argument("--since", type=_day, default=None, help="first day, YYYY-MM-DD (earlier days and articles are left out)")
    p.add_argument("--until", type=_day, default=None, help="last day, YYYY-MM-DD (later days and articles are left out)")


def timeline(args, reporter) -> int:
    """Exit 0 with a timeline, 4 when the store holds nothing to summarise."""
    from crosscheck.store import Store
    from crosscheck.timeline import collect, format_text, keyword_filter, summarize, to_dict

    with Store(args.db) as store:
        if not store.counts("articles")["articles"]:
            reporter.error(f"{args.db}: the store holds no articles; run 'crosscheck ingest' first")
            return 4
        # records streamed, the storyline without its claims: neither is held whole
        candidates = collect(store.iter_records(), store.load_storyline(verification=False),
                             since=args.since, until=args.until)
    tl = summarize(candidates, args.dates, args.sentences_per_date, keep=keyword_filter(args.keyword),
                   since=args.since, until=args.until)
    if args.out:
        out = Path(args.out)
        if out.parent != Path(""):
            out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(to_dict(tl), indent=2, ensure_ascii=False) + "\n", "utf-8")
        reporter.summary(f"{len(tl.entries)} days written to {out}")
        for note in tl.notes:
            reporter.info(note)
    else:
        reporter.summary(format_text(tl))  # ends with the notes
    if not tl.entries:
        reporter.error("no dated sentences to summarise (no day named in any article, or all filtered out)")
        return 4
    return 0
