"""Issue 6: hostile input to the dashboard, without a browser (the browser half is in
test_security_browser.py).

- hostile query strings (SQL fragments, unknown donors, huge lists, malformed dates, NUL bytes,
  bad percent-encoding) through every callback and download: HTTP 200, a notice, no traceback,
  the database intact;
- hostile callback payloads (grid requests with bad numbers, unknown columns, SQL in filters);
- CSV downloads read back: every cell starting with = + - @ tab or CR is escaped;
- a static check: no SQL text built from strings in db/queries/ and dashboard/.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from dashboard.app import create_app
from db.models import Announcement, EtlRun, Release
from db.rollups import refresh_rollups

ROOT = Path(__file__).resolve().parent.parent


def _load_test_module():
    """benchmarks/load_test.py: builds callback payloads from the app's own callback map."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("load_test", ROOT / "benchmarks" / "load_test.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


dash_payloads = _load_test_module().dash_payloads

XSS = [
    "<script>alert('xss-script')</script> 5 tanks",
    "<img src=x onerror=\"alert('xss-img')\"> howitzers",
    "[click me](javascript:alert('xss-md')) ammunition",
    "javascript:alert('xss-url')",
    "<a href=\"javascript:alert('xss-a')\">link</a> drones",
    "**bold** _it_ `code` <b>b</b> &lt;escaped&gt; &amp;",
]
FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]
SOURCES = [
    ("javascript:alert('xss-source')", None),
    ("https://ok.example/release-1", "https://ok.example/release-1"),
    ("data:text/html,<script>alert('xss-data')</script>", None),
    ("/var/releases/local.txt", None),
    ("https://ok.example/2", " JavaScript:alert('xss-canonical')"),
    ("https://ok.example/3", "https://ok.example/3\" onmouseover=\"alert('xss-attr')"),
]
PUBLISHERS = ["<script>alert('xss-pub')</script>", "=cmd|' /C calc'!A0", "Ministry of Defence"]


def load_hostile(engine) -> int:
    """Releases and announcements whose text, URLs and publishers are hostile; the row count."""
    n = 0
    with Session(engine) as s:
        for i, (source, canonical) in enumerate(SOURCES, 1):
            s.add(
                Release(
                    id=i,
                    source=source,
                    canonical_url=canonical,
                    publisher=PUBLISHERS[i % len(PUBLISHERS)],
                    language="en",
                    published=dt.date(2023, 3, i),
                    fetched_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                    content_hash=f"{i:064d}",
                    raw_text=" ".join(XSS + FORMULAS),
                    status="ok",
                    attempts=1,
                    is_current=True,
                )  # fmt: skip
            )
        s.flush()
        texts = XSS + FORMULAS
        for j, t in enumerate(texts):
            n += 1
            s.add(
                Announcement(
                    id=n,
                    release_id=j % len(SOURCES) + 1,
                    donor_code=["USA", "NLD", "DNK"][j % 3],
                    recipient_code="UKR",
                    category_code=["tanks", "munitions", "drones"][j % 3],
                    item=t,
                    quantity=j,
                    value=None if j % 2 else -5.0,
                    currency=None if j % 2 else "EUR",
                    value_eur=None if j % 2 else -5.0,
                    date=dt.date(2023, 3, 1 + j % 28),
                    evidence=texts[(j + 1) % len(texts)],
                    confidence=0.9,
                    pledge_key=f"k{j}",
                )  # fmt: skip
            )
        s.add(EtlRun(started_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), status="ok"))
        s.commit()
    with engine.begin() as conn:
        refresh_rollups(conn)
    return n


@pytest.fixture
def hostile(migrated_engine):
    n = load_hostile(migrated_engine)
    return migrated_engine, n


@pytest.fixture
def client(hostile):
    return create_app(hostile[0]).server.test_client()


def _counts(engine) -> tuple[int, int]:
    with engine.connect() as c:
        return (
            c.execute(select(func.count()).select_from(Release)).scalar(),
            c.execute(select(func.count()).select_from(Announcement)).scalar(),
        )


