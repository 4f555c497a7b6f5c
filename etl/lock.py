"""One refresh at a time per database, across processes.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a dedicated
  autocommit connection for the whole run. The server releases it when that session ends, so a
  process killed with SIGKILL never leaves it behind.
- SQLite: an exclusive `flock` on a file next to the database (`<db>.refresh-lock`). The kernel
  releases it when the process dies, so there is no expiry to tune and no stale lease. (SQLite
  databases are local files, so all their writers run on the same host.) The file holds the pid
  of the holder, for the message of whoever waits.
- SQLite in memory: a lock of this process.

`RefreshLock.acquire(wait)` polls until it gets the lock or `wait` seconds have passed (0: try
once), which keeps it interruptible with Ctrl-C.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, text

# "aidtracker refresh" as a signed 64-bit advisory-lock key (first 8 bytes of its sha256)
PG_LOCK_KEY = 0x2B0F_5A6E_61C4_1D37
POLL = 0.2

_memory_locks: dict[str, threading.Lock] = {}


def _lock_file(fd: int) -> bool:
    """An exclusive, non-blocking lock on the whole file; False when another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: a byte-range lock on the first byte does the same
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _unlock_file(fd: int) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


class LockLost(RuntimeError):
    """The lock's database session ended (server restart, connection killed): another refresh
    may now take the lock, so this one must stop writing."""


class LockTimeout(RuntimeError):
    """Another refresh holds the lock; the message says which and how long we waited."""


class RefreshLock:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.backend = engine.dialect.name
        self._conn = None
        self._fd: int | None = None
        self._mem: threading.Lock | None = None
        self.held = False
        if self.backend == "sqlite":
            db = engine.url.database
            if db and db != ":memory:" and not db.startswith("file:"):
                self.path: Path | None = (
                    Path(db).expanduser().resolve().with_name(Path(db).name + ".refresh-lock")
                )
            else:
                self.path = None
                self._mem = _memory_locks.setdefault(str(engine.url), threading.Lock())

    # -- one attempt --------------------------------------------------------------------------

    def _try(self) -> bool:
        if self.backend == "postgresql":
            if self._conn is None:
                self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar()
            return bool(got)
        if self.backend == "sqlite" and self.path is not None:
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _lock_file(self._fd):
                return False
            os.ftruncate(self._fd, 0)
            os.lseek(self._fd, 0, os.SEEK_SET)
            os.write(self._fd, f"{os.getpid()}\n".encode())
            return True
        if self._mem is not None:
            return self._mem.acquire(blocking=False)
        raise RuntimeError(f"no refresh lock for database backend {self.backend!r}")

    def check(self) -> None:
        """Raise `LockLost` when a held PostgreSQL lock's session is gone. A session-level advisory
        lock dies with its connection; without this check a refresh that carried on over new
        connections could run beside a second one. (File and in-process locks cannot be lost.)"""
        if not self.held or self.backend != "postgresql":
            return
        try:
            held = self._conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = :k"
                ),
                {"k": PG_LOCK_KEY & 0xFFFFFFFFFFFFFFFF},
            ).scalar()
        except Exception as exc:
            raise LockLost(f"the refresh lock's database session ended: {type(exc).__name__}") from exc
        if not held:
            raise LockLost("the refresh lock is no longer held by this session")

    def holder(self) -> str:
        """Who holds the lock, as far as can be told (for messages)."""
        try:
            if self.backend == "postgresql" and self._conn is not None:
                row = self._conn.execute(
                    text(
                        "SELECT a.pid, a.client_addr, a.backend_start FROM pg_locks l "
                        "JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE l.locktype = 'advisory' AND l.granted "
                        "AND ((l.classid::bigint << 32) | l.objid::bigint) = :k"
                    ),
                    {"k": PG_LOCK_KEY & 0xFFFFFFFFFFFFFFFF},
                ).first()
                if row:
                    return f"PostgreSQL backend {row[0]} (session since {row[2]:%Y-%m-%d %H:%M:%S})"
            if self.path is not None:
                pid = self.path.read_text().strip()
                if pid:
                    return f"process {pid} (lock file {self.path})"
        except Exception:  # only for a message: never let it fail the caller
            pass
        return "another refresh"

    # -- public -------------------------------------------------------------------------------

    def acquire(self, wait: float = 0.0, on_wait=None) -> bool:
        """True once held; False after `wait` seconds without it. `on_wait(holder)` is called once
        when the lock is busy and we start waiting."""
        deadline = time.monotonic() + max(0.0, wait)
        told = False
        while True:
            if self._try():
                self.held = True
                return True
            if time.monotonic() >= deadline:
                self._drop_handles()
                return False
            if not told and on_wait is not None:
                on_wait(self.holder())
                told = True
            time.sleep(min(POLL, max(0.0, deadline - time.monotonic())))

    def release(self) -> None:
        if self.held:
            try:
                if self.backend == "postgresql" and self._conn is not None:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
                elif self._fd is not None:
                    os.ftruncate(self._fd, 0)
                    _unlock_file(self._fd)
                elif self._mem is not None:
                    self._mem.release()
            except Exception:  # a lost connection released the lock with it
                pass
            self.held = False
        self._drop_handles()

    def _drop_handles(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RefreshLock:
        if not self.acquire(0):
            raise LockTimeout(f"a refresh is already running ({self.holder()})")
        return self

    def __exit__(self, *exc) -> None:
        self.release()
