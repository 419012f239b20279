"""TIME stage: find time expressions in English news text and normalise them (TIMEX3 style).

Why hand-written rules and not HeidelTime/SUTime: those need a JVM (seconds to start,
hundreds of words per second); news time expressions are a small closed language, so
compiled regular expressions plus a few resolution rules match their accuracy at a
hundred times the speed, and every value can name the rule that made it (evidence).

Resolution follows newswire convention: deictic words ("yesterday", "last week",
"Tuesday") are relative to the document creation date (dct); anaphoric ones ("the
next day", "four days later") to the last day mentioned earlier in the text
("narrative" anchor). A weekday or a month/day without year is placed before or after
the dct by the tense of its sentence. Word lists live in data/timex_lexicon.json.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from crosscheck.models import PartialDate, TimeExpression

_LEX = json.loads((Path(__file__).parent / "data" / "timex_lexicon.json").read_text("utf-8"))


def _alt(words) -> str:
    """A regex alternation, longest first so that "Sept" wins over "Sep"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_MONTHS = {**_LEX["months"], **_LEX["month_abbr"]}
_NUMS = _LEX["numbers"]
_UNITS = _LEX["units"]
_CI = "(?i:{})"  # case-insensitive island inside case-sensitive patterns
_MON = rf"(?P<mon>(?:{_alt(_LEX['months'])})\b|(?:{_alt(_LEX['month_abbr'])})\b\.?)"
_DAY = r"(?P<day>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?!\d|:\d)\b"
_YEAR = r"(?P<year>1[6-9]\d\d|20\d\d)(?![\d])"
_WD = rf"(?P<wd>{_alt(_LEX['weekdays'])})"
_WORDNUM = rf"(?:{_alt(k for k in _NUMS if k[0] not in 'ah')})(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
_NUM = rf"(?P<num>\d+(?:\.\d+)?(?: 1/2)?|{_CI.format(_WORDNUM)}|{_CI.format(_alt(k for k in _NUMS if k[0] in 'ah'))}" \
       rf"|{_CI.format(_alt(_LEX['vague_numbers']))})"
_UNIT = rf"(?P<unit>{_CI.format(_alt(_UNITS))})"
_POD = rf"(?P<pod>{_alt(_LEX['part_of_day'])})"
_EML = r"(?P<eml>early|late|mid|Early|Late|Mid)"
_REL = rf"(?P<rel>{_CI.format(_alt(_LEX['relative_words']))})"

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

    def __init__(self, text: str, dct: PartialDate | None, hint: str | None):
        self.text, self.dct, self.hint = text, dct, hint
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


def _g(m: re.Match, name: str) -> str | None:
    return m.groupdict().get(name)


# --------------------------------------------------------------------------- resolvers
def _day_res(ctx: _Ctx, year: int | None, month: int, day: int, wd: int | None, given: bool) -> _Res:
    """A calendar day; ``given`` says whether the year was written in the text."""
    if year is None:
        return _Res("DATE", f"XXXX-{month:02d}-{day:02d}", None, "none", wd)
    date = PartialDate(year, month, day)
    return _Res("DATE", date.iso(), date, "absolute" if given else "dct", wd)


def _r_iso(m, ctx):
    y, mo, d = int(m["year"]), int(m["m"]), int(m["d"])
    res = _day_res(ctx, y, mo, d, None, True)
    if m["hh"]:
        res.type, res.value = "TIME", f"{res.value}T{m['hh']}:{m['mm']}"
    return res


def _r_numeric(m, ctx):
    a, b, y = int(m["a"]), int(m["b"]), int(m["year"])
    day, month = (b, a) if m["sep"] == "/" and a <= 12 else (a, b)
    res = _day_res(ctx, y, month, day, None, True)
    if m["hh"]:
        res.type, res.value = "TIME", f"{res.value}T{m['hh']}:{m['mm']}"
    return res


