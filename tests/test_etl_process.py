"""Issue 4: refresh and schedule as real processes: SIGKILL mid-run, two refreshes at once, the
lock, the scheduler surviving failures and stopping cleanly. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from etl_testserver import TestServer, corpus_files, expected_rows
from sqlalchemy import select, text

from db.engine import make_engine
from db.models import EtlRun
from etl.fetch.sources import Settings, Source, SourcesConfig
from etl.lock import RefreshLock
from etl.pipeline import refresh, run_refresh
from etl.schedule import DurationError, parse_duration, run_schedule

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "tests" / "etl_testserver.py"
FILES = corpus_files()
SETTINGS_TOML = """[settings]
timeout = 5
per_host_delay = 0
retries = 0
fetch_workers = 1
parse_workers = 1
lock_wait = {lock_wait}
"""


@pytest.fixture
def server():
    s = TestServer()
    yield s
    s.close()


@pytest.fixture
def env(db_url, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(SETTINGS_TOML.format(lock_wait=60))
    e = dict(
        os.environ, DATABASE_URL=db_url, AIDTRACKER_SOURCES=str(sources), AIDTRACKER_TEST_FAKE_EXTRACT="1"
    )
    e.pop("TERM", None)
    return e


def spawn(env, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(RUNNER), *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(predicate, timeout: float = 30.0, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not reached in time")


def count(engine, sql: str) -> int:
    try:
        with engine.connect() as c:
            return c.execute(text(sql)).scalar() or 0
    except Exception:  # table not there yet
        return 0


def snapshot(engine) -> dict:
    from test_etl_refresh import snapshot as snap

    return snap(engine)


def clean_run_snapshot(server, tmp_path, monkeypatch) -> dict:
    """What one uninterrupted run over the same feed gives, in a fresh SQLite database."""
    from etl_testserver import expected_extract

    import etl.extract

    monkeypatch.setattr(etl.extract, "extract", expected_extract)
    engine = make_engine(f"sqlite:///{tmp_path / 'clean.sqlite3'}")
    cfg = SourcesConfig(Settings(per_host_delay=0, retries=0), [Source("feed", server.url("/feed.xml"))])
    assert refresh(engine, cfg, progress=False).status == "ok"
    snap = snapshot(engine)
    engine.dispose()
    return snap


# ---------------------------------------------------------------------------------------------


def test_killed_run_then_rerun_gives_one_clean_run(db_url, env, server, tmp_path, monkeypatch):
    server.add_corpus(FILES, delay=0.15)
    feed = server.url("/feed.xml")
    engine = make_engine(db_url)
    child = spawn(env, "refresh", feed)
    try:
        wait_for(lambda: count(engine, "SELECT count(*) FROM releases") >= 4, timeout=60)
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    loaded = count(engine, "SELECT count(*) FROM releases")
    assert 4 <= loaded < len(FILES), "the kill must land mid-run"
    with engine.connect() as c:  # every release that is there is complete
        per = dict(c.execute(text("SELECT r.source, count(a.id) FROM releases r LEFT JOIN announcements a "
                                  "ON a.release_id = r.id GROUP BY r.source")).all())  # fmt: skip
    for source, n in per.items():
        assert n == len(expected_rows()[Path(source).stem]), source
    assert count(engine, "SELECT count(*) FROM etl_runs WHERE status = 'running'") == 1

    for route in server.routes.values():
        route.delay = 0
    rerun = spawn(env, "refresh", feed)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert f"{len(FILES)} releases seen, {len(FILES) - loaded} new" in out
    with engine.connect() as c:
        runs = c.execute(select(EtlRun.status, EtlRun.error_summary).order_by(EtlRun.id)).all()
    assert [r.status for r in runs] == ["failed", "ok"] and "interrupted" in runs[0].error_summary
    assert snapshot(engine) == clean_run_snapshot(server, tmp_path, monkeypatch)
    engine.dispose()


def test_two_refreshes_at_once_do_not_interleave(db_url, env, server, tmp_path, monkeypatch):
    server.add_corpus(FILES[:8], delay=0.15)
    feed = server.url("/feed.xml")
    engine = make_engine(db_url)
    a = spawn(env, "refresh", feed)
    # the second starts while the first runs (its run row exists: it holds the lock)
    wait_for(lambda: count(engine, "SELECT count(*) FROM etl_runs WHERE status = 'running'"), timeout=60)
    b = spawn(env, "refresh", feed)
    (_, err_a), (_, err_b) = a.communicate(timeout=120), b.communicate(timeout=120)
    assert (a.returncode, b.returncode) == (0, 0), err_a + err_b
    assert "waiting for the running refresh to finish" in err_b
    with engine.connect() as c:
        runs = c.execute(
            select(EtlRun.started_at, EtlRun.finished_at, EtlRun.releases_new).order_by(EtlRun.id)
        ).all()
    assert len(runs) == 2
    assert runs[0].finished_at <= runs[1].started_at  # one after the other
    assert sorted(r.releases_new for r in runs) == [0, 8]
    assert snapshot(engine) == clean_run_snapshot(server, tmp_path, monkeypatch)
    engine.dispose()


def test_refresh_gives_up_on_a_held_lock(db_url, tmp_path, monkeypatch):
    sources = tmp_path / "sources.toml"
    sources.write_text(SETTINGS_TOML.format(lock_wait=0.5))
    monkeypatch.setenv("AIDTRACKER_SOURCES", str(sources))
    monkeypatch.setenv("DATABASE_URL", db_url)
    engine = make_engine(db_url)
    holder = RefreshLock(engine)
    assert holder.acquire()
    try:
        assert not RefreshLock(engine).acquire(0)
        err = io.StringIO()
        t = time.monotonic()
        assert run_refresh([str(FILES[0])], out=io.StringIO(), err=err) == 3
        assert 0.4 < time.monotonic() - t < 10
        assert "another refresh is running" in err.getvalue() and "waiting" in err.getvalue()
    finally:
        holder.release()
    assert RefreshLock(engine).acquire(0)  # released: free again (and this one is dropped below)
    engine.dispose()


def test_lock_of_a_killed_process_is_released(db_url, env):
    """SIGKILL leaves no stale lock: the kernel (flock) or the server (advisory lock) frees it."""
    code = (
        "import sys, time; sys.path.insert(0, '.');"
        "from db.engine import make_engine; from etl.lock import RefreshLock;"
        f"l = RefreshLock(make_engine({db_url!r})); assert l.acquire(); print('held', flush=True); time.sleep(60)"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "held"
        engine = make_engine(db_url)
        assert not RefreshLock(engine).acquire(0)
    finally:
        child.kill()
        child.wait(timeout=30)
    lock = RefreshLock(engine)
    assert lock.acquire(10)
    lock.release()
    engine.dispose()


# -- schedule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text_, seconds",
    [("90s", 90), ("30m", 1800), ("6h", 21600), ("1d", 86400), ("1h30m", 5400), ("2", 2), (" 1.5h ", 5400)],
)
def test_parse_duration(text_, seconds):
    assert parse_duration(text_) == seconds


@pytest.mark.parametrize("bad", ["", "x", "6 hours", "h", "-1h", "0s", "0.5s", "1h 2x", "1y"])
def test_parse_duration_errors(bad):
    with pytest.raises(DurationError) as e:
        parse_duration(bad)
    assert "duration" in str(e.value)


def test_schedule_rejects_a_bad_duration():
    err = io.StringIO()
    assert run_schedule("soon", [], err=err) == 2
    assert "invalid duration 'soon'" in err.getvalue() and "6h" in err.getvalue()


def test_schedule_survives_a_failed_run_and_honours_the_lock(db_url, tmp_path, monkeypatch, caplog):
    from etl_testserver import expected_extract

    import etl.extract
    import etl.pipeline

    monkeypatch.setattr(etl.extract, "extract", expected_extract)
    sources = tmp_path / "sources.toml"
    sources.write_text(SETTINGS_TOML.format(lock_wait=60))
    monkeypatch.setenv("AIDTRACKER_SOURCES", str(sources))
    engine = make_engine(db_url)
    real = etl.pipeline.refresh
    calls = []

    def flaky(*a, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database on fire")
        return real(*a, **kw)

    monkeypatch.setattr(etl.pipeline, "refresh", flaky)
    out = io.StringIO()
    caplog.set_level(logging.INFO)
    t = time.monotonic()
    assert run_schedule("1s", [str(FILES[0])], engine=engine, max_runs=3, out=out) == 0
    assert time.monotonic() - t >= 2  # ticks spaced by the interval
    assert "run failed: RuntimeError: database on fire" in caplog.text
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("refresh ok: 1 releases seen, 1 new")
    assert "0 new" in lines[1]

    holder = RefreshLock(engine)
    assert holder.acquire()
    try:
        out = io.StringIO()
        assert run_schedule("1s", [str(FILES[0])], engine=engine, max_runs=1, out=out) == 0
        assert out.getvalue() == "" and "skipped: another refresh is running" in caplog.text
    finally:
        holder.release()
    assert count(engine, "SELECT count(*) FROM etl_runs") == 2
    engine.dispose()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_schedule_process_runs_repeatedly_and_stops_cleanly(db_url, env, sig):
    child = spawn(env, "schedule", "--every", "1s", str(FILES[0]), str(FILES[1]))
    engine = make_engine(db_url)
    try:
        wait_for(
            lambda: count(engine, "SELECT count(*) FROM etl_runs WHERE finished_at IS NOT NULL") >= 2, 60
        )
    finally:
        child.send_signal(sig)
        out, err = child.communicate(timeout=30)
    assert child.returncode == 0, err
    assert "stopped" in err
    assert out.splitlines()[0].startswith("refresh ok: 2 releases seen, 2 new")
    assert count(engine, "SELECT count(*) FROM etl_runs WHERE status = 'running'") == 0
    assert count(engine, "SELECT count(*) FROM releases") == 2
    engine.dispose()


def test_cli_refresh_exit_codes_and_summary(db_url, env, tmp_path):
    ok = spawn(env, "refresh", str(FILES[0]))
    out, err = ok.communicate(timeout=60)
    assert ok.returncode == 0, err
    assert out.strip().startswith("refresh ok: 1 releases seen, 1 new, 0 updated, 0 failed;")
    bad = spawn(env, "refresh", str(FILES[0]), str(tmp_path / "missing.html"))
    out, err = bad.communicate(timeout=60)
    assert bad.returncode == 1
    assert "refresh partial: 2 releases seen, 0 new, 0 updated, 1 failed" in out
    assert "missing.html: no such file" in err


def test_refresh_after_a_postgres_restart(pg_admin_url, pg_server, monkeypatch):
    """The server restarts between two runs (connections and the advisory lock's session die):
    the next run reconnects, takes the lock again and works."""
    if pg_server is None:
        pytest.skip("TEST_POSTGRES_URL: the test does not own the server, it cannot restart it")
    import uuid

    from etl_testserver import expected_extract
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    import etl.extract

    monkeypatch.setattr(etl.extract, "extract", expected_extract)
    name = f"t_{uuid.uuid4().hex[:16]}"

    def admin(sql: str) -> None:  # a fresh connection each time: the server restarts in between
        e = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
        with e.connect() as c:
            c.execute(text(sql))
        e.dispose()

    admin(f'CREATE DATABASE "{name}"')
    engine = make_engine(make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False))
    try:
        cfg = SourcesConfig(Settings(parse_workers=1), [Source("path", str(FILES[0]))])
        assert refresh(engine, cfg, progress=False).new == 1
        pg_server.restart()
        cfg = SourcesConfig(Settings(parse_workers=1), [Source("path", str(FILES[1]))])
        r = refresh(engine, cfg, progress=False)
        assert (r.status, r.new) == ("ok", 1)
    finally:
        engine.dispose()
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _processes_with(marker: str) -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if marker.encode() in (d / "environ").read_bytes():
                    found.append(int(d.name))
            except OSError:
                pass
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_sigkill_leaves_no_worker_processes(sqlite_url, tmp_path):
    """With worker processes (parse_workers = 2), a SIGKILLed refresh leaves no orphans behind."""
    import uuid

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(300):
        src = FILES[i % len(FILES)]
        (folder / f"{i:04d}_{src.name}").write_text(src.read_text(encoding="utf-8") + f"\nCopy {i}.\n")
    sources = tmp_path / "sources.toml"
    sources.write_text("[settings]\nparse_workers = 2\n")
    marker = f"AIDTRACKER_TEST_MARK={uuid.uuid4().hex}"
    env = dict(
        os.environ, DATABASE_URL=sqlite_url, AIDTRACKER_SOURCES=str(sources), AIDTRACKER_TEST_FAKE_EXTRACT="1"
    )
    env[marker.split("=")[0]] = marker.split("=")[1]
    child = spawn(env, "refresh", str(folder))
    engine = make_engine(sqlite_url)
    try:
        wait_for(lambda: count(engine, "SELECT count(*) FROM releases") >= 5, timeout=60)
        assert len(_processes_with(marker)) >= 3  # the refresh, the forkserver, its workers
    finally:
        child.kill()
        child.communicate(timeout=30)
    wait_for(lambda: not _processes_with(marker), timeout=15, step=0.2)
    engine.dispose()
