"""`aidtracker refresh`: sources → fetch/read → parse → extract → load, one run at a time.

The run, in order (each step's code is in the stage folder named):

1. take the refresh lock of the database (`etl.lock`; a manual refresh waits up to
   `lock_wait` seconds, default 30 min, for a running one, then gives up with exit code 3);
2. bring the schema to the newest migration (what `aidtracker db upgrade` does);
3. mark runs left `running` by a killed process as `failed` ("interrupted") (`etl.load.runs`);
4. insert this run's `etl_runs` row (`etl.load.runs`);
5. expand the sources into inputs (`etl.fetch.inputs`): files of folders, entries of feeds
   (fetched conditionally; on a 304 the entry list stored last time is used), plus the inputs
   that failed in earlier runs (retried until they failed `max_attempts` times);
6. for each input, in order: fetch or read (`etl.fetch.inputs`, threads; 304 or unchanged body
   hash: done), parse and extract (`etl.parse.workers`: in-process, or worker processes for large
   runs), load in its own transaction (`etl.load.runs`); any failure becomes a failed release row
   and the run goes on;
7. in one transaction: the run's end (status, counts, errors) and `db.rollups.refresh_rollups`.

Exit codes: 0 every input went through; 1 some inputs failed (recorded, retried next run);
2 configuration or database error; 3 another refresh holds the lock; 130 interrupted.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TextIO

from sqlalchemy import Engine, func, select

from etl.fetch.inputs import FILE_TYPES, HTML_TYPES, Input, Item, acquire, expand, ordered_map
from etl.load.runs import (
    data_version,
    extractor_fingerprint,
    finish_run,
    load_item,
    reextract_changed,
    start_run,
)
from etl.parse.workers import (
    one_line,
    parse_and_extract,
    parse_and_extract_many,
    parse_in_pool,
    process_pool,
    with_parse,
)

__all__ = [
    "EXIT_CONFIG", "EXIT_INTERRUPTED", "EXIT_LOCKED", "EXIT_OK", "EXIT_PARTIAL", "FILE_TYPES", "HTML_TYPES",
    "Input", "Item", "Refresh", "RefreshError", "RunResult", "data_version", "extractor_fingerprint",
    "load_samples", "load_samples_if_empty", "parse_and_extract", "parse_and_extract_many",
    "prepare_database", "refresh", "run_refresh",
]  # fmt: skip

log = logging.getLogger("aidtracker.refresh")

EXIT_OK, EXIT_PARTIAL, EXIT_CONFIG, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
MAX_ERRORS_KEPT = 200
AUTO_PARALLEL_MIN_INPUTS = 200


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


def _parse_item(item: Item) -> Item:
    """Parse+extract one item in this process (looked up here, so tests can watch the calls)."""
    if item.status != "parse":
        return item
    return with_parse(item, parse_and_extract(item.data, item.input.source, item.content_type, item.url))


# ---------------------------------------------------------------------------------------------
# the run


class Refresh:
    """One run: what the stages share (settings, fetcher, loader, stored states, the result)."""

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

    # -- bookkeeping, for the stages ------------------------------------------------------------

    def note(self, line: str) -> None:
        """A line for the run's error summary (the first MAX_ERRORS_KEPT are kept)."""
        if len(self.result.errors) < MAX_ERRORS_KEPT:
            self.result.errors.append(line[:2000])

    def error(self, source: str, message: str) -> None:
        line = f"{source}: {message}"
        log.warning("failed: %s", line)
        self.note(line)

    def fail(self, inp: Input, message: str, state=None) -> None:
        """A failed release: recorded in the database (retried next run) and counted."""
        self.loader.record_failure(inp.source, message, state=state)
        self.result.failed += 1
        self.error(inp.source, message)

    def state_of(self, location: str):
        """The stored (etag, last_modified, body_hash, content, links) of a location, or None."""
        from etl.load import location_key

        return self.states.get(location_key(location))

    def stopped(self) -> bool:
        return self._stop.is_set()

    # -- the whole run ---------------------------------------------------------------------------

    def run(self) -> RunResult:
        from db.models import Release
        from etl.fetch import Fetcher
        from etl.load import read_states

        started = time.monotonic()
        self.result.run_id = start_run(self.engine, self.config)
        try:
            with self.engine.connect() as conn:
                self.states = read_states(conn)
                self.failed_before = set(
                    conn.execute(select(Release.source).where(Release.status == "failed")).scalars()
                )
            reextract_changed(self, extractor_fingerprint())
            with Fetcher(self.settings) as self.fetcher:
                self._process(expand(self))
        except BaseException as exc:
            self._stop.set()
            self.result.seconds = time.monotonic() - started
            interrupted = isinstance(exc, KeyboardInterrupt | SystemExit)
            self.result.errors.append("interrupted" if interrupted else f"run aborted: {one_line(exc)}")
            self.result.status = "failed"
            try:
                finish_run(self.engine, self.result)
            except Exception as end_exc:  # the database is gone or full: one line, the next run cleans up
                log.error("could not record the end of run %s: %s", self.result.run_id, one_line(end_exc))
            raise
        r = self.result
        r.seconds = time.monotonic() - started
        if r.failed == 0 and r.feeds_failed == 0:
            r.status = "ok"
        elif r.failed >= r.seen and r.new + r.updated + r.unchanged == 0:
            r.status = "failed"
        else:
            r.status = "partial"
        finish_run(self.engine, r)
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
        procs = process_pool(workers) if workers > 1 else None
        progress = None
        try:
            acquired = ordered_map(threads, partial(acquire, self), inputs, window=max(4, 4 * s.fetch_workers))
            if procs is None:
                parsed = (_parse_item(i) for i in acquired)
            else:
                parsed = parse_in_pool(procs, acquired, 4 * workers, _parse_item, self._add_worker_cpu)
            if self.progress:
                progress = _Progress(len(inputs))
            step = max(1, len(inputs) // 10)
            for n, item in enumerate(parsed, 1):
                load_item(self, item)
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

    def _add_worker_cpu(self, seconds: float) -> None:
        self.result.worker_cpu += seconds


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
