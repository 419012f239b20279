"""Turn uploaded files and posted JSON articles into ingest inputs, safely.

Why a staging folder with server-made names: the pipeline's ingest stage reads files, and
it is the one place that knows every format (HTML, text, JSON records, encodings). Each
upload is written into a fresh temporary folder as ``upload-<sha256 prefix><suffix>``,
where the suffix is looked up in a fixed table from the uploaded name's extension. No
part of any request value (file name, JSON id) ever becomes part of a path; the uploaded
name is kept only as a label, cleaned to harmless characters.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Container, Iterable, Mapping

from crosscheck.models import InputError, SourceDocument

SUFFIXES = {".txt": ".txt", ".text": ".txt", ".html": ".html", ".htm": ".html", ".json": ".json",
            ".jsonl": ".jsonl"}
_LABEL = re.compile(r"[^\w .,()+-]+", re.U)
_ID = re.compile(r"^[\w.-]{1,120}$", re.U)


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the client gave (a label only) and its bytes."""

    name: str
    data: bytes


def label(raw: str | None) -> str:
    """A display label from a client's file name: base name only, harmless characters."""
    base = PureWindowsPath(PurePosixPath(raw or "").name).name
    base = _LABEL.sub("_", base).strip(" ._") or "upload"
    return base[:100]


def json_upload(records: list[dict]) -> Upload:
    """Posted articles as one JSON upload (the ingest stage maps its fields)."""
    return Upload("articles.json", json.dumps(records, ensure_ascii=False).encode("utf-8"))


def stage(uploads: Iterable[Upload], folder: Path) -> tuple[dict[str, str], list[InputError]]:
    """Write the uploads into ``folder``; returns server file name -> label, and refusals."""
    names: dict[str, str] = {}
    errors: list[InputError] = []
    for up in uploads:
        shown = label(up.name)
        suffix = SUFFIXES.get(PurePosixPath(shown).suffix.lower())
        if suffix is None:
            errors.append(InputError(f"upload:{shown}", "unsupported file type; upload .txt, .html, .htm, "
                                                       ".json or .jsonl files"))
            continue
        server = f"upload-{hashlib.sha256(up.data).hexdigest()[:16]}{suffix}"
        if server in names:
            continue  # the same bytes twice in one request
        (folder / server).write_bytes(up.data)
        names[server] = shown
    return names, errors


def relabel_path(path: str, folder: Path, names: Mapping[str, str]) -> str:
    """A staged path (``<folder>/upload-….json[3]``) as ``upload:<label>[3]``."""
    prefix = str(folder) + "/"
    if not path.startswith(prefix):
        return path
    rest = path[len(prefix):]
    for server, shown in names.items():
        if rest.startswith(server):
            return f"upload:{shown}{rest[len(server):]}"
    return f"upload:{rest}"


def settle_ids(docs: list[SourceDocument], stored: Container[str]) -> dict[str, str]:
    """Give a fresh id to a document whose id is already stored or unusable; returns
    old id -> new id for the documents renamed.

    Why: saving an article under a stored id would replace that article; an id chosen by
    a client (a JSON ``id``) must never do that.
    """
    taken: set[str] = set()
    renamed = {}
    for doc in docs:
        if doc.id in taken or doc.id in stored or not _ID.match(doc.id):
            base, old = f"upload-{doc.content_hash[:16]}", doc.id
            doc.id, n = base, 2
            while doc.id in taken or doc.id in stored:
                doc.id, n = f"{base}-{n}", n + 1
            renamed[old] = doc.id
        taken.add(doc.id)
    return renamed
