"""Step 6b of a refresh: bytes → parsed release → announcements, in this process or in workers.

`parse_and_extract` is the unit of work; worker processes (a forkserver that imports
`etl.parse.warm` once, so each worker starts warm) take batches of it through `parse_in_pool`,
which keeps results in input order and falls back to this process when the pool breaks.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from etl.fetch.inputs import Item

log = logging.getLogger("aidtracker.refresh")


def one_line(exc: BaseException | str) -> str:
    """An error as one line of at most 1000 characters (the exception's name when it says nothing)."""
    msg = " ".join(str(exc).split())
    if isinstance(exc, BaseException) and not msg:
        msg = type(exc).__name__
    return msg[:1000]


def parse_and_extract(data: bytes, source: str, content_type: str | None, url: str | None):
    """Bytes → (ReleaseText, announcements) or an error line. Top-level: runs in worker processes."""
    from etl.extract import extract
    from etl.parse import parse_release_bytes

    try:
        release = parse_release_bytes(data, source, content_type, url)
    except Exception as exc:
        return None, [], f"unreadable: {one_line(exc)}"
    try:
        found = extract(release)
    except Exception as exc:  # an extractor bug must not stop the run: the release is retried later
        return None, [], f"extraction failed: {type(exc).__name__}: {one_line(exc)}"
    return release, found, None


def parse_and_extract_many(args: list[tuple]) -> tuple[list[tuple], float]:
    """A batch for a worker process: the results, and the CPU seconds they took."""
    start = time.process_time()
    out = [parse_and_extract(*a) for a in args]
    return out, time.process_time() - start


def with_parse(item: Item, result) -> Item:
    """The item with the result of `parse_and_extract`: "ready", or "failed" with its line."""
    release, found, error = result
    item.data = b""
    if error:
        item.status, item.error = "failed", error
    else:
        item.status, item.release, item.found = "ready", release, found
    return item


def process_pool(workers: int):
    """A pool of `workers` processes, started warm, that end when their parent dies."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["etl.parse.warm"])  # imported and warmed once, before any fork
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


def parse_in_pool(
    procs,
    items: Iterable[Item],
    window: int,
    parse_here: Callable[[Item], Item],
    on_cpu: Callable[[float], None],
    batch_size: int = 8,
) -> Iterator[Item]:
    """Parse+extract in worker processes, `batch_size` releases per task (the per-task overhead
    of a process pool is close to the cost of one small release), results in input order. A
    broken pool (a worker killed, an unpicklable value) falls back to `parse_here`, in this
    process; `on_cpu` gets the CPU seconds each batch took in its worker."""
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
                on_cpu(cpu)
            except Exception as exc:
                log.warning("worker processes failed (%s): parsing in this process", exc)
                broken = True
        for item in batch:
            if item.status != "parse":
                yield item
            elif results is not None:
                yield with_parse(item, next(results))
            else:
                yield parse_here(item)

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
