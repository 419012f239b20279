"""When was each article published? A corpus-level cascade with evidence.

Why corpus-level: many copies of news stories lose their metadata, and a text that says
"Monday, Nov. 23" fixes the year only up to the 28-year weekday cycle; the other
articles of the same story (one corpus) tell which of those years is meant.

The cascade, per article (first step that gives a valid date wins):

1. Metadata: a JSON ``published`` field or the HTML metadata date (trafilatura /
   htmldate) → method "metadata"; the news-tls folder name → method "folder".
   A date in the future of today, or before ``min_year`` (data/dates.json), is
   rejected with a reason and the cascade goes on.
2. Dateline found by the cleaner ("22 October 2015", "08:26 15.07.2016",
   "Oct. 22, 2015", ISO …) → method "dateline", evidence = the dateline text.
3. Inference from the body's time expressions (``crosscheck.timex.tag(body, None)``),
   method "inferred":
   a. The year. A weekday with a month and day ("Monday, Nov. 23") allows only the
      years where that day is that weekday. Years the text mentions as past are a
      lower bound ("in 2014" → not before 2014). Remaining candidates are decided
      by closeness to the publication dates of the other articles (steps 1-2 of this
      corpus plus ``context``); without those the year stays open (step 4, with the
      earliest candidate as a bound). Without a weekday, a day-dated past event
      ("October 21, 2015", not earlier than the years mentioned) gives the year when
      it lies near the corpus dates (else it is only a lower bound: news often recalls
      old days, e.g. "11 September 2001"); month-day mentions alone take the
      year nearest the corpus dates (said so in the reason — the text does not state
      it). Month- or year-dated mentions ("in March 2003") only bound it: they are
      often background.
   b. The date. Publication is on/after the latest dated past event told in the
      text, so the value is that event's month (earliest bound = the event's day).
      "Last month" refers to a month the text dates: publication is the first month
      (the latest event's or the next) whose previous month the text dates ("April 13
      … signed last month", March dated → April; "July 19 letter … last month", only
      July dated → August). "Today" next to a dated weekday fixes the day.
   Evidence is the phrase that fixed the year (else the latest event), with its
   span in ORIGINAL offsets (via ``CleanDocument.to_original``).
4. Otherwise value None, method "unknown", with the reason.

Only metadata, the dateline and the cleaned body are used, never boilerplate
(ticker timestamps are removed by the cleaner).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

from crosscheck.clean import load_json
from crosscheck.models import (CleanDocument, PartialDate, PublicationDate, SourceDocument,
                               TimeExpression)

# What a reason says when the corpus context decided (or could have decided) the date.
# Every step-3 branch that reads the context writes one of these (tests/test_redate.py
# checks it on real articles). Which new context dates could change such a date is said
# exactly by its ``context_windows`` (what ``core._redate`` selects by); the marks find
# the dates of a store saved before the windows were kept (migration 13).
_NEAR = "the other articles' dates"
_NONE = "no corpus dates"
CONTEXT_MARKS = (_NEAR, _NONE)
STATED_METHODS = ("metadata", "folder", "dateline")  # dates an article states itself: the context
INFERRED_METHODS = ("inferred", "unknown")  # dates step 3 gave (or could not give): context may change them

Windows = tuple[tuple[dt.date, dt.date], ...]  # ``PublicationDate.context_windows``
ANYWHERE: Windows = ((dt.date.min, dt.date.max),)  # decided without context: any context date can change it

_YEARLESS = re.compile(r"^XXXX-(\d{2})-(\d{2})$")
_YEAR_MONTH = re.compile(r"^XXXX-(\d{2})$")


# --------------------------------------------------------------------------- parsing
@cache
def _tables() -> dict:
    """Calendar tables and compiled date patterns (constant data, safe to cache)."""
    cfg = load_json("dates.json")
    month = "|".join(sorted(cfg["months"], key=len, reverse=True))
    day = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
    cfg["patterns"] = [
        ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?(?![\d])")),
        ("ymd-slash", re.compile(r"\b(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})\b")),
        ("dotted", re.compile(r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})\b")),
        ("slash", re.compile(r"\b(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})\b")),
        ("day-month", re.compile(rf"\b{day}\s+(?P<mn>{month})\.?,?\s+(?P<y>\d{{4}})\b", re.I)),
        ("month-day", re.compile(rf"\b(?P<mn>{month})\.?\s+{day},?\s+(?P<y>\d{{4}})\b", re.I)),
        ("month-year", re.compile(rf"\b(?P<mn>{month})\.?,?\s+(?P<y>\d{{4}})\b", re.I)),
        ("year", re.compile(r"^\s*(?P<y>\d{4})\s*$")),
    ]
    return cfg


def parse_date_text(text: str) -> tuple[PartialDate | None, str]:
    """Parse a date string from metadata or a dateline.

    Returns ``(date, how)`` or ``(None, reason)``. Dotted numeric dates are day-first
    ("15.07.2016"); slashed ones are accepted only when unambiguous.
    """
    if not text or not text.strip():
        return None, "empty date text"
    try:  # RFC 2822 ("Thu, 22 Oct 2015 10:00:00 +0000"), common in feeds
        if re.match(r"^\s*[A-Za-z]{3},", text):
            d = email.utils.parsedate_to_datetime(text.strip())
            return PartialDate(d.year, d.month, d.day), "rfc2822"
    except (TypeError, ValueError, IndexError):
        pass
    tables = _tables()
    for name, pat in tables["patterns"]:
        m = pat.search(text)
        if m:
            return _build(name, m, tables["months"])
    return None, f"no date found in {text.strip()[:60]!r}"


def _build(name: str, m: re.Match, months: dict) -> tuple[PartialDate | None, str]:
    g = m.groupdict()
    year = int(g["y"])
    if name == "slash":
        a, b = int(g["a"]), int(g["b"])
        if a > 12 >= b:
            month, day = b, a
        elif b > 12 >= a:
            month, day = a, b
        elif a == b:
            month, day = a, b
        else:
            return None, f"ambiguous numeric date {m.group()!r} (day/month order unknown)"
    else:
        month = months[g["mn"].lower().rstrip(".")] if g.get("mn") else (
            int(g["m"]) if g.get("m") else None)
        day = int(g["d"]) if g.get("d") else None
    try:
        return PartialDate(year, month, day), name
    except ValueError as exc:
        return None, f"invalid date {m.group()!r}: {exc}"


def _validate(value: PartialDate, today: dt.date) -> str | None:
    """Why a date cannot be a publication date, or None when it can."""
    if value.first_day() > today:
        return f"{value} is in the future of today ({today})"
    if value.year < _tables()["min_year"]:
        return f"{value} is before {_tables()['min_year']}"
    return None


# --------------------------------------------------------------------------- steps 1-2
def _from_metadata(src: SourceDocument, cl: CleanDocument, today: dt.date,
                   notes: list[str]) -> PublicationDate | None:
    sources = [(src.published_raw, src.published_raw_source or "metadata"),
               (cl.metadata_date, cl.metadata_date_source or "html metadata")]
    for raw, where in sources:
        if not raw:
            continue
        value, how = parse_date_text(raw)
        if value is None:
            notes.append(f"metadata {where} unusable: {how}")
            continue
        bad = _validate(value, today)
        if bad:
            notes.append(f"metadata {where} rejected: {bad}")
            continue
        method = "folder" if where.startswith("folder:") else "metadata"
        return PublicationDate(src.id, value, method, evidence=raw,
                               reason=f"from {where} ({raw!r})")
    return None


def _from_dateline(src: SourceDocument, cl: CleanDocument, today: dt.date,
                   notes: list[str]) -> PublicationDate | None:
    if not cl.dateline:
        return None
    value, how = parse_date_text(cl.dateline)
    if value is None:
        notes.append(f"dateline {cl.dateline!r} unusable: {how}")
        return None
    bad = _validate(value, today)
    if bad:
        notes.append(f"dateline rejected: {bad}")
        return None
    return PublicationDate(src.id, value, "dateline", evidence=cl.dateline,
                           evidence_span=cl.dateline_span,
                           reason=f"dateline at the head of the article ({how} form)")


# --------------------------------------------------------------------------- step 3
@dataclass
class _Mention:
    """A time expression with the facts step 3 needs."""

    t: TimeExpression
    future: bool
    month_day: tuple[int, int] | None  # yearless month and day
    sentence: str


def _mentions(body: str, times: list[TimeExpression]) -> list[_Mention]:
    """Mentions with a future flag: a future cue ("will", "next", "are to") before the
    expression in its sentence ("Iran will be absent from a meeting on Friday, Oct. 23");
    cues after it usually belong to another clause ("… on Nov. 24, … their next round")."""
    cues = _tables()["future_cues"]
    cue_re = re.compile(r"\b(?:" + "|".join(re.escape(c) for c in cues) + r")\b", re.I)
    out = []
    for t in times:
        s, e = _sentence_bounds(body, t.start, t.end)
        before = body[s:t.start]
        ym = _YEARLESS.match(t.value or "")
        md = (int(ym.group(1)), int(ym.group(2))) if ym else None
        out.append(_Mention(t, bool(cue_re.search(before + " " + t.text)), md, body[s:e]))
    return out


def _sentence_bounds(body: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around [start, end): cut at . ! ? followed by space, or a newline."""
    s = start
    while s > 0 and body[s - 1] != "\n" and not (body[s - 1] == " " and body[s - 2] in ".!?"):
        s -= 1
    e = end
    while e < len(body) and body[e] != "\n" and not (body[e] in ".!?" and body[e + 1:e + 2] in (" ", "\n", "")):
        e += 1
    return s, min(e + 1, len(body))