def _numeric_ok(m, text):
    a, b, y = int(m["a"]), int(m["b"]), int(m["year"])
    day, month = (b, a) if m["sep"] == "/" and a <= 12 else (a, b)
    return _valid(y, month, day) and 1600 <= y <= 2099


def _valid(y: int | None, month: int, day: int) -> bool:
    try:
        dt.date(y or 2000, month, day)  # 2000 is a leap year: Feb 29 stays possible
        return True
    except ValueError:
        return False


def _r_month_day(m, ctx):
    month, day = _MONTHS[m["mon"].rstrip(".")], int(m["day"])
    wd = _LEX["weekdays"][m["wd"]] if m["wd"] else None
    if m["year"]:
        return _day_res(ctx, int(m["year"]), month, day, wd, True)
    return _day_res(ctx, _pick_year(ctx, month, day, ctx.tense_cue(m.start(), m.end()), wd), month, day, wd, False)


def _month_day_ok(m, text):
    month, day = _MONTHS[m["mon"].rstrip(".")], int(m["day"])
    year = int(m["year"]) if m["year"] else None
    if not _valid(year, month, day):
        return False
    if m["mon"] in _LEX["verb_like_months"] and not m["year"] and not m["wd"]:
        return _preceding_word(text, m.start()) not in ("i", "you", "we", "they", "he", "she", "it", "who")
    return True


def _r_month_year(m, ctx):
    d = PartialDate(int(m["year"]), _MONTHS[m["mon"].rstrip(".")])
    return _Res("DATE", d.iso(), d, "absolute")


def _r_month(m, ctx):
    month = _MONTHS[m["mon"]]
    rel = (m["rel"] or "").lower()
    if ctx.dct is None:
        return _Res("DATE", f"XXXX-{month:02d}")
    if rel in _LEX["relative_words"]:
        step = _LEX["relative_words"][rel]
        y = ctx.dct.year
        cur = ctx.dct.month or 1
        if step < 0:
            y = y if month < cur else y - 1
        elif step > 0:
            y = y if month > cur else y + 1
    else:
        y = _pick_year(ctx, month, None, ctx.tense_cue(m.start(), m.end()))
    d = PartialDate(y, month)
    return _Res("DATE", d.iso(), d, "dct")


def _month_ok(m, text):
    if m["mon"] not in _LEX["verb_like_months"] or m["eml"] or m["rel"]:
        return True
    return _preceding_word(text, m.start()) in _LEX["month_needs_one_of_before"]


def _r_year(m, ctx):
    d = PartialDate(int(m["year"]))
    return _Res("DATE", d.iso(), d, "absolute")


def _year_ok(m, text):
    nxt = re.match(r"\s*([A-Za-z%]+)", text[m.end():m.end() + 20])
    word = nxt.group(1).lower() if nxt else ""
    if word in _LEX["year_blocking_next_words"]:
        return False
    if m["fis"] or _preceding_word(text, m.start()) in _LEX["month_needs_one_of_before"]:
        return True
    return not (word.endswith("s") and word.islower() and len(word) > 3 and not word.endswith("ss"))


def _r_decade(m, ctx):
    dec = m["dec"] or ("19" + m["dec2"])
    return _Res("DATE", dec, None, "absolute")


def _r_weekday(m, ctx):
    wd = _LEX["weekdays"][m["wd"]]
    rel = (m["rel"] or m["wrel"] or "").lower() or None
    anchor = "dct"
    if rel in _LEX["weekday_narrative"] and ctx.ref_day:
        step, base = _LEX["weekday_narrative"][rel], ctx.ref_day
        d = base + dt.timedelta(days=step * (((base.weekday() - wd) * -step) % 7 or 7))
        anchor = "narrative"
    else:
        d = _weekday_date(ctx, wd, ctx.tense(m.start(), m.end()), rel)
    pod = _LEX["part_of_day"].get(m["pod"] or "")
    if d is None:
        return _Res("DATE", f"XXXX-WXX-{wd + 1}", None, "none", wd)
    res = _Res("DATE", d.isoformat(), _pd(d), anchor, wd)
    if pod:
        res.type, res.value = "TIME", f"{res.value}T{pod}"
    return res


