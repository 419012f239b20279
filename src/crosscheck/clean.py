"""Strip boilerplate from an article and keep the way back to original offsets.

Why offsets matter: every later claim (an event, an actor, a date) cites evidence in
the ORIGINAL file, so the cleaner never rewrites text — the body is made of exact
stretches of the original (plain text) or of its visible text (HTML), and
``OffsetBlock``s map body positions back.

Plain text works line by line: lines are labelled boilerplate (headline tickers,
share buttons, navigation, footers, "The post … appeared first on …"), header lines
(title, byline, dateline: recorded, not boilerplate) or body. The rules are data in
``data/boilerplate.json`` and ``data/dates.json``. HTML is handled in
``crosscheck.clean_html``: trafilatura picks the main text and metadata, its lines are
aligned to a visible-text view of the source and then pass through the same line rules
here; visible text left out is recorded as removed, with a reason taken from the
enclosing element (nav, footer, share widget…).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from crosscheck.models import CleanDocument, OffsetBlock, Removed, SourceDocument
from crosscheck.settings import DEFAULT, Settings

# A line piece: line[ls:le] came from original[os:oe]
Piece = tuple[int, int, int, int]


# --------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class Rules:
    """Compiled boilerplate and dateline rules (from the JSON data files)."""

    line_patterns: tuple[tuple[str, re.Pattern], ...]
    appeared: re.Pattern
    footer_start: re.Pattern
    domain_line: re.Pattern
    timestamp: re.Pattern
    marker: re.Pattern
    prose_end: re.Pattern
    dateline: re.Pattern
    byline_prefix: re.Pattern
    raw: dict


def load_json(name: str) -> dict:
    """A data file of this package, parsed."""
    return json.loads(resources.files("crosscheck").joinpath("data", name).read_text("utf-8"))


@cache
def rules() -> Rules:
    """Compiled rules; cached because they are constant data (output never changes)."""
    bp, dates = load_json("boilerplate.json"), load_json("dates.json")
    full = lambda p: re.compile(rf"(?:{p})", re.I)  # noqa: E731  (used with fullmatch)
    return Rules(
        line_patterns=tuple((d["reason"], full(d["pattern"])) for d in bp["line_patterns"]),
        appeared=full(bp["appeared_first_on"]),
        footer_start=full(bp["footer_start"]),
        domain_line=full(bp["domain_line"]),
        timestamp=full(bp["ticker"]["timestamp"]),
        marker=full(bp["ticker"]["marker"]),
        prose_end=re.compile(bp["prose_end"]),
        dateline=_dateline_regex(dates),
        byline_prefix=re.compile(rf"^(?:{bp['byline_prefix']})", re.I),
        raw=bp,
    )


def _dateline_regex(dates: dict) -> re.Pattern:
    """A whole-line date line: [prefix:] [Category[,|]] [time] date [time] ("Gulf Courier, 29 March
    2023", "MOSCOW, Oct. 22, 2015", "Reuters | 22 October 2015")."""
    month = "|".join(sorted(dates["months"], key=len, reverse=True))
    wday = "|".join(sorted(dates["weekdays"], key=len, reverse=True))
    day = r"\d{1,2}(?:st|nd|rd|th)?"
    date = (rf"(?:(?:{wday})\.?,?\s+)?(?:\d{{1,2}}\.\d{{1,2}}\.\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}"
            rf"|\d{{1,2}}/\d{{1,2}}/\d{{4}}|{day}\s+(?:{month})\.?,?\s+\d{{4}}"
            rf"|(?:{month})\.?\s+{day},?\s+\d{{4}})")
    time = r"\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?(?:\s?(?:[A-Z]{2,4}|UK time))?"
    prefix = "|".join(re.escape(p) for p in dates["dateline_prefixes"])
    ncat = dates["dateline_category_max_words"]
    category = rf"(?P<cat>[A-Z][\w&/-]*(?:\s[A-Z&][\w&/-]*){{0,{ncat - 1}}})"
    return re.compile(
        rf"(?:(?:{prefix}):?\s+)?(?:{category}\s*[,|]?\s+)?"
        rf"(?P<dl>(?:{time}[\s,|]+)?{date}(?:[\s,|]+(?:at\s+)?{time})?)\s*", re.I)


# --------------------------------------------------------------------------- lines
@dataclass
class Line:
    """One candidate line of text and where its characters came from."""

    text: str
    pieces: list[Piece]  # sorted, covering text
    label: str = "body"  # body | blank | removed | title | byline | dateline
    reason: str = ""

    @property
    def start(self) -> int:
        return self.pieces[0][2] if self.pieces else 0

    @property
    def end(self) -> int:
        return self.pieces[-1][3] if self.pieces else 0

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Original offsets of ``text[a:b]``."""
        return _piece_pos(self.pieces, a, False), _piece_pos(self.pieces, b, True)

    @property
    def words(self) -> int:
        return len(self.text.split())


def _piece_pos(pieces: list[Piece], pos: int, is_end: bool) -> int:
    for ls, le, os_, oe in pieces:
        if ls <= pos < le or (is_end and ls < pos <= le):
            if le - ls == oe - os_:
                return os_ + pos - ls
            return oe if is_end else os_
    return pieces[-1][3] if is_end else pieces[0][2]


def text_lines(original: str) -> list[Line]:
    """Lines of plain text, stripped, each mapped linearly to its original offsets."""
    lines = []
    for m in re.finditer(r"[^\n]*(?:\n|$)", original):
        if m.start() == m.end():
            continue
        raw = m.group().rstrip("\n")
        inner = raw.strip()
        if not inner:
            lines.append(Line("", [], label="blank"))
            continue
        s = m.start() + raw.index(inner)
        lines.append(Line(inner, [(0, len(inner), s, s + len(inner))]))
    return lines


@dataclass
class Findings:
    """What the line rules found besides the labels."""

    outlet_hint: str | None = None
    title_hint: tuple[str, tuple[int, int]] | None = None
    dateline: tuple[str, tuple[int, int]] | None = None
    extra_removed: list[Removed] = field(default_factory=list)


def is_prose(line: Line, r: Rules) -> bool:
    return line.words >= r.raw["prose_min_words"] and bool(r.prose_end.search(line.text))


# --------------------------------------------------------------------------- ticker
def mark_tickers(lines: list[Line], r: Rules) -> None:
    """Label headline-ticker runs (timestamps alternating with short headlines)."""
    cfg = r.raw["ticker"]
    idx = [i for i, ln in enumerate(lines) if ln.label == "body"]
    ts = [k for k, i in enumerate(idx) if r.timestamp.fullmatch(lines[i].text)]
    runs: list[list[int]] = []
    for k in ts:
        if runs and _ticker_gap_ok(lines, idx[runs[-1][-1] + 1:k], cfg):
            runs[-1].append(k)
        else:
            runs.append([k])
    for run in runs:
        if len(run) < cfg["min_timestamps"]:
            continue
        gap = max(b - a - 1 for a, b in zip(run, run[1:]))
        first, last = run[0], run[-1]
        headline_first = _extend_before(lines, idx, first, gap, cfg)
        if headline_first == first:  # "time, headline" order: the last headline follows
            last = _extend_before_reversed(lines, idx, last, gap, cfg, r)
        first = headline_first
        last = _extend_after(lines, idx, last, cfg)
        first = _extend_header(lines, idx, first, r, cfg)
        for i in range(idx[first], idx[last] + 1):
            if lines[i].label == "body":
                lines[i].label, lines[i].reason = "removed", "headline-ticker"


def _short(line: Line, cfg: dict) -> bool:
    return 0 < line.words <= cfg["max_headline_words"]


def _ticker_gap_ok(lines: list[Line], between: list[int], cfg: dict) -> bool:
    return len(between) <= cfg["max_between"] and all(_short(lines[i], cfg) for i in between)


def _extend_before(lines: list[Line], idx: list[int], first: int, gap: int, cfg: dict) -> int:
    for _ in range(gap):
        k = first - 1
        if k < 0 or not _short(lines[idx[k]], cfg) or idx[first] - idx[k] != 1:
            break
        first = k
    return first


def _extend_before_reversed(lines: list[Line], idx: list[int], last: int, gap: int, cfg: dict,
                            r: Rules) -> int:
    """The headline lines right after the last timestamp (time-first tickers)."""
    for _ in range(gap):
        k = last + 1
        if (k >= len(idx) or not _short(lines[idx[k]], cfg) or idx[k] - idx[last] != 1
                or r.timestamp.fullmatch(lines[idx[k]].text)):
            break
        last = k
    return last


def _extend_after(lines: list[Line], idx: list[int], last: int, cfg: dict) -> int:
    """Lone labels (a "see all" link) right after the last timestamp."""
    while last + 1 < len(idx):
        line = lines[idx[last + 1]]
        if (not (0 < line.words <= cfg["trailing_label_words"]) or line.text.endswith(".")
                or idx[last + 1] != idx[last] + 1):
            break
        last += 1
    return last


def _extend_header(lines: list[Line], idx: list[int], first: int, r: Rules, cfg: dict) -> int:
    """Headline-like lines just above a ticker are its caption ("News line", a teaser)."""
    while first > 0:
        line = lines[idx[first - 1]]
        if (line.words > cfg["header_words"] or r.prose_end.search(line.text)
                or r.domain_line.fullmatch(line.text) or r.footer_start.fullmatch(line.text)):
            break
        first -= 1
    return first


# --------------------------------------------------------------------------- line rules
def mark_boilerplate(lines: list[Line], r: Rules, found: Findings) -> None:
    """Label share buttons, navigation, "appeared first on" and similar lines."""
    for line in lines:
        if line.label != "body":
            continue
        m = r.appeared.fullmatch(line.text)
        if m:
            line.label, line.reason = "removed", "appeared-first-on"
            found.outlet_hint = found.outlet_hint or m.group("site").strip()
            found.title_hint = (m.group("title").strip(), line.span(*m.span("title")))
            continue
        for reason, pat in r.line_patterns:
            if pat.fullmatch(line.text):
                line.label, line.reason = "removed", reason
                break


def mark_footer(lines: list[Line], r: Rules, found: Findings) -> None:
    """From a footer opener (or a bare domain line) to the end, when no prose follows."""
    prose_after = False
    start = None
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if line.label != "body":
            continue
        if is_prose(line, r):
            prose_after = True
            continue
        if prose_after:
            continue
        dm = r.domain_line.fullmatch(line.text)
        if dm:  # the publisher's own footer outranks "appeared first on" (a re-post)
            found.outlet_hint = dm.group("domain").lower()
            line.label, line.reason = "removed", "footer"
        if r.footer_start.fullmatch(line.text):
            start = i
    if start is None:
        return
    for line in lines[start:]:
        if line.label == "body":
            line.label, line.reason = "removed", "footer"


# --------------------------------------------------------------------------- header
def mark_header(lines: list[Line], r: Rules, found: Findings, meta_title: str | None) -> None:
    """Title, byline and dateline among the lines before the first prose line."""
    head: list[Line] = []
    for line in lines:
        if line.label != "body":
            continue
        if is_prose(line, r) or len(head) >= r.raw["header_max_lines"]:
            break
        head.append(line)
    if meta_title:
        key = _norm(meta_title)
        for line in head:
            if _norm(line.text) == key:
                line.label = "title"
                break
    elif head and _title_like(head[0], r):
        head[0].label = "title"
    have_byline = False
    for line in head:
        if line.label != "body":
            continue
        if found.dateline is None and _mark_dateline(line, r, found):
            continue
        if not have_byline and _byline(line, r) is not None:
            line.label, have_byline = "byline", True


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _title_like(line: Line, r: Rules) -> bool:
    return (line.words <= r.raw["title_max_words"] and len(line.text) <= r.raw["title_max_chars"]
            and not line.text.endswith(".") and not r.dateline.fullmatch(line.text))


def _mark_dateline(line: Line, r: Rules, found: Findings) -> bool:
    m = r.dateline.fullmatch(line.text)
    if not m:
        return False
    a, b = m.span("dl")
    found.dateline = (line.text[a:b], line.span(a, b))
    line.label = "dateline"
    if m.group("cat"):
        s, e = line.span(*m.span("cat"))
        found.extra_removed.append(Removed(s, e, "dateline-label", m.group("cat")))
    return True


def _byline(line: Line, r: Rules) -> tuple[int, int] | None:
    """Line-relative span of the person name, when the line is a byline."""
    m = r.byline_prefix.match(line.text)
    if m and 1 <= len(line.text[m.end():].split()) <= 10:
        return m.end(), len(line.text)
    if _name_like(line.text, r.raw["name_particles"]):
        return 0, len(line.text)
    return None


def _name_like(text: str, particles: list[str]) -> bool:
    tokens = text.split()
    if not 2 <= len(tokens) <= 5 or len(text) > 60 or any(c.isdigit() for c in text):
        return False
    caps = 0
    for tok in tokens:
        if tok.lower() in particles and tok[0].islower():
            continue
        if not re.fullmatch(r"[A-Z][\w'’.-]*", tok) or tok.isupper() and len(tok) > 2:
            return False
        caps += 1
    return caps >= 2


# --------------------------------------------------------------------------- assembly
def assemble(doc: SourceDocument, lines: list[Line], found: Findings, *,
             newline_blocks: bool) -> CleanDocument:
    """Build the CleanDocument from labelled lines."""
    body_parts: list[str] = []
    blocks: list[OffsetBlock] = []
    pos = 0
    kept = [ln for ln in lines if ln.label == "body"]
    for n, line in enumerate(kept):
        for ls, le, os_, oe in line.pieces:
            blocks.append(OffsetBlock(pos + ls, pos + le, os_, oe))
        pos += len(line.text)
        body_parts.append(line.text)
        if n + 1 < len(kept):
            last = blocks[-1]
            if (newline_blocks and last.body_end == pos and last.orig_end - last.orig_start
                    == last.body_end - last.body_start and doc.original[last.orig_end:last.orig_end + 1] == "\n"):
                blocks[-1] = OffsetBlock(last.body_start, pos + 1, last.orig_start, last.orig_end + 1)
            pos += 1
    out = CleanDocument(id=doc.id, body="\n".join(body_parts), blocks=blocks)
    _header_fields(out, lines, found, doc)
    out.removed = sorted(_merge_removed(doc.original, lines) + found.extra_removed,
                         key=lambda x: (x.start, x.end))
    out.outlet_hint = found.outlet_hint
    return out


def _header_fields(out: CleanDocument, lines: list[Line], found: Findings,
                   doc: SourceDocument) -> None:
    for line in lines:
        if line.label == "title" and out.title_span is None:
            out.title_span = (line.start, line.end)
            out.title = doc.title or line.text
        elif line.label == "byline" and out.byline is None:
            span = _byline(line, rules()) or (0, len(line.text))
            out.byline, out.byline_span = line.text[span[0]:span[1]], line.span(*span)
    if out.title is None:
        out.title = doc.title or (found.title_hint[0] if found.title_hint else None)
        if found.title_hint and out.title == found.title_hint[0]:
            out.title_span = found.title_hint[1]
    if found.dateline:
        out.dateline, out.dateline_span = found.dateline


def _merge_removed(original: str, lines: list[Line]) -> list[Removed]:
    """One Removed per run of removed lines with the same reason (blank lines join runs)."""
    out: list[Removed] = []
    prev_reason = None
    for line in lines:
        if line.label == "blank":
            continue
        if line.label != "removed":
            prev_reason = None
            continue
        if prev_reason == line.reason and out:
            out[-1].end = line.end
            out[-1].text = original[out[-1].start:line.end]
        else:
            out.append(Removed(line.start, line.end, line.reason, original[line.start:line.end]))
        prev_reason = line.reason
    return out


def label_lines(lines: list[Line], meta_title: str | None) -> Findings:
    """Run all line rules in order: boilerplate lines, tickers, footer, header."""
    r = rules()
    found = Findings()
    mark_boilerplate(lines, r, found)  # first: share lines must not pass as headlines
    mark_tickers(lines, r)
    mark_footer(lines, r, found)
    mark_header(lines, r, found, meta_title)
    return found


# --------------------------------------------------------------------------- public
def clean(doc: SourceDocument, settings: Settings = DEFAULT) -> CleanDocument:
    """Clean one document: HTML via trafilatura + alignment, plain text by line rules."""
    if doc.is_html:
        from crosscheck.clean_html import clean_html

        return clean_html(doc, settings)
    lines = text_lines(doc.original)
    found = label_lines(lines, doc.title)
    return assemble(doc, lines, found, newline_blocks=True)