HOSTILE_QS = [
    "?donor=USA%27%3B%20DROP%20TABLE%20announcements%3B--",
    "?donor=USA' OR '1'='1&category=tanks' UNION SELECT * FROM releases--",
    "?q=%27%29%3B%20DELETE%20FROM%20releases%3B--&publisher=x%27%20OR%201%3D1",
    "?donor=XXX&donor=ZZZ&donor=usa",
    "?donor=" + ",".join(f"D{i:03d}" for i in range(3000)),
    "?category=" + "&category=".join(["tanks"] * 5000),
    "?from=2023-02-31&to=yesterday",
    "?from=9999-99-99&to=0000-00-00",
    "?from=2024-01-01&to=2023-01-01",
    "?min_conf=NaN&count=everything",
    "?min_conf=1e999",
    "?lang=xx&measure=%3Cscript%3E&time=__proto__&cat=constructor",  # view options fall back quietly
    "?%00=%00&donor=%00USA&q=%ff%fe",
    "?donor=%E2%80%AEASU",
    "?" + "a=1&" * 5000,
    "?q=" + "x" * 20000,
    "?language=en'--&publisher=" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
]


VIEW_ONLY = ("?donor=%E2%80%AEASU", "?lang=xx&measure=%3Cscript%3E&time=__proto__&cat=constructor")
CALLBACK_MAP = create_app(create_engine("sqlite://")).callback_map  # the shapes only; no query runs


@pytest.mark.parametrize("qs", HOSTILE_QS, ids=range(len(HOSTILE_QS)))
def test_hostile_query_strings_load_with_a_notice(hostile, client, qs):
    engine, n = hostile
    before = _counts(engine)
    page = client.get("/" + qs)
    assert page.status_code == 200
    payloads = dash_payloads(CALLBACK_MAP, qs)
    assert len(payloads) >= 5  # the URL sync, headline, charts, grid
    for payload in payloads:
        r = client.post("/_dash-update-component", json=payload)
        assert r.status_code in (200, 204), (payload["output"][:60], r.get_data(as_text=True)[:300])
        assert "Traceback" not in r.get_data(as_text=True)
        if "notice.children" in payload["output"] and qs not in VIEW_ONLY:
            notice = r.get_json()["response"]["notice"]["children"]
            assert notice, f"no notice for {qs[:80]}"
    for path in ("/download/announcements.csv", "/download/chart/donors.csv", "/download/chart/months.csv"):
        d = client.get(path + qs)
        assert d.status_code == 200 and d.get_data(as_text=True).split("\r\n")[0]
    assert _counts(engine) == before


GRID_REQUESTS = [
    {"startRow": "abc", "endRow": "def"},
    {"startRow": -100, "endRow": 10**12},
    {"startRow": 1e308, "endRow": None},
    {"startRow": 0, "endRow": 50, "sortModel": [{"colId": "id; DROP TABLE announcements", "sort": "asc"}]},
    {"startRow": 0, "endRow": 50, "sortModel": "not a list"},
    {"startRow": 0, "endRow": 50, "sortModel": [{"colId": "item", "sort": "desc; DROP"}, 5, None]},
    {
        "startRow": 0,
        "endRow": 50,
        "filterModel": {"item": {"filterType": "text", "type": "contains", "filter": "%' OR 1=1 --"}},
    },  # fmt: skip
    {
        "startRow": 0,
        "endRow": 50,
        "filterModel": {
            "quantity": {"filterType": "number", "type": "inRange", "filter": "NaN", "filterTo": "x"}
        },
    },  # fmt: skip
    {
        "startRow": 0,
        "endRow": 50,
        "filterModel": {
            "date": {"filterType": "date", "type": "equals", "dateFrom": "'; DROP TABLE releases; --"}
        },
    },  # fmt: skip
    {"startRow": 0, "endRow": 50, "filterModel": {"donor; DROP": {"filterType": "text"}, "item": "x"}},
    {"startRow": 0, "endRow": 50, "filterModel": ["not", "a", "mapping"]},
    "not a request",
]


@pytest.mark.parametrize("request_", GRID_REQUESTS, ids=range(len(GRID_REQUESTS)))
def test_hostile_grid_requests(hostile, client, request_):
    engine, n = hostile
    before = _counts(engine)
    (payload,) = [
        p
        for p in dash_payloads(CALLBACK_MAP, "?donor=USA", request_)
        if p["output"] == "grid.getRowsResponse"
    ]
    payload["inputs"][0]["value"] = request_
    r = client.post("/_dash-update-component", json=payload)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    rows = r.get_json()["response"]["grid"]["getRowsResponse"]["rowData"]
    assert all(row["donor_code"] == "USA" for row in rows)
    assert _counts(engine) == before


