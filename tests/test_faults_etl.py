"""Issue 6: faults during `aidtracker refresh`, as real processes.

Already covered elsewhere (not repeated): SIGKILL mid-fetch then a rerun, both backends
(test_etl_process.test_killed_run_then_rerun_gives_one_clean_run); a PostgreSQL restart
*between* two runs (test_etl_process.test_refresh_after_a_postgres_restart).

Here:
- SIGKILL three times at different points of a run that parses in worker processes, then a
  rerun: exactly the rows of one clean run (SQLite and PostgreSQL);
- PostgreSQL restarted *during* a refresh, and the refresh's backends terminated from another
  session: the run ends failed or partial with its reason recorded, every release present is
  complete, the next run completes and equals a clean run;
- a full disk (an 8 MB tmpfs the test mounts, filled but 150 KB; and SQLite's `max_page_count` where mounting is
  not allowed): a clear one-line error, the database intact, the next run completes once there is
  room;
- a read-only database file: a clear one-line error, not a byte changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from etl_testserver import TestServer, corpus_files, expected_extract, expected_rows
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool
from test_etl_process import SETTINGS_TOML, count, spawn, wait_for
from test_etl_refresh import snapshot

from db.engine import make_engine, upgrade
from etl.fetch.sources import Settings, Source, SourcesConfig
from etl.pipeline import refresh

ROOT = Path(__file__).resolve().parent.parent
FILES = corpus_files()


def copies(folder: Path, n: int) -> Path:
    """`n` copies of each corpus file, each with its own content (same stem: the fake extractor
    gives the corpus rows for them)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        for f in FILES:
            (folder / f"{f.stem}__{i:03d}.txt").write_text(
                f.read_text(encoding="utf-8") + f"\n\nCopy {i}.\n", encoding="utf-8"
            )
    return folder


def clean_snapshot(tmp_path: Path, sources: list[Source], monkeypatch, settings: Settings | None = None,
                   before: list[Source] | None = None) -> dict:  # fmt: skip
    """The data of one uninterrupted run over `sources` (after a run over `before`, when given:
    pledge keys depend on what was loaded first) in a fresh SQLite database."""
    import etl.extract

    monkeypatch.setattr(etl.extract, "extract", expected_extract)
    engine = make_engine(f"sqlite:///{tmp_path / f'clean-{time.monotonic_ns()}.sqlite3'}")
    settings = settings or Settings(per_host_delay=0, retries=0, parse_workers=1)
    if before:
        assert refresh(engine, SourcesConfig(settings, before), progress=False).status == "ok"
    r = refresh(engine, SourcesConfig(settings, sources), progress=False)
    assert r.status == "ok", r.errors[:5]
    snap = snapshot(engine)
    engine.dispose()
    return snap


def assert_complete(engine) -> None:
    """Every release present is whole: all its announcements or none was written."""
    with engine.connect() as c:
        per = c.execute(
            text(
                "SELECT r.source, count(a.id) FROM releases r LEFT JOIN announcements a ON a.release_id = r.id "
                "WHERE r.status = 'ok' GROUP BY r.source"
            )
        ).all()
    for source, n in per:
        stem = Path(source).stem.split("__")[0]
        assert n == len(expected_rows()[stem]), (source, n)


def make_env(db_url: str, tmp_path: Path, **settings) -> dict:
    sources = tmp_path / "sources.toml"
    toml = SETTINGS_TOML.format(lock_wait=60)
    for k, v in settings.items():
        toml = toml.replace(f"{k} = ", f"# {k} = ") + f"{k} = {v}\n"
    sources.write_text(toml)
    env = dict(
        os.environ, DATABASE_URL=db_url, AIDTRACKER_SOURCES=str(sources), AIDTRACKER_TEST_FAKE_EXTRACT="1"
    )
    env.pop("TERM", None)
    return env


# ---------------------------------------------------------------------------------------------
# SIGKILL, repeatedly, with worker processes