def _weekday_years(month: int, day: int, weekday: int, lo: int, hi: int) -> list[int]:
    out = []
    for y in range(lo, hi + 1):
        try:
            if dt.date(y, month, day).weekday() == weekday:
                out.append(y)
        except ValueError:  # Feb 29 in a common year
            continue
    return out


def _gap_days(d: PartialDate, ctx: list[PartialDate]) -> int:
    return min(abs((d.first_day() - c.first_day()).days) for c in ctx)


def _candidate_day(year: int, month: int, day: int) -> dt.date:
    """The day a candidate year puts a month-day on, as distances are measured (29-31 as 28)."""
    return dt.date(year, month, min(day, 28))


def _around(day: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """The days within ``days`` of ``day``, inclusive (clamped to the calendar's ends)."""
    span = dt.timedelta(days=days)
    return (day - span if day - dt.date.min >= span else dt.date.min,
            day + span if dt.date.max - day >= span else dt.date.max)


def _nearest(cands: list[int], month: int, day: int, ctx: list[PartialDate]) -> tuple[int, PartialDate, int]:
    """The candidate year whose date is closest to a context date, that context date (the
    evidence a reason shows: naming every context date made the reason grow with the
    store's dates, and change, so be rewritten, with each new one), and the distance in
    days (a new context date farther than that from every candidate changes nothing)."""
    def near(y: int) -> tuple[int, str, PartialDate]:
        d = _candidate_day(y, month, day)
        return min((abs((d - c.first_day()).days), c.iso(), c) for c in ctx)

    # each candidate's distance worked out once; ties go to the earlier year, as before
    (days, _iso, nearest), y = min(((near(y), y) for y in cands), key=lambda p: (p[0][0], p[1]))
    return y, nearest, days


def _choose_year(cands: list[int], lb: int | None, ctx: list[PartialDate], month: int,
                 day: int, why: list[str]) -> tuple[int | None, Windows]:
    """Pick one year among candidates, explaining each narrowing in ``why``; and the days
    where a new context date could change the pick (``PublicationDate.context_windows``):
    within the chosen distance of a candidate's date (inclusive: a tie changes the date
    named), anywhere when there was no context, nowhere when one candidate is left."""
    why.append("candidate years " + "/".join(map(str, cands)))
    if lb is not None and any(y >= lb for y in cands):
        cands = [y for y in cands if y >= lb]
        why.append(f"the text mentions {lb} as past, so ≥ {lb}: " + "/".join(map(str, cands)))
    if len(cands) == 1:
        return cands[0], ()
    if ctx:
        y, nearest, days = _nearest(cands, month, day, ctx)
        why.append(f"{y} is closest to {_NEAR} (nearest: {nearest})")
        return y, tuple(_around(_candidate_day(c, month, day), days) for c in cands)
    why.append(f"{_NONE} to choose among them (a weekday alone does not fix the year)")
    return None, ANYWHERE


def _infer(src: SourceDocument, cl: CleanDocument, ctx: Sequence[PartialDate], today: dt.date,
           notes: list[str], scanned: list | None = None) -> PublicationDate:
    try:
        from crosscheck.timex import tag
    except ImportError as exc:
        return _unknown(src, notes + [f"time-expression tagger unavailable ({exc})"])
    ms = _mentions(cl.body, tag(cl.body, None) if scanned is None else tag(cl.body, None, scanned=scanned))
    past = [m for m in ms if not m.future]
    years = [m.t.date.year for m in past if m.t.date is not None and m.t.date.year <= today.year]
    lb = max(years) if years else None
    why: list[str] = []
    year, anchor, windows = _year(past, lb, ctx, today, why)
    if year is None:
        bound = _lower_bound(anchor, lb, today)
        if bound is not None:
            why.append(f"published on/after {bound}")
        return replace(_unknown(src, notes + why, bound), context_windows=windows)
    assumed = lb if anchor is None and not _has_full_date(past) else None
    return replace(_dated(src, cl, past, year, anchor, today, why, assumed), context_windows=windows)


def _lower_bound(m: _Mention | None, lb: int | None, today: dt.date) -> PartialDate | None:
    """What an undecided article still tells: a dated event or a year it mentions as past."""
    lo = _tables()["min_year"]
    if m is not None and m.t.date is not None:
        return m.t.date
    if m is not None and m.month_day and m.t.weekday is not None:
        years = [y for y in _weekday_years(*m.month_day, m.t.weekday, max(lb or lo, lo), today.year)]
        return PartialDate(years[0], *m.month_day) if years else (PartialDate(lb) if lb else None)
    return PartialDate(lb) if lb else None


def _year(past: list[_Mention], lb: int | None, ctx: list[PartialDate], today: dt.date,
          why: list[str]) -> tuple[int | None, _Mention | None, Windows]:
    """Step 3a: the year, the mention that fixed it (None when only context did), and the
    days where a new context date could change either (``PublicationDate.context_windows``)."""
    lo = _tables()["min_year"]
    anchors = [m for m in past if m.month_day and m.t.weekday is not None]
    if anchors:
        sets = [set(_weekday_years(*a.month_day, a.t.weekday, lo, today.year)) for a in anchors]
        common = set.intersection(*sets) or sets[0]
        a = anchors[0]
        why.append(f"{a.t.text!r}: that weekday falls on {a.month_day[0]}/{a.month_day[1]} "
                   "only in some years")
        year, windows = _choose_year(sorted(common), lb, ctx, *a.month_day, why)
        return year, a, windows
    # a day-dated past event ("on March 3, 2005") is usually recent news; month- or
    # year-dated ones ("in March 2003") are often background, so they only bound it
    dated = [m for m in past if m.t.date is not None and m.t.date.precision == "day"
             and m.t.date.first_day() <= today and m.t.date.year >= (lb or 0)]
    if dated:
        m = max(dated, key=lambda x: (x.t.date.first_day(), x.t.start))
        gap = _tables()["max_context_gap_days"]
        if ctx and _gap_days(m.t.date, ctx) <= gap:  # more context dates can only come nearer
            why.append(f"year from the latest day-dated past event {m.t.text!r}, "
                       f"within {gap} days of {_NEAR}")
            return m.t.date.year, m, ()
        why.append(f"the latest day-dated past event {m.t.text!r} is only a lower bound: "
                   + (f"it is far from {_NEAR}" if ctx else
                      f"{_NONE} confirm it is recent news rather than background"))
        return None, m, (_around(m.t.date.first_day(), gap),) if ctx else ANYWHERE
    yearless = [m for m in past if m.month_day]
    if yearless:
        # Guessing the year from the other articles would put a wrong date on every
        # event of this article when the guess fails; the year stays unknown.
        m = max(yearless, key=lambda x: (x.month_day, x.t.start))
        why.append(f"the text dates events by month and day only ({m.t.text!r}) and never states "
                   f"the year (only that it is {lb or lo} or later)")
        return None, None, ()
    why.append("no weekday-dated or fully dated event in the text")
    return None, None, ()


def _event_dates(past: list[_Mention], year: int, today: dt.date) -> list[tuple[PartialDate, _Mention]]:
    out = []
    for m in past:
        try:
            d = PartialDate(year, *m.month_day) if m.month_day else m.t.date
        except ValueError:
            continue
        if d is not None and d.precision != "year" and d.first_day() <= today:
            out.append((d, m))
    return out


def _shift_month(d: PartialDate, n: int) -> PartialDate:
    k = d.year * 12 + (d.month or 1) - 1 + n
    return PartialDate(k // 12, k % 12 + 1)


def _has_full_date(past: list[_Mention]) -> bool:
    return any(m.t.date is not None and m.t.date.precision == "day" for m in past)


def _dated(src: SourceDocument, cl: CleanDocument, past: list[_Mention], year: int,
           anchor: _Mention | None, today: dt.date, why: list[str],
           assumed: int | None) -> PublicationDate:
    """Step 3b: month (or day) from the latest dated past event and relative cues.

    ``assumed`` is set (to the lower-bound year, or 0) when the year came from the
    corpus context only: the bounds then say only what the text supports.
    """
    events = _event_dates(past, year, today)
    if not events:
        return _unknown(src, why + ["no dated event to place the publication after"],
                        PartialDate(year))
    latest, lm = max(events, key=lambda e: (e[0].first_day(), e[1].t.start))
    value = PartialDate(latest.year, latest.month)
    earliest, upper = latest, None
    why.append(f"published on/after the latest dated event told, {lm.t.text!r} → {latest}")
    rel = _relative_month(cl.body)
    if rel is not None:
        month = _month_for_relative(value, rel[1], _months_told(past, events, year))
        if month is None:
            why.append(f"{rel[0]!r} matches no month the text dates; ignored")
        else:
            value, upper = month, month
            earliest = latest if latest.first_day() >= month.first_day() else month
            why.append(f"the text says {rel[0]!r} and dates events in "
                       f"{_shift_month(month, rel[1])}, so published in {month}")
    today_hit = _present_day(events)
    if today_hit is not None:
        value, earliest, upper = today_hit[0], today_hit[0], today_hit[0]
        why.append(f"{today_hit[1].t.text!r} is said to be today → {value}")
    ev = anchor or lm
    if assumed is not None:
        earliest = PartialDate(assumed) if assumed else None
        upper = None
    if value.first_day() > today:
        return _unknown(src, why + [f"{value} would be in the future"], PartialDate(year))
    return PublicationDate(src.id, value, "inferred", evidence=ev.t.text,
                           evidence_span=cl.to_original(ev.t.start, ev.t.end),
                           reason="; ".join(why), earliest=earliest, latest=upper)


def _months_told(past: list[_Mention], events: list[tuple[PartialDate, _Mention]],
                 year: int) -> set[PartialDate]:
    months = {PartialDate(d.year, d.month) for d, _ in events}
    for m in past:
        ym = _YEAR_MONTH.match(m.t.value or "")
        if ym:
            months.add(PartialDate(year, int(ym.group(1))))
    return months


def _month_for_relative(latest: PartialDate, shift: int, months: set[PartialDate]) -> PartialDate | None:
    """The publication month implied by "last month" (shift -1) or "this month" (0).

    The phrase refers to something the text dates, so publication month P must have
    P + shift among the months told; P is not before the latest event's month ``latest``;
    the smallest such P (of ``latest`` and the month after) is taken.
    """
    for p in (latest, _shift_month(latest, 1)):
        if _shift_month(p, shift) in months:
            return p
    return None


def _relative_month(body: str) -> tuple[str, int] | None:
    low = body.lower()
    hits = [(low.find(p), p, n) for p, n in _tables()["relative_month"].items() if p in low]
    if not hits:
        return None
    _, phrase, n = min(hits)
    return phrase, n


def _present_day(events: list[tuple[PartialDate, _Mention]]) -> tuple[PartialDate, _Mention] | None:
    cues = _tables()["present_cues"]
    for d, m in events:
        if d.precision == "day" and m.t.weekday is not None and any(
                re.search(rf"\b{re.escape(c)}\b", m.sentence, re.I) for c in cues):
            return d, m
    return None


def _unknown(src: SourceDocument, why: list[str], earliest: PartialDate | None = None) -> PublicationDate:
    reason = "; ".join(why) or "no metadata, dateline or datable text"
    return PublicationDate(src.id, None, "unknown", reason=reason, earliest=earliest)


# --------------------------------------------------------------------------- public
def infer_publication_dates(
    docs: Sequence[tuple[SourceDocument, CleanDocument]],
    context: Sequence[PartialDate] = (),
) -> list[PublicationDate]:
    """Publication dates for all documents, in input order (see the module docstring)."""
    today = dt.date.today()
    first = [first_pass(src, cl, today) for src, cl in docs]
    dating = date_context(first, context, today)
    return [finish_date(src, cl, f, dating) for (src, cl), f in zip(docs, first)]


FirstPass = tuple[PublicationDate | None, list[str]]  # steps 1-2's date (or None) and notes


@dataclass(frozen=True)
class DateContext:
    """What step 3 needs of the whole corpus: its distinct dates (only their set is used)
    and today. Small, so it travels to worker processes once (``parallel.py``)."""

    dates: tuple[PartialDate, ...]
    today: dt.date


def first_pass(src: SourceDocument, cl: CleanDocument, today: dt.date) -> FirstPass:
    """Steps 1-2 for one document: metadata, else dateline (cheap, needs no other article)."""
    notes: list[str] = []
    return _from_metadata(src, cl, today, notes) or _from_dateline(src, cl, today, notes), notes


def date_context(first: Sequence[FirstPass], context: Sequence[PartialDate], today: dt.date) -> DateContext:
    """The corpus dates step 3 compares with: this run's steps 1-2 dates and ``context``."""
    dates = {p.value for p, _ in first if p is not None and p.value is not None}
    dates |= {c for c in context if c is not None}
    return DateContext(tuple(sorted(dates, key=lambda d: (d.iso(), d.precision))), today)


def reason_only(new: PublicationDate, old: PublicationDate) -> bool:
    """Whether two dates of one article differ in their stated reason (and the windows that
    go with it) alone: a nearer context date was named, the date did not move, so nothing
    derived from the date changes."""
    return replace(new, reason="", context_windows=()) == replace(old, reason="", context_windows=())


def finish_date(src: SourceDocument, cl: CleanDocument, first: FirstPass, dating: DateContext,
                scanned: list | None = None) -> PublicationDate:
    """The document's publication date: steps 1-2's, else step 3 (inference) against the
    corpus. ``scanned`` is ``timex.scan(cl.body)`` when the caller has it (one scan of the
    body serves this and the time stage)."""
    found, notes = first
    if found is None:
        return _infer(src, cl, list(dating.dates), dating.today, notes, scanned)
    if notes:
        found = replace(found, reason="; ".join(notes + [found.reason]))
    return found
