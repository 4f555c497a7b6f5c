"""HTTP fetching for the ETL, with the limits a crawler of other people's sites must have.

- only `http` and `https`, on every hop of a redirect chain; at most `max_redirects` hops, loops
  detected;
- timeouts per connect/read (`timeout`) and for the whole response (`total_timeout`, so a server
  that drips one byte a second cannot hold a run);
- a maximum body size counted on the *decoded* bytes: the body is streamed and decompressed here
  in bounded steps, so neither a huge page nor a gzip bomb is ever held in memory;
- retries with exponential backoff on 5xx, 429, timeouts and connection errors (`Retry-After`
  honoured up to 60 s); other 4xx fail at once;
- a delay between two requests to the same host (`per_host_delay`), shared by all threads;
- conditional requests: `If-None-Match` / `If-Modified-Since` from the stored validators; a 304
  comes back as `Fetched(not_modified=True)`;
- an honest User-Agent naming the project.

Every failure is a `FetchError` with one line for the user.
"""

from __future__ import annotations

import email.utils
import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from aidtracker import __version__
from etl.fetch.sources import ALLOWED_SCHEMES, MAX_URL_LENGTH, Settings

USER_AGENT = (
    f"aidtracker/{__version__} (open-source dataset of aid to Ukraine from official press releases; "
    "python-httpx)"
)
REDIRECTS = (301, 302, 303, 307, 308)
RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_RETRY_AFTER = 60.0


class FetchError(Exception):
    """A URL that could not be fetched; `str()` is one line for the user."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        unreachable: bool = False,
    ) -> None:
        super().__init__(" ".join(str(message).split())[:500])
        self.retryable = retryable
        self.retry_after = retry_after
        self.unreachable = unreachable  # no connection at all (DNS, refused, connect timeout)


@dataclass(slots=True)
class Fetched:
    url: str  # the URL asked for
    final_url: str  # after redirects
    not_modified: bool = False
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200


def refuse_scheme(url: str) -> str | None:
    """Why `url` may not be fetched (a one-line reason), or None when it may."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"unparsable URL {url[:200]!r}"
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return f"refused URL scheme {scheme or '(none)'!r} (only http and https): {url[:200]}"
    if not parts.hostname:
        return f"URL without a host: {url[:200]}"
    if len(url) > MAX_URL_LENGTH:
        return f"URL longer than {MAX_URL_LENGTH} characters"
    return None