def _r_deictic(m, ctx):
    word = m["deix"].lower()
    pod = _LEX["part_of_day"].get((m["pod"] or "").lower()) or _LEX["deictic_pod"].get(word)
    if ctx.dct_day is None:
        return _Res("TIME" if pod else "DATE", "PRESENT_REF" if word == "today" else "XXXX-XX-XX")
    d = ctx.dct_day + dt.timedelta(days=_LEX["deictic_days"][word])
    return _Res("TIME" if pod else "DATE", d.isoformat() + (f"T{pod}" if pod else ""), _pd(d), "dct")


def _r_pod(m, ctx):
    pod = _LEX["part_of_day"][m["pod"].lower()]
    if ctx.dct_day is None:
        return _Res("TIME", f"XXXX-XX-XXT{pod}")
    d = ctx.dct_day - dt.timedelta(days=1 if m["prel"].lower() == "last" else 0)
    return _Res("TIME", f"{d.isoformat()}T{pod}", _pd(d), "dct")


def _r_ref(m, ctx):
    word = re.sub(r"\s+", " ", m["ref"].lower())
    return _Res("DATE", _LEX["refs"].get(word, "PAST_REF"))


def _r_relunit(m, ctx):
    step = _LEX["relative_words"][m["rel"].lower()]
    unit = _LEX["relative_units"][m["runit"].lower()]
    base = ctx.dct.first_day() if ctx.dct else None
    if ctx.dct_day:
        base = ctx.dct_day
    if base is None or (unit in ("W", "WE", "M", "Q") and ctx.dct.month is None):
        return _Res("DATE", "XXXX", None, "none")
    value, date = _shift(base, unit, step)
    return _Res("DATE", value, date, "dct")


def _int_or_none(n: float | None) -> int | None:
    return int(n) if n is not None and n == int(n) else None


def _narrative_base(ctx: _Ctx, unit: str) -> tuple[dt.date | None, str]:
    """Reference point for anaphoric expressions: last day in the text, else the dct."""
    if unit in ("D", "W", "WE") or unit.startswith("T"):
        if ctx.ref_day:
            return ctx.ref_day, "narrative"
    elif ctx.ref_date:
        return ctx.ref_date.first_day(), "narrative"
    if ctx.dct_day:
        return ctx.dct_day, "dct"
    return (ctx.dct.first_day(), "dct") if ctx.dct else (None, "none")


def _r_ago(m, ctx):
    unit = _UNITS[m["unit"].lower()]
    direction = m["dir"].lower()
    sign = -1 if direction in ("ago", "earlier", "before") else 1
    n = _int_or_none(_num(m["num"]))
    if n is None:
        return _Res("DATE", "PAST_REF" if sign < 0 else "FUTURE_REF")
    if unit == "Y" and ctx.ref_value and re.fullmatch(r"\d{4}-Q\d", ctx.ref_value):
        # financial news: "a year ago" compares with the quarter just reported
        return _Res("DATE", f"{int(ctx.ref_value[:4]) + sign * n:04d}{ctx.ref_value[4:]}", None, "narrative")
    narrative = direction in ("earlier", "later")
    if narrative:
        base, anchor = _narrative_base(ctx, unit)
    else:
        base, anchor = (ctx.dct_day or (ctx.dct.first_day() if ctx.dct else None)), "dct"
    if base is None:
        return _Res("DATE", "XXXX-XX-XX")
    if unit.startswith("T") or unit == "D" or (unit == "W" and anchor == "narrative"):
        days = n * 7 if unit == "W" else (n if unit == "D" else 0)
        value, date = _shift(base, "D", sign * days)
    else:
        try:
            value, date = _shift(base, unit, sign * n)
        except (ValueError, OverflowError):
            return _Res("DATE", "XXXX")
    return _Res("DATE", value, date, anchor)


