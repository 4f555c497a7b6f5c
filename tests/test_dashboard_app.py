"""The Dash app over a real database (SQLite and PostgreSQL): page, callbacks over HTTP, CSV
downloads, start-up errors, gunicorn."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select
from test_queries_aggregates import load

from dashboard.app import assets_folder, create_app, prepare_database
from dashboard.callbacks import sync_view
from dashboard.data import Data
from db.models import Announcement, EtlRun
from db.queries import EXPORT_FIELDS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def engine(migrated_engine):
    load(migrated_engine)
    return migrated_engine


@pytest.fixture
def client(engine):
    return create_app(engine).server.test_client()


def callback(client, outputs: list[tuple[str, str]], inputs: list[dict], state: list | None = None) -> dict:
    output = "...".join(f"{i}.{p}" for i, p in outputs)
    payload = {
        "output": f"..{output}.." if len(outputs) > 1 else output,
        "outputs": [{"id": i, "property": p} for i, p in outputs] if len(outputs) > 1
        else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": inputs,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        "state": state or [],
    }  # fmt: skip
    r = client.post("/_dash-update-component", json=payload)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r.get_json()["response"]


def test_page_layout_and_assets(client):
    r = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers.get("Content-Encoding") == "gzip"
    page = client.get("/").get_data(as_text=True)
    assert "plotly-aidtracker.min.js" in page and "style.css" in page
    assert "package_data/plotly.min.js" not in page  # the full plotly.js bundle is not loaded
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "f-donor" in layout and "United States" in layout
    assert client.get("/assets/topojson/world_110m.json").status_code == 200
    assert Path(assets_folder(), "style.css").exists()


HEADLINE = [
    ("kpi-n-value", "children"),
    ("kpi-n-label", "children"),
    ("kpi-donors-value", "children"),
    ("kpi-donors-label", "children"),
    ("kpi-releases-label", "children"),
    ("kpi-value-value", "children"),
    ("kpi-value-value", "title"),
    ("kpi-value-label", "children"),
    ("as-of", "children"),
]


def test_headline_callbacks_over_http(client):
    url = [{"id": "url", "property": "search", "value": ""}]
    resp = callback(client, HEADLINE, url)
    assert resp["kpi-n-value"]["children"] == "5" and resp["kpi-n-label"]["children"] == "Pledges"
    assert resp["kpi-donors-value"]["children"] == "3"
    assert resp["kpi-value-value"]["title"] == "360 EUR"
    assert "(ok)" in resp["as-of"]["children"]
    assert (
        callback(client, [("kpi-releases-value", "children")], url)["kpi-releases-value"]["children"] == "3"
    )
    url = [{"id": "url", "property": "search", "value": "?donor=USA&count=mentions"}]
    resp = callback(client, HEADLINE, url)
    assert resp["kpi-n-value"]["children"] == "3" and resp["kpi-n-label"]["children"] == "Mentions"
    assert resp["kpi-value-value"]["title"] == "250 EUR"
    assert (
        callback(client, [("kpi-releases-value", "children")], url)["kpi-releases-value"]["children"] == "2"
    )


def test_rows_callback_over_http(client):
    resp = callback(
        client,
        [("grid", "getRowsResponse")],
        [{"id": "grid", "property": "getRowsRequest", "value": {"startRow": 0, "endRow": 50}}],
        [{"id": "url", "property": "search", "value": "?donor=NLD&lang=fr"}],
    )
    out = resp["grid"]["getRowsResponse"]
    assert out["rowCount"] == 2
    assert {r["donor"] for r in out["rowData"]} == {"Pays-Bas"}
    assert {r["category_label"] for r in out["rowData"]} == {"Chars", "Aide financière"}


def read_csv(client, url: str) -> list[dict]:
    r = client.get(url)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv") and "charset=utf-8" in r.headers["Content-Type"]
    return list(csv.DictReader(io.StringIO(r.get_data().decode("utf-8"))))


def test_csv_download_is_exactly_the_filtered_rows(client, engine):
    rows = read_csv(client, "/download/announcements.csv?count=mentions")
    assert list(rows[0].keys()) == list(EXPORT_FIELDS)
    with engine.connect() as conn:
        expected = conn.execute(
            select(Announcement.id).where(Announcement.release_id != 4).order_by(Announcement.date, Announcement.id)
        ).scalars().all()  # fmt: skip
    assert len(rows) == len(expected) == 6
    nld = read_csv(client, "/download/announcements.csv?donor=NLD")
    assert [r["category"] for r in nld] == ["tanks", "financial"]
    fin = nld[1]
    assert fin["item"].startswith("'=HYPERLINK")  # a formula is escaped, not run
    assert fin["group"] == "financial" and fin["publisher"] == "Defensie"
    assert fin["release"] == "/data/r2.txt" and fin["source_url"] == "/data/r2.txt"
    assert fin["donor"] == "Netherlands" and fin["recipient_code"] == "UKR" and fin["date"] == "2023-02-15"
    usa = read_csv(client, "/download/announcements.csv?donor=USA")
    assert len(usa) == 2 and usa[0]["source_url"] == "https://example.org/r1"  # pledges: first mentions only


def test_chart_csv(client):
    rows = read_csv(client, "/download/chart/donors.csv")
    assert {r["donor_code"]: int(r["pledges"]) for r in rows} == {"USA": 2, "NLD": 2, "DNK": 1}
    months = read_csv(client, "/download/chart/months.csv?count=mentions")
    assert [m["month"] for m in months] == ["2023-01", "2023-02", "2023-03"]
    assert int(months[2]["mentions_lethal"]) == 1 and int(months[2]["mentions_humanitarian"]) == 1
    cats = read_csv(client, "/download/chart/categories.csv?lang=fr")
    assert "Chars" in {c["category"] for c in cats}
    assert client.get("/download/chart/nope.csv").status_code == 404


def test_invalid_query_strings_load_with_a_notice(client, engine):
    data = Data(engine)
    out = sync_view(data, "url", "?donor=XXX&from=2023-99-01&q=%27%3B%20DROP%20TABLE%20x", [None] * 14, {})
    assert out[1] == [] and out[4] is None  # no donor, no start date
    notice = json.dumps(
        out[-1].to_plotly_json() if hasattr(out[-1], "to_plotly_json") else out[-1], default=str
    )
    assert "XXX" in notice and "date" in notice
    for qs in ("?donor=" + "A," * 10000, "?from=<script>", "?min_conf=1e999", "?%00=%ff"):
        r = client.get("/download/chart/donors.csv" + qs)
        assert r.status_code == 200 and r.get_data(as_text=True).startswith("donor_code")
    with engine.connect() as conn:
        assert conn.execute(select(Announcement.id)).first()


def test_sync_clicks_and_reset(engine):
    data = Data(engine)
    click = {"points": [{"customdata": "NLD"}]}
    out = sync_view(data, "g-donor", "?category=tanks", [None] * 14, {"g-donor": click})
    assert out[0] == "?donor=NLD&category=tanks" and out[1] == ["NLD"]
    out = sync_view(data, "g-time", "", [None] * 14, {"g-time": {"points": [{"customdata": "2023-02"}]}})
    assert out[0] == "?from=2023-02-01&to=2023-02-28"
    out = sync_view(
        data, "g-category", "", [None] * 14, {"g-category": {"points": [{"customdata": "group:lethal"}]}}
    )
    assert out[0] == "?group=lethal"
    out = sync_view(data, "reset", "?donor=NLD&lang=fr", [None] * 10 + ["fr"] + [None] * 3, {})
    assert out[0] == "?lang=fr"


def test_unreachable_database_is_one_line(tmp_path):
    env = dict(os.environ, DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    res = subprocess.run(
        [sys.executable, "-m", "aidtracker.cli", "serve", "--port", "1"],
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert res.returncode != 0
    assert "Traceback" not in res.stderr
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "unavailable" in lines[0] and "nobody@127.0.0.1" in lines[0]


def test_empty_database_gets_the_samples(sqlite_url):
    from db.engine import make_engine

    engine = make_engine(sqlite_url)
    out = io.StringIO()
    assert prepare_database(engine, out=out)
    with engine.connect() as conn:
        assert conn.execute(select(EtlRun.id)).first() is not None  # the sample load ran as a refresh
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.postgres
@pytest.mark.slow
def test_gunicorn_serves_the_app_on_postgres(pg_url):
    from db.engine import make_engine, upgrade

    engine = make_engine(pg_url)
    upgrade(engine)
    load(engine)
    engine.dispose()
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=pg_url, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "dashboard.app:server", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--timeout", "60"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                with urllib.request.urlopen(base + "/", timeout=5) as r:
                    assert r.status == 200 and b"aidtracker" in r.read()
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("gunicorn did not answer")
        payload = {
            "output": ".." + "...".join(f"{i}.{p}" for i, p in HEADLINE) + "..",
            "outputs": [{"id": i, "property": p} for i, p in HEADLINE],
            "inputs": [{"id": "url", "property": "search", "value": "?donor=USA"}],
            "changedPropIds": ["url.search"],
            "state": [],
        }
        for _ in range(4):  # several requests: both workers answer
            req = urllib.request.Request(
                base + "/_dash-update-component", data=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json"}, method="POST",
            )  # fmt: skip
            with urllib.request.urlopen(req, timeout=30) as r:
                body = json.loads(r.read())
            assert body["response"]["kpi-n-value"]["children"] == "2"
    except Exception:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode("utf-8", "replace")
        raise AssertionError("gunicorn output:\n" + out[-3000:]) from None
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_cache_follows_the_data_version(engine, monkeypatch):
    import datetime as dt

    from flask import Flask
    from flask_caching import Cache
    from sqlalchemy.orm import Session

    from dashboard import data as data_module
    from db.queries import Filters
    from db.rollups import refresh_rollups

    monkeypatch.setattr(data_module, "VERSION_TTL", 0.0)
    data = Data(engine, Cache(Flask("t"), config={"CACHE_TYPE": "SimpleCache"}))
    assert sum(r["n"] for r in data.donor_category(Filters())) == 5
    assert sum(r["n"] for r in data.donor_category(Filters())) == 5  # from the cache
    with Session(engine) as s:
        s.add(
            Announcement(
                id=9, release_id=2, donor_code="NLD", recipient_code="UKR", category_code="drones", item="drones",
                date=dt.date(2023, 2, 16), evidence="e", confidence=0.9, pledge_key="p9",
            )
        )  # fmt: skip
        s.add(EtlRun(started_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC), status="ok"))
        s.commit()
    with engine.begin() as conn:
        refresh_rollups(conn)
    after = data.donor_category(Filters())
    assert sum(r["n"] for r in after) == 6