class _HostPacer:
    """Spaces requests to one host by at least `delay` seconds, across threads."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> None:
        if self.delay <= 0:
            return
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, 0.0))
            self._next[host] = start + self.delay
        if start > now:
            time.sleep(start - now)


class _Decoder:
    """Content-Encoding decoding in bounded steps: never more than `limit` bytes out."""

    def __init__(self, encoding: str, limit: int) -> None:
        enc = [
            e.strip().lower() for e in encoding.split(",") if e.strip() and e.strip().lower() != "identity"
        ]
        if len(enc) > 1:
            raise FetchError(f"unsupported stacked Content-Encoding {encoding!r}")
        self.kind = enc[0] if enc else None
        if self.kind in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.kind == "deflate":
            self._z = zlib.decompressobj()
            self._raw_deflate = True
        elif self.kind is None:
            self._z = None
        else:
            raise FetchError(f"unsupported Content-Encoding {encoding!r}")
        self.limit = limit
        self.out = bytearray()
        self._first = True

    def feed(self, chunk: bytes) -> None:
        if self._z is None:
            self.out += chunk
            self._check()
            return
        data = chunk
        while data:
            room = self.limit + 1 - len(self.out)
            try:
                piece = self._z.decompress(data, room)
            except zlib.error:
                if self.kind == "deflate" and self._first:  # servers that send raw deflate
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first = False
                    continue
                raise FetchError(f"corrupt {self.kind} body") from None
            self._first = False
            self.out += piece
            self._check()
            data = self._z.unconsumed_tail
            if self._z.eof:
                break

    def _check(self) -> None:
        if len(self.out) > self.limit:
            raise FetchError(f"body larger than {self.limit} bytes (decoded); aborted")

    def finish(self) -> bytes:
        if self._z is not None:
            self.out += self._z.flush(self.limit + 1 - len(self.out))
            self._check()
        return bytes(self.out)


class Fetcher:
    """One HTTP client for a run (thread-safe); use as a context manager."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.pacer = _HostPacer(settings.per_host_delay)
        self.requests = 0
        self._unreachable: dict[str, str] = {}  # host -> why: no connection could be made this run
        self.client = httpx.Client(
            follow_redirects=False,  # followed here, to check every hop
            timeout=httpx.Timeout(settings.timeout),
            headers={
                "User-Agent": settings.user_agent or USER_AGENT,
                "Accept-Encoding": "gzip, deflate",
                "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
                "application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
            },
            transport=transport,
            trust_env=False,  # no proxies or .netrc picked up behind the user's back
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """GET with retries; `FetchError` when it cannot be had."""
        reason = refuse_scheme(url)
        if reason:
            raise FetchError(reason)
        host = (urlsplit(url).hostname or "").lower()
        dead = self._unreachable.get(host)
        if dead is not None:  # offline, or the site is down: do not wait for it once per page
            raise FetchError(f"host {host} unreachable earlier in this run ({dead})")
        attempts = self.settings.retries + 1
        delay = self.settings.backoff
        for attempt in range(1, attempts + 1):
            try:
                return self._get_once(url, etag, last_modified)
            except FetchError as exc:
                if not exc.retryable or attempt == attempts:
                    if exc.unreachable:
                        self._unreachable[host] = str(exc)[:200]
                    if attempt > 1:
                        raise FetchError(f"{exc} (after {attempt} attempts)") from None
                    raise
                wait = delay if exc.retry_after is None else min(max(exc.retry_after, 0.0), MAX_RETRY_AFTER)
                time.sleep(wait)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_once(self, url: str, etag: str | None, last_modified: str | None) -> Fetched:
        s = self.settings
        current = url
        seen = {url}
        deadline = time.monotonic() + s.total_timeout
        for _hop in range(s.max_redirects + 1):
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            self.pacer.wait(current)
            self.requests += 1
            try:
                with self.client.stream("GET", current, headers=headers) as r:
                    if r.status_code in REDIRECTS:
                        location = r.headers.get("location")
                        if not location:
                            raise FetchError(f"HTTP {r.status_code} redirect without a Location header")
                        nxt = urljoin(str(r.url), location.strip())
                        reason = refuse_scheme(nxt)
                        if reason:
                            raise FetchError(f"redirect refused: {reason}")
                        if nxt in seen:
                            raise FetchError(f"redirect loop at {nxt[:200]}")
                        seen.add(nxt)
                        current = nxt
                        continue
                    if r.status_code == 304:
                        return Fetched(url, current, not_modified=True, status=304, etag=etag,
                                       last_modified=last_modified)  # fmt: skip
                    if r.status_code in RETRY_STATUSES:
                        raise FetchError(
                            f"HTTP {r.status_code} {r.reason_phrase}",
                            retryable=True,
                            retry_after=_retry_after(r.headers.get("retry-after")),
                        )
                    if r.status_code != 200:
                        raise FetchError(f"HTTP {r.status_code} {r.reason_phrase}".strip())
                    body = self._read_body(r, deadline)
                    return Fetched(
                        url,
                        current,
                        body=body,
                        content_type=r.headers.get("content-type"),
                        etag=r.headers.get("etag"),
                        last_modified=r.headers.get("last-modified"),
                    )
            except httpx.ConnectTimeout as exc:
                raise FetchError(
                    f"timed out ({type(exc).__name__})", retryable=True, unreachable=True
                ) from None
            except httpx.TimeoutException as exc:
                raise FetchError(f"timed out ({type(exc).__name__})", retryable=True) from None
            except httpx.ConnectError as exc:
                msg = f"connection failed: {exc or type(exc).__name__}"
                raise FetchError(msg, retryable=True, unreachable=True) from None
            except httpx.TransportError as exc:
                raise FetchError(f"connection failed: {exc or type(exc).__name__}", retryable=True) from None
            except httpx.InvalidURL as exc:  # raised for a redirect target httpx cannot even parse
                raise FetchError(f"refused: invalid URL or redirect target ({exc})") from None
            except httpx.HTTPError as exc:  # protocol errors...
                raise FetchError(f"{type(exc).__name__}: {exc}") from None
        raise FetchError(f"more than {s.max_redirects} redirects")

    def _read_body(self, r: httpx.Response, deadline: float) -> bytes:
        limit = self.settings.max_bytes
        declared = r.headers.get("content-length")
        encoding = r.headers.get("content-encoding", "")
        if declared and declared.isdigit() and int(declared) > limit and not encoding:
            raise FetchError(f"body larger than {limit} bytes (Content-Length {declared}); not downloaded")
        decoder = _Decoder(encoding, limit)
        for chunk in r.iter_raw():  # as received: a chunk size would buffer up to it
            decoder.feed(chunk)
            if time.monotonic() > deadline:
                raise FetchError(f"response took longer than {self.settings.total_timeout:g} s; aborted",
                                 retryable=True)  # fmt: skip
        return decoder.finish()


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# ---------------------------------------------------------------------------------------------
# feeds


def looks_like_feed(content_type: str | None, body: bytes) -> bool:
    """RSS/Atom/RDF rather than a web page: by content type, else by the document's first tags."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in (
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
    ):
        return True
    if mime in ("text/html", "application/xhtml+xml", "text/plain"):
        return False
    head = body[:4096].lstrip().lower()
    return (b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head) and b"<html" not in head


@dataclass(slots=True)
class FeedEntry:
    url: str
    title: str = ""


def feed_entries(
    body: bytes, base_url: str, pattern=None, limit: int = 200
) -> tuple[list[FeedEntry], list[str]]:
    """(entries whose link may be fetched, refusals): entry links resolved against the feed URL;
    links with another scheme than http(s) refused; `pattern` keeps entries whose title, summary
    or link match; at most `limit` entries, in feed order, no duplicates."""
    import io

    import feedparser

    # a stream, never bytes or str: feedparser would take those for a file name or URL to open
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-location": base_url})
    if not parsed.entries and getattr(parsed, "bozo", False):
        exc = parsed.get("bozo_exception")
        raise FetchError(f"not a readable RSS/Atom feed: {exc or 'no entries'}")
    entries: list[FeedEntry] = []
    refused: list[str] = []
    seen: set[str] = set()
    for e in parsed.entries:
        link = e.get("link") or next((lk.get("href") for lk in e.get("links", []) if lk.get("href")), None)
        if not link:
            continue
        link = urljoin(base_url, link.strip())
        reason = refuse_scheme(link)
        if reason:
            refused.append(" ".join(f"feed {base_url}: entry refused: {reason}".split()))  # one line
            continue
        title = e.get("title", "") or ""
        if pattern is not None and not pattern.search(f"{title}\n{e.get('summary', '')}\n{link}"):
            continue
        link = link.split("#", 1)[0]
        if link in seen:
            continue
        seen.add(link)
        entries.append(FeedEntry(link, title))
        if len(entries) >= limit:
            break
    return entries, refused
