"""Context of the TIME stage: the lexicon, the sentence tense and narrative anchor
(``_Ctx``), calendar arithmetic, and the match wrapper the resolvers read.

Why a module of its own: ``timex_resolve`` holds one resolver per rule of the pattern
table (``timex``); what the resolvers share (which year a "March 3" falls in, which
Tuesday "Tuesday" is, what a number word is worth) lives here, so each file stays
small enough to read. Word lists live in data/timex_lexicon.json.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from crosscheck.models import PartialDate

_LEX = json.loads((Path(__file__).parent / "data" / "timex_lexicon.json").read_text("utf-8"))


def _alt(words) -> str:
    """A regex alternation, longest first so that "Sept" wins over "Sep"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_MONTHS = {**_LEX["months"], **_LEX["month_abbr"]}
_NUMS = _LEX["numbers"]
_UNITS = _LEX["units"]
_CI = "(?i:{})"  # case-insensitive island inside case-sensitive patterns
_NOT_AFTER = r"(?<!\bbe )(?<!\bbeen )(?<!\bbeing )(?<!\bto )"  # "will be held" is not past
_PAST_CUES = re.compile(rf"{_NOT_AFTER}\b(?:(?:{_alt(_LEX['past_cues'])})\b|[a-z]{{3,}}ed\b(?!\s+to\b))")
_FUTURE_CUES = re.compile(rf"(?:\b|(?='))(?:{_alt(_LEX['future_cues'])})\b")
_SENT_END = re.compile(r"[.!?]\s+(?=[A-Z\"'])|\n")


@dataclass
class _Res:
    """A normalised value before it becomes a TimeExpression."""

    type: str
    value: str
    date: PartialDate | None = None
    anchor: str = "none"
    weekday: int | None = None


class _Ctx:
    """Per-call state: the dct, the tense hint and the running narrative reference.

    Why not module state: two calls must never influence each other.
    """

    def __init__(self, text: str, dct: PartialDate | None, hint: str | None, rules: dict | None = None):
        self.text, self.dct, self.hint = text, dct, hint
        self.rules = rules or {}  # rule name -> (compiled pattern, resolver), for composite rules
        self.dct_day = dct.as_date() if dct else None
        self.ref_day: dt.date | None = None  # last day-precision date in text order
        self.ref_date: PartialDate | None = None  # last calendar date of any precision
        self.ref_value: str | None = None  # last resolved DATE value (quarters included)

    def tense(self, start: int, end: int) -> str:
        """'past' or 'future', from the cue word nearest the expression in its sentence."""
        return self.tense_cue(start, end)[0]

    def tense_cue(self, start: int, end: int) -> tuple[str, int]:
        """The tense and the distance in characters of the cue that decided it."""
        if self.hint in ("past", "future"):
            return self.hint, 0
        text = self.text
        lo = max(0, start - 160)
        for m in _SENT_END.finditer(text, lo, start):
            lo = m.end()
        stop = _SENT_END.search(text, end, end + 200)
        hi = stop.start() if stop else min(len(text), end + 200)
        best, tense = 10**6, "past"
        for pat, name in ((_FUTURE_CUES, "future"), (_PAST_CUES, "past")):
            for m in pat.finditer(text, lo, hi):
                if start <= m.start() < end:
                    continue
                d = start - m.end() if m.end() <= start else m.start() - end
                if d < best:
                    best, tense = d, name
        return tense, best

    def note(self, res: _Res) -> None:
        """Update the narrative reference after an expression has been resolved."""
        if res.type not in ("DATE", "TIME") or res.value.startswith(("X", "P", "F")):
            return
        self.ref_value = res.value
        if res.date is not None:
            self.ref_date = res.date
        if res.date is not None and res.date.precision == "day":
            self.ref_day = res.date.as_date()


# --------------------------------------------------------------------------- date helpers
def _num(word: str | None) -> float | None:
    """Numeric value of a digit string or number word; None when vague ("several")."""
    if not word:
        return None
    w = word.lower().replace("-", " ").strip()
    if w[0].isdigit():
        return float(w.split()[0]) + (0.5 if w.endswith("1/2") else 0.0)
    if w in _NUMS:
        return _NUMS[w]
    parts = w.split()
    if len(parts) == 2 and parts[0] in _NUMS and parts[1] in _NUMS:
        return _NUMS[parts[0]] + _NUMS[parts[1]]
    return None


