"""Steps 5 and 6a of a refresh: the sources become inputs, and each input becomes bytes.

`expand` turns the configured sources into `Input`s: files of folders, entries of feeds (fetched
conditionally; on a 304 the entry list stored last time is used), plus the inputs that failed in
earlier runs. `acquire` fetches or reads one input into an `Item`: "skip" when a 304 or an
unchanged body hash says nothing changed, "parse" with the bytes otherwise, "failed" with one line.
Both work for a running `etl.pipeline.Refresh` (its settings, fetcher, loader and stored states),
and record failures through it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from etl.pipeline import Refresh

log = logging.getLogger("aidtracker.refresh")

HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/markdown", "text/x-markdown")
FILE_TYPES = {".html": "text/html", ".htm": "text/html", ".xhtml": "application/xhtml+xml",
              ".txt": "text/plain", ".md": "text/markdown"}  # fmt: skip


@dataclass(slots=True)
class Input:
    """One release to check: a file path or a page URL."""

    source: str  # what `releases.source` holds: absolute path or URL as listed
    kind: str  # "file" or "page"
    publisher: str | None = None
    prefetched: object | None = None  # a `Fetched` already in hand (URL sources)


@dataclass(slots=True)
class Item:
    """An input after fetching and parsing, ready for the loader."""

    input: Input
    status: str  # "skip" (304 / same body), "parse" (bytes to parse), "ready", "failed"
    state: object | None = None  # etl.load.StateUpdate
    data: bytes = b""
    content_type: str | None = None
    url: str | None = None
    release: object | None = None  # ReleaseText
    found: list = field(default_factory=list)
    error: str | None = None


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ordered_map(executor: Executor | None, fn: Callable, items: Iterable, window: int) -> Iterator:
    """`map` in order with at most `window` calls in flight (in-process when no executor)."""
    if executor is None:
        yield from map(fn, items)
        return
    pending: deque[Future] = deque()
    try:
        for x in items:
            pending.append(executor.submit(fn, x))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()


# -- 5. sources to inputs ---------------------------------------------------------------------


def expand(run: Refresh) -> list[Input]:
    """Every input of the run's sources, then the sources that failed before, each once."""
    from etl.fetch.sources import Source, release_files
    from etl.load import failed_sources

    inputs: list[Input] = []
    for src in run.config.sources:
        if run.stopped():
            break
        if src.kind == "path":
            p = Path(src.location)
            if p.is_dir():
                inputs += [Input(str(f), "file", src.publisher) for f in release_files(p)]
            else:  # a missing file is a failed input like any other (reported by the reader)
                inputs.append(Input(str(p), "file", src.publisher))
        elif src.kind == "page":
            inputs.append(Input(src.location, "page", src.publisher))
        else:  # feed, or url = page or feed
            inputs += _expand_url(run, src)
    retry = failed_sources(run.engine, run.settings.max_attempts)
    known = {i.source for i in inputs}
    for source in retry:
        if source in known or run.stopped():
            continue
        known.add(source)
        if source.startswith(("http://", "https://")):  # page or feed: as a URL argument
            inputs += _expand_url(run, Source("url", source))
        else:
            inputs.append(Input(source, "file"))
    unique: dict[str, Input] = {}
    for i in inputs:
        unique.setdefault(i.source, i)
    return list(unique.values())


def _expand_url(run: Refresh, src) -> list[Input]:
    from etl.fetch import FetchError, feed_entries, looks_like_feed
    from etl.load import StateUpdate

    st = run.state_of(src.location)
    etag, lm, body_hash, content, links = st if st else (None, None, None, None, None)
    is_feed = src.kind == "feed"
    # validators only when a 304 can be answered: a feed's stored entries, a page's release
    conditional = links is not None or bool(content)
    try:
        got = run.fetcher.get(src.location, etag if conditional else None, lm if conditional else None)
    except FetchError as exc:
        return _source_failed(run, src, str(exc))
    if got.not_modified:
        if links is not None:
            entries = json.loads(links)
            log.info("feed %s not modified: checking its %d entries", src.describe(), len(entries))
            return [Input(u, "page", src.publisher) for u in entries]
        return [Input(src.location, "page", src.publisher, prefetched=got)]
    if is_feed or looks_like_feed(got.content_type, got.body):
        try:
            limit = min(src.max_entries or run.settings.max_feed_entries, run.settings.max_feed_entries)
            entries, refused = feed_entries(got.body, got.final_url, src.filter, limit)
        except FetchError as exc:
            return _source_failed(run, src, str(exc))
        for line in refused:
            log.warning("%s", line)
            run.note(line)
        urls = [e.url for e in entries]
        state = StateUpdate(src.location, "feed", got.etag, got.last_modified, sha(got.body))
        run.loader.save_state(state, links=json.dumps(urls))
        run.loader.clear_failures(src.location)
        log.info("feed %s: %d entries", src.describe(), len(urls))
        return [Input(u, "page", src.publisher) for u in urls]
    return [Input(src.location, "page", src.publisher, prefetched=got)]


def _source_failed(run: Refresh, src, message: str) -> list[Input]:
    if src.kind == "feed":  # a feed is not a release: the run records it, retries next time
        run.result.feeds_failed += 1
        run.error(src.location, f"feed failed: {message}")
        return []
    run.fail(Input(src.location, "page", src.publisher), message)
    run.result.seen += 1
    return []


# -- 6a. fetch or read ------------------------------------------------------------------------


def acquire(run: Refresh, inp: Input) -> Item:
    """The input's bytes to parse, or why there is nothing to do ("skip") or it "failed"."""
    from etl.load import StateUpdate

    if run.stopped():
        return Item(inp, "failed", error="interrupted")
    st = run.state_of(inp.source)
    etag, lm, body_hash, content, _links = st if st else (None, None, None, None, None)
    if inp.kind == "file":
        return _read_file(run, inp, body_hash, content)

    from etl.fetch import FetchError, looks_like_feed

    got = inp.prefetched
    if got is None:
        try:
            got = run.fetcher.get(inp.source, etag if content else None, lm if content else None)
        except FetchError as exc:
            return Item(inp, "failed", error=str(exc))
    if got.not_modified:
        return Item(inp, "skip")
    state = StateUpdate(inp.source, "page", got.etag, got.last_modified, sha(got.body))
    mime = (got.content_type or "").split(";")[0].strip().lower()
    if mime and mime not in HTML_TYPES:
        if looks_like_feed(got.content_type, got.body):
            return Item(inp, "failed", error="a feed, not a release page (list it as a feed)")
        return Item(inp, "failed", error=f"not a web page: content type {mime}")
    if state.body_hash == body_hash and content:
        return Item(inp, "skip", state=state)
    return Item(inp, "parse", state=state, data=got.body, content_type=got.content_type, url=got.final_url)


def _read_file(run: Refresh, inp: Input, body_hash: str | None, content) -> Item:
    from etl.load import StateUpdate

    path = Path(inp.source)
    max_bytes = run.settings.max_bytes
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Item(inp, "failed", error=f"file larger than {max_bytes} bytes ({size})")
        data = path.read_bytes()
    except FileNotFoundError:
        return Item(inp, "failed", error="no such file or folder")
    except IsADirectoryError:
        return Item(inp, "failed", error="is a folder")
    except OSError as exc:
        return Item(inp, "failed", error=f"cannot read: {exc.strerror or exc}")
    h = sha(data)
    state = StateUpdate(inp.source, "file", body_hash=h)
    if h == body_hash and content:
        return Item(inp, "skip", state=state)
    return Item(inp, "parse", state=state, data=data, content_type=FILE_TYPES.get(path.suffix.lower()))
