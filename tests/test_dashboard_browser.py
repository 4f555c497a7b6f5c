"""End to end in a real headless Chromium (Debian's package, driven by Playwright): load the page,
pick a donor, see charts and table change, reopen the URL, go back, click a bar, download the CSV
and check it against the database, and no errors in the browser console."""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROWS = 3000


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; installed with apt-get when missing (never skipped)."""
    if not Path(CHROMIUM).exists():
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            pytest.fail("chromium is missing: run as root so the tests can `apt-get install chromium`")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True, timeout=900)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"],
            check=True, env=env, capture_output=True, timeout=1800,
        )  # fmt: skip
    assert Path(CHROMIUM).exists()
    return CHROMIUM


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_dashboard", ROOT / "benchmarks" / "bench_dashboard.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from db.engine import make_engine, upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'dash.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    _bench().build(engine, ROWS)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def server(engine):
    from conftest import serve_in_thread

    from dashboard.app import create_app

    with serve_in_thread(create_app(engine).server) as base:
        yield base


@pytest.fixture
def browser_context(chromium, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium,
            args=ARGS,
            headless=True,
            viewport={"width": 1600, "height": 1000},
            accept_downloads=True,
        )
        yield ctx
        ctx.close()


def expected_first_mentions(engine, donor: str) -> list[tuple[str, str, str]]:
    """Independently of db.queries: the donor's first mentions among current releases."""
    sql = text(
        """
        SELECT a.date, a.item, a.evidence FROM announcements a JOIN releases r ON r.id = a.release_id
        WHERE r.is_current AND r.status = 'ok' AND a.donor_code = :donor AND a.id IN (
            SELECT id FROM (
                SELECT a2.id, row_number() OVER (PARTITION BY a2.pledge_key ORDER BY a2.date, a2.id) AS rn
                FROM announcements a2 JOIN releases r2 ON r2.id = a2.release_id
                WHERE r2.is_current AND r2.status = 'ok'
            ) ranked WHERE rn = 1)
        """
    )
    with engine.connect() as conn:
        return sorted((str(d), i, e) for d, i, e in conn.execute(sql, {"donor": donor}))


def kpi(page) -> str:
    return page.inner_text("#kpi-n .kpi-value").strip()


def wait_kpi(page, value: str) -> None:
    page.wait_for_function(
        "v => { const e = document.querySelector('#kpi-n .kpi-value'); return e && e.textContent.trim() === v; }",
        arg=value,
        timeout=30000,
    )


def grid_donors(page) -> set[str]:
    page.wait_for_selector(".ag-row [col-id='donor']", timeout=30000)
    return {c.strip() for c in page.locator(".ag-center-cols-container [col-id='donor']").all_inner_texts()}


def test_dashboard_end_to_end(server, engine, browser_context):
    from db.queries import Filters, aggregate

    errors: list[str] = []
    sent: list[int] = []
    page = browser_context.new_page()
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    cdp = browser_context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.loadingFinished", lambda e: sent.append(e["encodedDataLength"]))

    with engine.connect() as conn:
        total = aggregate(conn, Filters(), ())[0]["n"]
        nld = aggregate(conn, Filters(donors=("NLD",)), ())[0]["n"]
    assert 0 < nld < total

    # 1. first load
    page.goto(server + "/")
    wait_kpi(page, f"{total:,}")
    page.wait_for_selector("#g-donor .bars path", timeout=30000)
    page.wait_for_selector("#g-map .choroplethlayer path", timeout=30000)
    page.wait_for_timeout(1500)
    assert sum(sent) < 2_000_000, f"first load transferred {sum(sent):,} bytes"
    assert "United States" in page.inner_text("#g-donor")
    assert len(grid_donors(page)) > 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    # 2. pick a donor: the URL, the headline, the charts and the table follow
    page.click("#f-donor")
    page.keyboard.type("Netherlands")
    # click the filtered option once it is rendered: Enter raced the option list on a loaded machine
    option = page.locator(".dash-dropdown-option", has_text="Netherlands").first
    option.wait_for(state="visible", timeout=30000)
    option.click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search.includes('donor=NLD')", timeout=30000)
    wait_kpi(page, f"{nld:,}")
    page.wait_for_function(
        "() => !document.querySelector('#g-donor').textContent.includes('United States')", timeout=30000
    )
    assert "Netherlands" in page.inner_text("#g-donor")
    page.wait_for_function(
        """() => { const cells = [...document.querySelectorAll(".ag-center-cols-container [col-id='donor']")];
                   return cells.length > 0 && cells.every(c => c.textContent.trim() === 'Netherlands'); }""",
        timeout=30000,
    )
    url = page.url
    assert "donor=NLD" in url

    # 3. the same address in a new page gives the same view
    other = browser_context.new_page()
    other.on("pageerror", lambda e: errors.append(f"pageerror (second page): {e}"))
    other.goto(url)
    wait_kpi(other, f"{nld:,}")
    assert grid_donors(other) == {"Netherlands"}
    assert "Netherlands" in other.inner_text("#f-donor")
    other.close()

    # 4. download the CSV: exactly the filtered rows, checked against the database
    with page.expect_download(timeout=60000) as dl:
        page.click("#dl-csv")
    body = Path(dl.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == nld
    assert {r["donor_code"] for r in rows} == {"NLD"}
    got = sorted((r["date"], r["item"], r["evidence"]) for r in rows)
    assert got == expected_first_mentions(engine, "NLD")

    # 5. the back button undoes the filter
    page.go_back()
    page.wait_for_function("() => !location.search.includes('donor=')", timeout=30000)
    wait_kpi(page, f"{total:,}")

    # 6. a click on a category bar filters everything
    box = page.locator("#g-category .bars path").last.bounding_box()  # plotly's drag layer takes the clicks
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    page.wait_for_function("() => location.search.includes('category=')", timeout=30000)
    code = page.evaluate("() => new URLSearchParams(location.search).get('category')")
    with engine.connect() as conn:
        n_cat = aggregate(conn, Filters(categories=(code,)), ())[0]["n"]
    wait_kpi(page, f"{n_cat:,}")

    # 7. reset, French labels
    page.click("#reset")
    wait_kpi(page, f"{total:,}")
    page.click("text=Français")
    page.wait_for_function("() => location.search.includes('lang=fr')", timeout=30000)
    page.wait_for_function(
        "() => document.querySelector('#title').textContent.includes('Aide')", timeout=30000
    )
    assert "Engagements" in page.inner_text("#headline")

    page.wait_for_timeout(500)
    assert errors == []


def test_bad_address_shows_a_notice(server, browser_context):
    errors: list[str] = []
    page = browser_context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/?donor=XXX&donor=%27%3BDROP%20TABLE%20releases&from=2023-02-31&min_conf=abc")
    page.wait_for_selector("#notice li", timeout=30000)
    notice = page.inner_text("#notice")
    assert "donor" in notice and "date" in notice and "confidence" in notice
    page.wait_for_selector("#kpi-n .kpi-value", timeout=30000)
    assert errors == []
