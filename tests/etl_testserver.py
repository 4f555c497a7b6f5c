"""Test support for the ETL tests: a local HTTP server on 127.0.0.1 that serves release pages built
from the corpus and a feed listing them, with misbehaving routes; a fake extractor that returns
the corpus's expected.json rows; and a runner to use that extractor in child processes.

Run as a script: `python tests/etl_testserver.py refresh ...` is `aidtracker refresh ...` with
the expected.json extractor (when AIDTRACKER_TEST_FAKE_EXTRACT=1) so child-process tests do not
depend on the extractor under development.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "etl" / "samples"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------------------------------------
# corpus → HTML


def read_corpus_file(path: Path) -> tuple[dict[str, str], str]:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    head, sep, body = text.partition("\n---\n")
    if sep:
        for line in head.splitlines():
            k, _, v = line.partition(":")
            header[k.strip()] = v.strip()
    else:
        body = text
    return header, body.strip()


def corpus_html(path: Path, extra: str = "") -> bytes:
    """A realistic page: menu, cookie banner, article with the corpus text, footer."""
    header, body = read_corpus_file(path)
    lang = header.get("language", "en")
    lines = [ln.strip() for ln in body.split("\n") if ln.strip()]
    title = lines[0] if lines else path.stem
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in lines[1:])
    if extra:
        paras += f"\n<p>{html.escape(extra)}</p>"
    doc = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta property="og:site_name" content="{html.escape(header.get("publisher", "Test"))}">
<meta property="article:published_time" content="{header.get("published", "")}">
</head><body>
<nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<div id="cookie-banner">We use cookies. <button>Accept</button></div>
<main><article><h1>{html.escape(title)}</h1>
<p class="date">{header.get("published", "")}</p>
{paras}
</article></main>
<footer class="footer">Contact | Privacy | Terms</footer>
</body></html>"""
    return doc.encode("utf-8")


def corpus_files() -> list[Path]:
    return sorted((SAMPLES / "releases").glob("*.txt"))


def rss(items: list[tuple[str, str]], title: str = "Test feed") -> bytes:
    entries = "\n".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(link)}</link>"
        f"<description>{html.escape(t)} Ukraine</description></item>"
        for link, t in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{title}</title>'
        f"<link>http://127.0.0.1/</link><description>t</description>\n{entries}\n</channel></rss>"
    ).encode()


# ---------------------------------------------------------------------------------------------
# the server


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    fail_times: int = 0  # answer 500 this many times first
    validators: bool = True  # send ETag / Last-Modified and honour conditional requests
    redirect: str | None = None
    raw_gzip: bool = False  # body is already gzip-compressed (Content-Encoding: gzip)
    drip: float = 0.0  # seconds between 10-byte pieces of the body (a slow-drip server)


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    status: int
    at: float


class TestServer:
    __test__ = False  # not a test class

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                server._handle(self)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # clients that hang up: expected here
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests(self, since: int = 0) -> list[Hit]:
        with self._lock:
            return list(self.hits[since:])

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path
        route = self.routes.get(path)
        headers = {k.lower(): v for k, v in h.headers.items()}
        status = 404 if route is None else route.status
        body = b"not found"
        out_headers: dict[str, str] = {"Content-Type": "text/plain"}
        if route is not None:
            if route.delay:
                time.sleep(route.delay)
            if route.fail_times > 0:
                route.fail_times -= 1
                status, body = 500, b"server error"
            elif route.redirect is not None:
                status, body = 302, b""
                out_headers = {"Location": route.redirect}
            else:
                body = route.body
                out_headers = {"Content-Type": route.content_type, **route.headers}
                if route.raw_gzip:
                    out_headers["Content-Encoding"] = "gzip"
                if route.validators and status == 200:
                    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
                    out_headers["ETag"] = etag
                    out_headers["Last-Modified"] = formatdate(1_700_000_000, usegmt=True)
                    if headers.get("if-none-match") == etag:
                        status, body = 304, b""
        with self._lock:
            self.hits.append(Hit(path, headers, status, time.monotonic()))
        try:
            h.send_response(status)
            for k, v in out_headers.items():
                h.send_header(k, v)
            if status != 304:
                h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if status != 304 and body:
                if route is not None and route.drip:
                    for i in range(0, len(body), 10):
                        h.wfile.write(body[i : i + 10])
                        h.wfile.flush()
                        time.sleep(route.drip)
                else:
                    h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # -- corpus content ----------------------------------------------------------------------

    def add_corpus(self, files: list[Path], feed_path: str = "/feed.xml", delay: float = 0.0) -> list[str]:
        """Serve the files as pages `/page/<stem>.html` and list them in a feed; their URLs."""
        urls = []
        for f in files:
            p = f"/page/{f.stem}.html"
            self.routes[p] = Route(body=corpus_html(f), delay=delay)
            urls.append(self.url(p))
        self.set_feed(feed_path, urls)
        return urls

    def set_feed(self, feed_path: str, urls: list[str]) -> None:
        self.routes[feed_path] = Route(
            body=rss([(u, u.rsplit("/", 1)[-1]) for u in urls]), content_type="application/rss+xml"
        )


def gzip_bomb(decoded_size: int) -> bytes:
    return gzip.compress(b"\0" * decoded_size, compresslevel=9)


# ---------------------------------------------------------------------------------------------
# a fake extractor: the expected.json rows of the release's corpus file


_EXPECTED: dict[str, list[dict]] | None = None
_STEM = re.compile(r"(\d{3}_[a-z-]+_[a-z]{2}_\d{4}-\d{2}-\d{2})")


def expected_rows() -> dict[str, list[dict]]:
    global _EXPECTED
    if _EXPECTED is None:
        data = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
        _EXPECTED = {Path(e["file"]).stem: e["announcements"] for e in data}
    return _EXPECTED


def expected_extract(release):
    """Announcements of the corpus file named in `release.source` (none for other releases)."""
    from etl.extract.donors import code_for
    from etl.types import Announcement

    m = _STEM.search(release.source)
    rows = expected_rows().get(m.group(1), []) if m else []
    out = []
    for r in rows:
        code = code_for(r["donor"]) or r["donor"]
        out.append(
            Announcement(
                release=release.source,
                donor=r["donor"],
                donor_code=code,
                recipient="Ukraine",
                recipient_code="UKR",
                category=r["category"],
                group="",
                item=r["item"],
                quantity=r.get("quantity"),
                value=r.get("value"),
                currency=r.get("currency"),
                date=r["date"],
                evidence=r.get("evidence", ""),
                confidence=0.4 if r.get("ambiguous") else 0.9,
            )  # fmt: skip
        )
    return out


def install_fake_extractor() -> None:
    import etl.extract

    etl.extract.extract = expected_extract


if __name__ == "__main__":
    if os.environ.get("AIDTRACKER_TEST_FAKE_EXTRACT") == "1":
        install_fake_extractor()
    from aidtracker.cli import main

    sys.argv[0] = "aidtracker"
    main()
