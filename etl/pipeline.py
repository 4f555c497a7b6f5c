"""`aidtracker refresh`: sources → fetch/read → parse → extract → load, one run at a time.

The run, in order:

1. take the refresh lock of the database (`etl.lock`; a manual refresh waits up to
   `lock_wait` seconds, default 30 min, for a running one, then gives up with exit code 3);
2. bring the schema to the newest migration (what `aidtracker db upgrade` does);
3. mark runs left `running` by a killed process as `failed` ("interrupted");
4. insert this run's `etl_runs` row;
5. expand the sources into inputs: files of folders, entries of feeds (fetched conditionally;
   on a 304 the entry list stored last time is used), plus the inputs that failed in earlier runs
   (retried until they failed `max_attempts` times);
6. for each input, in order: fetch or read (threads; 304 or unchanged body hash: done), parse
   and extract (in-process, or worker processes for large runs), load in its own transaction;
   any failure becomes a failed release row and the run goes on;
7. in one transaction: the run's end (status, counts, errors) and `db.rollups.refresh_rollups`.

Exit codes: 0 every input went through; 1 some inputs failed (recorded, retried next run);
2 configuration or database error; 3 another refresh holds the lock; 130 interrupted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine, func, select, update

log = logging.getLogger("aidtracker.refresh")

EXIT_OK, EXIT_PARTIAL, EXIT_CONFIG, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
MAX_ERRORS_KEPT = 200
AUTO_PARALLEL_MIN_INPUTS = 200
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/markdown", "text/x-markdown")
FILE_TYPES = {".html": "text/html", ".htm": "text/html", ".xhtml": "application/xhtml+xml",
              ".txt": "text/plain", ".md": "text/markdown"}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# values


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


@dataclass(slots=True)
class RunResult:
    run_id: int | None = None
    status: str = "running"
    seen: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    added: int = 0
    removed: int = 0
    feeds_failed: int = 0
    worker_cpu: float = 0.0  # CPU seconds spent in worker processes (parse + extract)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.status == "ok" else EXIT_PARTIAL

    def summary(self) -> str:
        feeds = f", {self.feeds_failed} feed(s) failed" if self.feeds_failed else ""
        return (
            f"refresh {self.status}: {self.seen} releases seen, {self.new} new, {self.updated} updated, "
            f"{self.failed} failed{feeds}; {self.added} announcements added, {self.removed} removed "
            f"(run {self.run_id}, {self.seconds:.1f} s)"
        )


class RefreshError(RuntimeError):
    """The run could not start (configuration, database, lock); one line for the user."""

    def __init__(self, message: str, exit_code: int = EXIT_CONFIG) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# ---------------------------------------------------------------------------------------------
# helpers


def _one_line(exc: BaseException | str) -> str:
    msg = " ".join(str(exc).split())
    if isinstance(exc, BaseException) and not msg:
        msg = type(exc).__name__
    return msg[:1000]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _ordered_map(executor: Executor | None, fn: Callable, items: Iterable, window: int) -> Iterator:
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


def extractor_fingerprint() -> str:
    """A hash of the extractor's code and lexicons (etl/extract/**/*.py, *.toml): it changes
    when an upgrade changes what extraction can find."""
    import etl.extract

    root = Path(etl.extract.__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".toml") and p.is_file()):
        h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def parse_and_extract(data: bytes, source: str, content_type: str | None, url: str | None):
    """Bytes → (ReleaseText, announcements) or an error line. Top-level: runs in worker processes."""
    from etl.extract import extract
    from etl.parse import parse_release_bytes

    try:
        release = parse_release_bytes(data, source, content_type, url)
    except Exception as exc:
        return None, [], f"unreadable: {_one_line(exc)}"
    try:
        found = extract(release)
    except Exception as exc:  # an extractor bug must not stop the run: the release is retried later
        return None, [], f"extraction failed: {type(exc).__name__}: {_one_line(exc)}"
    return release, found, None


def parse_and_extract_many(args: list[tuple]) -> tuple[list[tuple], float]:
    """A batch for a worker process: the results, and the CPU seconds they took."""
    start = time.process_time()
    out = [parse_and_extract(*a) for a in args]
    return out, time.process_time() - start


def _parse_item(item: Item) -> Item:
    if item.status != "parse":
        return item
    release, found, error = parse_and_extract(item.data, item.input.source, item.content_type, item.url)
    return _with_parse(item, (release, found, error))


def _with_parse(item: Item, result) -> Item:
    release, found, error = result
    item.data = b""
    if error:
        item.status, item.error = "failed", error
    else:
        item.status, item.release, item.found = "ready", release, found
    return item


def _process_pool(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["etl.worker"])  # imported and warmed once, before any fork
    else:
        ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_worker_init, initargs=(os.getpid(),)
    )


def _worker_init(parent: int) -> None:
    # Ctrl-C reaches the whole process group: the parent decides, workers just stop when told
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A parent killed with SIGKILL cannot tell its workers; they hold their task queue open
    # themselves, so they would wait on it forever. A watchdog ends them when the parent is gone.
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="parent-watchdog").start()


def _watch_parent(parent: int, every: float = 1.0) -> None:
    while True:
        time.sleep(every)
        if not _alive(parent):
            os._exit(0)


def _alive(pid: int) -> bool:
    """Whether `pid` still runs: not gone, not someone else's (reused pid), not a zombie (killed,
    waiting for its own parent to reap it)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):  # no /proc (macOS...): os.kill's answer is all there is
        return True
    return state not in (b"Z", b"X")


