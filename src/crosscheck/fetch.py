"""HTTP fetching that is polite to the sites it reads and robust against them.

Why hand-rolled on top of httpx rather than a crawler framework: crosscheck fetches a
few hundred pages per poll, and every rule below must be visible and testable:

- robots.txt (``urllib.robotparser``) is read once per site and honoured, including
  its Crawl-delay; RFC 9309: a missing robots.txt (4xx) allows everything, an
  unreachable one (5xx, network error) disallows everything for this run.
- per host: at most ``rate_per_host`` request starts per second and
  ``concurrency_per_host`` requests in flight; ``concurrency`` overall.
- every attempt has a wall-clock deadline (connect to last byte), not only httpx's
  per-read timeout, so a server that drips one byte a second cannot hold a run.
- retries with exponential backoff on network errors, 429 and 5xx; Retry-After wins.
- conditional requests: the caller passes the ETag / Last-Modified it remembered, a
  304 is "not modified" and downloads no body.
- a size cap per response, streamed: a Content-Length over the cap is refused before
  reading, a body that grows past it is cut off, each with the reason.
- redirects followed by hand: at most ``max_redirects``, http/https only (never
  file:// or another scheme), no loops, robots.txt checked for every hop.

Nothing raises for a site's misbehaviour: each request ends as a ``FetchResult``
whose ``outcome`` and ``reason`` say what happened.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import time
from dataclasses import dataclass, field
from typing import Literal, Sequence
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from crosscheck.politeness import ROBOTS_AGENT, Politeness
from crosscheck.urls import host_of, is_fetchable

REDIRECTS = {301, 302, 303, 307, 308}
RETRY_STATUSES = {429, 500, 502, 503, 504}
ROBOTS_MAX_BYTES = 500_000  # RFC 9309: at least 500 KiB must be parsed
ROBOTS_TTL_S = 24 * 3600  # RFC 9309: do not rely on a robots.txt older than a day

Outcome = Literal["ok", "not-modified", "error", "blocked", "too-large"]


@dataclass(frozen=True)
class FetchRequest:
    url: str
    etag: str | None = None  # remembered validators: sent as If-None-Match / If-Modified-Since
    last_modified: str | None = None
    accept: str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


@dataclass
class FetchResult:
    """What one request (with its retries and redirects) came to."""

    url: str
    outcome: Outcome
    final_url: str | None = None
    status: int | None = None
    body: bytes = b""
    content_type: str | None = None  # media type only, lower case
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    reason: str = ""
    requests: int = 0  # HTTP requests sent, retries and redirect hops included
    bytes_downloaded: int = 0  # bytes on the wire for bodies (compressed, as sent)
    redirects: list[str] = field(default_factory=list)
    fetched_at: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


@dataclass
class _Host:
    """Per-host pacing that outlives one event loop (plain numbers only)."""

    next_start: float = 0.0
    robots: RobotFileParser | None = None
    robots_at: float = -1e18
    robots_note: str = ""


@dataclass
class _Loop:
    """asyncio primitives for one ``fetch_all`` call (they belong to one event loop)."""

    total: asyncio.Semaphore
    per_host: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def sem(self, host: str, n: int) -> asyncio.Semaphore:
        return self.per_host.setdefault(host, asyncio.Semaphore(max(1, n)))

    def lock(self, key: str) -> asyncio.Lock:
        return self.locks.setdefault(key, asyncio.Lock())


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def retry_after(value: str | None, cap: float) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, min((when - dt.datetime.now(dt.timezone.utc)).total_seconds(), cap))


class Fetcher:
    """Fetch many URLs politely. Keep one instance across polls: robots.txt files
    and per-host pacing are remembered (robots.txt for a day)."""

    def __init__(self, politeness: Politeness = Politeness(), *,
                 transport: httpx.AsyncBaseTransport | None = None, trust_env: bool = True) -> None:
        self.p = politeness
        self._transport = transport
        self._trust_env = trust_env
        self._hosts: dict[str, _Host] = {}

    # -- public ------------------------------------------------------------------
    def fetch_all(self, requests: Sequence[FetchRequest]) -> list[FetchResult]:
        """Fetch concurrently (within the limits); results in the order of ``requests``."""
        if not requests:
            return []
        return asyncio.run(self._fetch_all(list(requests)))

    def fetch(self, request: FetchRequest | str) -> FetchResult:
        req = FetchRequest(request) if isinstance(request, str) else request
        return self.fetch_all([req])[0]

    async def _fetch_all(self, requests: list[FetchRequest]) -> list[FetchResult]:
        loop = _Loop(asyncio.Semaphore(max(1, self.p.concurrency)))
        timeout = httpx.Timeout(self.p.timeout_s)
        async with httpx.AsyncClient(
            headers={"User-Agent": self.p.user_agent}, timeout=timeout, follow_redirects=False,
            transport=self._transport, trust_env=self._trust_env,
        ) as client:
            return list(await asyncio.gather(*(self._one(client, loop, r) for r in requests)))

    # -- one request: redirects and robots ----------------------------------------
    async def _one(self, client: httpx.AsyncClient, loop: _Loop, req: FetchRequest) -> FetchResult:
        result = FetchResult(req.url, "error", fetched_at=_now_iso())
        if not is_fetchable(req.url):
            result.reason = "not an http(s) URL; only http and https are fetched"
            return result
        current, seen = req.url, {req.url}
        for _hop in range(self.p.max_redirects + 1):
            if self.p.robots:
                allowed, why = await self._allowed(client, loop, current, result)
                if not allowed:
                    result.outcome, result.final_url, result.reason = "blocked", current, why
                    return result
            location = await self._attempts(client, loop, req, current, result)
            if location is None:
                return result
            nxt = urljoin(current, location)
            if not is_fetchable(nxt):
                result.outcome, result.reason = "error", f"redirect to {nxt[:200]!r} refused: only http(s) is followed"
                return result
            if nxt in seen:
                result.outcome, result.reason = "error", f"redirect loop at {nxt}"
                return result
            seen.add(nxt)
            result.redirects.append(nxt)
            current = nxt
        result.outcome, result.reason = "error", f"too many redirects (more than {self.p.max_redirects})"
        return result

    async def _allowed(self, client, loop: _Loop, url: str, parent: FetchResult) -> tuple[bool, str]:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{host_of(url)}"
        state = self._hosts.setdefault(host_of(url), _Host())
        async with loop.lock("robots:" + key):
            if time.monotonic() - state.robots_at > ROBOTS_TTL_S:
                state.robots, state.robots_note = await self._read_robots(client, loop, key + "/robots.txt", parent)
                state.robots_at = time.monotonic()
        assert state.robots is not None
        if state.robots.can_fetch(ROBOTS_AGENT, url):
            return True, ""
        return False, f"disallowed by {key}/robots.txt{state.robots_note}"

    async def _read_robots(self, client, loop: _Loop, url: str, parent: FetchResult) -> tuple[RobotFileParser, str]:
        rp, probe = RobotFileParser(url), FetchResult(url, "error")
        req = FetchRequest(url, accept="text/plain,*/*;q=0.5")
        location, hops = await self._attempts(client, loop, req, url, probe, ROBOTS_MAX_BYTES), 0
        while location is not None and hops < self.p.max_redirects:  # RFC 9309: follow 5 hops
            nxt = urljoin(probe.final_url or url, location)
            if not is_fetchable(nxt):
                break
            location, hops = await self._attempts(client, loop, req, nxt, probe, ROBOTS_MAX_BYTES), hops + 1
        parent.requests += probe.requests
        parent.bytes_downloaded += probe.bytes_downloaded
        if probe.ok:
            rp.parse(probe.body.decode("utf-8", "replace").splitlines())
            return rp, ""
        if probe.status is not None and 400 <= probe.status < 500:
            rp.allow_all = True  # no robots.txt: everything allowed
            return rp, ""
        rp.disallow_all = True
        return rp, f" (unreachable: {probe.reason}; treated as disallow-all)"

    # -- attempts: pacing, retries, deadline ---------------------------------------
    async def _attempts(self, client, loop: _Loop, req: FetchRequest, url: str, result: FetchResult,
                        max_bytes: int | None = None) -> str | None:
        """Fill ``result`` for ``url``; return a redirect Location to follow, else None."""
        host = host_of(url)
        headers = {"Accept": req.accept}
        if url == req.url and req.etag:
            headers["If-None-Match"] = req.etag
        if url == req.url and req.last_modified:
            headers["If-Modified-Since"] = req.last_modified
        for attempt in range(self.p.retries + 1):
            async with loop.sem(host, self.p.concurrency_per_host):
                await self._pace(host)
                async with loop.total:
                    location, wait = await self._guarded(client, url, headers, result, max_bytes)
            retryable = result.outcome == "error" and (result.status is None or result.status in RETRY_STATUSES)
            if location is not None or not retryable or attempt == self.p.retries:
                if retryable and attempt:
                    result.reason += f" (after {attempt + 1} attempts)"
                return location
            backoff = min(self.p.backoff_s * (2 ** attempt), self.p.max_backoff_s)
            await asyncio.sleep(max(backoff, wait))
        return None  # pragma: no cover - the loop always returns

    async def _guarded(self, client, url: str, headers: dict, result: FetchResult,
                       max_bytes: int | None) -> tuple[str | None, float]:
        """One attempt under its wall-clock deadline; failures become the result's reason."""
        result.requests += 1
        try:
            return await asyncio.wait_for(
                self._once(client, url, headers, result, max_bytes or self.p.max_bytes),
                timeout=self.p.timeout_s)
        except asyncio.TimeoutError:
            result.reason = f"timed out after {self.p.timeout_s:g} s"
        except httpx.HTTPError as exc:
            result.reason = f"network error: {type(exc).__name__}: {exc}"[:300]
        result.outcome, result.status, result.body = "error", None, b""
        return None, 0.0

    async def _pace(self, host: str) -> None:
        """Wait for this host's next start slot (rate limit and robots Crawl-delay)."""
        state = self._hosts.setdefault(host, _Host())
        interval = 1.0 / self.p.rate_per_host if self.p.rate_per_host > 0 else 0.0
        if state.robots is not None and self.p.robots:
            delay = state.robots.crawl_delay(ROBOTS_AGENT)
            interval = max(interval, float(delay or 0))
        now = time.monotonic()
        start = max(now, state.next_start)
        state.next_start = start + interval
        if start > now:
            await asyncio.sleep(start - now)

    async def _once(self, client: httpx.AsyncClient, url: str, headers: dict, result: FetchResult,
                    max_bytes: int) -> tuple[str | None, float]:
        """One HTTP exchange; returns (redirect location, Retry-After seconds)."""
        async with client.stream("GET", url, headers=headers) as resp:
            result.status, result.final_url = resp.status_code, url
            h = resp.headers
            if resp.status_code in REDIRECTS and h.get("location"):
                return h["location"], 0.0
            if resp.status_code == 304:
                result.outcome, result.reason = "not-modified", "not modified since the last fetch"
                result.etag = h.get("etag") or headers.get("If-None-Match")
                result.last_modified = h.get("last-modified") or headers.get("If-Modified-Since")
                return None, 0.0
            if resp.status_code >= 400 or resp.status_code < 200:
                result.outcome, result.reason = "error", f"HTTP {resp.status_code} {resp.reason_phrase}".strip()
                return None, retry_after(h.get("retry-after"), self.p.max_backoff_s) or 0.0
            await self._read_body(resp, result, max_bytes)
            return None, 0.0

    async def _read_body(self, resp: httpx.Response, result: FetchResult, max_bytes: int) -> None:
        h = resp.headers
        media = h.get("content-type", "")
        result.content_type = media.split(";")[0].strip().lower() or None
        result.charset = resp.charset_encoding
        result.etag, result.last_modified = h.get("etag"), h.get("last-modified")
        declared = h.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            result.outcome = "too-large"
            result.reason = f"too large: Content-Length {declared} bytes exceeds the cap of {max_bytes} bytes; not downloaded"
            return
        chunks, size = [], 0
        async for chunk in resp.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                result.outcome, result.bytes_downloaded = "too-large", result.bytes_downloaded + resp.num_bytes_downloaded
                result.reason = f"too large: body exceeded the cap of {max_bytes} bytes; stopped reading"
                return
            chunks.append(chunk)
        result.body = b"".join(chunks)
        result.bytes_downloaded += resp.num_bytes_downloaded
        result.outcome, result.reason = "ok", ""
