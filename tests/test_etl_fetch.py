"""Issue 4: the fetcher's limits (etl.fetch) against the local test server, and feed reading."""

from __future__ import annotations

import re
import time

import pytest
from etl_testserver import Route, TestServer, gzip_bomb, rss

from etl.fetch import Fetcher, FetchError, feed_entries, looks_like_feed, refuse_scheme
from etl.fetch.sources import Settings

FAST = Settings(timeout=2, total_timeout=5, per_host_delay=0, retries=2, backoff=0.01, max_bytes=100_000)


@pytest.fixture
def server():
    s = TestServer()
    yield s
    s.close()


def fetch(server, path, settings=FAST, **kw):
    with Fetcher(settings) as f:
        return f.get(server.url(path), **kw)


def test_ok_with_validators_and_user_agent(server):
    server.routes["/a"] = Route(body=b"<html><body><p>hello</p></body></html>")
    got = fetch(server, "/a")
    assert got.body.startswith(b"<html>") and got.etag and got.last_modified and got.status == 200
    assert server.requests()[0].headers["user-agent"].startswith("aidtracker/")
    again = fetch(server, "/a", etag=got.etag, last_modified=got.last_modified)
    assert again.not_modified and again.body == b""
    assert server.requests()[1].headers["if-none-match"] == got.etag


def test_retries_5xx_with_backoff_then_succeeds(server):
    server.routes["/flaky"] = Route(body=b"<p>ok</p>", fail_times=2)
    t = time.monotonic()
    assert fetch(server, "/flaky").body == b"<p>ok</p>"
    assert len(server.requests()) == 3
    assert time.monotonic() - t >= 0.01 + 0.02  # backoff doubles


def test_gives_up_after_retries_and_does_not_retry_4xx(server):
    server.routes["/down"] = Route(status=500, body=b"x")
    with pytest.raises(FetchError, match=r"HTTP 500 .*after 3 attempts"):
        fetch(server, "/down")
    assert len(server.requests()) == 3
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(server, "/nothing-here")
    assert len(server.requests()) == 4


def test_retry_after_is_honoured(server):
    server.routes["/busy"] = Route(status=503, body=b"x", headers={"Retry-After": "1"})
    t = time.monotonic()
    with pytest.raises(FetchError, match="503"):
        fetch(server, "/busy", Settings(**{**_kw(FAST), "retries": 1}))
    assert time.monotonic() - t >= 0.9


def _kw(s: Settings) -> dict:
    return {k: getattr(s, k) for k in s.__slots__}


def test_timeout_is_retried_then_reported(server):
    server.routes["/slow"] = Route(body=b"x", delay=0.6)
    s = Settings(**{**_kw(FAST), "timeout": 0.2, "retries": 1})
    with pytest.raises(FetchError, match="timed out.*after 2 attempts"):
        fetch(server, "/slow", s)


def test_slow_drip_body_hits_the_total_timeout(server):
    server.routes["/drip"] = Route(body=b"a" * 400, drip=0.05)
    s = Settings(**{**_kw(FAST), "total_timeout": 0.5, "retries": 0})
    t = time.monotonic()
    with pytest.raises(FetchError, match="longer than 0.5 s"):
        fetch(server, "/drip", s)
    assert time.monotonic() - t < 1.5


def test_oversize_bodies_are_aborted(server):
    server.routes["/big"] = Route(body=b"a" * 200_000)
    with pytest.raises(FetchError, match="Content-Length 200000.*not downloaded"):
        fetch(server, "/big")
    # without a Content-Length the stream is cut at the limit
    server.routes["/big-gz"] = Route(body=gzip_bomb(10_000_000), raw_gzip=True)
    with pytest.raises(FetchError, match=r"larger than 100000 bytes \(decoded\)"):
        fetch(server, "/big-gz")


def test_gzip_bomb_is_stopped_early(server):
    bomb = gzip_bomb(200_000_000)  # 200 MB of zeros in about 200 KB
    assert len(bomb) < 300_000
    server.routes["/bomb"] = Route(body=bomb, raw_gzip=True)
    import tracemalloc

    tracemalloc.start()
    with pytest.raises(FetchError, match="decoded"):
        fetch(server, "/bomb")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 20_000_000  # never decompressed in full


def test_gzip_body_within_limits_is_decoded(server):
    import gzip

    server.routes["/gz"] = Route(body=gzip.compress(b"<p>Ukraine</p>" * 100), raw_gzip=True)
    assert fetch(server, "/gz").body == b"<p>Ukraine</p>" * 100


