"""Issue 6, in a real headless Chromium: release text with `<script>`, `<img onerror>`, Markdown
links and `javascript:` URLs shows as plain text in the table, its tooltips and the filter
options; the source column links only http(s) URLs; no dialog opens and the console stays
clean; a hostile address loads with a notice."""

from __future__ import annotations

import pytest
from test_dashboard_browser import ARGS, chromium  # noqa: F401  (fixture)
from test_security_dashboard import PUBLISHERS, XSS, load_hostile

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    from conftest import serve_in_thread

    from dashboard.app import create_app
    from db.engine import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('xss') / 'xss.sqlite3'}")
    upgrade(engine)
    load_hostile(engine)
    with serve_in_thread(create_app(engine).server) as base:
        yield base
    engine.dispose()


@pytest.fixture
def page(chromium, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        ctx = browser.new_context(viewport={"width": 2400, "height": 1200})
        pg = ctx.new_page()
        pg.problems = []  # type: ignore[attr-defined]
        pg.on("dialog", lambda d: (pg.problems.append(f"dialog: {d.message}"), d.dismiss()))
        pg.on("console", lambda m: pg.problems.append(f"console: {m.text}") if m.type == "error" else None)
        pg.on("pageerror", lambda e: pg.problems.append(f"pageerror: {e}"))
        yield pg
        ctx.close()
        browser.close()


def test_release_text_is_only_text(hostile_server, page):
    page.add_init_script("window.__xss = []; window.alert = (m) => window.__xss.push(String(m));")
    page.goto(hostile_server + "/?count=mentions")
    page.wait_for_selector(".ag-center-cols-container .ag-row [col-id='item']", timeout=30000)
    page.wait_for_timeout(1000)
    items = page.locator(".ag-center-cols-container [col-id='item']").all_inner_texts()
    evidence = page.locator(".ag-center-cols-container [col-id='evidence']").all_inner_texts()
    shown = {t.strip() for t in items + evidence}
    for x in XSS:  # verbatim, as text: nothing parsed as HTML or Markdown
        assert x.strip() in shown, x
    grid = page.locator(".ag-root-wrapper")
    assert grid.locator("script, img, iframe, object, embed").count() == 0
    assert grid.locator("[onerror], [onclick], [onmouseover]").count() == 0
    # the source column: a link only for http(s), everything else plain text
    page.evaluate("dash_ag_grid.getApi('grid').ensureColumnVisible('source_url')")
    page.wait_for_selector(".ag-center-cols-container .ag-row [col-id='source_url']", timeout=10000)
    page.wait_for_timeout(500)
    hrefs = page.eval_on_selector_all(
        ".ag-center-cols-container [col-id='source_url'] a", "els => els.map(e => e.getAttribute('href'))"
    )
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert not any('"' in h or " " in h for h in hrefs), hrefs
    texts = page.locator(".ag-center-cols-container [col-id='source_url']").all_inner_texts()
    assert any("javascript:" in t for t in texts)  # shown, not linked
    assert page.locator("a[href^='javascript:'], a[href^='data:'], a[href^=' ']").count() == 0
    # tooltips on items and evidence are text too
    page.evaluate("dash_ag_grid.getApi('grid').ensureColumnVisible('evidence')")
    page.wait_for_timeout(500)
    cell = page.locator(".ag-center-cols-container [col-id='evidence']").filter(has_text="<img").first
    cell.hover()
    tip = page.wait_for_selector(".ag-tooltip, .ag-tooltip-custom", timeout=10000)
    assert "<img" in tip.inner_text() and tip.query_selector("img") is None
    # publisher names in the filter options
    page.click("#f-publisher")
    page.wait_for_timeout(500)
    assert page.get_by_text(PUBLISHERS[0], exact=True).count() >= 1  # shown as text in the menu
    scripts = page.evaluate(
        "[...document.querySelectorAll('script')].filter(s => s.textContent.includes('xss-'))"
        ".map(s => [s.id, s.type, s.textContent.slice(0, 300)])"
    )
    assert all(t == "application/json" for _, t, _ in scripts), scripts  # data, never run
    page.keyboard.press("Escape")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss") == []
    assert page.problems == []  # type: ignore[attr-defined]


def test_hostile_address_shows_a_notice_in_the_browser(hostile_server, page):
    qs = (
        "?donor=USA%27%3B%20DROP%20TABLE%20announcements%3B--&donor=" + ",".join(f"X{i:02d}" for i in range(300))
        + "&from=2023-13-45&to=%3Cscript%3Ealert(1)%3C%2Fscript%3E&q=%3Cimg%20src%3Dx%20onerror%3Dalert(2)%3E"
    )  # fmt: skip
    page.goto(hostile_server + "/" + qs)
    page.wait_for_selector("#notice li", timeout=30000)
    notice = page.inner_text("#notice")
    assert "donor" in notice.lower() and "date" in notice.lower()
    assert page.locator("#notice script, #notice img").count() == 0
    page.wait_for_selector("#kpi-n-value, #kpi-n .kpi-value", timeout=30000)
    page.wait_for_timeout(1000)
    assert "Traceback" not in page.content()
    assert page.problems == []  # type: ignore[attr-defined]
