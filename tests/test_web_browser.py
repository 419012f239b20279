"""The web app in a real headless Chromium (Debian's /usr/bin/chromium via playwright).

No browser is downloaded: playwright only drives the system Chromium through
``executable_path``. Outside CI the module is skipped, with the reason, when Chromium or
playwright is missing; in CI (CI=true) that is a failure. The storyline screenshot in
the README (docs/screenshot-storyline.png) is taken here.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from crosscheck.core import process
from crosscheck.store import Store

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
TOKEN = "browser-test-token"
SCREENSHOT = ROOT / "docs" / "screenshot-storyline.png"
HOSTILE = ("Quay workers walk out in Port Serin\n\n"
           "<script>window.__pwned = 'script'</script>\n"
           "<img src=x onerror=\"window.__pwned = 'img'\">\n"
           "Quay workers in Port Serin walked out on Monday, the dockers' union said.\n")


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test,web]')"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    why = _missing()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {why}")
        pytest.skip(why)
    import uvicorn

    from crosscheck.web import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'store.db'}"
    with Store(url) as store:
        process([ROOT / "examples" / "harbor-accord"], store)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(url, TOKEN), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.problems = []  # console errors and CSP refusals seen on this page
    pg.on("console", lambda m: pg.problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))
    yield pg
    context.close()


def test_storyline_timeline_and_screenshot(server, page):
    page.goto(server + "/")
    page.wait_for_selector("#timeline[data-ready='1'] circle.mark")
    marks = page.locator("#timeline circle.mark")
    assert marks.count() >= 10
    assert page.locator("ol.events li.event-row").count() >= 10
    before = page.locator("#timeline text").all_text_contents()
    page.click("#tl-zoom-in")
    page.click("#tl-zoom-in")
    assert page.locator("#timeline text").all_text_contents() != before  # zoomed: new axis ticks
    page.click("#tl-reset")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
    assert not page.problems, page.problems


def test_filter_then_open_event_shows_highlighted_evidence(server, page):
    page.goto(server + "/")
    page.select_option("select[name=verdict]", "corroborated")
    page.click("form#filters button[type=submit]")
    page.wait_for_url("**verdict=corroborated**")
    page.wait_for_selector("#timeline[data-ready='1'] circle.mark")
    assert page.locator("#timeline circle.mark.single-source").count() == 0
    page.locator("#timeline circle.mark").first.click()
    page.wait_for_url("**/events/ev-*")
    evidence = page.locator("pre.evidence-text .ev")
    assert evidence.count() >= 2  # one highlight per mention, side by side
    assert evidence.first.is_visible()
    color = evidence.first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert color not in ("rgba(0, 0, 0, 0)", "transparent")
    boxes = [page.locator("article.mention").nth(i).bounding_box() for i in range(2)]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 5  # side by side, not stacked
    assert not page.problems, page.problems


def test_search(server, page):
    page.goto(server + "/")
    page.fill("header form.quick input[name=q]", "Grey Heron")
    page.press("header form.quick input[name=q]", "Enter")
    page.wait_for_selector(".hits mark")
    assert page.locator(".event-hit").count() >= 1 and page.locator(".article-hit").count() >= 1
    page.locator(".event-hit a").first.click()
    page.wait_for_url("**/events/**")
    assert not page.problems, page.problems


def test_upload_and_script_in_article_never_runs(server, page):
    page.goto(server + "/ingest")
    page.fill("#token", TOKEN)
    page.set_input_files("#files", files=[{"name": "walkout.txt", "mimeType": "text/plain",
                                          "buffer": HOSTILE.encode()}])
    page.click("#upload-button")
    page.wait_for_selector("#upload[data-done]", timeout=120_000)
    assert page.get_attribute("#upload", "data-done") == "done", page.inner_text("#progress")
    assert "articles linked" in page.inner_text("#progress-message")
    page.locator("#progress-links a[href^='/articles/']").first.click()
    page.wait_for_url("**/articles/**")
    assert "<script>window.__pwned = 'script'</script>" in page.inner_text("pre.article-text")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("pre.article-text img").count() == 0


def test_refused_upload_says_why(server, page):
    page.goto(server + "/ingest")
    page.fill("#token", "not-the-token")
    page.fill("#a-text", "Harbor pilots in Port Serin stopped work on Monday.")
    page.click("#upload-button")
    page.wait_for_selector("#upload[data-done='refused']")
    assert "wrong token" in page.inner_text("#progress-stage")
