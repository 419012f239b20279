"""Follow a story as it unfolds: poll feeds every N minutes and say what changed.

Why changes and not the whole storyline: an analyst watching a story wants the news
of the news — an event nobody reported before, another outlet now telling an event
(one more voice), a new contradiction between sources. Changes are found by comparing
the storyline before and after a poll: events are matched through their mentions (a
mention's id is stable: article id and sentence), so an event that gained a mention is
the same event, not a new one. Contradictions come from ``storyline.relations`` when
the verification stage provides them; a storyline without relations has none to show.

Stopping: SIGINT (Ctrl-C) and SIGTERM ask the loop to stop. Between polls it stops at
once; during a poll it stops at the next safe point (before fetching pages, between
batches of articles). Each article is saved in its own transaction and the URL/feed
bookkeeping is written only after the articles it describes, so what was stored is
whole and what was not will be fetched again. A second Ctrl-C aborts immediately.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Literal, Sequence

from crosscheck.collect import CollectOptions, CollectReport, collect_feeds
from crosscheck.fetch import Fetcher
from crosscheck.incremental import IncrementResult
from crosscheck.models import Event, Storyline
from crosscheck.settings import DEFAULT, Settings
from crosscheck.store import Store

_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])", re.I)


def parse_every(text: str) -> float:
    """Seconds in an interval such as ``15m``, ``30s``, ``1h30m``, ``2h`` or ``90``."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        seconds = float(text)
    elif text and _EVERY.sub("", text).strip() == "":
        seconds = sum(float(n) * _UNIT[u] for n, u in _EVERY.findall(text))
    else:
        raise ValueError(f"not an interval: {text!r} (use e.g. 30s, 15m, 1h30m)")
    if seconds <= 0:
        raise ValueError(f"the interval must be positive: {text!r}")
    return seconds


# --------------------------------------------------------------------------- what changed
@dataclass(frozen=True)
class Change:
    kind: Literal["new-event", "new-outlet", "new-contradiction", "rebuilt"]
    line: str


def _outlets(event: Event, outlet_of: dict[str, str | None]) -> set[str]:
    return {outlet_of.get(m.article) or m.article for m in event.mentions}


def _field(obj, name: str):
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _contradictions(storyline: Storyline | None) -> dict[tuple, object]:
    rels = (getattr(storyline, "relations", None) if storyline is not None else None) or []
    return {(tuple(sorted(_field(r, "articles") or [])), _field(r, "explanation") or ""): r
            for r in rels if _field(r, "type") == "contradicts"}


def storyline_changes(before: Storyline | None, after: Storyline) -> list[Change]:
    """New events, new outlets on known events, new contradictions (in storyline order)."""
    outlet_of = {a.id: a.outlet for a in after.articles}
    if before is not None:
        outlet_of_before = {a.id: a.outlet for a in before.articles}
        event_of = {m.id: ev for ev in before.events for m in ev.mentions}
    else:
        outlet_of_before, event_of = {}, {}
    changes: list[Change] = []
    for ev in after.events:
        olds = {id(event_of[m.id]): event_of[m.id] for m in ev.mentions if m.id in event_of}
        now = _outlets(ev, outlet_of)
        label = f"{ev.date.iso() if ev.date else 'undated'} {ev.title}"
        if not olds:
            changes.append(Change("new-event", f"+ event {label} ({', '.join(sorted(now))})"))
            continue
        seen = set().union(*(_outlets(o, outlet_of_before) for o in olds.values()))
        added = sorted(now - seen)
        if added:
            changes.append(Change("new-outlet", f"+ outlet {', '.join(added)} on event {label}"))
    old_rel = _contradictions(before)
    for key, rel in _contradictions(after).items():
        if key not in old_rel:
            arts = ", ".join(key[0])
            changes.append(Change("new-contradiction", f"! contradiction ({arts}): {key[1]}"))
    return changes


def increment_changes(store: Store, increment: IncrementResult) -> list[Change]:
    """``storyline_changes`` of an incremental update, from what it touched alone: an event
    it created is new; an event it recomputed is a stored one plus the new articles'
    mentions (incremental linking adds mentions, it never splits or joins stored events),
    so the outlets of those mentions that it did not have are new; its contradictions
    are new. The same lines as comparing whole storylines, in the same order, without
    reading the storyline."""
    created = set(increment.events_created)
    events = store.load_events([*created, *increment.events_replaced.values()])  # in storyline order
    outlet_of = {a.id: a.outlet for a in store.load_summaries({m.article for ev in events for m in ev.mentions})}
    new_articles = set(increment.articles)
    changes: list[Change] = []
    for ev in events:
        now = _outlets(ev, outlet_of)
        label = f"{ev.date.iso() if ev.date else 'undated'} {ev.title}"
        if ev.id in created:
            changes.append(Change("new-event", f"+ event {label} ({', '.join(sorted(now))})"))
            continue
        seen = {outlet_of.get(m.article) or m.article for m in ev.mentions if m.article not in new_articles}
        if added := sorted(now - seen):
            changes.append(Change("new-outlet", f"+ outlet {', '.join(added)} on event {label}"))
    for c in (increment.verification or {}).get("contradictions", []):
        changes.append(Change("new-contradiction", f"! contradiction ({', '.join(sorted(c['articles']))}): "
                                                   f"{c['explanation']}"))
    return changes