def test_repeated_sigkill_with_worker_processes_then_one_clean_run(db_url, tmp_path, monkeypatch):
    folder = copies(tmp_path / "releases", 15)  # 255 files: worker processes are used
    n_files = len(list(folder.iterdir()))
    env = make_env(db_url, tmp_path, parse_workers=2)
    engine = make_engine(db_url)
    seen = []
    for target in (30, 90, 160):
        child = spawn(env, "refresh", str(folder))
        try:
            wait_for(
                lambda t=target: count(engine, "SELECT count(*) FROM releases") >= t, timeout=120, step=0.01
            )
        finally:
            child.send_signal(signal.SIGKILL)
            child.communicate(timeout=60)
        seen.append(count(engine, "SELECT count(*) FROM releases"))
        assert_complete(engine)
    assert seen[-1] < n_files, "the last kill must land mid-run"
    time.sleep(1)  # orphaned worker processes notice their parent is gone
    rerun = spawn(env, "refresh", str(folder))
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err[-2000:]
    assert f"{n_files} releases seen" in out
    with engine.connect() as c:
        runs = [r[0] for r in c.execute(text("SELECT status FROM etl_runs ORDER BY id"))]
    assert runs == ["failed", "failed", "failed", "ok"], runs
    assert count(engine, "SELECT count(*) FROM etl_runs WHERE status = 'running'") == 0
    assert snapshot(engine) == clean_snapshot(
        tmp_path, [Source("path", str(folder))], monkeypatch, Settings(parse_workers=2)
    )
    engine.dispose()
    # no worker process of the killed runs is left behind
    leftovers = subprocess.run(["pgrep", "-f", str(folder)], capture_output=True, text=True).stdout.split()
    assert leftovers == [], leftovers


# ---------------------------------------------------------------------------------------------
# PostgreSQL going away during a refresh


@pytest.fixture
def own_pg(pg_admin_url, pg_server):
    """A database of its own; created and dropped on fresh connections (the server restarts)."""
    import uuid

    from sqlalchemy.engine import make_url

    if pg_server is None:
        pytest.skip("TEST_POSTGRES_URL: the test does not own the server, it cannot restart it")
    name = f"t_{uuid.uuid4().hex[:16]}"

    def admin(sql: str, **params) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                e = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
                with e.connect() as c:
                    c.execute(text(sql), params)
                e.dispose()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    admin(f'CREATE DATABASE "{name}"')
    yield make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False), admin
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.parametrize("how", ["restart", "terminate"])
def test_postgres_lost_during_a_refresh(own_pg, pg_server, tmp_path, monkeypatch, how):
    url, admin = own_pg
    server = TestServer()
    try:
        server.add_corpus(FILES, delay=0.05)
        feed = server.url("/feed.xml")
        env = make_env(url, tmp_path)
        engine = make_engine(url, poolclass=NullPool)
        upgrade(engine)
        with engine.begin() as c:  # every announcement row takes 40 ms: the fault lands inside a transaction
            c.execute(text("CREATE FUNCTION slow_row() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.04); "
                           "RETURN NEW; END $$ LANGUAGE plpgsql"))  # fmt: skip
            c.execute(
                text(
                    "CREATE TRIGGER slow BEFORE INSERT ON announcements FOR EACH ROW EXECUTE FUNCTION slow_row()"
                )
            )
        child = spawn(env, "refresh", feed)
        try:
            wait_for(lambda: count(engine, "SELECT count(*) FROM releases") >= 3, timeout=60, step=0.01)
            time.sleep(0.15)  # into the next release's transaction
            if how == "restart":
                pg_server.restart()
            else:
                admin(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid()",
                    db=make_engine(url).url.database,
                )
            out, err = child.communicate(timeout=120)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
        assert "Traceback" not in err, err[-3000:]
        # failed or partial, or (a backend killed between two transactions) a transparent reconnect
        assert child.returncode in (0, 1, 2), (child.returncode, out, err[-2000:])
        first_code = child.returncode
        assert_complete(engine)
        # the next run marks a run left 'running' as failed, retries what failed, and completes
        for route in server.routes.values():
            route.delay = 0
        rerun = spawn(env, "refresh", feed)
        out2, err2 = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, err2[-2000:]
        with engine.connect() as c:
            runs = c.execute(text("SELECT status, error_summary FROM etl_runs ORDER BY id")).all()
        assert runs[-1].status == "ok" and all(r.status != "running" for r in runs), runs
        print(
            f"postgres {how}: first run exit {first_code}, runs {[(r.status, (r.error_summary or '')[:120]) for r in runs]}"
        )
        if first_code != 0:
            assert runs[0].status in ("failed", "partial") and runs[0].error_summary, runs  # reason recorded
        assert snapshot(make_engine(url)) == clean_snapshot(tmp_path, [Source("feed", feed)], monkeypatch)
        engine.dispose()
    finally:
        server.close()


# ---------------------------------------------------------------------------------------------
# disk full, read-only