def _fmt_num(n: float | None) -> str:
    if n is None:
        return "X"
    return str(int(n)) if n == int(n) else str(n)


def _add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def _week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y:04d}-W{w:02d}"


def _pd(d: dt.date, precision: str = "day") -> PartialDate:
    if precision == "year":
        return PartialDate(d.year)
    if precision == "month":
        return PartialDate(d.year, d.month)
    return PartialDate.from_date(d)


def _shift(base: dt.date, unit: str, n: int) -> tuple[str, PartialDate | None]:
    """TIMEX value and date of ``base`` moved by ``n`` units, at the unit's granularity."""
    if unit == "D":
        d = base + dt.timedelta(days=n)
        return d.isoformat(), _pd(d)
    if unit in ("W", "WE"):
        d = base + dt.timedelta(weeks=n)
        return _week(d) + ("-WE" if unit == "WE" else ""), None
    if unit == "M":
        d = _add_months(base, n)
        return f"{d.year:04d}-{d.month:02d}", _pd(d, "month")
    if unit == "Q":
        q = (base.month - 1) // 3 + n
        y, q = base.year + q // 4, q % 4 + 1
        return f"{y:04d}-Q{q}", None
    if unit == "DE":
        return f"{(base.year // 10 + n):03d}", None
    if unit == "CE":
        return f"{(base.year // 100 + n):02d}", None
    y = base.year + n
    return (f"{y:04d}", PartialDate(y)) if 1 <= y <= 9999 else ("XXXX", None)


def _pick_year(ctx: _Ctx, month: int, day: int | None, cue: tuple[str, int], weekday: int | None = None) -> int | None:
    """The year that puts month/day nearest the dct (past preferred in past context).

    A tense cue right next to the date ("started Dec. 15") rules out the other side of
    the dct; a distant one only makes it less likely (cues are often about another clause).
    """
    if ctx.dct is None:
        return None
    tense, strong = cue[0], cue[1] <= 12
    anchor = ctx.dct_day or ctx.dct.first_day()
    best = None
    for y in (ctx.dct.year - 1, ctx.dct.year, ctx.dct.year + 1):
        try:
            d = dt.date(y, month, day or 15)
        except ValueError:
            continue
        delta = (d - anchor).days
        cost = abs(delta)
        if (tense == "past" and delta > 8) or (tense == "future" and delta < -8):
            cost = cost + 400 if strong else cost * 2
        if weekday is not None and day and d.weekday() != weekday:
            cost += 1000
        if best is None or cost < best[0]:
            best = (cost, y)
    return best[1] if best else None


def _weekday_date(ctx: _Ctx, wd: int, tense: str, rel: str | None) -> dt.date | None:
    """News convention: past context -> on/before dct, future context -> on/after dct."""
    d = ctx.dct_day
    if d is None:
        return None
    back, fwd = (d.weekday() - wd) % 7, (wd - d.weekday()) % 7
    if rel == "last":
        return d - dt.timedelta(days=back or 7)
    if rel in ("next", "coming"):
        return d + dt.timedelta(days=fwd or 7)
    if tense == "future":
        return d + dt.timedelta(days=fwd)
    return d - dt.timedelta(days=back)


def _preceding_word(text: str, start: int) -> str:
    m = re.search(r"([A-Za-z]+)[\s-]*$", text[max(0, start - 20):start])
    return m.group(1).lower() if m else ""


class _M:
    """A match whose absent groups read as None (rules share resolvers)."""

    __slots__ = ("_m", "_d")

    def __init__(self, m: re.Match):
        self._m, self._d = m, m.groupdict()
        if self._d.get("hh2"):
            self._d["hh"], self._d["mm"] = self._d["hh2"], self._d["mm2"]

    def __getitem__(self, key: str):
        return self._d.get(key)

    def start(self) -> int:
        return self._m.start()

    def end(self) -> int:
        return self._m.end()

    def span(self, group: str) -> tuple[int, int]:
        return self._m.span(group)