# --------------------------------------------------------------------------- the loop
class StopRequested(Exception):
    """Raised at a safe point inside a poll once a stop was asked for."""


@dataclass
class Poll:
    number: int
    report: CollectReport
    changes: list[Change] = field(default_factory=list)
    stopped: bool = False


class Watcher:
    """Poll ``feeds`` into ``store``; ``emit`` gets one line per poll and per change."""

    def __init__(self, feeds: Sequence[str], store: Store, fetcher: Fetcher,
                 options: CollectOptions = CollectOptions(), settings: Settings = DEFAULT,
                 emit: Callable[[str], None] = print, out: Path | None = None) -> None:
        self.feeds, self.store, self.fetcher = list(feeds), store, fetcher
        self.options, self.settings, self.emit, self.out = options, settings, emit, out
        self.stop_event = threading.Event()
        self.polls = 0  # polls done by this watcher, across run() calls
        self._analyzer = None
        # With --incremental, changes come from each increment (``increment_changes``), its
        # files are written from the store (``write_stored_outputs``), and the storyline is
        # never read whole.
        self._from_increments = settings.incremental
        self.options = replace(options, read_back=not self._from_increments)
        self._storyline = None if self._from_increments else store.load_storyline()

    def stop(self) -> None:
        self.stop_event.set()

    def _checkpoint(self, stage: str, done: int, total: int) -> None:
        if self.stop_event.is_set():
            raise StopRequested(stage)

    def poll(self, number: int) -> Poll:
        """One poll: collect, compare with the storyline before, report."""
        if self._analyzer is None:
            from crosscheck.nlp import Analyzer

            self._analyzer = Analyzer(self.settings)
        report = CollectReport()
        try:
            report = collect_feeds(self.feeds, self.store, self.fetcher, self.options, self.settings,
                                   progress=self._checkpoint, should_stop=self.stop_event.is_set,
                                   analyzer=self._analyzer)
        except StopRequested:
            return Poll(number, report, stopped=True)
        poll = Poll(number, report, stopped=self.stop_event.is_set())
        run = report.run
        if run is not None and run.storyline is None:  # an increment, not read back
            poll.changes = increment_changes(self.store, run.increment)
        elif run is not None and self._storyline is None and run.increment is not None and not run.increment.verified:
            poll.changes = [Change("rebuilt", f"= storyline rebuilt ({run.increment.reason}); this poll's changes are "
                                              "not itemised")]
        elif run is not None:
            poll.changes = storyline_changes(self._storyline, run.storyline)
            self._storyline = None if self._from_increments else run.storyline
        if run is not None and self.out is not None:  # whichever way the storyline was updated
            from crosscheck.core import write_run_outputs

            write_run_outputs(run, self.store, self.out)
        return poll

    def run(self, every_s: float, max_polls: int | None = None) -> int:
        """Poll until stopped (or ``max_polls``); returns the number of polls done."""
        n = 0
        while not self.stop_event.is_set() and (max_polls is None or n < max_polls):
            started = time.monotonic()
            n += 1
            self.polls += 1
            poll = self.poll(self.polls)
            self.emit(_poll_line(poll))
            for change in poll.changes:
                self.emit(change.line)
            if poll.stopped or (max_polls is not None and n >= max_polls):
                break
            self.stop_event.wait(max(0.0, started + every_s - time.monotonic()))
        return n


def _poll_line(poll: Poll) -> str:
    r = poll.report
    added = len(r.run.added) if r.run else 0
    head = f"poll {poll.number} {time.strftime('%Y-%m-%d %H:%M:%S')}:"
    if poll.stopped and r.requests == 0 and r.run is None:
        return f"{head} stopped before anything was stored"
    body = (f"{r.feeds} feeds ({r.feeds_unchanged} unchanged), {added} new articles, "
            f"{r.already_stored} already stored, {len(r.errors)} errors; "
            f"{r.requests} requests, {r.bytes} bytes, {r.seconds:.1f} s")
    tail = "" if poll.changes else "; no change"
    return f"{head} {body}{tail}" + (" (stopped)" if poll.stopped else "")


def install_stop_handlers(watcher: Watcher, say: Callable[[str], None]) -> Callable[[], None]:
    """SIGINT/SIGTERM ask the watcher to stop; a second SIGINT aborts. Returns a restorer."""
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum, _frame) -> None:
        if watcher.stop_event.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        say(f"stopping ({signal.Signals(signum).name}); finishing what is safe to finish"
            + (" — Ctrl-C again to abort now" if signum == signal.SIGINT else ""))
        watcher.stop()

    for s in previous:
        signal.signal(s, handler)

    def restore() -> None:
        for s, h in previous.items():
            signal.signal(s, h)

    return restore
