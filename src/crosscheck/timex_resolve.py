"""Resolution half of the TIME stage: turning a matched time expression into a TIMEX3 value.

Why a separate module: crosscheck.timex says *where* time expressions are (the compiled
pattern table); this module says *what they mean* given the document creation date
(dct), the tense of the sentence and the last date mentioned before them, one resolver
per rule; what they share (calendar arithmetic, tense, the narrative anchor) is in
crosscheck.timex_context. Word lists live in data/timex_lexicon.json.
"""

from __future__ import annotations

import datetime as dt
import re

from crosscheck.models import PartialDate
from crosscheck.timex_context import (
    _Ctx,
    _LEX,
    _M,
    _MONTHS,
    _NUMS,
    _Res,
    _UNITS,
    _fmt_num,
    _num,
    _pd,
    _pick_year,
    _preceding_word,
    _shift,
    _week,
    _weekday_date,
)


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


def _r_month_rel_year(m, ctx):
    """"June last year", "March of next year"."""
    if ctx.dct is None:
        return _Res("DATE", f"XXXX-{_MONTHS[m['mon']]:02d}")
    d = PartialDate(ctx.dct.year + _LEX["relative_words"][m["rel"].lower()], _MONTHS[m["mon"]])
    return _Res("DATE", d.iso(), d, "dct")


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
        # nearest to the dct (measured on TempEval-3 train: beats "the dct's year unless the tense says otherwise")
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


def _ref_ok(m, text):
    """"as soon as", "soon after": a connective, not a time."""
    if m["ref"].lower() != "soon":
        return True
    return _preceding_word(text, m.start()) != "as" and not re.match(r"\s+(?:after|before|as)\b", text[m.end():])


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
        pat, resolve = ctx.rules[name]
        sub = pat.match(ctx.text, pos)
        if sub:
            day = resolve(_M(sub), ctx)
            break
    clock = _r_clock(_M(ctx.rules["clock"][0].match(ctx.text, m.start())), ctx)
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
