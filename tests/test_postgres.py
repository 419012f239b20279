"""The store and the web app against a real PostgreSQL server started for this module.

The server comes from Debian's ``postgresql`` package (``tests/postgres_server.py``:
initdb in a temp dir, loopback, a free port). Outside CI the module is skipped with the
reason when no server can be started; in CI (CI=true) that is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[postgres]')")

from crosscheck.core import process  # noqa: E402
from crosscheck.store import Store  # noqa: E402

import postgres_server  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "harbor-accord"


@pytest.fixture(scope="module")
def pg():
    server = postgres_server.start()
    if isinstance(server, str):
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run in CI: {server}")
        pytest.skip(server)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def built(pg, tmp_path_factory):
    """The example corpus stored in PostgreSQL and, for comparison, in SQLite."""
    pg_url = pg.create_database("built")
    lite_url = f"sqlite:///{tmp_path_factory.mktemp('pg') / 'store.db'}"
    for url in (pg_url, lite_url):
        with Store(url) as store:
            process([CORPUS], store)
    return pg_url, lite_url


def _groups(storyline):
    return sorted(tuple(sorted(m.id for m in e.mentions)) for e in storyline.events)


def test_plain_postgresql_urls_use_psycopg3(pg):
    with Store(pg.create_database("urls")) as store:
        assert store.engine.dialect.name == "postgresql" and store.engine.dialect.driver == "psycopg"
        assert store.applied_migrations[0] == 1
    with Store(pg.url.rsplit("/", 1)[0] + "/urls") as again:
        assert again.applied_migrations == []  # every migration applied once


def test_same_storyline_as_sqlite(built):
    pg_url, lite_url = built
    with Store(pg_url) as a, Store(lite_url) as b:
        sa, sb = a.load_storyline(), b.load_storyline()
        assert _groups(sa) == _groups(sb) and len(sa.entities) == len(sb.entities)
        assert [r.id for r in a.load_records()] == [r.id for r in b.load_records()]
        assert a.load_record("03-meridian-review-accord-signed") == b.load_record("03-meridian-review-accord-signed")


def test_export_reads_the_claims_from_postgres_as_it_writes(built, tmp_path):
    """``crosscheck export`` on PostgreSQL (claims and clusters read in export order as the
    files are written) gives the bytes of the whole loaded storyline's outputs."""
    from crosscheck.cli import main
    from crosscheck.core import write_outputs

    pg_url, _ = built
    with Store(pg_url) as store:
        write_outputs(store.load_storyline(), tmp_path / "whole")
    assert main(["export", "--db", pg_url, "--out", str(tmp_path / "read"), "-q"]) == 0
    for name in ("storyline.json", "report.html"):
        assert (tmp_path / "read" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


def test_parquet_export_from_postgres_equals_sqlite_s(built, tmp_path):
    """The same Parquet tables from both stores of the same corpus (types from each
    schema: PostgreSQL's reflected columns must give the same Arrow types)."""
    pq = pytest.importorskip("pyarrow.parquet", reason="the 'parquet' extra (pyarrow) is not installed")
    from crosscheck.export_parquet import write_parquet

    written = {}
    for url, name in zip(built, ("pg", "lite")):
        with Store(url) as store:
            written[name] = {f.name: f.path for f in write_parquet(store, tmp_path / name)}
    for table, path in written["pg"].items():
        a, b = pq.read_table(path), pq.read_table(written["lite"][table])
        assert a.schema == b.schema, table
        assert a.num_rows == b.num_rows, table
    claims = pq.read_table(written["pg"]["claims"]).to_pylist()
    assert claims and all(c["text"] and c["end_char"] > c["start_char"] for c in claims)


def test_a_build_in_parts_on_postgres_equals_sqlite_s(built, pg):
    """A build in parts (its first part built, the others linked and verified into it)
    gives the same storyline on PostgreSQL as on SQLite."""
    from crosscheck.core import rebuild
    from crosscheck.settings import DEFAULT

    stories = []
    for url in built:
        with Store(url) as store:
            assert rebuild(store, DEFAULT.with_(build_parts=3), read_back=False) is None
            stories.append(store.load_storyline())
            rebuild(store)  # the module's other tests read the build at once
    a, b = stories
    assert _groups(a) == _groups(b) and len(a.entities) == len(b.entities)
    assert sorted(sorted(k.claims) for k in a.clusters) == sorted(sorted(k.claims) for k in b.clusters)
    assert sorted((r.type, *sorted(r.claims)) for r in a.relations) == \
        sorted((r.type, *sorted(r.claims)) for r in b.relations)
    assert sorted(c.id for c in a.claims) == sorted(c.id for c in b.claims)


def test_an_older_postgres_store_upgrades_to_windows_and_kept_counts(pg, tmp_path):
    """Migrations 13-17 on PostgreSQL over a stored corpus (the example corpus and a report
    dated by weekday only, whose year the others' dates decide): date windows for the dates
    whose reason carries a context mark, the entity list column dropped, and every kept
    count (articles, signatures, entity mentions, outlet articles) equal to a count of its rows."""
    from sqlalchemy import text

    from test_increment_plans import _row_counts
    from test_redate import WEEKDAY_ONLY

    (tmp_path / "weekday-only.txt").write_text(WEEKDAY_ONLY, encoding="utf-8")
    url = pg.create_database("upgrade")
    with Store(url) as store:
        process([CORPUS, tmp_path], store)
        saved = store.load_storyline()
        marked = store.dated_within([dt.date(2000, 1, 1)])  # only an every-day window holds that day: none yet
        with store.engine.begin() as conn:  # as a store saved before migration 13
            conn.execute(text("ALTER TABLE entities ADD COLUMN articles TEXT NOT NULL DEFAULT '[]'"))
            for table in ("date_windows", "entity_counts", "outlet_articles"):
                conn.execute(text(f"DROP TABLE {table}"))
            conn.execute(text("DELETE FROM row_counts WHERE name = 'articles' OR name LIKE 'article_signatures:%'"))
            conn.execute(text("DELETE FROM schema_migrations WHERE id >= 13"))
    with Store(url) as store:
        assert store.applied_migrations == [13, 14, 15, 16, 17]
        kept, counted = _row_counts(store)
        assert kept == counted and counted["articles"] == len(list(CORPUS.iterdir())) + 1
        assert store.load_storyline().entities == saved.entities
        with store.engine.connect() as conn:
            windowed = set(conn.execute(text("SELECT article_id FROM date_windows")).scalars())
            reasons = dict(conn.execute(text("SELECT id, published_reason FROM articles")).all())
        assert windowed == {a for a, r in reasons.items() if "other articles' dates" in r or "no corpus dates" in r}
        assert "weekday-only" in windowed and not marked  # every day, until the next new date narrows it
        assert store.dated_within([dt.date(2000, 1, 1)]) == sorted(windowed)


@pytest.fixture(scope="module")
def client(built):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from crosscheck.web import create_app

    with TestClient(create_app(built[0], "pg-token")) as c:
        yield c


def test_api_reads_on_postgres(client):
    events = client.get("/api/v1/events", params={"entity": "grey-heron"}).json()["items"]
    assert events and all(any(a["id"] == "grey-heron" for a in e["actors"] + e["places"]) for e in events)
    ranged = client.get("/api/v1/events", params={"from": "2023-03-20", "to": "2023-03", "limit": 200}).json()
    assert ranged["items"] and all("2023-03-20" <= e["date"] <= "2023-03-31" for e in ranged["items"])
    ev = client.get("/api/v1/events", params={"verdict": "corroborated"}).json()["items"][0]
    assert len(client.get(f"/api/v1/events/{ev['id']}").json()["mentions"]) >= 2
    outlet = client.get("/api/v1/outlets").json()["items"][0]["name"]
    assert client.get(f"/api/v1/outlets/{outlet}").json()["profile"]["articles"] >= 1
    assert client.get("/api/v1/entities/ansel-vrana").json()["cooccurring"]
    for path in ("/", "/entities/ansel-vrana", f"/events/{ev['id']}", "/articles/03-meridian-review-accord-signed"):
        assert client.get(path).status_code == 200, path


def test_full_text_search_uses_tsvector(client):
    hits = client.get("/api/v1/search", params={"q": "seized ship"}).json()
    assert hits["articles"]["total"] >= 1 and hits["events"]["total"] >= 1
    assert any(p["match"] for p in hits["articles"]["items"][0]["snippet"])
    assert client.get("/api/v1/search", params={"q": "& | ! ( :*"}).status_code == 200


def test_incremental_ingest_on_postgres(client):
    text = ("Grey Heron crew home\n\nThe crew of the Grey Heron returned to Port Serin on 28 March 2023 "
            "after the Northern Tide Front released the cargo ship, Valdoria's coast guard said.\n")
    r = client.post("/api/v1/ingest/articles", headers={"Authorization": "Bearer pg-token"},
                    json={"articles": [{"text": text, "outlet": "Harbor Wire", "published": "2023-03-29"}]})
    assert r.status_code == 202
    poll = r.json()["job"]["poll"]
    for _ in range(600):
        job = client.get(poll).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert job["status"] == "done", job
    assert job["result"]["mode"] == "incremental" and len(job["articles"]) == 1
    assert job["result"]["verification"]["mode"] == "incremental", job["result"]  # verify_increment's SQL on PostgreSQL
    assert client.get("/api/v1/storyline").json()["unverified_articles"]["count"] == 0
    claims = client.get("/api/v1/claims", params={"article": job["articles"][0]}).json()["items"]
    assert claims and all(c["cluster"] for c in claims)
    assert client.get(f"/api/v1/articles/{job['articles'][0]}").json()["outlet"] == "Harbor Wire"
    assert client.get("/api/v1/search", params={"q": "returned Heron"}).json()["articles"]["total"] >= 1