def _r_narr(m, ctx):
    word = (m["nunit"] or m["nunit2"] or m["nunit3"]).lower()
    unit = _LEX["narrative_units"][word]
    if m["ndir"]:
        step = _LEX["narrative_dirs"][m["ndir"].lower()]
    elif m["ba"]:
        step = 1 if m["ba"].lower() in ("after", "later") else -1
    else:
        step = 0
    base, anchor = _narrative_base(ctx, unit)
    if base is None:
        return _Res("DATE", "XXXX-XX-XX")
    if unit == "W" and step:
        value, date = _shift(base, "D", 7 * step)
        value, date = _week(date.as_date()), None
    else:
        value, date = _shift(base, unit, step)
    pod = _LEX["part_of_day"].get(word)
    if pod and date is not None:
        return _Res("TIME", f"{value}T{pod}", date, anchor)
    return _Res("DATE", value, date, anchor)


def _dur_value(n: float | None, unit: str) -> str:
    if unit.startswith("T"):
        return f"PT{_fmt_num(n)}{unit[1]}"
    if unit in ("DE", "CE") and n is not None:  # TimeBank writes decades as years
        return f"P{_fmt_num(n * (10 if unit == 'DE' else 100))}Y"
    return f"P{_fmt_num(n)}{unit}"


def _r_duration(m, ctx):
    return _Res("DURATION", _dur_value(_num(m["num"]), _UNITS[m["unit"].lower()]))


def _duration_ok(m, text):
    num, unit = m["num"].lower(), m["unit"].lower()
    single = num in ("a", "an", "one", "a single")
    if unit == "second" and single:
        return False
    if unit in ("quarter", "quarters", "weekend") and (single or not m["num"][0].isdigit() and num not in _NUMS):
        return False
    return not (unit == "quarter" and re.match(r"\s+of\b", text[m.end():]))


def _r_bare(m, ctx):
    return _Res("DURATION", f"PX{_UNITS[m['unit'].lower()]}")


def _r_quarter(m, ctx):
    q = _LEX["ordinals"][m["ord"].lower()]
    year = m["qy"] or m["year"]
    if year:
        return _Res("DATE", f"{year}-Q{q}", None, "absolute")
    if ctx.dct is None or ctx.dct.month is None:
        return _Res("DATE", f"XXXX-Q{q}")
    y = ctx.dct.year
    if q > (ctx.dct.month - 1) // 3 + 1 and ctx.tense(m.start(), m.end()) == "past":
        y -= 1
    return _Res("DATE", f"{y:04d}-Q{q}", None, "dct")


def _r_latest_quarter(m, ctx):
    if ctx.dct is None or ctx.dct.month is None:
        return _Res("DATE", "XXXX-QX")
    mod = (m["qmod"] or "").lower()
    step = -5 if mod.startswith("year") else -1
    value, _ = _shift(ctx.dct.first_day(), "Q", step)
    return _Res("DATE", value, None, "dct")


_SEASON_IDX = {"SP": 0, "SU": 1, "FA": 2, "WI": 3}


def _r_season(m, ctx):
    code = _LEX["seasons"][m["season"].lower()]
    if m["year"]:
        return _Res("DATE", f"{m['year']}-{code}", None, "absolute")
    if ctx.dct is None:
        return _Res("DATE", f"XXXX-{code}")
    month = ctx.dct.month or 6
    cur = next(k for k, (a, b) in _LEX["season_months"].items() if a <= month <= b or a <= month + 12 <= b)
    cy = ctx.dct.year - (1 if month <= 2 else 0)
    now, s = cy * 4 + _SEASON_IDX[cur], _SEASON_IDX[code]
    rel = (m["srel"] or "").lower()
    if rel in ("last", "past") or (rel not in ("this", "next", "coming") and ctx.tense(m.start(), m.end()) == "past"):
        target = now - ((now - s) % 4 or (4 if rel else 0))
    elif rel in ("next", "coming"):
        target = now + ((s - now) % 4 or 4)
    elif rel == "this":
        target = (ctx.dct.year - (1 if code == "WI" and month <= 2 else 0)) * 4 + s
    else:
        target = now + (s - now) % 4
    return _Res("DATE", f"{target // 4:04d}-{code}", None, "dct")


