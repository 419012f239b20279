"""Web ingest on this machine: fetch throughput and the cost of a re-poll.

Why: a watcher polls every few minutes for days, so what a poll costs when nothing
changed (requests, bytes, seconds) matters more than raw speed; raw speed with the
rate limit off says how much the politeness machinery (robots.txt, per-host
semaphores, pacing, deadlines, streamed size cap) costs by itself.

Everything is served by the tests' local server on 127.0.0.1 (tests/web_server.py):
N fictional article pages generated here, an RSS feed listing them (with an ETag),
a robots.txt. Nothing touches another address.

Measured, in one run:
1. fetch throughput, rate limit off: crosscheck's Fetcher at 2 (the default) and 16
   requests in flight per host, against a baseline of plain ``httpx.AsyncClient``
   requests at the same concurrency (no robots, no pacing, no deadline, no cap) —
   best of 5 interleaved runs, ratio printed; a plain sequential ``httpx.Client`` loop for context. The local
   server is Python's threaded http.server in its own process, so absolute numbers
   are bounded by it (more connections = more server threads on 2 cores).
2. first poll through the whole pipeline (``collect_feeds``: feed, pages, clean … storyline).
3. re-polls when nothing changed: the same watcher (robots.txt remembered), a new
   process (robots.txt read again), and ``--refresh`` (every stored page asked again,
   conditionally) — against the baseline of downloading feed and pages again.
4. WARC: records/s reading a warcio-built archive of the same pages (under 10 hosts),
   and peak Python memory (tracemalloc) while iterating, against the archive's size.

Usage: python benchmarks/fetch_local.py [--pages 300] [--pipeline-pages 60]
Writes benchmarks/results/fetch_local.json.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from web_server import ROBOTS, LocalServer, Route, article_html  # noqa: E402

OUTLETS = ["Valmora Courier", "Selva Ledger", "Coastal Gazette", "Harbour Watch"]
LINES = [
    "Dockworkers at the port of Valmora stayed off the job on day {i} of the strike, union officials said.",
    "The Harbour Authority said {n} ships were waiting outside the harbour on {day}.",
    "Union leader Marta Quell met Harbour Authority director Oren Vale in Valmora on {day} to discuss wages.",
    "Traders in the market district said the price of imported grain had risen by {n} percent since the walkout began.",
    "The city council of Valmora called on both sides to accept mediation by the regional labour office.",
]
REPEATS_TIMING = 5  # throughput: best of this many interleaved runs
REPEATS = 10  # WARC: each page archived under this many hosts
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def make_pages(n: int) -> dict[str, bytes]:
    pages = {}
    for i in range(n):
        paras = [LINES[(i + k) % len(LINES)].format(i=i + 1, n=3 + (i * 7) % 40, day=DAYS[(i + k) % 5])
                 for k in range(4)] + [f"Report number {i} filed by the {OUTLETS[i % 4]} desk."]
        day = 3 + i % 20
        pages[f"/news/{i:04d}"] = article_html(f"Valmora strike update {i}", OUTLETS[i % 4],
                                              f"2025-03-{day:02d}T08:00:00+00:00", paras)
    return pages


def rss_feed(site: LocalServer, paths: list[str]) -> bytes:
    items = "".join(f"<item><title>Update {p[-4:]}</title><link>{site.url(p)}?utm_source=rss</link>"
                    f"<pubDate>Mon, 03 Mar 2025 09:00:00 +0000</pubDate></item>" for p in paths)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Valmora</title>{items}</channel></rss>'.encode()


def serve(site: LocalServer, pages: dict[str, bytes], feed_paths: list[str]) -> None:
    site.routes["/robots.txt"] = Route(ROBOTS, content_type="text/plain")
    for i, (p, body) in enumerate(pages.items()):
        site.routes[p] = Route(body, etag=f'"p{i}"', last_modified="Mon, 03 Mar 2025 09:00:00 GMT")
    site.routes["/rss.xml"] = Route(rss_feed(site, feed_paths), content_type="application/rss+xml", etag='"feed-1"')


class Site:
    """The local server in a process of its own: in-process, its threads would share
    the interpreter lock with the client being measured."""

    def __init__(self, pages: dict[str, bytes], feed_paths: list[str]) -> None:
        import multiprocessing as mp

        self._parent, child = mp.Pipe()
        self._proc = mp.Process(target=_site_main, args=(child, pages, feed_paths), daemon=True)

    def __enter__(self) -> "Site":
        self._proc.start()
        self.port, self.feed_bytes = self._parent.recv()
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __exit__(self, *exc) -> None:
        self._parent.send("stop")
        self._proc.join(10)


def _site_main(conn, pages: dict[str, bytes], feed_paths: list[str]) -> None:
    with LocalServer() as site:
        serve(site, pages, feed_paths)
        conn.send((site.port, len(site.routes["/rss.xml"].body)))
        conn.recv()


def _plain_async(urls: list[str], conc: int) -> tuple[float, int]:
    """Baseline at the same concurrency: httpx.AsyncClient, a semaphore, nothing else."""
    import asyncio

    import httpx

    async def go() -> int:
        sem = asyncio.Semaphore(conc)
        async with httpx.AsyncClient(trust_env=False) as client:
            async def one(u: str) -> int:
                async with sem:
                    return len((await client.get(u)).content)
            return sum(await asyncio.gather(*(one(u) for u in urls)))

    t0 = time.perf_counter()
    size = asyncio.run(go())
    return time.perf_counter() - t0, size


def bench_throughput(site: Site, paths: list[str]) -> dict:
    import httpx

    from crosscheck.fetch import Fetcher, FetchRequest, Politeness

    urls = [site.url(p) for p in paths]
    t0 = time.perf_counter()
    with httpx.Client(trust_env=False) as client:
        base_bytes = sum(len(client.get(u).content) for u in urls)
    base_s = time.perf_counter() - t0
    out = {"pages": len(urls), "plain_httpx_sequential": {
        "seconds": round(base_s, 3), "pages_per_s": round(len(urls) / base_s, 1), "bytes": base_bytes}}
    for conc in (2, 16):
        plain, mine = [], []
        for _ in range(REPEATS_TIMING):  # interleaved, best of: the machine is shared
            plain.append(_plain_async(urls, conc)[0])
            fetcher = Fetcher(Politeness(rate_per_host=0, concurrency_per_host=conc), trust_env=False)
            t0 = time.perf_counter()
            results = fetcher.fetch_all([FetchRequest(u) for u in urls])
            mine.append(time.perf_counter() - t0)
        plain_s, secs = min(plain), min(mine)
        ok = sum(r.ok for r in results)
        out[f"baseline_plain_httpx_async_concurrency_{conc}"] = {
            "seconds": round(plain_s, 3), "pages_per_s": round(len(urls) / plain_s, 1)}
        out[f"crosscheck_rate_off_concurrency_{conc}"] = {
            "seconds": round(secs, 3), "pages_per_s": round(ok / secs, 1), "ok": ok,
            "requests": sum(r.requests for r in results),
            "vs_baseline_same_concurrency": round((ok / secs) / (len(urls) / plain_s), 2)}
    polite = Fetcher(Politeness(), trust_env=False)  # the defaults: 1 request/s per host
    t0 = time.perf_counter()
    polite.fetch_all([FetchRequest(u) for u in urls[:5]])
    out["crosscheck_default_politeness_5_pages"] = {"seconds": round(time.perf_counter() - t0, 2),
                                                     "note": "1 request/s per host: robots.txt + 5 pages"}
    return out


def poll_figures(report, wall: float) -> dict:
    added = len(report.run.added) if report.run else 0
    return {"requests": report.requests, "bytes": report.bytes, "seconds": round(wall, 3), "articles_added": added,
            "feeds_unchanged": report.feeds_unchanged, "already_stored": report.already_stored,
            "not_modified": report.pages_not_modified}


def bench_polls(site: Site, pages: dict[str, bytes], feed_paths: list[str], db: str) -> dict:
    from crosscheck.collect import CollectOptions, collect_feeds
    from crosscheck.fetch import Fetcher, Politeness
    from crosscheck.nlp import Analyzer
    from crosscheck.store import Store

    analyzer = Analyzer()
    polite_off = Politeness(rate_per_host=0)
    feed = [site.url("/rss.xml")]
    out = {}
    with Store(db) as store:
        fetcher = Fetcher(polite_off, trust_env=False)
        runs = [("first_poll", fetcher, CollectOptions()), ("repoll_same_watcher", fetcher, CollectOptions()),
                ("repoll_new_process", Fetcher(polite_off, trust_env=False), CollectOptions()),
                ("repoll_refresh", Fetcher(polite_off, trust_env=False), CollectOptions(refresh=True))]
        for name, f, options in runs:
            t0 = time.perf_counter()
            report = collect_feeds(feed, store, f, options, analyzer=analyzer)
            out[name] = poll_figures(report, time.perf_counter() - t0)
    out["baseline_redownload_everything"] = {
        "requests": 1 + len(feed_paths), "bytes": site.feed_bytes + sum(len(pages[p]) for p in feed_paths)}
    out["first_poll"]["pages_per_s_end_to_end"] = round(len(feed_paths) / out["first_poll"]["seconds"], 2)
    return out


def bench_warc(pages: dict[str, bytes], tmp: Path) -> dict:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from crosscheck.warc import WarcStats, iter_warc

    path = tmp / "bench.warc.gz"
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for rep in range(REPEATS):  # the same pages under several hosts
            for p, body in pages.items():
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
                w.write_record(w.create_warc_record(f"https://host{rep}.example{p}", "response",
                                                    payload=io.BytesIO(body), http_headers=http))
    stats = WarcStats()
    tracemalloc.start()
    t0 = time.perf_counter()
    chars = sum(len(d.original) for d in iter_warc(path, stats=stats))  # documents not kept
    secs = time.perf_counter() - t0
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"records": stats.records, "documents": stats.documents, "archive_bytes": path.stat().st_size,
            "uncompressed_html_bytes": sum(len(b) for b in pages.values()) * REPEATS, "document_chars": chars,
            "seconds": round(secs, 3), "records_per_s": round(stats.records / secs, 1),
            "peak_python_bytes_while_iterating": peak,
            "note": "iter_warc holds one record at a time; peak is tracemalloc's, documents are not kept"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=300, help="pages served for the throughput test")
    ap.add_argument("--pipeline-pages", type=int, default=60, help="feed entries taken through the whole pipeline")
    args = ap.parse_args()
    pages = make_pages(args.pages)
    feed_paths = list(pages)[: args.pipeline_pages]
    result: dict = {"machine": f"{platform.machine()} {platform.python_version()}", "pages": args.pages,
                    "pipeline_pages": args.pipeline_pages}
    with Site(pages, feed_paths) as site, tempfile.TemporaryDirectory() as tmp:
        result["throughput"] = bench_throughput(site, list(pages))
        result["polls"] = bench_polls(site, pages, feed_paths, f"sqlite:///{tmp}/bench.db")
        result["warc"] = bench_warc(pages, Path(tmp))
    t, p = result["throughput"], result["polls"]
    print(f"fetch, rate limit off ({t['pages']} pages): plain sequential httpx {t['plain_httpx_sequential']['pages_per_s']} pages/s")
    for conc in (2, 16):
        c, b = t[f"crosscheck_rate_off_concurrency_{conc}"], t[f"baseline_plain_httpx_async_concurrency_{conc}"]
        print(f"  {conc} in flight: crosscheck {c['pages_per_s']} pages/s, plain async httpx {b['pages_per_s']} pages/s "
              f"(ratio {c['vs_baseline_same_concurrency']})")
    base = p["baseline_redownload_everything"]
    for name in ("first_poll", "repoll_same_watcher", "repoll_new_process", "repoll_refresh"):
        v = p[name]
        print(f"{name}: {v['requests']} requests, {v['bytes']} bytes, {v['seconds']} s, {v['articles_added']} added "
              f"(bytes vs re-downloading everything: {v['bytes'] / base['bytes']:.4f})")
    w = result["warc"]
    print(f"warc: {w['records']} records in {w['seconds']} s ({w['records_per_s']}/s), peak {w['peak_python_bytes_while_iterating']} "
          f"bytes while iterating a {w['archive_bytes']}-byte archive ({w['uncompressed_html_bytes']} bytes of HTML)")
    out = ROOT / "benchmarks" / "results" / "fetch_local.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
