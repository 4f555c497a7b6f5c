"""Settings at the bottom of the import graph: database URL, data and config directories, sources file.

Imported by the CLI, etl, db and dashboard; imports none of them (tests/test_layout.py)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP_NAME = "aidtracker"


def data_dir() -> Path:
    """The per-user data directory (holds the default SQLite file)."""
    return Path(os.environ.get("AIDTRACKER_DATA_DIR") or user_data_dir(APP_NAME, appauthor=False))


def default_sqlite_path() -> Path:
    return data_dir() / "aidtracker.sqlite3"


def database_url() -> str:
    """`DATABASE_URL` when set, else a SQLite file in the user data directory."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{default_sqlite_path()}"


def sources_path() -> Path:
    """The sources file: `AIDTRACKER_SOURCES`, else `sources.toml` in the user config directory."""
    env = os.environ.get("AIDTRACKER_SOURCES", "").strip()
    if env:
        return Path(env)
    return Path(user_config_dir(APP_NAME, appauthor=False)) / "sources.toml"


def redact_url(url: str) -> str:
    """The URL with any password hidden, for printing."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as given; it holds no parsed password
        return url
