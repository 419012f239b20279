"""``crosscheck serve``: the web application and REST API over a store (uvicorn).

Why its own module: the web stack (FastAPI, uvicorn) is an optional extra
(``pip install 'crosscheck[web]'``); the CLI imports it only when ``serve`` runs and
says how to install it when it is missing.
"""

from __future__ import annotations

import argparse
import os

from crosscheck.web import TOKEN_ENV

EXIT_OK, EXIT_USAGE = 0, 2


def add_serve(sub, common: argparse.ArgumentParser, budget: argparse.ArgumentParser) -> None:
    """``budget``: ``--memory-budget``, for the builds the app runs (``POST /api/v1/build``)."""
    p = sub.add_parser(
        "serve", parents=[common, budget], help="serve the web app and REST API over the store",
        description="Serve the storyline as web pages and a REST API under /api/v1 (OpenAPI docs at "
                    "/api/docs). Read endpoints are open; ingest needs the token.")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    p.add_argument("--token", default=None,
                   help=f"token that write endpoints (ingest) require as 'Authorization: Bearer TOKEN' "
                        f"(default: ${TOKEN_ENV}; without one, the server is read-only)")
    p.add_argument("--max-upload-mb", type=float, default=5.0, help="largest ingest request in MB (default: 5)")
    p.add_argument("--no-verify-after-upload", dest="verify_after_upload", action="store_false",
                   help="do not compare an upload's claims across sources (default: compared incrementally in the "
                        "upload's job, or by a full build queued behind it where the store predates that; without "
                        "it, uploaded claims wait for POST /api/v1/build)")


def serve(args, reporter) -> int:
    try:
        import uvicorn

        from crosscheck.settings import Settings
        from crosscheck.web.app import create_app
        from crosscheck.web.context import WebConfig
    except ImportError as exc:
        reporter.error(f"serve needs the web extra ({exc.name} is missing): pip install 'crosscheck[web]'")
        return EXIT_USAGE
    token = args.token if args.token is not None else (os.environ.get(TOKEN_ENV) or None)
    config = WebConfig(max_upload_bytes=int(args.max_upload_mb * 1_000_000), verify_after_upload=args.verify_after_upload)
    app = create_app(args.db, token, settings=Settings(build_memory_mb=args.memory_budget), config=config)
    mode = "writes need the token" if token else "read-only (no --token or $" + TOKEN_ENV + ")"
    reporter.info(f"serving {args.db} on http://{args.host}:{args.port}/ ({mode}); API docs at /api/docs")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning" if args.quiet else "info")
    return EXIT_OK
