"""Crash safety (issue 7): ``crosscheck ingest`` killed with SIGKILL mid-run loses nothing
it committed, duplicates nothing on the rerun, and the final store builds the same
storyline as an uninterrupted run over the same files."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import serve_process

N_FILES = 200
PEOPLE = ["Ilsa Moren", "Tomas Vey", "Anja Kerr", "Pavel Dross", "Lena Hart", "Omar Quill",
          "Rita Sand", "Jonas Pell", "Mira Tal", "Edgar Fenn", "Nora Vale", "Karl Brandt"]
PLACES = ["Aldermere", "Vrana", "Kestrel", "Port Halden", "Esk", "Marrow Bay", "Tullin", "Oster"]
VERBS = ["met", "signed an accord with", "criticized", "visited", "rejected a proposal from",
         "talked with", "welcomed", "accused"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August"]
WORDS = ("harbor fishing quota patrol ferry customs bridge ministry border tariff grain vessel "
         "pipeline treaty court budget election strike festival museum").split()


def _article(rng: random.Random, i: int) -> str:
    """A short, distinct fictional article (no two share enough shingles to be re-posts)."""
    a, b = rng.sample(PEOPLE, 2)
    place = rng.choice(PLACES)
    day, month = rng.randint(1, 28), rng.choice(MONTHS)
    topic = " ".join(rng.sample(WORDS, 4))
    return (f"{place} report {i}: {topic}\n\n"
            f"{place.upper()}, {day} {month} 2024 - {a} {rng.choice(VERBS)} {b} in {place} on "
            f"{day} {month} 2024 over the {topic} dispute, officials said.\n\n"
            f"{b} said the {rng.choice(WORDS)} talks number {i} would continue, and {a} "
            f"called the {rng.choice(WORDS)} plan {rng.choice(['fair', 'late', 'costly', 'vital'])}.\n")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("crash") / "in"
    root.mkdir()
    rng = random.Random(7)
    for i in range(N_FILES):
        (root / f"a{i:04d}.txt").write_text(_article(rng, i), encoding="utf-8")
    return root


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crosscheck.cli", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def _ids(db: Path) -> list[str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return [r[0] for r in con.execute("SELECT id FROM articles ORDER BY id")]
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        con.close()


def _kill_mid_ingest(corpus: Path, db: Path, cwd: Path) -> list[str]:
    """Start an ingest, SIGKILL it once some articles (not all) are committed; the ids
    committed at that moment."""
    proc = subprocess.Popen([sys.executable, "-m", "crosscheck.cli", "ingest", str(corpus), "--db", str(db), "-q"],
                            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists() and len(_ids(db)) >= N_FILES // 4:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "ingest finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return _ids(db)


def _storyline(db: Path, out: Path, cwd: Path) -> dict:
    res = _cli("build", "--db", str(db), "--out", str(out), "-q", cwd=cwd)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads((out / "storyline.json").read_text(encoding="utf-8"))


def test_sigkill_mid_ingest_then_rerun_equals_uninterrupted_run(corpus, tmp_path):
    killed_db, clean_db = tmp_path / "killed.db", tmp_path / "clean.db"
    committed = _kill_mid_ingest(corpus, killed_db, tmp_path)
    assert 0 < len(committed) < N_FILES
    print(f"killed with {len(committed)} of {N_FILES} articles committed")
    with sqlite3.connect(killed_db) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    rerun = _cli("ingest", str(corpus), "--db", str(killed_db), "-q", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    final = _ids(killed_db)
    assert set(committed) <= set(final), "an article committed before the kill was lost"
    assert len(final) == len(set(final)) == N_FILES, "articles missing or duplicated"

    clean = _cli("ingest", str(corpus), "--db", str(clean_db), "-q", cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr[-2000:]
    assert _ids(clean_db) == final
    resumed = _storyline(killed_db, tmp_path / "out-killed", tmp_path)
    uninterrupted = _storyline(clean_db, tmp_path / "out-clean", tmp_path)
    assert resumed["counts"] == uninterrupted["counts"]
    assert resumed == uninterrupted


# --------------------------------------------------------------------------- serve
def _post_all(port: int, articles: list[dict]) -> str:
    import httpx

    resp = httpx.post(f"http://127.0.0.1:{port}/api/v1/ingest/articles", json={"articles": articles},
                      headers={"Authorization": "Bearer kill-token"}, timeout=60)
    assert resp.status_code == 202, resp.text
    return resp.json()["job"]["poll"]


def test_sigkill_serve_mid_ingest_then_repost(tmp_path):
    pytest.importorskip("fastapi")
    import httpx

    rng = random.Random(11)
    n = 60
    articles = [{"id": f"s{i:03d}", "title": f"Report {i}", "text": _article(rng, i)} for i in range(n)]
    db = tmp_path / "serve.db"
    port = serve_process.free_port()
    server = serve_process.start(db, port, tmp_path)
    try:
        _post_all(port, articles)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and len(_ids(db)) < n // 4:
            time.sleep(0.05)
        os.kill(server.pid, signal.SIGKILL)
    finally:
        server.wait()
    committed = _ids(db)
    assert 0 < len(committed) < n, f"{len(committed)} committed"
    print(f"serve killed with {len(committed)} of {n} uploaded articles committed")
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []

    server = serve_process.start(db, port, tmp_path)
    try:
        poll = _post_all(port, articles)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            state = httpx.get(f"http://127.0.0.1:{port}{poll}", timeout=10).json()
            if state["status"] in ("done", "failed"):
                break
            time.sleep(0.3)
        assert state["status"] == "done", state
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    final = _ids(db)
    assert set(committed) <= set(final) and len(final) == len(set(final)) == n
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
