"""Issue 6: a refresh over hostile pages and feeds served on 127.0.0.1, as a real process.

One feed lists good corpus pages next to a gzip bomb, a 50 MB page, binary bytes, a PDF, an
empty body, 10,000-level nesting, scripts full of country names, UTF-16 and invisible
characters, plus `file:`, `javascript:`, `data:`, protocol-relative, relative and duplicate
links; two more feeds redirect in a loop and to `file:`. Asserted: every hostile input is a
failed release with a one-line error or a release read as text; nothing outside http(s) is
ever requested or stored; the good pages give exactly what they give in a clean run; the whole
run stays under 90 s wall and 500 MB peak RSS (measured ~5 s, ~145 MB), on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest
from etl_testserver import Route, TestServer, corpus_files, corpus_html, gzip_bomb, rss
from sqlalchemy import select
from test_fuzz_etl import COUNTRIES, GOOD_EN, INVISIBLE, measured

from db.engine import make_engine
from db.models import Announcement, EtlRun, Release
from etl.fetch.sources import Settings, Source, SourcesConfig
from etl.pipeline import refresh

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "tests" / "etl_testserver.py"
GOOD = corpus_files()[:3]
SETTINGS = """[settings]
timeout = 5
total_timeout = 20
per_host_delay = 0
retries = 0
fetch_workers = 2
parse_workers = 1
lock_wait = 30
"""


@pytest.fixture(scope="module")
def hostile_bodies() -> dict[str, Route]:
    rnd = random.Random(66)
    html = "text/html; charset=utf-8"
    return {
        "/bomb.html": Route(
            body=gzip_bomb(200 * 1024 * 1024), raw_gzip=True
        ),  # 200 MB of zeros, ~200 KB sent
        "/huge.html": Route(body=b"<html><body>" + b"<p>Denmark donates tanks to Ukraine.</p>" * 1_400_000),
        "/binary.html": Route(body=rnd.randbytes(200_000), content_type=html),
        "/file.pdf": Route(body=b"%PDF-1.7 " + rnd.randbytes(1000), content_type="application/pdf"),
        "/empty.html": Route(body=b"", content_type=html),
        "/nested.html": Route(
            body=("<html><body>" + "<div>" * 10_000 + GOOD_EN + "</div>" * 10_000).encode()
        ),
        "/script.html": Route(
            body=(
                f"<html><head><script>var a='{COUNTRIES * 200}'</script><style>/*{COUNTRIES * 200}*/</style>"
                "</head><body><article><p>The minister met colleagues in Brussels to talk about the "
                f"weather.</p><script>{COUNTRIES}</script></article></body></html>"
            ).encode()
        ),
        "/utf16.html": Route(
            body=f"<html><body><article><p>{GOOD_EN}</p></article></body></html>".encode("utf-16"),
            content_type="text/html; charset=utf-16",
        ),
        "/invisible.html": Route(
            body=(
                "<html><body><article><p>"
                + "".join(c + INVISIBLE[i % len(INVISIBLE)] for i, c in enumerate(GOOD_EN))
                + "</p></article></body></html>"
            ).encode()  # fmt: skip
        ),
        "/loopfeed-a.xml": Route(redirect="/loopfeed-b.xml"),
        "/loopfeed-b.xml": Route(redirect="/loopfeed-a.xml"),
        "/feed-to-file.xml": Route(redirect="file:///etc/passwd"),
    }


def serve(server: TestServer, bodies: dict[str, Route]) -> list[str]:
    """The hostile feed; returns the URLs of the good pages."""
    good = [server.url(f"/page/{f.stem}.html") for f in GOOD]
    for f in GOOD:
        server.routes[f"/page/{f.stem}.html"] = Route(body=corpus_html(f))
    server.routes.update(bodies)
    port = server.port
    links = [
        (good[0], "good 1"),
        (f"/page/{GOOD[1].stem}.html", "relative"),  # resolved against the feed's URL
        (f"//127.0.0.1:{port}/page/{GOOD[2].stem}.html", "protocol-relative"),
        (good[0], "duplicate"),
        (good[0] + "#again", "duplicate with fragment"),
        *((server.url(p), p) for p in bodies if p.endswith((".html", ".pdf"))),
        ("file:///etc/passwd", "file"),
        ("javascript:alert(document.cookie)", "javascript"),
        ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "data"),
        ("ftp://127.0.0.1/x.html", "ftp"),
    ]
    server.routes["/feed.xml"] = Route(body=rss(links), content_type="application/rss+xml")
    return good


def test_hostile_feed_over_http_in_a_real_refresh(db_url, tmp_path, hostile_bodies, monkeypatch):
    server = TestServer()
    try:
        good = serve(server, hostile_bodies)
        sources = tmp_path / "sources.toml"
        sources.write_text(SETTINGS)
        env = dict(os.environ, DATABASE_URL=db_url, AIDTRACKER_SOURCES=str(sources))
        env.pop("AIDTRACKER_TEST_FAKE_EXTRACT", None)  # the real extractor reads the hostile text
        feeds = [server.url(p) for p in ("/feed.xml", "/loopfeed-a.xml", "/feed-to-file.xml")]
        res = measured([sys.executable, str(RUNNER), "refresh", *feeds], tmp_path, env=env, timeout=300)
        assert res["wall"] < 90, f"{res['wall']:.1f} s"
        assert res["peak_mb"] < 500, f"{res['peak_mb']:.0f} MB"
        assert res["rc"] == 1, res["stderr"][-2000:]
        assert "Traceback" not in res["stderr"]
        summary = res["stdout"].strip().splitlines()[-1]
        assert summary.startswith("refresh partial:"), summary

        engine = make_engine(db_url)
        with engine.connect() as c:
            rel = {r.source: r for r in c.execute(select(Release.__table__))}
            run = c.execute(select(EtlRun.__table__)).one()
            ann = c.execute(select(Release.source, Announcement.__table__).join(Release)).all()
        engine.dispose()

        # refused, never fetched, never stored
        assert all(s.startswith(("http://127.0.0.1:", "https://127.0.0.1:")) for s in rel), list(rel)
        assert all(not h.path.startswith("/etc") for h in server.requests())
        for scheme in ("file", "javascript", "data", "ftp"):
            assert f"refused URL scheme '{scheme}'" in run.error_summary
        # a URL argument that does not answer is a failed input (page or feed could not be told)
        assert "redirect loop" in rel[feeds[1]].error and "redirect refused" in rel[feeds[2]].error
        assert all("\n" not in (r.error or "") for r in rel.values())
        # duplicates and relative links: each good page once, under its absolute URL
        assert set(good) <= set(rel) and all(rel[u].status == "ok" for u in good)
        assert sum(1 for h in server.requests() if h.path == f"/page/{GOOD[0].stem}.html") == 1
        # hostile pages: a one-line error, or read as text without scripts or invisible characters
        errors = {u.rsplit("/", 1)[-1]: (r.error or "") for u, r in rel.items() if r.status == "failed"}
        assert "larger than" in errors["bomb.html"]
        assert "larger than" in errors["huge.html"]
        assert "binary" in errors["binary.html"]
        assert "not a web page" in errors["file.pdf"]
        assert "empty" in errors["empty.html"]
        texts = {u.rsplit("/", 1)[-1]: r.raw_text for u, r in rel.items() if r.status == "ok"}
        assert "script.html" in texts and "var a" not in texts["script.html"]
        assert not [a for a in ann if a.source.endswith("/script.html")]
        for name in ("utf16.html", "invisible.html"):
            assert "Leopard" in texts[name] and not any(c in texts[name] for c in INVISIBLE), name
        # the good pages gave exactly what a clean run gives
        clean = make_engine(f"sqlite:///{tmp_path / 'clean.sqlite3'}")
        settings = Settings(per_host_delay=0, retries=0, parse_workers=1)
        assert (
            refresh(clean, SourcesConfig(settings, [Source("page", u) for u in good]), progress=False).new
            == 3
        )
        with clean.connect() as c:
            want = sorted(
                (r.source, r.donor_code, r.category_code, r.item, r.quantity)
                for r in c.execute(select(Release.source, Announcement.__table__).join(Release))
            )
        clean.dispose()
        got = sorted(
            (a.source, a.donor_code, a.category_code, a.item, a.quantity) for a in ann if a.source in good
        )
        assert got == want and want
        print(f"hostile feed refresh: {res['wall']:.1f} s, peak {res['peak_mb']:.0f} MB RSS; {summary}")
    finally:
        server.close()
