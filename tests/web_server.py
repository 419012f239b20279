"""A local HTTP server on 127.0.0.1 (a free port) for the fetch/feeds/watch tests.

Why hand-made: each test needs exact control over what the "site" does — conditional
requests, slow or dripping responses, 404/500s, redirects, oversized bodies — and a
record of what crosscheck asked (paths, headers, how many requests were in flight at
once). Nothing here talks to any other address.

The site (``fictional_site``) is fiction written for these tests: a port strike in the
made-up city of Valmora, told by three made-up outlets.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # before the status line
    drip: float = 0.0  # between body chunks of 1 KB
    chunked: bool = False  # no Content-Length: the body's size is unknown in advance
    fail_first: int = 0  # answer 503 this many times before the real response


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (the fetcher aborting an oversized or slow download) is
    normal here; the default handler would print a traceback into the captured stderr
    that the CLI tests inspect for crosscheck's own tracebacks."""

    def handle_error(self, request, client_address):
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


class LocalServer:
    """``with LocalServer() as site: site.routes["/a"] = Route(...); site.url("/a")``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.inflight = 0
        self.max_inflight = 0
        self.bytes_sent = 0
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def reset_counts(self) -> None:
        with self._lock:
            self.hits.clear()
            self.requests.clear()
            self.max_inflight = self.inflight
            self.bytes_sent = 0

    def __enter__(self) -> "LocalServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(site: LocalServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # small writes must not wait for delayed ACKs (40 ms each)

        def log_message(self, *args) -> None:  # keep test output clean
            return None

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            path = self.path.split("?")[0]
            with site._lock:
                site.hits[path] += 1
                site.requests.append((self.path, dict(self.headers)))
                site.inflight += 1
                site.max_inflight = max(site.max_inflight, site.inflight)
                n = site.hits[path]
            try:
                self._answer(site.routes.get(path), n)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with site._lock:
                    site.inflight -= 1

        def _answer(self, route: Route | None, n: int) -> None:
            if route is None:
                return self._send(404, b"not found", {"Content-Type": "text/plain"})
            time.sleep(route.delay)
            if n <= route.fail_first:
                return self._send(503, b"busy", {"Content-Type": "text/plain", "Retry-After": "0"})
            if route.etag and self.headers.get("If-None-Match") == route.etag:
                return self._send(304, b"", {"ETag": route.etag})
            if route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified:
                return self._send(304, b"", {"Last-Modified": route.last_modified})
            headers = {"Content-Type": route.content_type, **route.headers}
            if route.etag:
                headers["ETag"] = route.etag
            if route.last_modified:
                headers["Last-Modified"] = route.last_modified
            self._send(route.status, route.body, headers, route.chunked, route.drip)

        def _send(self, status: int, body: bytes, headers: dict, chunked: bool = False, drip: float = 0.0) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if status == 304:
                self.end_headers()
                return
            self.send_header("Transfer-Encoding" if chunked else "Content-Length", "chunked" if chunked else str(len(body)))
            self.end_headers()
            step = 1024 if chunked or drip else max(1, len(body))
            for i in range(0, len(body), step):
                piece = body[i:i + step]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                with site._lock:
                    site.bytes_sent += len(piece)
                if drip:
                    self.wfile.flush()
                    time.sleep(drip)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")

    return Handler


# --------------------------------------------------------------------------- the fictional site
def article_html(title: str, outlet: str, published: str, paragraphs: list[str], canonical: str | None = None,
                 modified: str | None = None) -> bytes:
    """A news page as outlets write them: metadata, navigation, the article, a footer."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    mod = f'<meta property="article:modified_time" content="{modified}">' if modified else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | {outlet}</title>
<meta property="og:site_name" content="{outlet}">
<meta property="article:published_time" content="{published}">{mod}{link}
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a></nav>
<article><h1>{title}</h1>
<p class="byline">By Staff Reporter</p>
{body}
</article>
<footer>Copyright 2025 {outlet}. All rights reserved.</footer>
</body></html>""".encode("utf-8")


ARTICLES = {
    "/courier/strike-begins": (
        "Dockworkers walk out at the port of Valmora", "Valmora Courier", "2025-03-03T08:00:00+00:00", [
            "Dockworkers at the port of Valmora went on strike on Monday, halting cargo traffic at the largest harbour on the Selva coast.",
            "The Valmora Dockers Union said its members stopped work after talks with the Harbour Authority over wages collapsed on Sunday night.",
            "Union leader Marta Quell told reporters that the strike would continue until the authority returned to the table.",
        ]),
    "/ledger/port-strike": (
        "Strike shuts Valmora harbour", "Selva Ledger", "2025-03-03T10:30:00+00:00", [
            "Cargo traffic at the port of Valmora stopped on Monday when dockworkers went on strike over pay.",
            "Harbour Authority director Oren Vale said the authority had offered a four percent raise before the talks ended.",
            "Ships were waiting outside the harbour on Monday evening, according to the port's own schedule.",
        ]),
    "/courier/talks-resume": (
        "Valmora port talks to resume on Thursday", "Valmora Courier", "2025-03-05T07:15:00+00:00", [
            "The Harbour Authority and the Valmora Dockers Union agreed on Wednesday to resume talks on Thursday.",
            "Marta Quell said the union would keep the strike going while the talks take place.",
        ]),
    "/gazette/talks": (
        "Harbour talks set for Thursday", "Coastal Gazette", "2025-03-05T09:00:00+00:00", [
            "The Harbour Authority and the Valmora Dockers Union agreed on Wednesday to resume talks on Thursday, ending days of silence.",
            "Oren Vale said the authority was ready to improve its offer.",
        ]),
}


def rss(site: LocalServer, paths: list[str], dates: dict[str, str] | None = None) -> bytes:
    items = []
    for p in paths:
        title, _outlet, _pub, _paras = ARTICLES[p]
        date = (dates or {}).get(p, "Mon, 03 Mar 2025 09:00:00 +0000")
        items.append(f"<item><title>{title}</title><link>{site.url(p)}?utm_source=rss&amp;utm_medium=feed</link>"
                     f"<pubDate>{date}</pubDate></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Valmora news</title>'
            f"<link>{site.url('/')}</link>{''.join(items)}</channel></rss>").encode("utf-8")


def add_articles(site: LocalServer, paths: list[str] | None = None) -> None:
    for p in paths or list(ARTICLES):
        title, outlet, pub, paras = ARTICLES[p]
        site.routes[p] = Route(article_html(title, outlet, pub, paras), etag=f'"{zlib.crc32(p.encode()):08x}"')


ROBOTS = b"User-agent: *\nDisallow: /private/\n"
