"""A refresh whose PostgreSQL lock session dies must notice before writing more."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from db.engine import make_engine
from etl.lock import LockLost, RefreshLock


def test_lock_check_notices_a_killed_lock_session(pg_url):
    engine = make_engine(pg_url)
    lock = RefreshLock(engine)
    assert lock.acquire(0)
    lock.check()  # held: no error
    pid = lock._conn.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    with pytest.raises(LockLost):
        lock.check()
    # and the lock is really free for another refresh
    other = RefreshLock(engine)
    assert other.acquire(0)
    other.release()
    admin.dispose()
    engine.dispose()


def test_lock_check_is_silent_on_sqlite(sqlite_url):
    engine = make_engine(sqlite_url)
    lock = RefreshLock(engine)
    assert lock.acquire(0)
    lock.check()
    lock.release()
    engine.dispose()
