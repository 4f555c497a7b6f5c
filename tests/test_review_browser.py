"""Issue 15 in a real headless Chromium: a reviewer logs in, corrects a row's category in the
review view and sees the main view's figures and CSV change; keyboard confirm; a viewer has no
edit controls and a forged POST gets 403; a write without the CSRF token is refused."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select
from test_dashboard_browser import browser_context, chromium, wait_kpi  # noqa: F401  (fixtures)

from db.models import Announcement, Review

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "correct horse battery"
A = Announcement


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from db.engine import make_engine, upgrade
    from db.users import add_user
    from etl.pipeline import load_samples

    e = make_engine(f"sqlite:///{tmp_path_factory.mktemp('review') / 'r.sqlite3'}")
    upgrade(e)
    load_samples(e)
    with e.begin() as conn:
        add_user(conn, "rita", "reviewer", PASSWORD)
        add_user(conn, "vic", "viewer", PASSWORD)
    yield e
    e.dispose()


@pytest.fixture(scope="module")
def server(engine):
    from conftest import serve_in_thread

    from dashboard.app import create_app

    with serve_in_thread(create_app(engine).server) as base:
        yield base


def log_in(page, base: str, name: str) -> None:
    page.goto(base + "/login")
    page.fill("#login-name", name)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/review/", timeout=30000)
    page.wait_for_selector("#rv-grid .ag-center-cols-container .ag-row", timeout=30000)


def queue(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(
            select(A.id, A.category_code, A.review_state)
            .where(A.review_state == "unreviewed")
            .order_by(A.confidence, A.id)
        ).all()


def mentions(engine, category: str) -> int:
    from db.queries import Filters, aggregate

    with engine.connect() as conn:
        return aggregate(conn, Filters(categories=(category,), mentions=True), ())[0]["n"]


def state_of(engine, ann_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(select(A.review_state).where(A.id == ann_id)).scalar()


def test_reviewer_corrects_a_category_and_the_dashboard_follows(server, engine, browser_context):  # noqa: F811
    errors: list[str] = []
    page = browser_context.new_page()
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    first, second = queue(engine)[:2]
    new_cat = "humanitarian" if first.category_code != "humanitarian" else "medical"
    before_new, before_old = mentions(engine, new_cat), mentions(engine, first.category_code)

    log_in(page, server, "rita")
    page.locator("#rv-grid .ag-center-cols-container .ag-row[row-index='0']").click()
    page.wait_for_selector("#rv-paragraph mark.evidence", timeout=30000)
    assert page.inner_text("#rv-paragraph mark.evidence").strip()
    page.wait_for_function("() => document.querySelector('#rv-f-item') && document.querySelector('#rv-f-item').value",
                           timeout=30000)  # fmt: skip
    label = "Humanitarian" if new_cat == "humanitarian" else "Medical"
    page.click("#rv-f-category_code")
    page.locator(".dash-dropdown-option", has_text=label).first.click()  # scrolled to by Playwright
    page.wait_for_function("l => document.querySelector('#rv-f-category_code').textContent.includes(l)", arg=label,
                           timeout=30000)  # fmt: skip
    page.fill("#rv-note", "the release speaks of aid to civilians")
    page.click("#rv-save")
    page.wait_for_function("() => document.querySelector('#rv-message').textContent.includes('Saved')",
                           timeout=30000)  # fmt: skip
    assert state_of(engine, first.id) == "corrected"
    with engine.connect() as conn:
        assert conn.execute(select(A.category_code).where(A.id == first.id)).scalar() == new_cat
        assert conn.execute(select(Review.user_name, Review.note).where(Review.announcement_id == first.id)).one() == (
            "rita", "the release speaks of aid to civilians")  # fmt: skip
    assert mentions(engine, new_cat) == before_new + 1
    assert mentions(engine, first.category_code) == before_old - 1

    # the main view: headline and category chart follow, and so does the CSV
    dash = browser_context.new_page()
    dash.on("pageerror", lambda e: errors.append(f"pageerror (dashboard): {e}"))
    dash.goto(f"{server}/?category={new_cat}&count=mentions")
    wait_kpi(dash, f"{before_new + 1:,}")
    resp = dash.request.get(f"{server}/download/announcements.csv?category={new_cat}&count=mentions")
    rows = list(csv.DictReader(io.StringIO(resp.text())))
    assert len(rows) == before_new + 1
    assert [r["review_state"] for r in rows].count("corrected") == 1
    assert {"status", "review_state"} <= set(rows[0])
    dash.close()

    # keyboard: the corrected row left the queue; j moves on, c confirms
    page.bring_to_front()
    page.locator("#rv-grid .ag-center-cols-container .ag-row[row-index='0']").click()
    page.wait_for_timeout(300)
    page.locator("#rv-home").focus()
    page.keyboard.press("Escape")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("k")  # stays on the first row
    page.keyboard.press("c")
    page.wait_for_function("() => document.querySelector('#rv-message').textContent.includes('confirmed')",
                           timeout=30000)  # fmt: skip
    assert state_of(engine, second.id) == "confirmed"

    # a write without the CSRF token is refused, even for a reviewer
    third = queue(engine)[0]
    r = page.request.post(f"{server}/review/api/announcements/{third.id}", data={"action": "reject"})
    assert r.status == 400
    assert state_of(engine, third.id) == "unreviewed"
    page.wait_for_timeout(300)
    assert errors == []


def test_viewer_has_no_edit_controls_and_a_forged_post_gets_403(server, engine, browser_context):  # noqa: F811
    page = browser_context.new_page()
    log_in(page, server, "vic")
    assert page.inner_text("#rv-user") == "vic (viewer)"
    page.locator("#rv-grid .ag-center-cols-container .ag-row[row-index='0']").click()
    page.wait_for_selector("#rv-paragraph mark.evidence", timeout=30000)
    for control in ("#rv-confirm", "#rv-reject", "#rv-save", "#rv-add", "#rv-editor"):
        assert page.locator(control).count() == 0
    target = queue(engine)[0]
    token = page.evaluate("() => document.cookie")  # nothing readable: the session cookie is HttpOnly
    assert "session" not in token
    r = page.request.post(f"{server}/review/api/announcements/{target.id}", data={"action": "reject"},
                          headers={"X-CSRFToken": "forged"})  # fmt: skip
    assert r.status == 403
    assert state_of(engine, target.id) == "unreviewed"