def _season_ok(m, text):
    if not (m["srel"] or m["year"] or m["eml"]):
        return False
    return not (m["srel"] and m["srel"].lower() == "the" and re.match(r"\s+(?:of|in)\b", text[m.end():]))


def _thanksgiving(year: int) -> int:
    first = dt.date(year, 11, 1).weekday()
    return 1 + (3 - first) % 7 + 21


def _r_holiday(m, ctx):
    name = m["hol"]
    year = int(m["year"]) if m["year"] else None
    if name.startswith("Thanksgiving"):
        y = year or _pick_year(ctx, 11, 25, ctx.tense_cue(m.start(), m.end()))
        if y is None:
            return _Res("DATE", "XXXX-11-XX")
        return _day_res(ctx, y, 11, _thanksgiving(y), 3, year is not None)
    month, day = _LEX["holidays"][name]
    y = year or _pick_year(ctx, month, day, ctx.tense_cue(m.start(), m.end()))
    return _day_res(ctx, y, month, day, None, year is not None)


def _r_set(m, ctx):
    if m["setw"]:
        return _Res("SET", _LEX["sets"][m["setw"].lower()])
    if m["swd"]:
        return _Res("SET", f"XXXX-WXX-{_LEX['weekdays'][m['swd']] + 1}")
    value = _LEX["set_units"][m["sunit"].lower()]
    if m["other"]:
        value = value.replace("1", "2", 1)
    return _Res("SET", value)


def _r_clock(m, ctx):
    if m["word"]:
        h, mm = (12, 0) if m["word"].lower() == "noon" else (0, 0)
    else:
        h, mm = int(m["hh"]), int(m["mm"] or 0)
        ampm = (m["ampm"] or "").lower()
        if ampm.startswith("p") and h < 12:
            h += 12
        elif ampm.startswith("a") and h == 12:
            h = 0
    day, anchor = (ctx.ref_day, "narrative") if ctx.ref_day else (ctx.dct_day, "dct")
    if day is None:
        return _Res("TIME", f"XXXX-XX-XXT{h:02d}:{mm:02d}")
    return _Res("TIME", f"{day.isoformat()}T{h:02d}:{mm:02d}", _pd(day), anchor)


def _clock_ok(m, text):
    if m["word"] or m["ampm"]:
        return True
    return int(m["hh"]) <= 23 and not re.match(r"[:.]\d", text[m.end():])


def _r_clock_day(m, ctx):
    """"10 p.m. Wednesday", "5 p.m. EST Nov. 9": the day part resolved by its own rule."""
    pos, day = m.span("dtext")[0], _Res("DATE", "XXXX-XX-XX")
    for name in ("month_day", "weekday", "deictic"):
        _n, pat, resolve, _ok = _RULES[_RULE_INDEX[name]]
        sub = pat.match(ctx.text, pos)
        if sub:
            day = resolve(_M(sub), ctx)
            break
    clock = _r_clock(_M(_RULES[_RULE_INDEX["clock"]][1].match(ctx.text, m.start())), ctx)
    if day.date is None or day.date.precision != "day":
        return _Res("TIME", day.value[:10] + clock.value[clock.value.index("T"):], None, day.anchor, day.weekday)
    return _Res("TIME", day.date.iso() + clock.value[clock.value.index("T"):], day.date, day.anchor, day.weekday)


def _r_weekend(m, ctx):
    if ctx.dct_day is None:
        return _Res("DATE", "XXXX-WXX-WE")
    d = ctx.dct_day
    if ctx.tense(m.start(), m.end()) == "future" and d.weekday() < 5:
        d += dt.timedelta(days=7)
    elif d.weekday() < 5:
        d -= dt.timedelta(days=7)
    return _Res("DATE", _week(d) + "-WE", None, "dct")