def test_csv_download_escapes_formulas_and_keeps_text(hostile, client):
    engine, n = hostile
    r = client.get("/download/announcements.csv?count=mentions")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True), newline="")))
    assert len(rows) == n
    numeric = ("quantity", "value", "value_eur", "confidence")  # written from numbers: never a formula
    cells = [v for row in rows for k, v in row.items() if k not in numeric and isinstance(v, str)]
    # nothing a spreadsheet would run: every cell starting with a formula prefix was prefixed with '
    for v in cells:
        assert not v.startswith(("=", "+", "-", "@", "\t", "\r")), repr(v)
    items = {row["item"] for row in rows}
    for f in FORMULAS:
        assert "'" + f in items, f  # escaped, not dropped or altered otherwise
    for x in XSS:  # and the rest is kept verbatim
        assert x in items or "'" + x in items, x
    publishers = {row["publisher"] for row in rows}
    assert "'=cmd|' /C calc'!A0" in publishers and "<script>alert('xss-pub')</script>" in publishers
    # numbers stay numbers: a negative value is not turned into text
    assert "-5.0" in {row["value"] for row in rows} or "-5" in {row["value"] for row in rows}


# ---------------------------------------------------------------------------------------------
# static check: no SQL built from strings where user input flows

SQL_WORDS = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE|DROP|WHERE|FROM|ORDER BY|GROUP BY|UNION|JOIN)\b", re.I
)
SCANNED = [*sorted((ROOT / "db" / "queries").glob("*.py")), *sorted((ROOT / "dashboard").glob("*.py"))]


def _sql_string_problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("text", "exec_driver_sql", "literal_column", "literal") and node.args:
                arg = node.args[0]
                if name == "literal_column" and isinstance(arg, ast.Name):
                    continue  # checked below: only names from a fixed tuple
                if not isinstance(arg, ast.Constant):
                    problems.append(f"{where}: {name}() of a non-constant")
                elif name in ("text", "exec_driver_sql"):
                    problems.append(f"{where}: raw SQL text()")
            if (
                name == "execute"
                and node.args
                and isinstance(node.args[0], ast.Constant | ast.JoinedStr | ast.BinOp)
            ):
                problems.append(f"{where}: execute() of a string")
        if isinstance(node, ast.JoinedStr):
            literal = "".join(
                v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
            if SQL_WORDS.search(literal) and any(isinstance(v, ast.FormattedValue) for v in node.values):
                if not re.search(r"\b(the|a|an|is|was|of)\b", literal):  # prose (messages), not SQL
                    problems.append(f"{where}: f-string with SQL words: {literal[:60]!r}")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
            for side in (node.left, node.right):
                if (
                    isinstance(side, ast.Constant)
                    and isinstance(side.value, str)
                    and SQL_WORDS.search(side.value)
                ):
                    if re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", side.value, re.I):
                        problems.append(f"{where}: SQL string built with {type(node.op).__name__}")
    return problems


def test_no_string_built_sql_in_queries_and_dashboard():
    problems = [p for path in SCANNED for p in _sql_string_problems(path)]
    assert problems == []
    # literal_column(d) in db/queries/: d only ever comes from DIMENSIONS, checked first
    src = "\n".join(p.read_text() for p in sorted((ROOT / "db" / "queries").glob("*.py")))
    assert "literal_column(d) for d in by" in src or "literal_column(" not in src
    assert "if d not in DIMENSIONS:\n            raise ValueError" in src


def test_the_static_check_catches_string_built_sql(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from sqlalchemy import text\n"
        "def f(conn, donor):\n"
        "    conn.execute(text(f\"SELECT * FROM announcements WHERE donor_code = '{donor}'\"))\n"
        "    conn.execute('SELECT 1 FROM x WHERE a = ' + donor)\n"
        "    conn.exec_driver_sql('DELETE FROM releases WHERE id = %s' % donor)\n"
    )
    global ROOT
    old, ROOT = ROOT, tmp_path
    try:
        problems = _sql_string_problems(bad)
    finally:
        ROOT = old
    assert len(problems) >= 4, problems