def test_redirects_are_bounded_checked_and_loops_detected(server):
    server.routes["/target"] = Route(body=b"<p>t</p>")
    server.routes["/r1"] = Route(redirect="/r2")
    server.routes["/r2"] = Route(redirect="/target")
    got = fetch(server, "/r1")
    assert got.body == b"<p>t</p>" and got.final_url.endswith("/target") and got.url.endswith("/r1")
    server.routes["/loop"] = Route(redirect="/loop2")
    server.routes["/loop2"] = Route(redirect="/loop")
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(server, "/loop")
    for i in range(10):
        server.routes[f"/c{i}"] = Route(redirect=f"/c{i + 1}")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(server, "/c0")
    server.routes["/js"] = Route(redirect="javascript:alert(1)")
    with pytest.raises(FetchError, match="refused"):
        fetch(server, "/js")
    server.routes["/file"] = Route(redirect="file:///etc/passwd")
    with pytest.raises(FetchError, match="redirect refused.*'file'"):
        fetch(server, "/file")


def test_per_host_delay(server):
    server.routes["/p"] = Route(body=b"x", validators=False)
    s = Settings(**{**_kw(FAST), "per_host_delay": 0.2})
    t = time.monotonic()
    with Fetcher(s) as f:
        for _ in range(3):
            f.get(server.url("/p"))
    assert time.monotonic() - t >= 0.39
    hits = server.requests()
    assert len(hits) == 3 and hits[2].at - hits[0].at >= 0.3  # server-side times jitter a little


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "javascript:alert(1)", "data:text/html,x", "ftp://h/x", "gopher://h", "http://"],
)
def test_refused_schemes(url):
    assert refuse_scheme(url)
    with Fetcher(FAST) as f, pytest.raises(FetchError, match="refused URL scheme|without a host"):
        f.get(url)


def test_feed_entries_resolve_filter_refuse_and_limit():
    body = rss(
        [
            ("/news/1.html", "Aid to Ukraine"),
            ("https://other.example/2.html#top", "Ukraine package"),
            ("javascript:alert(1)", "Ukraine"),
            ("file:///etc/passwd", "Ukraine"),
            ("/news/3.html", "Budget of the Alliance"),
            ("/news/1.html", "Aid to Ukraine (again)"),
        ]
    )
    entries, refused = feed_entries(body, "http://127.0.0.1:9/feed.xml")
    assert [e.url for e in entries] == [
        "http://127.0.0.1:9/news/1.html", "https://other.example/2.html", "http://127.0.0.1:9/news/3.html",
    ]  # fmt: skip
    assert len(refused) == 2 and "javascript" in refused[0] and "file" in refused[1]
    # the test feed's descriptions all say "Ukraine": filter on the title only via a stricter pattern
    entries, _ = feed_entries(body, "http://127.0.0.1:9/feed.xml", re.compile(r"(?m)^Aid"))
    assert [e.url for e in entries] == ["http://127.0.0.1:9/news/1.html"]
    entries, _ = feed_entries(body, "http://127.0.0.1:9/feed.xml", limit=1)
    assert len(entries) == 1


def test_atom_feed_and_not_a_feed():
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><title>Ukraine</title><link href="https://nato.example/a.htm"/><id>1</id></entry></feed>"""
    assert looks_like_feed(None, atom)
    assert [e.url for e in feed_entries(atom, "https://nato.example/feed")[0]] == [
        "https://nato.example/a.htm"
    ]
    assert not looks_like_feed("text/html", b"<html><body>x</body></html>")
    assert looks_like_feed("application/rss+xml", b"")
    with pytest.raises(FetchError, match="not a readable RSS/Atom feed"):
        feed_entries(b"<html><body><p>no feed", "https://x.example/")


def test_feed_bytes_are_never_taken_for_a_file_name(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_text("<rss><channel><item><link>http://leak.example/</link></item></channel></rss>")
    with pytest.raises(FetchError):
        feed_entries(str(secret).encode(), "https://x.example/")


def test_an_unreachable_host_fails_fast_for_the_rest_of_the_run():
    """Offline (or a site down): the first URL of a host pays the retries, the others fail at
    once instead of each waiting for its own timeouts."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(**{**_kw(FAST), "retries": 2, "backoff": 0.2})
    with Fetcher(settings) as f:
        t = time.monotonic()
        with pytest.raises(FetchError, match="connection failed.*after 3 attempts"):
            f.get(f"http://127.0.0.1:{port}/feed.xml")
        assert time.monotonic() - t >= 0.5  # backoff 0.2 + 0.4
        t = time.monotonic()
        with pytest.raises(FetchError, match="unreachable earlier in this run"):
            f.get(f"http://127.0.0.1:{port}/page.html")
        assert time.monotonic() - t < 0.1
