"""Read input files into ``SourceDocument`` records (first pipeline stage).

Why a stage of its own: everything after it works on decoded text with stable ids, so
all the messy parts of reading a user's folder live here — walking folders in a
deterministic order, guessing encodings, refusing binaries with a reason, unpacking
JSON/JSONL records, the news-tls ``InputDocs/<date>/`` layout, and spotting articles
that were already seen (exact re-ingest) or that re-post one wire story (near
duplicates, found by ``neardup``, kept but recorded so the storyline can say "same origin").

Nothing here raises for a user's bad input: each unusable file or record becomes an
``InputError`` with the reason.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from crosscheck.models import DuplicateRecord, IngestResult, InputError, SourceDocument
from crosscheck.neardup import StoredSignatures, near_duplicates
from crosscheck.settings import DEFAULT, Settings

TEXT_SUFFIXES = {".txt": "txt", ".html": "html", ".htm": "html", ".json": "json", ".jsonl": "json"}
ARCHIVE_SUFFIXES = (".warc", ".warc.gz")  # read by crosscheck.warc (the "web" extra)
STRIP_SUFFIXES = (".txt", ".html", ".htm", ".json", ".jsonl", ".xml")
TLS_DIR = "InputDocs"
# Short Western text decodes about equally well in many single-byte code pages
# (charset-normalizer picked cp1257 for Latin-1 "Señor … déjà", giving "déją"); news in
# this tool is mostly Western, so these win when they are about as plausible as the best.
WESTERN_ENCODINGS = ("cp1252", "latin_1", "iso8859_15")
WESTERN_CHAOS_MARGIN = 0.02
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# JSON field names, in order of preference (kept as data: other feeds name them differently)
JSON_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "_id", "article_id", "doc_id", "uuid"),
    "url": ("url", "link", "uri", "canonical_url"),
    "title": ("title", "headline", "name"),
    "text": ("text", "body", "content", "article", "maintext", "articleBody"),
    "html": ("html", "raw_html", "content_html", "body_html"),
    "published": ("published", "date", "published_at", "publish_date", "pubdate",
                  "date_publish", "datePublished", "pub_date", "timestamp", "time"),
    "outlet": ("outlet", "source", "site", "site_name", "publisher", "domain", "source_domain"),
}



@dataclass
class _Candidate:
    """A file (or JSON record) that decoded fine, before ids and duplicates are settled."""

    file: Path
    stem: str
    parent: str
    doc: SourceDocument


# --------------------------------------------------------------------------- public
def ingest(
    paths: Sequence[str | Path],
    settings: Settings = DEFAULT,
    known_hashes: Mapping[str, str] | None = None,
    stored: StoredSignatures | None = None,
) -> IngestResult:
    """Read files and folders into documents, errors and duplicate records.

    Files are processed in sorted path order so ids, duplicate direction ("the earlier
    article is ``same_as``") and output are the same whatever order the paths were given.
    ``known_hashes`` (content hash -> stored id) skips re-ingests; ``stored`` finds re-posts
    of stored articles (``neardup``).
    """
    result = IngestResult()
    files = _expand(paths, result.errors)
    candidates: list[_Candidate] = []
    for f in files:
        candidates.extend(_read_file(f, settings, result.errors))
    _assign_ids(candidates)
    _drop_exact(candidates, _known(known_hashes), result)
    result.duplicates.extend(near_duplicates(result.documents, settings, stored))
    return result


def _known(known_hashes: Mapping[str, str] | None) -> Mapping[str, str]:
    """``known_hashes``, or none. Not ``known_hashes or {}``: the truth of a store's lazy
    mapping (``Store.hashes``) is its length, a count of every stored article per ingest."""
    return {} if known_hashes is None else known_hashes


def ingest_documents(
    documents: Sequence[SourceDocument],
    settings: Settings = DEFAULT,
    known_hashes: Mapping[str, str] | None = None,
    stored: StoredSignatures | None = None,
) -> IngestResult:
    """Documents read elsewhere (fetched pages), ids already set: the same exact and
    near-duplicate checks that files get, in the order given."""
    result = IngestResult()
    _drop_exact([_Candidate(Path(d.path), d.id, "", d) for d in documents], _known(known_hashes), result)
    result.duplicates.extend(near_duplicates(result.documents, settings, stored))
    return result


def normalized_hash(text: str) -> str:
    """sha256 of NFC-normalised, whitespace-collapsed text: re-ingests hash the same."""
    norm = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- files
def _expand(paths: Sequence[str | Path], errors: list[InputError]) -> list[Path]:
    """Files under the given paths, recursive, sorted; hidden entries are skipped."""
    found: dict[str, Path] = {}
    for raw in paths:
        p = Path(raw)
        try:
            if p.is_dir():
                for f in p.rglob("*"):
                    rel = f.relative_to(p).parts
                    if any(part.startswith(".") for part in rel) or not f.is_file():
                        continue
                    found.setdefault(str(f.resolve()), f)
            elif p.is_file():
                found.setdefault(str(p.resolve()), p)
            elif p.exists():
                errors.append(InputError(str(p), "not a regular file or folder"))
            else:
                errors.append(InputError(str(p), "no such file or folder"))
        except OSError as exc:
            errors.append(InputError(str(p), f"cannot read: {exc.strerror or exc}"))
    return sorted(found.values(), key=lambda f: f.as_posix())


def _stem(f: Path) -> str:
    """File name without its text suffixes ("12.htm.txt" -> "12")."""
    name = f.name
    changed = True
    while changed:
        changed = False
        for suffix in STRIP_SUFFIXES:
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                name, changed = name[: -len(suffix)], True
    return name


def _tls_date(f: Path) -> str | None:
    """The publication date folder of the news-tls layout ``InputDocs/<date>/<file>``."""
    parent = f.parent
    if parent.parent.name == TLS_DIR and ISO_DAY.match(parent.name):
        return parent.name
    return None


def _read_file(f: Path, settings: Settings, errors: list[InputError]) -> list[_Candidate]:
    suffix = f.suffix.lower()
    kind = TEXT_SUFFIXES.get(suffix)
    if f.name.lower().endswith(ARCHIVE_SUFFIXES):  # web archive: one document per HTML response
        from crosscheck.warc import read_warc

        return [_Candidate(f, d.id, _stem(f), d) for d in read_warc(f, settings, errors)]
    if kind is None:
        shown = suffix or "(none)"
        errors.append(InputError(str(f), f"unsupported file extension {shown}; "
                                         "use .txt, .html, .htm, .json, .jsonl or .warc(.gz)"))
        return []
    decoded = _read_text(f, settings)
    if isinstance(decoded, InputError):
        errors.append(decoded)
        return []
    text, encoding = decoded
    if kind == "json":
        return _json_candidates(f, text, encoding, suffix == ".jsonl", settings, errors)
    tls = _tls_date(f)
    doc = SourceDocument(
        id="", path=str(f), format="tls" if tls else kind, original=text,
        content_hash=normalized_hash(text), is_html=(kind == "html"), encoding=encoding,
        published_raw=tls, published_raw_source=f"folder:{tls}" if tls else None,
    )
    return [_Candidate(f, _stem(f), f.parent.name, doc)]


def _read_text(f: Path, settings: Settings) -> tuple[str, str] | InputError:
    """Decoded text and the encoding used, or the reason it cannot be used."""
    try:
        size = f.stat().st_size
        if size > settings.max_article_chars * 4:
            return InputError(str(f), f"too large: {size} bytes "
                                      f"(limit {settings.max_article_chars} characters)")
        data = f.read_bytes()
    except OSError as exc:
        return InputError(str(f), f"cannot read: {exc.strerror or exc}")
    decoded = decode_bytes(data)
    if isinstance(decoded, str):
        return InputError(str(f), decoded)
    text, encoding = decoded
    if not text.strip():
        return InputError(str(f), "empty file (no text)")
    if len(text) > settings.max_article_chars:
        return InputError(str(f), f"too large: {len(text)} characters "
                                  f"(limit {settings.max_article_chars})")
    return text, encoding


def decode_bytes(data: bytes) -> tuple[str, str] | str:
    """Decode file bytes: BOMs first, then strict UTF-8, then charset-normalizer.

    Returns ``(text, encoding)`` or a reason string. Why this order: a BOM is
    certain, UTF-8 is by far the most common and strict decoding rarely accepts
    anything else, and only the rest needs statistical guessing.
    """
    if not data.strip():
        return "empty file (no text)"
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return _text_check(data.decode(enc), enc)
            except UnicodeDecodeError:
                return f"binary file, not text (invalid {enc} after its byte-order mark)"
    if b"\x00" in data and (enc := _utf16_without_bom(data)):
        try:
            return _text_check(data.decode(enc), enc)
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        return "binary file, not text (contains NUL bytes)"
    try:
        return _text_check(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return "binary file, not text (no text encoding fits)"
    near = [m for m in matches if m.chaos <= best.chaos + WESTERN_CHAOS_MARGIN]
    best = next((m for enc in WESTERN_ENCODINGS for m in near if m.encoding == enc), best)
    return _text_check(str(best), best.encoding)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the NULs sit on one byte parity only, as in UTF-16
    text without a byte-order mark (mostly Latin script: every other byte is 0)."""
    if len(data) % 2 or len(data) < 8:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    if odd >= 0.6 * half and even == 0:
        return "utf-16-le"
    if even >= 0.6 * half and odd == 0:
        return "utf-16-be"
    return None


def _text_check(text: str, enc: str) -> tuple[str, str] | str:
    """Refuse decoded text that is empty or mostly control characters (binary data)."""
    if "\x00" in text:
        return "binary file, not text (NUL characters)"
    if not text.strip():
        return "empty file (no text)"
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")
    if controls > max(2, len(text) // 100) or controls == len(text.strip()):
        return "binary file, not text (too many control characters)"
    return text, enc


# --------------------------------------------------------------------------- json
def _json_candidates(f: Path, text: str, encoding: str, lines: bool, settings: Settings,
                     errors: list[InputError]) -> list[_Candidate]:
    """One candidate per JSON record (a file holds one object, a list, or JSON lines)."""
    records: list[tuple[str, object]] = []
    if lines:
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append((f"{f}:{n}", json.loads(line)))
            except json.JSONDecodeError as exc:
                errors.append(InputError(f"{f}:{n}", f"invalid JSON line: {exc.msg}"))
            except RecursionError:  # hostile nesting; the parser recurses per level
                errors.append(InputError(f"{f}:{n}", "invalid JSON line: nested too deeply"))
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            errors.append(InputError(str(f), f"invalid JSON: {exc.msg} at line {exc.lineno}"))
            return []
        except RecursionError:  # hostile nesting; the parser recurses per level
            errors.append(InputError(str(f), "invalid JSON: nested too deeply"))
            return []
        items = data if isinstance(data, list) else [data]
        records = [(f"{f}[{i}]" if isinstance(data, list) else str(f), r)
                   for i, r in enumerate(items)]
    out = []
    for n, (where, rec) in enumerate(records, 1):
        cand = _json_record(f, where, rec, n, encoding, settings)
        if isinstance(cand, InputError):
            errors.append(cand)
        else:
            out.append(cand)
    return out


def _field(rec: dict, name: str, numbers: bool = True) -> str | None:
    """The first usable string under the field's names; ``numbers`` accepts 12 as "12"
    (ids, timestamps) but never for an article body (``"html": 42`` is no article)."""
    for key in JSON_FIELDS[name]:
        value = rec.get(key)
        if isinstance(value, dict):  # e.g. "source": {"name": "Reuters"}
            value = value.get("name") or value.get("title")
        if numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _json_record(f: Path, where: str, rec: object, n: int, encoding: str,
                 settings: Settings) -> _Candidate | InputError:
    if not isinstance(rec, dict):
        return InputError(where, f"JSON record is a {type(rec).__name__}, not an object")
    body, is_html = _field(rec, "text", numbers=False), False
    if body is None:
        body, is_html = _field(rec, "html", numbers=False), True
    if body is None:
        names = ", ".join(JSON_FIELDS["text"] + JSON_FIELDS["html"])
        return InputError(where, f"JSON record has no text (looked for {names})")
    if len(body) > settings.max_article_chars:
        return InputError(where, f"too large: {len(body)} characters "
                                 f"(limit {settings.max_article_chars})")
    published = _field(rec, "published")
    pub_key = next((k for k in JSON_FIELDS["published"] if k in rec), None)
    doc = SourceDocument(
        id="", path=where, format="json", original=body, content_hash=normalized_hash(body),
        is_html=is_html, url=_field(rec, "url"), title=_field(rec, "title"),
        outlet=_field(rec, "outlet"), published_raw=published,
        published_raw_source=f"json:{pub_key}" if published else None, encoding=encoding,
    )
    rid = _field(rec, "id")
    stem = _safe_id(rid) if rid else f"{_stem(f)}-{n}"
    return _Candidate(f, stem, _stem(f), doc)


def _safe_id(value: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", value).strip("_") or "record"


# --------------------------------------------------------------------------- ids, duplicates
def _assign_ids(cands: list[_Candidate]) -> None:
    """Unique ids: the stem, or ``<parent>-<stem>`` for every stem shared by several.

    Prefixing all members of a clash (not just the later ones) keeps an id independent
    of which other files happen to sort first; a numeric suffix settles what remains.
    """
    counts = Counter(c.stem for c in cands)
    used: set[str] = set()
    for c in cands:
        base = c.stem if counts[c.stem] == 1 else f"{_safe_id(c.parent)}-{c.stem}"
        ident, k = base, 2
        while ident in used:
            ident, k = f"{base}-{k}", k + 1
        used.add(ident)
        c.doc.id = ident


def _drop_exact(cands: list[_Candidate], known: Mapping[str, str], result: IngestResult) -> None:
    """Skip content already in the store or earlier in this run (exact re-ingest)."""
    seen: dict[str, str] = {}
    for c in cands:
        h = c.doc.content_hash
        earlier = known.get(h) or seen.get(h)
        if earlier is not None:
            result.duplicates.append(DuplicateRecord(c.doc.id, earlier, "exact", 1.0))
            continue
        seen[h] = c.doc.id
        result.documents.append(c.doc)
