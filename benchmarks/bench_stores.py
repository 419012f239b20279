"""What the benchmarks that change a store share: a working copy of it, and the results file.

Used by ``incremental_ingest.py``, ``outlet_profiles.py`` and ``redating.py``. The
original store is never touched; its write-ahead log is copied with the file when there
is one, so a store another process has open (its last commits still in the log) is
copied whole.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

STORE_HELP = "SQLite store files (copied; not changed)"


@contextmanager
def copied(store: str | Path) -> Iterator[Path]:
    """The path of a copy of ``store`` (with its ``-wal`` file), removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "store.db"
        shutil.copy(store, db)
        wal = Path(f"{store}-wal")
        if wal.exists():
            shutil.copy(wal, Path(f"{db}-wal"))
        yield db


def write_results(out: str | Path, benchmark: str, results: list[dict]) -> None:
    """``{"benchmark": ..., "results": [...]}`` to ``out`` (its folder made), and say so."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": benchmark, "results": results}, indent=2) + "\n")
    print(f"wrote {out}")
