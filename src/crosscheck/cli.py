"""Command line: a thin layer over the Python API in ``crosscheck.core``.

Why argparse: every command and option documents itself (``--help``), and a test
checks that none lacks help. Exit codes: 0 success; 2 usage error; 3 the run finished
but some inputs were rejected (listed, one line each); 4 no input could be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

EXIT_OK, EXIT_USAGE, EXIT_SOME_REJECTED, EXIT_NOTHING = 0, 2, 3, 4


def db_url(value: str) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as SQLite)."""
    return value if "://" in value else f"sqlite:///{value}"


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {n}")
    return n


def _megabytes(value: str) -> float:
    n = float(value)
    if not n >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be 0 or more megabytes, not {value}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crosscheck", description="News articles in, an evidence-linked, cross-source storyline out.")
    parser.add_argument("--version", action="version", version="crosscheck 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=db_url, default="sqlite:///crosscheck.db", help="database URL or SQLite file (default: crosscheck.db)")
    common.add_argument("--quiet", "-q", action="store_true", help="print only errors and the final summary line")
    outp = argparse.ArgumentParser(add_help=False)
    outp.add_argument("--out", default="out", help="folder for storyline.json and report.html (default: out)")
    scale = argparse.ArgumentParser(add_help=False)
    scale.add_argument("--workers", type=_positive, default=1, help="processes for the per-article stages (default: 1, this process)")
    scale.add_argument("--engine", choices=["local", "ray"], default="local", help="run the per-article stages and linking on this machine or on Ray (default: local; ray needs the 'ray' extra)")
    scale.add_argument("--address", default=None, help="Ray cluster to join with --engine ray: 'auto' or 'ray://host:10001' (default: start a local one)")
    scale.add_argument("--device", choices=["auto", "gpu", "cpu"], default="auto", help="spaCy on a GPU when one is usable (auto), on a GPU or not at all (gpu: needs CuPy), or always on the CPU")
    scale.add_argument("--incremental", action="store_true", help="link and verify the new articles into the stored storyline instead of rebuilding it (a store of n articles: reads what the new ones touch, not all n; a build may group slightly differently, see README)")
    scale.add_argument("--batch-size", type=_positive, default=64, help="paragraphs per spaCy batch (default: 64; on a GPU 512 ran the whole pipeline 1.2x faster, for 1.2 GB of GPU memory)")
    budget = argparse.ArgumentParser(add_help=False)  # how a build plans: run, ingest, build, fetch, feeds, watch, serve
    budget.add_argument("--memory-budget", type=_megabytes, default=2048.0, metavar="MB", help="build in parts (of at most 250 articles) when a build at once is estimated above MB megabytes, about 90 KB per stored article, so a store of ~23,000 articles or more by default; an estimate, not a hard limit (default: 2048; 0: no budget, a build at once unless parts are asked for)")
    parts = argparse.ArgumentParser(add_help=False, parents=[budget])
    parts.add_argument("--build-parts", type=_positive, default=None, metavar="N", help="build the storyline N stored articles at a time, in publication order, when more are stored, as a feed of N-article updates would: a large store needs less memory than a build at once (a fifth at 8,490 BBC articles with N=100) for more time, and may group slightly differently (see README)")
    p = sub.add_parser("run", parents=[common, outp, scale, parts], help="ingest files, build the storyline and write the outputs", description="Ingest files and folders, build the storyline over everything in the store, write storyline.json and report.html.")
    p.add_argument("paths", nargs="+", help="files or folders (.txt, .html, .htm, .json, .jsonl, news-tls InputDocs, .warc/.warc.gz web archives)")
    p = sub.add_parser("ingest", parents=[common, scale, parts], help="ingest files into the store without writing outputs", description="Ingest files and folders into the store and update the stored storyline; writes no files.")
    p.add_argument("paths", nargs="+", help="files or folders to ingest")
    sub.add_parser("build", parents=[common, outp, parts], help="rebuild the storyline from the store and write the outputs", description="Re-link everything in the store into a storyline and write storyline.json and report.html.")
    p = sub.add_parser("export", parents=[common, outp], help="write the stored storyline as JSON, HTML or Parquet", description="Write the storyline last built in the store, without recomputing it.")
    p.add_argument("--format", choices=["json", "html", "both", "parquet"], default="both", help="what to write (default: both, storyline.json and report.html; parquet: one file per storyline table in OUT/parquet/, needs the 'parquet' extra)")
    from crosscheck.cli_serve import add_serve

    add_serve(sub, common, budget)  # web app and REST API
    from crosscheck.cli_web import add_commands

    add_commands(sub, common, budget)  # fetch, feeds, watch
    from crosscheck.cli_timeline import add_timeline

    add_timeline(sub, common)  # timeline summary
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from crosscheck.console import Reporter

    reporter = Reporter(quiet=args.quiet)
    if args.command == "serve":  # runs until stopped; uvicorn handles Ctrl-C itself
        from crosscheck.cli_serve import serve

        return serve(args, reporter)
    from crosscheck.cli_web import handlers as web_handlers

    handler = {"run": _run, "ingest": _run, "build": _build, "export": _export, "timeline": _timeline, **web_handlers()}[args.command]
    try:
        return handler(args, reporter)
    except KeyboardInterrupt:
        reporter.error("interrupted; everything stored before this point is kept")
        return 130
    except Exception as exc:  # a database or filesystem problem the user can act on
        from sqlalchemy.exc import SQLAlchemyError

        from crosscheck.migrations import UpgradeError

        if isinstance(exc, (OSError, SQLAlchemyError, UpgradeError)):
            reporter.error(f"{args.db}: {type(exc).__name__}: {exc}".splitlines()[0])
            return 1
        raise


def _run(args, reporter) -> int:
    from crosscheck.core import process, write_run_outputs
    from crosscheck.nlp import DeviceUnavailable, use_device
    from crosscheck.settings import Settings
    from crosscheck.store import Store

    # Before anything is read or stored: the run would fail in its first batch. Here, not
    # for Ray, whose workers may have the GPUs that the driver lacks.
    if args.device == "gpu" and args.engine == "local":
        try:
            use_device("gpu")
        except DeviceUnavailable as exc:
            reporter.error(f"--device gpu: no usable GPU ({exc}); use --device auto or cpu")
            return EXIT_USAGE
    missing = [p for p in args.paths if not Path(p).exists()]
    for p in missing:
        reporter.error(f"{p}: no such file or folder")
    with Store(args.db) as store, reporter.progress() as progress:
        settings = Settings(db_url=args.db, workers=args.workers, engine=args.engine, engine_address=args.address,
                            device=args.device, batch_size=args.batch_size, incremental=args.incremental,
                            build_parts=args.build_parts or 0, build_memory_mb=args.memory_budget)
        # An increment is not read back: `run` writes its files from the store (write_run_outputs)
        result = process([p for p in args.paths if p not in missing], store, settings, progress, read_back=False)
        s = result.storyline
        c = {"storyline_articles": len(s.articles), "entities": len(s.entities), "events": len(s.events)} if s \
            else store.counts()  # an incremental update
        n = (c["storyline_articles"], c["entities"], c["events"])
        if args.command == "run":
            write_run_outputs(result, store, args.out)
    for err in result.errors:
        reporter.error(err.line())
    if result.redated:  # the new articles' stated dates moved the inferred dates of stored ones
        from crosscheck.incremental import listed

        reporter.info(f"re-dated {len(result.redated)} stored articles with the new articles' dates: "
                      f"{listed(result.redated)}")
    inc = result.increment
    if inc is not None and result.added:  # --incremental: what it did, or why the storyline was rebuilt instead
        reporter.info(inc.summary() if inc.verified else f"not verified incrementally ({inc.reason}): rebuilt the storyline")
    if args.command == "run":
        reporter.info(f"wrote {Path(args.out) / 'storyline.json'} and {Path(args.out) / 'report.html'}")
    reporter.summary(f"{len(result.added)} articles added, {result.skipped} already stored, {len(result.errors) + len(missing)} rejected; store has {n[0]} articles, {n[1]} entities, {n[2]} events ({args.db})")
    if not result.added and not n[0]:
        return EXIT_NOTHING
    return EXIT_SOME_REJECTED if (result.errors or missing) else EXIT_OK


def _timeline(args, reporter) -> int:
    from crosscheck.cli_timeline import timeline

    return timeline(args, reporter)


def _build(args, reporter) -> int:
    from crosscheck.core import rebuild, write_outputs, write_stored_outputs
    from crosscheck.settings import Settings
    from crosscheck.store import Store

    with Store(args.db) as store:
        if not store.counts("articles")["articles"]:
            reporter.error(f"{args.db}: the store holds no articles; run 'crosscheck ingest' first")
            return EXIT_NOTHING
        storyline = rebuild(store, Settings(db_url=args.db, build_parts=args.build_parts or 0,
                                                build_memory_mb=args.memory_budget), read_back=False)
        if storyline is None:  # built in parts: its files are written from the store, never held whole
            storyline = write_stored_outputs(store, args.out)
        else:
            write_outputs(storyline, args.out)
    reporter.summary(f"{len(storyline.articles)} articles, {len(storyline.events)} events written to {args.out}")
    return EXIT_OK


def _export(args, reporter) -> int:
    from crosscheck.core import write_stored_outputs
    from crosscheck.store import Store

    out = Path(args.out)
    if args.format == "parquet":
        return _export_parquet(args, reporter, out / "parquet")
    formats = ("json", "html") if args.format == "both" else (args.format,)
    with Store(args.db) as store:
        storyline = write_stored_outputs(store, out, formats=formats)
    if storyline is None:
        return _no_storyline(args, reporter)
    reporter.summary(f"exported {len(storyline.events)} events to {out}")
    return EXIT_OK


def _no_storyline(args, reporter) -> int:
    reporter.error(f"{args.db}: no storyline stored yet; run 'crosscheck run' or 'crosscheck build'")
    return EXIT_NOTHING


def _export_parquet(args, reporter, out: Path) -> int:
    from crosscheck.export_parquet import ParquetUnavailable, write_parquet
    from crosscheck.store import Store

    try:
        with Store(args.db) as store:
            files = write_parquet(store, out)
    except ParquetUnavailable as exc:
        reporter.error(f"--format parquet: {exc}")
        return EXIT_USAGE
    if files is None:
        return _no_storyline(args, reporter)
    counts = {f.name: f.rows for f in files}
    reporter.summary(f"exported {len(files)} tables ({counts['events']} events, {counts['claims']} claims) to {out}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