def _r_year_ago(m, ctx):
    if ctx.ref_value and re.fullmatch(r"\d{4}-Q\d", ctx.ref_value):
        return _Res("DATE", f"{int(ctx.ref_value[:4]) - 1:04d}{ctx.ref_value[4:]}", None, "narrative")
    if ctx.dct is None:
        return _Res("DATE", "XXXX")
    d = PartialDate(ctx.dct.year - 1)
    return _Res("DATE", d.iso(), d, "dct")


def _r_spelled_year(m, ctx):
    if m["st"]:
        century = 1900 if m["sy"].lower().startswith("nineteen") else 2000
        y = century + _LEX["spelled_tens"][m["st"].lower()] + _LEX["spelled_units"].get((m["su"] or "").lower(), 0)
    else:
        y = 2000 + _LEX["spelled_units"].get((m["su2"] or "").lower(), 0)
    return _Res("DATE", f"{y:04d}", PartialDate(y), "absolute")


# --------------------------------------------------------------------------- rule table
_UNIT_SING = rf"(?P<unit>{_CI.format(_alt(u for u in _UNITS if not u.endswith('s') or u == 'days'))})"
_HOLIDAYS = _alt(list(_LEX["holidays"]) + ["Thanksgiving Day", "Thanksgiving"])
_RU = _CI.format(_alt(_LEX["relative_units"]))
_NARR_UNITS = _CI.format(_alt(_LEX["narrative_units"]))
_REFS = _CI.format(_alt(_LEX["refs"]))
_T = r"(?i:the)\s+"

_CLOCK = (r"\b(?:(?P<hh>[01]?\d|2[0-3])(?::(?P<mm>[0-5]\d))?\s*(?P<ampm>(?i:a\.m\.|p\.m\.|am\b|pm\b))"
          r"|(?P<hh2>[01]\d|2[0-3]):(?P<mm2>[0-5]\d)(?![\d:])|(?P<word>(?i:noon|midnight))\b)")

