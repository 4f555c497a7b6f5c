"""Issue 6: the dashboard when its database goes away and comes back (PostgreSQL, the test
session's own server is stopped and started again), and `serve` on a database that cannot be
reached at all (one line, non-zero exit, no traceback; see also test_dashboard_app)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.pool import NullPool
from test_dashboard_browser import chromium  # noqa: F401  (fixture)
from test_queries_aggregates import load
from test_security_dashboard import CALLBACK_MAP, dash_payloads

from dashboard.app import create_app
from db.engine import make_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.postgres


def _side_notice(body: dict) -> str:
    side = body.get("sideUpdate") or {}
    return json.dumps(side.get("notice", {}), ensure_ascii=False)


def _wait_up(engine, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with engine.connect() as c:
                c.exec_driver_sql("SELECT 1")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture
def own_pg_url(pg_admin_url, pg_server):
    """A database of its own, created and dropped on fresh admin connections (the server is
    stopped in between, which kills pooled ones)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if pg_server is None:
        pytest.skip("TEST_POSTGRES_URL: the test does not own the server, it cannot stop it")
    name = f"t_{uuid.uuid4().hex[:16]}"

    def admin(sql: str) -> None:
        e = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with e.connect() as c:
            c.execute(text(sql))
        e.dispose()

    admin(f'CREATE DATABASE "{name}"')
    yield make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    _wait_up(make_engine(pg_admin_url, poolclass=NullPool))
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_database_lost_while_serving_shows_data_unavailable_then_recovers(own_pg_url, pg_server):
    engine = make_engine(own_pg_url)
    upgrade(engine)
    load(engine)
    client = create_app(engine).server.test_client()
    search = "?donor=USA&count=mentions"
    payloads = dash_payloads(CALLBACK_MAP, search)

    def all_callbacks() -> list:
        out = []
        for p in payloads:
            r = client.post("/_dash-update-component", json=p)
            out.append(
                (
                    p["output"],
                    r.status_code,
                    r.get_json() if r.status_code == 200 else r.get_data(as_text=True),
                )
            )
        return out

    before = all_callbacks()
    assert all(code == 200 for _, code, _ in before), before
    assert client.get("/download/announcements.csv" + search).status_code == 200

    pg_server.stop("immediate")
    try:
        time.sleep(2.5)  # past the data-version cache (2 s)
        page = client.get("/")
        assert page.status_code == 200  # the page itself still loads
        during = all_callbacks()
        for output, code, body in during:
            assert code in (200, 204), (output, code, str(body)[:300])
            if code == 200:
                assert "Traceback" not in json.dumps(body)
        notices = [_side_notice(body) for _, code, body in during if code == 200]
        assert any("unavailable" in n.lower() for n in notices), notices
        dl = client.get("/download/announcements.csv" + search)
        assert dl.status_code == 503 and "unavailable" in dl.get_data(as_text=True).lower()
        assert "Traceback" not in dl.get_data(as_text=True)
    finally:
        pg_server.start()
    _wait_up(engine)
    time.sleep(2.5)
    after = all_callbacks()
    assert all(code == 200 for _, code, _ in after), after
    assert [json.dumps(b.get("response"), sort_keys=True) for _, _, b in after] == [
        json.dumps(b.get("response"), sort_keys=True) for _, _, b in before
    ]  # the same answers as before the loss
    assert all("unavailable" not in _side_notice(b).lower() for _, _, b in after)
    assert client.get("/download/announcements.csv" + search).status_code == 200
    engine.dispose()


def test_serve_on_an_unreachable_database_exits_with_one_line(tmp_path):
    """Refused connection, unknown host name, a file that is not SQLite, a folder: one line each."""
    urls = [
        "postgresql+psycopg://nobody:secret@127.0.0.1:1/none",
        "postgresql+psycopg://nobody@no-such-host.invalid:5432/none",
        f"sqlite:///{tmp_path / 'not-a-database.sqlite3'}",
        f"sqlite:///{tmp_path}",  # a folder
    ]
    (tmp_path / "not-a-database.sqlite3").write_bytes(b"this is not SQLite\0" * 500)
    for url in urls:
        env = dict(os.environ, DATABASE_URL=url)
        res = subprocess.run(
            [sys.executable, "-m", "aidtracker.cli", "serve", "--port", "1"],
            env=env, capture_output=True, text=True, timeout=60, cwd=ROOT,
        )  # fmt: skip
        assert res.returncode != 0, url
        assert "Traceback" not in res.stderr, res.stderr[-1500:]
        lines = [x for x in res.stderr.splitlines() if x.strip()]
        assert len(lines) == 1 and "unavailable" in lines[0], (url, res.stderr)
        assert "secret" not in res.stderr  # the password is never printed


@pytest.mark.browser
@pytest.mark.slow
def test_data_unavailable_is_visible_in_the_browser(own_pg_url, pg_server, chromium):  # noqa: F811
    """The same loss seen by a user in headless Chromium: a notice, no error in the console, and
    the figures again once the database is back."""
    from conftest import serve_in_thread
    from playwright.sync_api import sync_playwright
    from test_dashboard_browser import ARGS

    engine = make_engine(own_pg_url)
    upgrade(engine)
    load(engine)
    problems: list[str] = []
    try:
        with serve_in_thread(create_app(engine).server) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
            page = browser.new_page()
            page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
            page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
            page.goto(base + "/?count=mentions")
            page.wait_for_function(
                "() => { const e = document.querySelector('#kpi-n-value, #kpi-n .kpi-value');"
                " return e && /\\d/.test(e.textContent); }",
                timeout=30000,
            )
            pg_server.stop("immediate")
            try:
                time.sleep(2.5)  # past the data-version cache
                page.goto(base + "/?donor=USA&count=mentions")
                page.wait_for_function(
                    "() => { const e = document.querySelector('#notice'); return e && e.textContent.includes('unavailable'); }",
                    timeout=30000,
                )
                assert "Traceback" not in page.content()
            finally:
                pg_server.start()
            _wait_up(engine)
            time.sleep(2.5)
            page.goto(base + "/?donor=NLD&count=mentions")
            page.wait_for_function(
                "() => { const e = document.querySelector('#notice'); return e && !e.textContent.includes('unavailable'); }",
                timeout=30000,
            )
            page.wait_for_function(
                "() => { const e = document.querySelector('#kpi-n-value, #kpi-n .kpi-value');"
                " return e && e.textContent.trim() === '2'; }",
                timeout=30000,
            )
            browser.close()
    finally:
        engine.dispose()
    assert problems == []
