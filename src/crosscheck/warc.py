"""Read news pages out of web archives (WARC, e.g. Common Crawl News).

Why streaming with warcio: a CC-News archive is about a gigabyte of gzip members, one
per record. ``ArchiveIterator`` reads one record at a time from the open file and
skips the rest of a record it is not asked to read, so memory stays at one page (at
most the size cap) whatever the archive's size.

Only ``response`` records with HTTP status 200 and an HTML content type become
documents (request, metadata, revisit records and non-HTML responses are skipped);
the first record of a canonical URL wins. The capture date (WARC-Date) is not a
publication date and is not used as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from crosscheck.models import InputError, SourceDocument
from crosscheck.outlet_table import OutletTable
from crosscheck.settings import DEFAULT, Settings
from crosscheck.urls import canonical_url, is_fetchable, web_rules
from crosscheck.webpage import decode_page, page_document, page_info

DEFAULT_MAX_BYTES = 5_000_000


@dataclass
class WarcStats:
    records: int = 0
    documents: int = 0
    skipped: int = 0  # not an HTML 200 response, or a URL seen earlier in the archive


def read_warc(path: str | Path, settings: Settings = DEFAULT, errors: list[InputError] | None = None,
              stats: WarcStats | None = None) -> list[SourceDocument]:
    """All documents of one WARC file (``.warc`` or ``.warc.gz``); see ``iter_warc``."""
    return list(iter_warc(path, settings, errors, stats))


def iter_warc(path: str | Path, settings: Settings = DEFAULT, errors: list[InputError] | None = None,
              stats: WarcStats | None = None) -> Iterator[SourceDocument]:
    """Documents from the HTML responses of one WARC file, one record at a time.

    Per-record problems (too large, undecodable) and a damaged archive are appended to
    ``errors`` with the reason; documents read before the damage are kept.
    ``settings.extra`` may name ``outlets_file`` (an outlet table) and ``max_page_bytes``.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    errors = [] if errors is None else errors
    stats = stats if stats is not None else WarcStats()
    outlets = OutletTable.load(settings.extra.get("outlets_file"))
    cap = int(settings.extra.get("max_page_bytes", DEFAULT_MAX_BYTES))
    seen: set[str] = set()
    try:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                stats.records += 1
                doc = _document(record, str(path), cap, outlets, seen, errors)
                if doc is None:
                    stats.skipped += 1
                else:
                    stats.documents += 1
                    yield doc
    except ArchiveLoadFailed as exc:
        errors.append(InputError(str(path), f"damaged or not a WARC archive: {exc}"[:300]))
    except OSError as exc:
        errors.append(InputError(str(path), f"cannot read: {exc.strerror or exc}"))


def _document(record, path: str, cap: int, outlets: OutletTable, seen: set[str],
              errors: list[InputError]) -> SourceDocument | None:
    if record.rec_type != "response" or record.http_headers is None:
        return None
    uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip()
    http = record.http_headers
    media = (http.get_header("Content-Type") or "").split(";")[0].strip().lower()
    if not is_fetchable(uri) or http.get_statuscode() != "200" or media not in web_rules()["html_types"]:
        return None
    if canonical_url(uri) in seen:
        return None
    where = f"{path}#{uri}"
    body = record.content_stream().read(cap + 1)
    if len(body) > cap:
        errors.append(InputError(where, f"too large: more than {cap} bytes (the page size cap)"))
        return None
    decoded = decode_page(body, _charset(http.get_header("Content-Type")))
    if isinstance(decoded, str):
        errors.append(InputError(where, decoded))
        return None
    text, encoding = decoded
    page = page_info(text, uri)
    doc = page_document(uri, text, encoding, path=where, page=page, outlet=outlets.lookup(page.canonical or uri))
    if doc.url in seen:
        return None
    seen.update({canonical_url(uri), doc.url or ""})
    return doc


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').strip("'")
    return None
