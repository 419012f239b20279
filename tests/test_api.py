"""REST API and pages through the ASGI test client, over the example corpus's store.

The store is built once per module from examples/harbor-accord (fiction written for this
project). Write tests post their own small articles, written here.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import delete

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from crosscheck.core import process  # noqa: E402
from crosscheck.store import Store  # noqa: E402
from crosscheck.web import create_app  # noqa: E402
from crosscheck.web.context import WebConfig  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "test-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

# A report of the Grey Heron seizure (ev on 2023-03-25 in the example corpus) from a new outlet.
SEIZURE = ("Fighters seize cargo ship off Port Serin\n\n"
           "Gulf Courier, 29 March 2023\n\n"
           "Armed fighters of the Northern Tide Front seized the cargo ship Grey Heron on Saturday off Port Serin, "
           "Valdoria's coast guard said. The crew of the Grey Heron were held on board while the fighters "
           "demanded the release of prisoners.\n")
HOSTILE = ("Harbor pilots strike in Port Serin\n\n"
           "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">\n"
           "Harbor pilots in Port Serin stopped work on Monday, the pilots' union said.\n")


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'store.db'}"
    with Store(url) as store:
        process([ROOT / "examples" / "harbor-accord"], store)
    return url


@pytest.fixture(scope="module")
def client(db_url):
    # Uploads are only linked here (the increment's own effects are tested); the build an
    # upload queues by default is tested on its own app below.
    app = create_app(db_url, TOKEN, config=WebConfig(max_upload_bytes=20_000, verify_after_upload=False))
    with TestClient(app) as c:
        yield c


def wait(client, job: dict, timeout: float = 120) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = client.get(job["poll"]).json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.2)
    raise AssertionError(f"job did not finish: {state}")


# --------------------------------------------------------------------------- reads
def test_storyline_summary_and_paged_events(client):
    s = client.get("/api/v1/storyline").json()
    assert s["counts"]["articles"] == 10 and s["counts"]["events"] > 10
    assert s["unverified_articles"] == {"count": 0, "ids": [], "build": None}  # a full build compared every claim
    first = client.get("/api/v1/events", params={"limit": 3}).json()
    assert len(first["items"]) == 3 and first["next_offset"] == 3 and first["total"] == s["counts"]["events"]
    second = client.get("/api/v1/events", params={"limit": 3, "offset": 3}).json()
    assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}
    everything = client.get("/api/v1/events", params={"limit": 1000}).json()
    assert everything["limit"] == 200  # capped at the server's maximum
    dated = [e["date"] for e in everything["items"] if e["date"]]
    assert dated == sorted(dated)


def test_event_filters(client):
    by_entity = client.get("/api/v1/events", params={"entity": "grey-heron", "limit": 200}).json()["items"]
    assert by_entity and all(any(a["id"] == "grey-heron" for a in e["actors"] + e["places"]) for e in by_entity)
    in_range = client.get("/api/v1/events", params={"from": "2023-03-20", "to": "2023-03-31"}).json()["items"]
    assert in_range and all("2023-03-20" <= e["date"] <= "2023-03-31" for e in in_range)
    month = client.get("/api/v1/events", params={"from": "2023-04"}).json()["items"]
    assert month and all(e["date"] >= "2023-04" for e in month)
    outlet = client.get("/api/v1/outlets").json()["items"][0]["name"]
    for e in client.get("/api/v1/events", params={"outlet": outlet}).json()["items"]:
        assert outlet in e["outlets"]
    corroborated = client.get("/api/v1/events", params={"verdict": "corroborated"}).json()["items"]
    assert corroborated and all(e["n_sources"] >= 2 for e in corroborated)
    marks = client.get("/api/v1/timeline", params={"verdict": "single-source"}).json()
    assert marks["marks"] and all(m["verdict"] == "single-source" and m["date"] for m in marks["marks"])


@pytest.mark.parametrize("params, word", [({"from": "yesterday"}, "from"), ({"verdict": "maybe"}, "verdict"),
                                          ({"limit": 0}, "limit")])
def test_bad_parameters_are_json_errors(client, params, word):
    r = client.get("/api/v1/events", params=params)
    assert r.status_code in (400, 422)
    assert word in r.json()["error"]["message"]


@pytest.mark.parametrize("path", ["/api/v1/events/ev-nope", "/api/v1/entities/nobody", "/api/v1/articles/none",
                                  "/api/v1/outlets/Nobody%20Times", "/api/v1/jobs/123", "/api/v1/no-such-endpoint"])
def test_unknown_ids_are_404_json(client, path):
    r = client.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert r.json()["error"]["status"] == 404 and r.json()["error"]["message"]


def test_event_evidence_matches_article_text(client):
    ev = client.get("/api/v1/events", params={"verdict": "corroborated"}).json()["items"][0]
    detail = client.get(f"/api/v1/events/{ev['id']}").json()
    assert len({m["article"] for m in detail["mentions"]}) >= 2
    for m in detail["mentions"]:
        art = client.get(f"/api/v1/articles/{m['article']}").json()
        assert art["original"][m["start"]:m["end"]] == m["text"]
    page = client.get(f"/events/{ev['id']}").text
    assert page.count('class="ev"') == len(detail["mentions"])


def test_entity_page_has_aliases_events_and_graph(client):
    ent = client.get("/api/v1/entities/ansel-vrana").json()
    assert ent["events"] and ent["cooccurring"]
    assert any("Vrana" in a for a in ent["aliases"] + [ent["name"]])
    page = client.get("/entities/ansel-vrana").text
    assert "<svg class=\"graph\"" in page and "Appears with" in page


def test_article_annotations_and_page(client):
    art = client.get("/api/v1/articles/03-meridian-review-accord-signed").json()
    assert art["entities"] and art["times"] and art["event_mentions"]
    for span in art["entities"][:5] + art["times"][:5]:
        assert art["original"][span["start"]:span["end"]] == span["text"]
    page = client.get("/articles/03-meridian-review-accord-signed").text
    assert 'class="ent"' in page and 'class="tx"' in page


def test_outlets_and_profile(client):
    outlets = client.get("/api/v1/outlets").json()["items"]
    assert outlets and all(o["n_articles"] >= 1 for o in outlets)
    detail = client.get(f"/api/v1/outlets/{outlets[0]['name']}").json()
    assert detail["profile"]["articles"] == outlets[0]["n_articles"] and detail["articles"]["items"]


def test_search_full_text_and_inert_syntax(client):
    hits = client.get("/api/v1/search", params={"q": "accord Aldermere"}).json()
    assert hits["articles"]["total"] >= 1 and hits["events"]["total"] >= 1
    assert any(p["match"] for p in hits["articles"]["items"][0]["snippet"])
    for q in ['"unbalanced', "AND OR NOT", "near(* -", "'; DROP TABLE articles; --"]:
        r = client.get("/api/v1/search", params={"q": q})
        assert r.status_code == 200, q
    assert client.get("/search", params={"q": "patrols"}).status_code == 200


def test_claims_and_relations_are_listed_or_reported_absent(client):
    for path in ("/api/v1/claims", "/api/v1/relations"):
        body = client.get(path).json()
        assert "available" in body and isinstance(body["items"], list)
        if not body["available"]:
            assert body["message"] and body["total"] == 0


def test_pages_render_with_csp(client):
    for path in ("/", "/entities", "/outlets", "/articles", "/search", "/ingest", "/api/docs"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
    assert client.get("/events/ev-nope").status_code == 404
    docs = client.get("/api/docs").text
    assert "/api/v1/ingest/articles" in docs and "/api/v1/events/{event_id}" in docs
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/events", "/api/v1/search", "/api/v1/ingest/files", "/api/v1/claims"} <= set(spec["paths"])


# --------------------------------------------------------------------------- writes
def test_writes_need_the_token(client, db_url):
    body = {"articles": [{"text": "Some text about Port Serin."}]}
    assert client.post("/api/v1/ingest/articles", json=body).status_code == 401
    r = client.post("/api/v1/ingest/articles", json=body, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["error"]["message"] == "wrong token"
    with TestClient(create_app(db_url, "")) as read_only:
        r = read_only.post("/api/v1/ingest/articles", json=body, headers=AUTH)
        assert r.status_code == 403 and "--token" in r.json()["error"]["message"]


def test_upload_limit_and_bad_bodies(client):
    big = {"articles": [{"text": "x " * 20_000}]}
    r = client.post("/api/v1/ingest/articles", json=big, headers=AUTH)
    assert r.status_code == 413 and "limit is 20,000 bytes" in r.json()["error"]["message"]

    def chunks():
        for _ in range(30):
            yield b"y" * 1000

    r = client.post("/api/v1/ingest/files", content=chunks(),  # no content-length: counted as it streams
                    headers={**AUTH, "content-type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413
    r = client.post("/api/v1/ingest/articles", json={"articles": [{"title": "no text"}]}, headers=AUTH)
    assert r.status_code == 422 and "text" in r.json()["error"]["message"]
    r = client.post("/api/v1/ingest/articles", content=b"{not json", headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["message"]


def test_incremental_ingest_touches_only_linked_events(client):
    before = {e["id"] for e in client.get("/api/v1/events", params={"limit": 200}).json()["items"]}
    body = {"articles": [{"text": SEIZURE, "title": "Fighters seize cargo ship off Port Serin",
                          "outlet": "Gulf Courier", "published": "2023-03-29", "id": "gulf-courier-heron"}]}
    r = client.post("/api/v1/ingest/articles", json=body, headers=AUTH)
    assert r.status_code == 202
    job = wait(client, r.json()["job"])
    assert job["status"] == "done", job
    result = job["result"]
    assert result["mode"] == "incremental" and job["articles"] == ["gulf-courier-heron"]
    assert result["events_replaced"], "the seizure report should join the stored seizure event"
    after = {e["id"] for e in client.get("/api/v1/events", params={"limit": 200}).json()["items"]}
    untouched = before - set(result["events_replaced"])
    assert untouched <= after  # every other event kept its id: nothing else was recomputed
    assert after == untouched | set(result["events_replaced"].values()) | set(result["events_created"])
    joined_id = next(iter(result['events_replaced'].values()))
    joined = client.get(f"/api/v1/events/{joined_id}").json()
    assert "Gulf Courier" in joined["outlets"] and joined["n_sources"] >= 2
    # Linked at once, but its claims are compared across sources only by a full build: said, not hidden.
    assert client.get("/api/v1/storyline").json()["unverified_articles"] == {"count": 1, "ids": ["gulf-courier-heron"],
                                                                            "build": None}
    assert joined["verification"]["unverified_articles"] == ["gulf-courier-heron"]
    assert "full build" in result["summary"]
    for page in ("/", f"/events/{joined_id}"):
        html = client.get(page).text
        assert 'id="unverified"' in html and "gulf-courier-heron" in html and "crosscheck build" in html
    untouched_page = client.get(f"/events/{sorted(untouched)[0]}").text
    assert 'id="unverified"' not in untouched_page
    assert client.post("/api/v1/build").status_code == 401
    gate = threading.Event()
    client.app.state.ctx.jobs._queue(lambda job: gate.wait(60))  # holds the build in the queue
    queued = client.post("/api/v1/build", headers=AUTH).json()["job"]
    pending = client.get("/api/v1/storyline").json()["unverified_articles"]
    assert pending["count"] == 1 and pending["build"] == {"id": queued["id"], "status": "queued", "poll": queued["poll"]}
    for page in ("/", f"/events/{joined_id}"):
        assert f'a full build is queued (job <a href="{queued["poll"]}">' in client.get(page).text
    gate.set()
    rebuilt = wait(client, queued)
    assert rebuilt["status"] == "done" and rebuilt["result"]["claims"] > 0, rebuilt
    assert client.get("/api/v1/storyline").json()["unverified_articles"] == {"count": 0, "ids": [], "build": None}
    assert 'id="unverified"' not in client.get("/").text
    claims = client.get("/api/v1/claims", params={"article": "gulf-courier-heron"}).json()["items"]
    assert claims and all(c["cluster"] for c in claims)  # its claims now take part in the comparison
    again = wait(client, client.post("/api/v1/ingest/articles", json=body, headers=AUTH).json()["job"])
    assert again["status"] == "done" and again["articles"] == [] and again["skipped"]


def test_a_burst_of_uploads_into_an_older_store_queues_one_build_that_verifies_them(tmp_path):
    """A store whose storyline was built before comparison keys were kept cannot verify an
    upload incrementally: the upload queues a full build behind it, and the uploads queued
    before that build starts share it."""
    url = f"sqlite:///{tmp_path / 'auto.db'}"
    with Store(url) as store:
        process([ROOT / "examples" / "harbor-accord"], store)
        store.save_storyline(store.load_storyline())  # as before migration 6: claims without comparison keys
    second = {"text": HOSTILE, "title": "Harbor pilots strike in Port Serin", "outlet": "Serin Post",
              "published": "2023-03-27", "id": "serin-post-pilots"}
    first = {"text": SEIZURE, "title": "Fighters seize cargo ship off Port Serin", "outlet": "Gulf Courier",
             "published": "2023-03-29", "id": "gulf-courier-heron"}
    with TestClient(create_app(url, TOKEN)) as c:
        gate = threading.Event()
        c.app.state.ctx.jobs._queue(lambda job: gate.wait(60))  # both uploads queue before either runs
        jobs = [c.post("/api/v1/ingest/articles", json={"articles": [a]}, headers=AUTH).json()["job"]
                for a in (first, second)]
        gate.set()
        done = [wait(c, j) for j in jobs]
        assert all(d["status"] == "done" and d["result"]["mode"] == "incremental" for d in done), done
        assert done[0]["result"]["verification"]["mode"] == "build-needed"
        assert re.search(r"comparison keys for 0 of its \d+ claims", done[0]["result"]["verification"]["reason"])
        build_id = done[0]["result"]["verify_job"]
        assert done[1]["result"]["verify_job"] == build_id and f"queued behind this upload (job {build_id})" in \
            done[0]["result"]["summary"]
        build = wait(c, {"poll": f"/api/v1/jobs/{build_id}"})
        assert build["status"] == "done" and build["result"]["mode"] == "full", build
        assert c.get("/api/v1/storyline").json()["unverified_articles"] == {"count": 0, "ids": [], "build": None}
        for article in ("gulf-courier-heron", "serin-post-pilots"):
            claims = c.get("/api/v1/claims", params={"article": article}).json()["items"]
            assert claims and all(cl["cluster"] for cl in claims), article
        assert c.post("/api/v1/build", headers=AUTH).json()["job"]["id"] != build_id  # that one has run


def test_an_upload_is_compared_across_sources_in_its_own_job(tmp_path):
    """The web app's default on a store built with comparison keys: the upload job links
    and verifies its articles (``verify_increment``); no build is queued, nothing is left
    unverified, and the event it joins counts the new outlet in its verdict."""
    url = f"sqlite:///{tmp_path / 'inc.db'}"
    with Store(url) as store:
        process([ROOT / "examples" / "harbor-accord"], store)
    article = {"text": SEIZURE, "title": "Fighters seize cargo ship off Port Serin", "outlet": "Gulf Courier",
               "published": "2023-03-29", "id": "gulf-courier-heron"}
    with TestClient(create_app(url, TOKEN)) as c:
        job = wait(c, c.post("/api/v1/ingest/articles", json={"articles": [article]}, headers=AUTH).json()["job"])
        assert job["status"] == "done", job
        result = job["result"]
        assert result["verification"]["mode"] == "incremental" and "verify_job" not in result, result
        assert "compared across sources" in result["summary"] and c.app.state.ctx.jobs.pending_build() is None
        assert c.get("/api/v1/storyline").json()["unverified_articles"] == {"count": 0, "ids": [], "build": None}
        claims = c.get("/api/v1/claims", params={"article": "gulf-courier-heron"}).json()["items"]
        assert claims and all(cl["cluster"] for cl in claims)
        joined = c.get(f"/api/v1/events/{next(iter(result['events_replaced'].values()))}").json()
        verdict = joined["verification"]["verdict"]
        assert "Gulf Courier" in verdict["origins"] and verdict["independent_sources"] >= 2, joined["verification"]
        assert 'id="unverified"' not in c.get("/").text


def test_a_failed_increment_falls_back_to_a_build_and_a_restart_verifies_what_was_left(tmp_path, monkeypatch):
    """If incremental verification fails, the upload (stored and linked) is not lost: the
    job says why and queues a full build. A server that starts on a store with unverified
    articles (it stopped between linking and verifying) queues that build itself."""
    import crosscheck.incremental as incremental
    from crosscheck.core import store_documents
    from crosscheck.ingest import ingest
    from crosscheck.settings import DEFAULT
    from crosscheck.web.verification import unverified_articles

    url = f"sqlite:///{tmp_path / 'fail.db'}"
    with Store(url) as store:
        process([ROOT / "examples" / "harbor-accord"], store)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    article = {"text": SEIZURE, "title": "Fighters seize cargo ship off Port Serin", "outlet": "Gulf Courier",
               "published": "2023-03-29", "id": "gulf-courier-heron"}
    with TestClient(create_app(url, TOKEN)) as c:
        monkeypatch.setattr(incremental, "verify_articles", broken)
        job = wait(c, c.post("/api/v1/ingest/articles", json={"articles": [article]}, headers=AUTH).json()["job"])
        monkeypatch.undo()
        assert job["status"] == "done" and job["result"]["verification"]["mode"] == "build-needed", job
        assert "RuntimeError: disk on fire" in job["result"]["verification"]["reason"]
        build = wait(c, {"poll": f"/api/v1/jobs/{job['result']['verify_job']}"})
        assert build["status"] == "done" and build["result"]["mode"] == "full"
        assert c.get("/api/v1/storyline").json()["unverified_articles"]["count"] == 0
    wire = tmp_path / "wire.txt"
    wire.write_text("Grey Heron crew home\n\nThe crew of the Grey Heron returned to Port Serin on 28 March 2023 after "
                    "the Northern Tide Front released the cargo ship, Valdoria's coast guard said.\n")
    with Store(url) as store:  # linked, then the server stopped before verifying
        added = store_documents(ingest([wire], DEFAULT, store.known_hashes()).documents, store, DEFAULT).added
        incremental.link_new_articles(store, added)
        with store.engine.connect() as conn:
            assert unverified_articles(store, conn) == added
    with TestClient(create_app(url, TOKEN)) as c:
        started = c.app.state.ctx.jobs.recent()
        assert len(started) == 1, started  # queued on start, before any request
        assert wait(c, started[0].as_dict())["result"]["mode"] == "full"
        assert c.get("/api/v1/storyline").json()["unverified_articles"] == {"count": 0, "ids": [], "build": None}


def test_an_events_relations_are_looked_up_by_claim_as_a_scan_finds_them(tmp_path):
    """``relation_ends`` (migration 6) finds an event's relations without reading all of
    them; a storyline saved before it (no ends) is read whole, with the same answer."""
    from dataclasses import replace

    from crosscheck.web.verification import Verification

    url = f"sqlite:///{tmp_path / 'rel.db'}"
    with Store(url) as store:
        st = process([ROOT / "examples" / "harbor-accord"], store).storyline
        v = Verification.of(store)
        contested = [r for r in st.relations if r.type == "contradicts"]
        wanted = {contested[0].claims[0]}
        with store.engine.connect() as conn:
            indexed = v._relations(conn, wanted)
            assert v._indexed(conn) and indexed == replace(v, ends=None)._relations(conn, wanted)
            assert len(indexed) == sum(1 for r in st.relations if wanted & set(r.claims)) >= 1
        with store.engine.begin() as conn:
            conn.execute(delete(store.table("relation_ends")))
        with store.engine.connect() as conn:
            assert not v._indexed(conn) and v._relations(conn, wanted) == indexed


def test_a_build_request_shares_a_waiting_build_only_when_nothing_is_queued_behind_it(tmp_path):
    from crosscheck.settings import DEFAULT
    from crosscheck.web.jobs import IngestService

    with Store(f"sqlite:///{tmp_path / 'jobs.db'}") as store:
        service = IngestService(store, DEFAULT)
        gate = threading.Event()
        service._queue(lambda job: gate.wait(60))
        first = service.submit_build()
        assert service.submit_build() is first  # not started, last in line: it covers this request too
        upload = service._queue(lambda job: None)  # stands for an upload queued behind that build
        second = service.submit_build()
        assert second is not first  # the first build would run before the upload
        gate.set()
        deadline = time.time() + 60
        while second.finished is None and time.time() < deadline:
            time.sleep(0.05)
        service.shutdown()
        assert upload.status == "done" and {first.status, second.status} == {"failed"}  # an empty store
        assert "no articles" in second.message and first.finished <= upload.finished <= second.finished


def test_uploaded_file_is_escaped_and_its_name_is_only_a_label(client, tmp_path):
    files = [("files", ("../../../etc/evil name.txt", HOSTILE.encode(), "text/plain")),
             ("files", ("notes.exe", b"MZ binary", "application/octet-stream"))]
    r = client.post("/api/v1/ingest/files", files=files, headers=AUTH)
    assert r.status_code == 202
    job = wait(client, r.json()["job"])
    assert job["status"] == "done" and len(job["articles"]) == 1
    assert any("unsupported file type" in e["reason"] for e in job["errors"])
    art = client.get(f"/api/v1/articles/{job['articles'][0]}").json()
    assert art["original"].count("<script>") == 1  # stored as given...
    page = client.get(f"/articles/{job['articles'][0]}").text
    assert "<script>window" not in page and "&lt;script&gt;window.__pwned" in page  # ...shown as text
    assert "<img src=x" not in page
    with Store(client.app.state.ctx.store.url) as store:
        assert store.load_record(job["articles"][0]).source.path == "upload:evil name.txt"
    assert not Path("/etc/evil name.txt").exists()


def test_a_build_job_over_the_memory_budget_builds_in_parts_and_reports_what_it_stored(db_url, tmp_path, monkeypatch):
    """The web app's build job plans as ``crosscheck build`` does: over the budget, in
    parts, never reading the whole storyline back; its result counts what was stored."""
    import shutil

    from crosscheck.settings import DEFAULT

    db = tmp_path / "budget.db"
    shutil.copy(db_url.removeprefix("sqlite:///"), db)
    read_whole = []
    monkeypatch.setattr(Store, "load_storyline", lambda self, **kw: read_whole.append(1))
    app = create_app(f"sqlite:///{db}", TOKEN, settings=DEFAULT.with_(build_memory_mb=20.2))  # parts of 2
    with TestClient(app) as c:
        done = wait(c, c.post("/api/v1/build", headers=AUTH).json()["job"])
        assert done["status"] == "done", done
        assert not read_whole
        counts = c.get("/api/v1/storyline").json()["counts"]
    with Store(f"sqlite:///{db}") as store:
        stored = store.counts("events", "storyline_claims", "storyline_articles")
        assert sorted(done["articles"]) == sorted(store.build_order()) and len(done["articles"]) == 10
    assert (done["result"]["events"], done["result"]["claims"]) == (stored["events"], stored["storyline_claims"])
    assert stored["storyline_articles"] == counts["articles"] == 10 and counts["events"] == stored["events"]
    assert done["result"]["summary"].startswith(f"rebuilt the storyline over 10 articles: {stored['events']} events")


def test_serve_takes_the_memory_budget_for_the_builds_it_runs(db_url, tmp_path):
    """``crosscheck serve --memory-budget MB``: the server's build job plans with it (a real
    server process; its one line about the plan on the server's stderr)."""
    import shutil

    import httpx
    import serve_process

    db = tmp_path / "served.db"
    shutil.copy(db_url.removeprefix("sqlite:///"), db)
    port = serve_process.free_port()
    server = serve_process.start(db, port, tmp_path, "--memory-budget", "20.2", token=TOKEN)
    try:
        job = httpx.post(f"http://127.0.0.1:{port}/api/v1/build", headers=AUTH, timeout=30).json()["job"]
        deadline = time.time() + 120
        while (state := httpx.get(f"http://127.0.0.1:{port}{job['poll']}", timeout=10).json())["status"] not in (
                "done", "failed") and time.time() < deadline:
            time.sleep(0.2)
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=60)
    assert state["status"] == "done", state
    assert "over the memory budget of 20 MB: building in parts of 2 articles" in err.decode()
    assert state["result"]["summary"].startswith("rebuilt the storyline over 10 articles")
