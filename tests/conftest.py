"""Shared fixtures: fresh SQLite and PostgreSQL databases, the sample corpus.

PostgreSQL: `TEST_POSTGRES_URL` when given (a server URL whose user may create databases);
otherwise a throwaway server is started for the test session from Debian's `postgresql` package,
which is installed with apt-get when missing. PostgreSQL tests never skip: when no server can be
had they fail with a message that says how to provide one.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "etl" / "samples"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"

HOW_TO = (
    "no PostgreSQL server for the tests: set TEST_POSTGRES_URL=postgresql://user:pass@host:port/db "
    "(a user allowed to CREATE DATABASE), or run the tests as root on Debian so they can "
    "`apt-get install postgresql` and start a throwaway server"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _apt_install(*packages: str) -> None:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True, timeout=600)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages], check=True, env=env, capture_output=True, timeout=900
    )


class PgServer:
    """A throwaway PostgreSQL cluster in a temporary directory, on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        bindir = _pg_bindir()
        if bindir is None:
            if os.geteuid() != 0 or not shutil.which("apt-get"):
                raise RuntimeError(HOW_TO)
            _apt_install("postgresql")
            bindir = _pg_bindir()
            if bindir is None:
                raise RuntimeError(HOW_TO)
        self.bindir = bindir
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="aidtracker-pg-"))
        self.data = self.dir / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:  # PostgreSQL refuses to run as root: run it as the postgres user
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            raise RuntimeError(f"{tool} failed: {res.stderr.strip() or res.stdout.strip()}")

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop("immediate")
        self.start()

    def close(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL server of this test session (None when TEST_POSTGRES_URL is used)."""
    if os.environ.get("TEST_POSTGRES_URL"):
        yield None
        return
    try:
        server = PgServer()
    except Exception as exc:  # fail, never skip
        pytest.fail(f"{HOW_TO} ({exc})", pytrace=False)
    yield server
    server.close()


@pytest.fixture(scope="session")
def pg_admin_url(pg_server) -> str:
    url = os.environ.get("TEST_POSTGRES_URL") or pg_server.url
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
def pg_url(pg_admin_url):
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A new SQLite file database for one test."""
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request) -> str:
    """A new, empty database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def migrated_engine(db_url):
    """An engine on a fresh database upgraded to head (both backends)."""
    from db.engine import make_engine, upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def corpus_dir() -> Path:
    """The development corpus: ../shared/corpus when present, else the bundled copy."""
    return SHARED_CORPUS if (SHARED_CORPUS / "expected.json").exists() else SAMPLES


@contextlib.contextmanager
def serve_in_thread(wsgi_app):
    """Serve a WSGI app on 127.0.0.1 and a free port in a daemon thread; yields the base URL."""
    from werkzeug.serving import make_server

    srv = make_server("127.0.0.1", _free_port(), wsgi_app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        thread.join(timeout=10)
