"""The stored storyline as Parquet files, one per table, for analysis at archive scale.

Why: storyline.json is one document for a reader and a browser; a research archive
(hundreds of thousands of articles, a Ray run into PostgreSQL) is queried with pandas,
DuckDB or Spark, which read columnar files by the column. Each file holds one storyline
table with the store's own columns, so every claim, event mention and entity reference
keeps its article id and character offsets (provenance); the columns the store keeps as
JSON lists become Parquet lists, and a claim's ``detail`` its own list columns.

The steps:

1. One read snapshot of the store (``Store.table_reader``): every file shows the same
   state, even when an ingest commits meanwhile.
2. Per table (``TABLES``, in the order a storyline is saved), the rows in saved order, in
   batches of ``BATCH_ROWS`` made into Arrow columns, a row group of ``ROW_GROUP_ROWS``
   written at a time: memory is bounded by a row group whatever the store's size.
3. Column types from the store's schema (integer, float, boolean, text; a database's
   own search columns left out), list columns from ``TABLES``.
4. Every file is written under a temporary name; only when all are whole are they renamed
   into place, so a failed export leaves the previous export's files as they were, never
   a truncated file or a mix of two exports.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from crosscheck.store import Store
from crosscheck.store_rows import chunks

BATCH_ROWS = 1_000  # rows made into Python dicts at a time, then into compact Arrow columns
ROW_GROUP_ROWS = 10_000  # rows per Parquet row group (what a reader skips or reads at once)
STR, INT = "string", "int64"

# Parquet file -> (store table, {column stored as a JSON list: element type}). The
# claims' ``detail`` object is expanded into the list columns of ``DETAIL``.
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "articles": ("storyline_articles", {}),
    "entities": ("entities", {}),  # its articles: those of its references (entity_refs)
    "entity_aliases": ("entity_aliases", {}),
    "entity_refs": ("entity_refs", {}),
    "events": ("events", {"actors": STR, "places": STR}),
    "event_mentions": ("event_mention_links", {"actors": STR, "places": STR, "actor_mentions": INT,
                                               "place_mentions": INT}),
    "claims": ("storyline_claims", {}),
    "relations": ("claim_relations", {"claims": STR, "articles": STR}),
    "clusters": ("claim_clusters", {"claims": STR}),
    "verdicts": ("verdicts", {"origins": STR, "supporting": STR, "disputing": STR, "supporting_claims": STR,
                              "disputing_claims": STR}),
    "outlet_profiles": ("outlet_profiles", {}),
    "duplicates": ("storyline_duplicates", {}),
    "input_errors": ("input_errors", {}),
}
CLAIMS = "storyline_claims"  # its ``detail`` JSON object becomes the list columns of ``DETAIL``
DETAIL = {"speakers": STR, "lemmas": STR, "objects": STR, "numbers": STR, "actors": STR, "mentions": INT,
          "places": INT}


@dataclass(frozen=True)
class ParquetFile:
    name: str
    path: Path
    rows: int


class ParquetUnavailable(RuntimeError):
    """pyarrow is not installed (the ``parquet`` extra)."""


def write_parquet(store: Store, out: str | Path, batch_rows: int | None = None) -> list[ParquetFile] | None:
    """Write ``<out>/<name>.parquet`` for every table of ``TABLES`` (steps above), rows in
    batches of ``batch_rows`` (default ``BATCH_ROWS``); None when the store holds no
    storyline yet."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ParquetUnavailable("Parquet export needs pyarrow: pip install 'crosscheck[parquet]'") from exc
    out = Path(out)
    with store.table_reader() as rows:
        if next(rows("storyline"), None) is None:
            return None
        out.mkdir(parents=True, exist_ok=True)
        written, partial = [], []
        try:
            for name, (table, lists) in TABLES.items():
                path = out / f"{name}.parquet"
                partial.append(path.with_name(path.name + ".partial"))
                count = _write(pa, pq, _schema(pa, store, table, lists), partial[-1],
                               _decoded(rows(table), lists, detail=table == CLAIMS), batch_rows or BATCH_ROWS)
                written.append(ParquetFile(name, path, count))
            for done, f in zip(partial, written):  # all whole: only now under their names
                os.replace(done, f.path)
        finally:
            for p in partial:
                p.unlink(missing_ok=True)
    return written


def _schema(pa, store: Store, table: str, lists: dict[str, str]):
    """The Arrow schema of a table's file: scalar columns by their stored type, the JSON
    list columns as lists, ``detail`` (claims) as the ``DETAIL`` columns in its place."""
    fields = []
    for column in store.table(table).columns:
        if table == CLAIMS and column.name == "detail":
            fields += [pa.field(k, pa.list_(getattr(pa, t)())) for k, t in DETAIL.items()]
        elif column.name in lists:
            fields.append(pa.field(column.name, pa.list_(getattr(pa, lists[column.name])())))
        elif (scalar := _scalar(pa, column.type)) is not None:
            fields.append(pa.field(column.name, scalar))
    return pa.schema(fields)


def _scalar(pa, sql_type) -> Any:
    """The Arrow type of a stored scalar column; None for any type but integer, float,
    boolean and text, which only the database's own search columns have (PostgreSQL's
    tsvector): left out."""
    try:
        python = sql_type.python_type
    except NotImplementedError:
        return None
    return {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string()}.get(python)


def _decoded(rows: Iterable[dict], lists: dict[str, str], detail: bool = False) -> Iterator[dict]:
    """Rows with their JSON list columns (and with ``detail``, a claim's ``detail``
    object) as Python lists."""
    for row in rows:
        for column in lists:
            if row.get(column) is not None:
                row[column] = json.loads(row[column])
        if detail:
            detail = json.loads(row.pop("detail") or "{}")
            row.update({k: detail.get(k, []) for k in DETAIL})
        yield row


def _write(pa, pq, schema, path: Path, rows: Iterator[dict], batch_rows: int) -> int:
    """Rows into ``path``: ``batch_rows`` at a time into Arrow record batches, written a
    row group of ``ROW_GROUP_ROWS`` at a time. Why two sizes: rows are held as Python
    dicts only ``batch_rows`` at a time and readers get row groups of thousands of rows.
    Exporting the 2,115-article BBC store peaked 151 MB above the imports with 10,000 rows
    per dict batch and row group, 96 MB now (of either, ~47 MB is pyarrow's own start-up:
    its allocator and threads)."""
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        group: list = []
        for batch in chunks(rows, batch_rows):
            group.append(pa.RecordBatch.from_pylist(batch, schema=schema))
            count += len(batch)
            if sum(b.num_rows for b in group) >= ROW_GROUP_ROWS:
                writer.write_table(pa.Table.from_batches(group, schema=schema))
                group = []
        if group:
            writer.write_table(pa.Table.from_batches(group, schema=schema))
    return count
