"""`aidtracker schedule --every 6h`: refresh forever, one run at a time.

- Each tick runs one refresh under the database's refresh lock (`etl.lock`). When another
  refresh holds it (a manual `aidtracker refresh`, a second scheduler), this tick is skipped
  with a log line, not queued: the running refresh is doing the same work.
- Ticks are spaced from the *start* of the previous one; a run longer than the interval is
  followed by the next one at once, never by two at the same time.
- A failed run (database down, a bug, a bad sources file) is logged and the next tick comes as
  planned. The sources file is read again at every tick, so edits need no restart.
- Ctrl-C (SIGINT) or SIGTERM stop it cleanly: a run in progress ends its current release's
  transaction (or rolls it back), records itself as interrupted and releases the lock.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import signal
import sys
import threading
import time
from typing import TextIO

log = logging.getLogger("aidtracker.schedule")

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.I)
MIN_INTERVAL = 1.0


class DurationError(ValueError):
    pass


def parse_duration(text: str) -> float:
    """Seconds in a duration: "90s", "30m", "6h", "1d", "1w", or combined as "1h30m"; a bare
    number is seconds."""
    s = (text or "").strip().lower()
    hint = "use a number with a unit: 90s, 30m, 6h, 1d (or combined, 1h30m)"
    if not s:
        raise DurationError(f"empty duration: {hint}")
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        seconds = float(s)
    else:
        pos = 0
        seconds = 0.0
        for m in _PART.finditer(s):
            if s[pos : m.start()].strip():
                raise DurationError(f"invalid duration {text!r}: {hint}")
            seconds += float(m.group(1)) * UNITS[m.group(2)]
            pos = m.end()
        if pos == 0 or s[pos:].strip():
            raise DurationError(f"invalid duration {text!r}: {hint}")
    if seconds < MIN_INTERVAL:
        raise DurationError(f"duration {text!r} is too short: at least {MIN_INTERVAL:g} s")
    return seconds


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def run_schedule(
    every: str,
    sources: list[str],
    *,
    engine=None,
    max_runs: int | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    from db.engine import make_engine
    from etl.fetch.sources import SourcesError, resolve
    from etl.pipeline import EXIT_LOCKED, RefreshError, _setup_logging, refresh

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        interval = parse_duration(every)
    except DurationError as exc:
        err.write(f"aidtracker schedule: {exc}\n")
        return 2
    _setup_logging()
    own_engine = engine is None
    engine = engine or make_engine()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    runs = 0
    log.info("refreshing every %s (%g s); Ctrl-C to stop", every, interval)
    try:
        while True:
            started = time.monotonic()
            try:
                config = resolve(sources)
                result = refresh(engine, config, lock_wait=0, progress=False)
                out.write(result.summary() + "\n")
                out.flush()
            except RefreshError as exc:
                if exc.exit_code == EXIT_LOCKED:
                    log.warning("skipped: %s", exc)
                else:
                    log.error("run failed: %s", exc)
            except SourcesError as exc:
                log.error("run skipped: %s", exc)
            except Exception as exc:  # survive anything a run throws; the next tick tries again
                log.error("run failed: %s: %s", type(exc).__name__, " ".join(str(exc).split())[:500])
                log.debug("traceback", exc_info=True)
            runs += 1
            if max_runs is not None and runs >= max_runs:
                return 0
            wait = max(0.0, started + interval - time.monotonic())
            when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait)
            log.info("next refresh at %s", when.strftime("%Y-%m-%d %H:%M:%S UTC"))
            time.sleep(wait)
    except KeyboardInterrupt:
        err.write("aidtracker schedule: stopped\n")
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if own_engine:
            engine.dispose()