def _integrity(path: Path) -> str:
    e = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    with e.connect() as c:
        res = c.exec_driver_sql("PRAGMA integrity_check").scalar()
    e.dispose()
    return res


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MB tmpfs mounted for the test (root); None where mounting is not allowed."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        yield None
        return
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)], capture_output=True)
    if res.returncode != 0:
        yield None
        return
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_disk_full_during_a_refresh(small_disk, tmp_path, monkeypatch):
    if small_disk is None:
        pytest.skip("cannot mount a tmpfs here; test_sqlite_database_full_during_a_refresh covers it")
    folder = copies(tmp_path / "releases", 6)
    db = small_disk / "aid.sqlite3"
    env = make_env(f"sqlite:///{db}", tmp_path)
    first = spawn(env, "refresh", str(FILES[0]))  # schema and one release
    assert first.communicate(timeout=120) and first.returncode == 0
    free = shutil.disk_usage(small_disk).free
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * max(0, free - 150_000))  # leave ~150 KB
    child = spawn(env, "refresh", str(folder))
    out, err = child.communicate(timeout=300)
    assert child.returncode in (1, 2), (child.returncode, out, err[-2000:])
    assert "Traceback" not in err, err[-3000:]
    assert "full" in (out + err).lower(), (out, err[-2000:])
    filler.unlink()
    assert _integrity(db) == "ok"
    engine = make_engine(f"sqlite:///{db}")
    assert_complete(engine)
    engine.dispose()
    rerun = spawn(env, "refresh", str(folder), str(FILES[0]))
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err[-2000:]
    engine = make_engine(f"sqlite:///{db}")
    assert snapshot(engine) == clean_snapshot(
        tmp_path, [Source("path", str(folder))], monkeypatch, before=[Source("path", str(FILES[0]))]
    )
    engine.dispose()


def test_sqlite_database_full_during_a_refresh(tmp_path, monkeypatch):
    """The portable variant: SQLite's max_page_count caps the file (SQLITE_FULL), in-process."""
    import io

    import etl.extract
    from etl.pipeline import run_refresh

    monkeypatch.setattr(etl.extract, "extract", expected_extract)
    folder = copies(tmp_path / "releases", 6)
    db = tmp_path / "aid.sqlite3"
    monkeypatch.setenv("AIDTRACKER_SOURCES", str(tmp_path / "none.toml"))
    engine = make_engine(f"sqlite:///{db}")
    out, err = io.StringIO(), io.StringIO()
    assert run_refresh([str(FILES[0])], engine=engine, out=out, err=err) == 0
    with engine.connect() as c:
        pages = c.exec_driver_sql("PRAGMA page_count").scalar()
    engine.dispose()
    capped = make_engine(f"sqlite:///{db}")
    event.listen(capped, "connect", lambda conn, rec: conn.execute(f"PRAGMA max_page_count = {pages + 25}"))
    out, err = io.StringIO(), io.StringIO()
    code = run_refresh([str(folder)], engine=capped, out=out, err=err)
    capped.dispose()
    assert code in (1, 2), (code, out.getvalue(), err.getvalue())
    assert "full" in (out.getvalue() + err.getvalue()).lower()
    assert "Traceback" not in err.getvalue()
    assert _integrity(db) == "ok"
    engine = make_engine(f"sqlite:///{db}")
    assert_complete(engine)
    out, err = io.StringIO(), io.StringIO()
    assert run_refresh([str(folder), str(FILES[0])], engine=engine, out=out, err=err) == 0, err.getvalue()
    assert snapshot(engine) == clean_snapshot(
        tmp_path, [Source("path", str(folder))], monkeypatch, before=[Source("path", str(FILES[0]))]
    )
    engine.dispose()


def test_read_only_database_file(tmp_path):
    """The database file and its folder cannot be written by the user running the refresh."""
    if os.geteuid() != 0 or not shutil.which("runuser"):
        pytest.skip("needs root to run the refresh as another user (root ignores file modes)")
    home = tmp_path / "ro"
    home.mkdir()
    db = home / "aid.sqlite3"
    env = make_env(f"sqlite:///{db}", tmp_path)
    first = spawn(env, "refresh", str(FILES[0]))
    assert first.communicate(timeout=120) and first.returncode == 0
    for p in home.iterdir():
        assert not p.name.endswith(("-wal", "-shm")) or p.stat().st_size == 0 or p.name.endswith("-shm")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    os.chmod(tmp_path, 0o755)
    os.chmod(home, 0o755)
    for p in home.iterdir():
        os.chmod(p, 0o644)
    (tmp_path / "sources.toml").chmod(0o644)
    env["HOME"] = str(tmp_path)
    res = subprocess.run(
        ["runuser", "-u", "nobody", "--", sys.executable, str(ROOT / "tests" / "etl_testserver.py"), "refresh",
         str(FILES[1])],
        env=env, cwd="/", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode != 0, res.stdout
    assert "Traceback" not in res.stderr, res.stderr[-3000:]
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and ("read" in lines[0].lower() or "permission" in lines[0].lower()), res.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert _integrity(db) == "ok"