# (name, pattern, resolver, lexical check). Order breaks ties between equally long matches.
_RULE_SPECS: list[tuple[str, str, Callable, Callable | None]] = [
    ("iso", r"(?<![\d-])(?P<year>\d{4})-(?P<m>0[1-9]|1[0-2])-(?P<d>[0-3]\d)(?:T(?P<hh>[01]\d|2[0-3]):(?P<mm>[0-5]\d))?(?![\d-])",
     _r_iso, lambda m, t: _valid(int(m["year"]), int(m["m"]), int(m["d"]))),
    ("numeric", r"(?<![\d.:/])(?:(?P<hh>[01]?\d|2[0-3]):(?P<mm>[0-5]\d)\s+)?(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4})(?![\d])",
     _r_numeric, _numeric_ok),
    ("month_day", rf"(?:{_WD},?\s+)?(?:{_T})?{_MON}\s+{_DAY}(?:,?\s+{_YEAR})?", _r_month_day, _month_day_ok),
    ("day_month", rf"(?:{_WD},?\s+)?(?:{_T})?{_DAY}(?:\s+of)?\s+{_MON}(?:,?\s+{_YEAR})?", _r_month_day, _month_day_ok),
    ("month_year", rf"(?:{_EML}[- ])?{_MON},?\s+(?:of\s+)?{_YEAR}", _r_month_year, None),
    ("month", rf"(?:{_EML}[- ]|{_REL}\s+)?(?P<mon>{_alt(_LEX['months'])})\b(?!-)", _r_month, _month_ok),
    ("year", rf"(?:(?P<fis>(?i:fiscal|calendar|mid|early|late))[- ]+)?(?<![\d$£€.,/:-]){_YEAR}(?!\s*%|[.,]\d|-\d|s\b|'s\b)",
     _r_year, _year_ok),
    ("decade", rf"(?:(?i:the)\s+)?(?:{_EML}[- ])?(?:(?P<dec>1[6-9]\d|20\d)0'?s|['’](?P<dec2>\d)0s)\b", _r_decade, None),
    ("weekday", rf"(?:{_EML}\s+)?(?:(?:{_T})?(?:{_REL}|(?P<wrel>(?i:preceding|following)))\s+)?{_WD}\b(?:\s+{_POD}\b)?",
     _r_weekday, None),
    ("clock_day", rf"(?P<clk>{_CLOCK})(?:\s+(?:EST|EDT|CST|PST|GMT|UTC|local time))?,?\s+(?:on\s+)?(?P<dtext>"
                  rf"{_alt(_LEX['weekdays'])}|(?:{_alt(_LEX['months'])}|(?:{_alt(_LEX['month_abbr'])})\.?)\s+\d|"
                  r"(?i:today|tomorrow|yesterday))", _r_clock_day, None),
    ("weekend", rf"{_T}weekend\b", _r_weekend, None),
    ("year_ago", r"\b(?i:year-earlier|year-ago|year earlier)\b", _r_year_ago, None),
    ("spelled_year", rf"(?:{_T}year\s+)?(?P<sy>(?i:nineteen|twenty)[- ](?:(?i:hundred)[- ])?(?:(?P<st>(?i:{_alt(_LEX['spelled_tens'])}))"
                     rf"(?:[- ](?P<su>(?i:{_alt(_LEX['spelled_units'])})))?)|(?i:two thousand)(?:[- ](?:and[- ])?"
                     rf"(?P<su2>(?i:{_alt(_LEX['spelled_units'])})))?)\b", _r_spelled_year, None),
    ("deictic", rf"(?:{_EML}\s+)?(?P<deix>(?i:today|tonight|tomorrow|yesterday))\b(?:\s+{_POD}\b)?", _r_deictic, None),
    ("part_of_day", rf"(?P<prel>(?i:last|this))\s+(?P<pod>(?i:morning|afternoon|evening|night))\b", _r_pod, None),
    ("ref", rf"\b(?P<ref>{_REFS})\b", _r_ref, None),
    ("recent", r"\b(?P<ref>(?i:recent)\s+(?i:years|decades))\b", _r_ref, None),
    ("recent_duration", r"\b(?i:recent|coming)\s+(?P<unit>(?i:months|weeks|days))\b", _r_bare, None),
    ("relative_unit", rf"(?:(?P<el>(?i:earlier|later|early|late))\s+)?(?:{_T})?{_REL}\s+(?P<runit>{_RU})\b(?!-)",
     _r_relunit, None),
    ("ago", rf"(?:(?P<mod>(?i:{_alt(_LEX['duration_modifier'])}))\s+)?{_NUM}\s+{_UNIT}\s+"
            r"(?P<dir>(?i:ago|from now|hence|earlier|later))\b", _r_ago, None),
    ("narrative_next", rf"(?:{_T})?(?P<ndir>(?i:{_alt(_LEX['narrative_dirs'])}))\s+(?P<nunit>{_NARR_UNITS})\b",
     _r_narr, None),
    ("narrative_after", rf"{_T}(?P<nunit2>{_NARR_UNITS})\s+(?P<ba>(?i:after|before|earlier|later))\b", _r_narr, None),
    ("narrative_that", rf"(?:(?i:earlier|later)\s+)?(?i:that|the same)\s+(?P<nunit3>{_NARR_UNITS})\b", _r_narr, None),
    ("duration", rf"(?:(?i:{_alt(_LEX['duration_prefix'])})\s+)?(?:(?i:{_alt(_LEX['duration_modifier'])})\s+)?"
                 rf"\b{_NUM}\s+{_UNIT}\b(?!-)", _r_duration, _duration_ok),
    ("duration_hyphen", rf"\b{_NUM}-{_UNIT_SING}(?:-(?i:old|long))?\b", _r_duration, _duration_ok),
    ("duration_vague", r"(?:(?<=\bfor )|(?<=\bFor )|(?<=\bover )|(?<=\bOver ))(?P<unit>years|months|weeks|decades)\b", _r_bare, None),
    ("quarter", rf"(?:{_T})?(?:(?P<qy>1[6-9]\d\d|20\d\d)(?:'s)?\s+)?(?:(?i:fiscal|calendar)\s+)?"
                rf"(?P<ord>(?i:first|second|third|fourth|1st|2nd|3rd|4th))[- ](?:(?i:fiscal)[- ])?quarter\b(?!s)"
                rf"(?:\s+of\s+(?:fiscal\s+)?{_YEAR})?", _r_quarter, None),
    ("latest_quarter", rf"{_T}(?:(?P<qmod>(?i:latest|most recent|last|past|previous|recent|year-earlier|year-ago|"
                       r"just-ended|just-completed))\s+)?quarter\b", _r_latest_quarter, None),
    ("season", rf"(?:{_EML}[- ])?(?:(?P<srel>(?i:last|this|next|coming|past|the))\s+)?"
               rf"(?P<season>(?i:spring|summer|fall|autumn|winter))\b(?:\s+(?:of\s+)?{_YEAR})?", _r_season, _season_ok),
    ("holiday", rf"(?P<hol>{_HOLIDAYS})\b(?:,?\s+{_YEAR})?", _r_holiday, None),
    ("set", rf"\b(?P<setw>{_alt(_LEX['sets'])})\b|(?i:every|each|per)\s+(?:(?P<other>other)\s+)?"
            rf"(?:(?P<sunit>(?i:{_alt(_LEX['set_units'])}))\b|(?P<swd>{_alt(_LEX['weekdays'])})\b)", _r_set, None),
    ("clock", _CLOCK, _r_clock, _clock_ok),
]
_RULES = [(name, re.compile(pat), res, ok) for name, pat, res, ok in _RULE_SPECS]
_RULE_INDEX = {name: i for i, (name, *_rest) in enumerate(_RULES)}


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


