"""Issue 2: the console command and its subcommands."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import inspect

from db.engine import head_revision, make_engine

SUBCOMMANDS = ["extract", "evaluate", "refresh", "schedule", "serve", "db"]


def run_cli(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aidtracker.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        **kw,
    )


def test_console_script_installed():
    import shutil

    assert shutil.which("aidtracker"), "pip install . must provide the `aidtracker` command"
    res = subprocess.run(["aidtracker", "--version"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "aidtracker" in res.stdout


def test_help_lists_every_subcommand_and_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    res = run_cli("--help", env={"DATABASE_URL": url})
    assert res.returncode == 0
    for name in SUBCOMMANDS:
        assert f"  {name} " in res.stdout, name
    assert str(tmp_path / "h.sqlite3") in res.stdout
    res = run_cli("db", "--help")
    assert "upgrade" in res.stdout


def test_default_database_is_sqlite_in_user_data_dir(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["AIDTRACKER_DATA_DIR"] = str(tmp_path / "data")
    res = subprocess.run(
        [sys.executable, "-m", "aidtracker.cli", "db", "upgrade"], capture_output=True, text=True, env=env
    )
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "data" / "aidtracker.sqlite3").exists()
    assert str(tmp_path / "data" / "aidtracker.sqlite3") in res.stdout


def test_db_upgrade_is_idempotent(db_url):
    first = run_cli("db", "upgrade", env={"DATABASE_URL": db_url})
    assert first.returncode == 0, first.stderr
    assert "upgraded" in first.stdout
    second = run_cli("db", "upgrade", env={"DATABASE_URL": db_url})
    assert second.returncode == 0, second.stderr
    assert f"already at {head_revision()}" in second.stdout
    engine = make_engine(db_url)
    assert {"releases", "announcements"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_unreachable_database_is_one_clear_line():
    res = run_cli("db", "upgrade", env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "unavailable" in res.stderr