# ---------------------------------------------------------------------------------------------
# the run


class Refresh:
    def __init__(
        self, engine: Engine, config, *, progress: bool | None = None, out: TextIO | None = None, lock=None
    ) -> None:
        from etl.load import Loader

        self.lock = lock  # checked before each write: a lost lock stops the run (etl.lock.LockLost)
        self.engine = engine
        self.config = config
        self.settings = config.settings
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.out = out
        self.result = RunResult()
        self.loader = Loader(engine)
        self.states: dict[str, tuple] = {}
        self.failed_before: set[str] = set()
        self.fetcher = None
        self._stop = threading.Event()

    # -- bookkeeping ------------------------------------------------------------------------

    def _error(self, source: str, message: str) -> None:
        line = f"{source}: {message}"
        log.warning("failed: %s", line)
        if len(self.result.errors) < MAX_ERRORS_KEPT:
            self.result.errors.append(line[:2000])

    def _state(self, location: str):
        from etl.load import location_key

        return self.states.get(location_key(location))

    def _fail(self, inp: Input, message: str, state=None) -> None:
        self.loader.record_failure(inp.source, message, state=state)
        self.result.failed += 1
        self._error(inp.source, message)

    # -- 5. sources to inputs ---------------------------------------------------------------

    def expand(self) -> list[Input]:
        from etl.fetch.sources import release_files
        from etl.load import failed_sources

        inputs: list[Input] = []
        for src in self.config.sources:
            if self._stop.is_set():
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
                inputs += self._expand_url(src)
        retry = failed_sources(self.engine, self.settings.max_attempts)
        known = {i.source for i in inputs}
        for source in retry:
            if source in known or self._stop.is_set():
                continue
            known.add(source)
            if source.startswith(("http://", "https://")):  # page or feed: as a URL argument
                from etl.fetch.sources import Source

                inputs += self._expand_url(Source("url", source))
            else:
                inputs.append(Input(source, "file"))
        unique: dict[str, Input] = {}
        for i in inputs:
            unique.setdefault(i.source, i)
        return list(unique.values())

    def _expand_url(self, src) -> list[Input]:
        from etl.fetch import FetchError, feed_entries, looks_like_feed
        from etl.load import StateUpdate

        st = self._state(src.location)
        etag, lm, body_hash, content, links = st if st else (None, None, None, None, None)
        is_feed = src.kind == "feed"
        # validators only when a 304 can be answered: a feed's stored entries, a page's release
        conditional = links is not None or bool(content)
        try:
            got = self.fetcher.get(src.location, etag if conditional else None, lm if conditional else None)
        except FetchError as exc:
            return self._source_failed(src, str(exc))
        if got.not_modified:
            if links is not None:
                entries = json.loads(links)
                log.info("feed %s not modified: checking its %d entries", src.describe(), len(entries))
                return [Input(u, "page", src.publisher) for u in entries]
            return [Input(src.location, "page", src.publisher, prefetched=got)]
        if is_feed or looks_like_feed(got.content_type, got.body):
            try:
                limit = min(src.max_entries or self.settings.max_feed_entries, self.settings.max_feed_entries)
                entries, refused = feed_entries(got.body, got.final_url, src.filter, limit)
            except FetchError as exc:
                return self._source_failed(src, str(exc))
            for line in refused:
                log.warning("%s", line)
                if len(self.result.errors) < MAX_ERRORS_KEPT:
                    self.result.errors.append(line)
            urls = [e.url for e in entries]
            state = StateUpdate(src.location, "feed", got.etag, got.last_modified, _sha(got.body))
            self.loader.save_state(state, links=json.dumps(urls))
            self.loader.clear_failures(src.location)
            log.info("feed %s: %d entries", src.describe(), len(urls))
            return [Input(u, "page", src.publisher) for u in urls]
        return [Input(src.location, "page", src.publisher, prefetched=got)]

    def _source_failed(self, src, message: str) -> list[Input]:
        if src.kind == "feed":  # a feed is not a release: the run records it, retries next time
            self.result.feeds_failed += 1
            self._error(src.location, f"feed failed: {message}")
            return []
        self._fail(Input(src.location, "page", src.publisher), message)
        self.result.seen += 1
        return []

    # -- 6a. fetch or read --------------------------------------------------------------------

    def acquire(self, inp: Input) -> Item:
        from etl.load import StateUpdate

        if self._stop.is_set():
            return Item(inp, "failed", error="interrupted")
        st = self._state(inp.source)
        etag, lm, body_hash, content, _links = st if st else (None, None, None, None, None)
        if inp.kind == "file":
            path = Path(inp.source)
            try:
                size = path.stat().st_size
                if size > self.settings.max_bytes:
                    return Item(
                        inp, "failed", error=f"file larger than {self.settings.max_bytes} bytes ({size})"
                    )
                data = path.read_bytes()
            except FileNotFoundError:
                return Item(inp, "failed", error="no such file or folder")
            except IsADirectoryError:
                return Item(inp, "failed", error="is a folder")
            except OSError as exc:
                return Item(inp, "failed", error=f"cannot read: {exc.strerror or exc}")
            h = _sha(data)
            state = StateUpdate(inp.source, "file", body_hash=h)
            if h == body_hash and content:
                return Item(inp, "skip", state=state)
            return Item(
                inp, "parse", state=state, data=data, content_type=FILE_TYPES.get(path.suffix.lower())
            )

        from etl.fetch import FetchError, looks_like_feed

        got = inp.prefetched
        if got is None:
            try:
                got = self.fetcher.get(inp.source, etag if content else None, lm if content else None)
            except FetchError as exc:
                return Item(inp, "failed", error=str(exc))
        if got.not_modified:
            return Item(inp, "skip")
        state = StateUpdate(inp.source, "page", got.etag, got.last_modified, _sha(got.body))
        mime = (got.content_type or "").split(";")[0].strip().lower()
        if mime and mime not in HTML_TYPES:
            if looks_like_feed(got.content_type, got.body):
                return Item(inp, "failed", error="a feed, not a release page (list it as a feed)")
            return Item(inp, "failed", error=f"not a web page: content type {mime}")
        if state.body_hash == body_hash and content:
            return Item(inp, "skip", state=state)
        return Item(
            inp, "parse", state=state, data=got.body, content_type=got.content_type, url=got.final_url
        )

    # -- 6c. load -------------------------------------------------------------------------------

    def load(self, item: Item) -> None:
        r = self.result
        r.seen += 1
        inp = item.input
        if item.status == "failed":
            self._fail(inp, item.error or "failed", state=item.state)
            return
        if item.status == "skip":
            r.unchanged += 1
            if inp.source in self.failed_before:  # failed last time, unchanged since the good version
                self.loader.clear_failures(inp.source)
            st = self._state(inp.source)
            if item.state is not None and st and (item.state.etag, item.state.last_modified) != st[:2]:
                self.loader.save_state(item.state, content=st[3], keep_links=True)
            return
        if self.lock is not None:
            self.lock.check()
        try:
            res = self.loader.load(
                inp.source, item.release, item.found, item.state, publisher_hint=inp.publisher
            )
        except Exception as exc:  # a database refusal for this release only (e.g. a value out of range)
            log.debug("load failed", exc_info=True)
            self._fail(inp, f"could not be stored: {type(exc).__name__}: {_one_line(exc)}", state=item.state)
            return
        if res.outcome == "new":
            r.new += 1
        elif res.outcome == "updated":
            r.updated += 1
        else:
            r.unchanged += 1
        r.added += res.added
        r.removed += res.removed
        if res.outcome in ("new", "updated") and not self.progress:  # the bar shows progress on a terminal
            log.info("%s %s: %d announcements", res.outcome, inp.source, res.added)

    # -- re-extraction after an extractor change -------------------------------------------------

    def reextract_if_needed(self) -> None:
        """When the extractor changed since the stored announcements were made (its fingerprint:
        the code and lexicons of etl/extract), extract every current release again from its
        stored text (no fetching) and replace its announcements where they differ. Interrupted,
        it starts over next run (the fingerprint is saved last); unchanged pages are otherwise
        skipped by their validators and body hashes and would keep the old extractor's rows."""
        from db.models import Release as R
        from etl.extract import extract
        from etl.types import ReleaseText

        fingerprint = extractor_fingerprint()
        if self.loader.fingerprint() == fingerprint:
            return
        with self.engine.connect() as conn:
            ids = (
                conn.execute(select(R.id).where(R.is_current.is_(True), R.status == "ok").order_by(R.id))
                .scalars()
                .all()
            )
        if ids:
            log.info("the extractor changed: extracting %d stored releases again", len(ids))
        changed = 0
        for rid in ids:
            if self._stop.is_set():
                return
            with self.engine.connect() as conn:
                row = conn.execute(
                    select(
                        R.source, R.raw_text, R.published, R.language, R.publisher, R.title, R.canonical_url
                    ).where(R.id == rid)
                ).one()
            release = ReleaseText(source=row.source, text=row.raw_text or "", published=row.published,
                                  language=row.language, publisher=row.publisher, title=row.title,
                                  source_url=row.canonical_url)  # fmt: skip
            try:
                found = extract(release)
            except Exception as exc:  # keep the old rows; the release is tried again next run
                self._error(row.source, f"extraction failed: {type(exc).__name__}: {_one_line(exc)}")
                return
            res = self.loader.reextract(rid, release, found)
            if res.outcome == "updated":
                changed += 1
                self.result.updated += 1
                self.result.added += res.added
                self.result.removed += res.removed
        if ids:
            log.info("re-extraction done: %d of %d releases changed", changed, len(ids))
        self.loader.save_fingerprint(fingerprint)

    # -- the whole run ---------------------------------------------------------------------------

    def run(self) -> RunResult:
        from db.models import Release
        from etl.fetch import Fetcher
        from etl.load import read_states

        started = time.monotonic()
        self.result.run_id = _start_run(self.engine, self.config)
        try:
            with self.engine.connect() as conn:
                self.states = read_states(conn)
                self.failed_before = set(
                    conn.execute(select(Release.source).where(Release.status == "failed")).scalars()
                )
            self.reextract_if_needed()
            with Fetcher(self.settings) as self.fetcher:
                inputs = self.expand()
                self._process(inputs)
        except BaseException as exc:
            self._stop.set()
            self.result.seconds = time.monotonic() - started
            interrupted = isinstance(exc, KeyboardInterrupt | SystemExit)
            self.result.errors.append("interrupted" if interrupted else f"run aborted: {_one_line(exc)}")
            self.result.status = "failed"
            try:
                _finish_run(self.engine, self.result)
            except Exception as end_exc:  # the database is gone or full: one line, the next run cleans up
                log.error("could not record the end of run %s: %s", self.result.run_id, _one_line(end_exc))
            raise
        r = self.result
        r.seconds = time.monotonic() - started
        if r.failed == 0 and r.feeds_failed == 0:
            r.status = "ok"
        elif r.failed >= r.seen and r.new + r.updated + r.unchanged == 0:
            r.status = "failed"
        else:
            r.status = "partial"
        _finish_run(self.engine, r)
        return r

    def _process(self, inputs: list[Input]) -> None:
        s = self.settings
        workers = s.parse_workers
        if workers == 0:  # worker processes pay off for many local files; pages wait on the network
            files = sum(1 for i in inputs if i.kind == "file")
            workers = min(4, os.cpu_count() or 1) if files >= AUTO_PARALLEL_MIN_INPUTS else 1
        # threads pay off for network fetches; local files are read faster in line (no GIL handoffs)
        remote = any(i.kind == "page" and i.prefetched is None for i in inputs)
        threads = None
        if remote and s.fetch_workers > 1:
            threads = ThreadPoolExecutor(max_workers=s.fetch_workers, thread_name_prefix="fetch")
        procs = _process_pool(workers) if workers > 1 else None
        progress = None
        try:
            acquired = _ordered_map(threads, self.acquire, inputs, window=max(4, 4 * s.fetch_workers))
            if procs is None:
                parsed = (_parse_item(i) for i in acquired)
            else:
                parsed = self._parse_in_pool(procs, acquired, window=4 * workers)
            if self.progress:
                progress = _Progress(len(inputs))
            step = max(1, len(inputs) // 10)
            for n, item in enumerate(parsed, 1):
                self.load(item)
                if progress is not None:
                    progress.advance(item.input.source)
                elif n % step == 0 and len(inputs) >= 20:
                    log.info("progress: %d/%d inputs", n, len(inputs))
        finally:
            self._stop.set()
            if progress is not None:
                progress.close()
            if threads is not None:
                threads.shutdown(wait=True, cancel_futures=True)
            if procs is not None:
                procs.shutdown(wait=True, cancel_futures=True)

    def _parse_in_pool(
        self, procs, items: Iterable[Item], window: int, batch_size: int = 8
    ) -> Iterator[Item]:
        """Parse+extract in worker processes, `batch_size` releases per task (the per-task
        overhead of a process pool is close to the cost of one small release), results in input
        order. A broken pool (a worker killed, an unpicklable value) falls back to this process."""
        pending: deque[tuple[list[Item], Future | None]] = deque()
        broken = False

        def submit(batch: list[Item]) -> None:
            nonlocal broken
            args = [(i.data, i.input.source, i.content_type, i.url) for i in batch if i.status == "parse"]
            fut = None
            if args and not broken:
                try:
                    fut = procs.submit(parse_and_extract_many, args)
                except Exception as exc:  # BrokenProcessPool, shut down...
                    log.warning("worker processes unavailable (%s): parsing in this process", exc)
                    broken = True
            pending.append((batch, fut))

        def done(entry) -> Iterator[Item]:
            nonlocal broken
            batch, fut = entry
            results = None
            if fut is not None:
                try:
                    batch_results, cpu = fut.result()
                    results = iter(batch_results)
                    self.result.worker_cpu += cpu
                except Exception as exc:
                    log.warning("worker processes failed (%s): parsing in this process", exc)
                    broken = True
            for item in batch:
                if item.status != "parse":
                    yield item
                elif results is not None:
                    yield _with_parse(item, next(results))
                else:
                    yield _parse_item(item)

        batch: list[Item] = []
        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                submit(batch)
                batch = []
            while len(pending) > window:
                yield from done(pending.popleft())
        if batch:
            submit(batch)
        while pending:
            yield from done(pending.popleft())


class _Progress:
    def __init__(self, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.p = Progress(
            TextColumn("refresh"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            TextColumn("[dim]{task.description}"), transient=True,
        )  # fmt: skip
        self.p.start()
        self.task = self.p.add_task("", total=total)

    def advance(self, what: str) -> None:
        name = what.rstrip("/").rsplit("/", 1)[-1] or what
        self.p.update(self.task, advance=1, description=name[-40:])

    def close(self) -> None:
        self.p.stop()


def _start_run(engine: Engine, config) -> int:
    from db.models import EtlRun
    from etl.load import utcnow

    described = [s.describe() for s in config.sources]
    with engine.begin() as conn:
        conn.execute(
            update(EtlRun)
            .where(EtlRun.status == "running")
            .values(
                status="failed",
                finished_at=utcnow(),
                error_summary="interrupted: the process ended before the run finished",
            )  # fmt: skip
        )
        return conn.execute(
            EtlRun.__table__.insert().values(
                started_at=utcnow(),
                status="running",
                sources="\n".join(described)[:20000],
                releases_seen=0,
                releases_new=0,
                releases_updated=0,
                releases_failed=0,
                announcements_added=0,
                announcements_removed=0,
            )  # fmt: skip
        ).inserted_primary_key[0]


def _finish_run(engine: Engine, r: RunResult) -> None:
    from db.models import EtlRun
    from db.rollups import refresh_rollups
    from etl.load import utcnow

    values = dict(
        finished_at=utcnow(), status=r.status, releases_seen=r.seen, releases_new=r.new,
        releases_updated=r.updated, releases_failed=r.failed, announcements_added=r.added,
        announcements_removed=r.removed, error_summary="\n".join(r.errors)[:20000] or None,
    )  # fmt: skip
    try:
        with engine.begin() as conn:
            refresh_rollups(conn)
            conn.execute(update(EtlRun).where(EtlRun.id == r.run_id).values(**values))
    except Exception as exc:  # rollups failed: record the run anyway, as failed
        log.error("rollups could not be refreshed: %s", _one_line(exc))
        r.status = "failed"
        values.update(
            status="failed",
            error_summary=(f"rollups failed: {_one_line(exc)}\n" + (values["error_summary"] or ""))[:20000],
        )
        with engine.begin() as conn:
            conn.execute(update(EtlRun).where(EtlRun.id == r.run_id).values(**values))


# ---------------------------------------------------------------------------------------------
# entry points


def prepare_database(engine: Engine) -> None:
    """`aidtracker db upgrade` semantics: bring the schema to head when it is not there."""
    from db.engine import current_revision, head_revision, upgrade

    if current_revision(engine) != head_revision():
        upgrade(engine)


def refresh(engine: Engine, config, *, lock_wait: float | None = None, progress: bool | None = None,
            on_wait: Callable[[str], None] | None = None) -> RunResult:  # fmt: skip
    """One locked run. `RefreshError(exit_code=3)` when the lock is not had within `lock_wait`."""
    from etl.lock import RefreshLock

    wait = config.settings.lock_wait if lock_wait is None else lock_wait
    lock = RefreshLock(engine)
    if not lock.acquire(wait, on_wait=on_wait):
        raise RefreshError(
            f"another refresh is running ({lock.holder()}); gave up after {wait:g} s", EXIT_LOCKED
        )
    try:
        prepare_database(engine)
        return Refresh(engine, config, progress=progress, lock=lock).run()
    finally:
        lock.release()


def _setup_logging(quiet: bool = False) -> None:
    root = logging.getLogger()
    if root.handlers:
        return
    handler: logging.Handler
    if sys.stderr.isatty():
        from rich.logging import RichHandler

        handler = RichHandler(show_path=False, markup=False, rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("aidtracker").setLevel(logging.WARNING if quiet else logging.INFO)
    logging.getLogger("etl").setLevel(logging.WARNING if quiet else logging.INFO)
    for noisy in ("httpx", "httpcore", "trafilatura", "htmldate", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


class _Terminated(KeyboardInterrupt):
    pass


def _raise_terminated(signum, frame):
    raise _Terminated()


def run_refresh(sources: list[str], *, engine: Engine | None = None, out: TextIO | None = None,
                err: TextIO | None = None) -> int:  # fmt: skip
    """The `aidtracker refresh` command: prints the one-line summary, returns the exit code."""
    from sqlalchemy.exc import SQLAlchemyError

    from aidtracker.settings import database_url, redact_url
    from db.engine import make_engine
    from etl.fetch.sources import SourcesError, resolve
    from etl.lock import LockLost

    out = out or sys.stdout
    err = err or sys.stderr
    _setup_logging()
    try:
        config = resolve(sources)
    except SourcesError as exc:
        err.write(f"aidtracker refresh: {exc}\n")
        return EXIT_CONFIG
    own_engine = engine is None
    engine = engine or make_engine()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_terminated)  # systemd stop: a clean end
    try:
        result = refresh(
            engine, config,
            on_wait=lambda who: err.write(
                f"aidtracker refresh: waiting for the running refresh to finish ({who}); "
                f"giving up after {config.settings.lock_wait:g} s\n"
            ),
        )  # fmt: skip
    except RefreshError as exc:
        err.write(f"aidtracker refresh: {exc}\n")
        return exc.exit_code
    except LockLost as exc:
        err.write(f"aidtracker refresh: {exc}; stopped before writing more, the next run finishes\n")
        return EXIT_CONFIG
    except KeyboardInterrupt:
        err.write("aidtracker refresh: interrupted; the releases loaded so far are kept\n")
        return EXIT_INTERRUPTED
    except SQLAlchemyError as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        err.write(f"aidtracker refresh: database {redact_url(database_url())} unavailable: {first}\n")
        return EXIT_CONFIG
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if own_engine:
            engine.dispose()
    out.write(result.summary() + "\n")
    out.flush()
    return result.exit_code


def load_samples(engine: Engine | None = None, *, lock_wait: float = 600.0) -> RunResult:
    """Load the bundled sample releases (no network); what `aidtracker serve` does on an empty
    database. Idempotent, locked like any refresh, upgrades the schema first."""
    from db.engine import default_engine
    from etl.fetch.sources import Settings, Source, SourcesConfig, samples_dir

    config = SourcesConfig(settings=Settings(parse_workers=1),
                           sources=[Source("path", str(samples_dir()), name="bundled sample releases")])  # fmt: skip
    return refresh(engine or default_engine(), config, lock_wait=lock_wait, progress=False)


def load_samples_if_empty(engine: Engine | None = None) -> RunResult | None:
    """`load_samples` when the database has no release yet (schema upgraded either way)."""
    from db.engine import default_engine
    from db.models import Release

    engine = engine or default_engine()
    prepare_database(engine)
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(Release)).scalar():
            return None
    return load_samples(engine)


def data_version(engine_or_conn) -> int:
    """A number that changes whenever a finished refresh changed the data: the id of the latest
    such run (0 when none). One indexed query; meant for cache keys of the dashboard."""
    from sqlalchemy import Connection, or_

    from db.models import EtlRun

    q = select(func.max(EtlRun.id)).where(
        EtlRun.finished_at.is_not(None),
        or_(
            EtlRun.releases_new > 0,
            EtlRun.releases_updated > 0,
            EtlRun.announcements_added > 0,
            EtlRun.announcements_removed > 0,
        ),  # fmt: skip
    )
    if isinstance(engine_or_conn, Connection):
        return engine_or_conn.execute(q).scalar() or 0
    with engine_or_conn.connect() as conn:
        return conn.execute(q).scalar() or 0