def _candidates(text: str) -> list[tuple[int, int, int, _M]]:
    """Every lexically acceptable match of every rule, longest first."""
    found = []
    for idx, (_name, pat, _res, ok) in enumerate(_RULES):
        for m in pat.finditer(text):
            if m.end() == m.start():
                continue
            w = _M(m)
            if ok is None or ok(w, text):
                found.append((m.start(), m.end(), idx, w))
    found.sort(key=lambda c: (c[0] - c[1], c[2], c[0]))
    return found


def _select(found: list[tuple[int, int, int, _M]]) -> list[tuple[int, int, int, _M]]:
    """Greedy longest-match-wins selection of non-overlapping spans, back in text order."""
    taken: list[tuple[int, int]] = []
    chosen = []
    for c in found:
        if any(c[0] < e and s < c[1] for s, e in taken):
            continue
        taken.append((c[0], c[1]))
        chosen.append(c)
    chosen.sort(key=lambda c: c[0])
    return chosen


def tag(text: str, dct: PartialDate | None, *, tense_hint=None) -> list[TimeExpression]:
    """Time expressions in ``text``, in text order, normalised against ``dct``.

    ``tense_hint`` ("past"/"future") overrides the tense read from each sentence.
    """
    ctx = _Ctx(text, dct, tense_hint)
    out: list[TimeExpression] = []
    for start, end, idx, m in _select(_candidates(text)):
        name, _pat, resolve, _ok = _RULES[idx]
        try:
            res = resolve(m, ctx)
        except (ValueError, OverflowError, KeyError):
            # date arithmetic left the calendar (year 9999+) or an odd token: keep the span, unresolved
            res = _Res("DATE", "XXXX")
        ctx.note(res)
        out.append(TimeExpression(start, end, text[start:end], res.type, res.value, res.date,
                                  res.anchor, name, res.weekday))  # type: ignore[arg-type]
    return out
