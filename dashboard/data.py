"""Cached access to db.queries for the dashboard.

Every result is cached (flask-caching) under a key made of the query name, the canonical filter
state and the data version (count and largest id of announcements, latest ETL run, rollup state),
so a refresh of the data makes every cached result unreachable at once. The data version itself is
read at most once every `VERSION_TTL` seconds per process.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from flask_caching import Cache
from sqlalchemy import Engine

from db import queries
from db.queries import Filters

VERSION_TTL = 2.0


class Data:
    def __init__(self, engine: Engine, cache: Cache | None = None) -> None:
        self.engine = engine
        self.cache = cache
        self._version: tuple | None = None
        self._version_at = 0.0
        self._lock = threading.Lock()

    # --- version ------------------------------------------------------------------------------
    def version(self, force: bool = False) -> tuple:
        with self._lock:
            now = time.monotonic()
            if force or self._version is None or now - self._version_at > VERSION_TTL:
                with self.engine.connect() as conn:
                    self._version = queries.data_version(conn)
                self._version_at = now
            return self._version

    def _cached(self, name: str, key: str, compute: Callable[[Any, tuple], Any]) -> Any:
        version = self.version()
        full = f"{name}|{key}|{json.dumps(version, default=str)}"
        if self.cache is not None:
            hit = self.cache.get(full)
            if hit is not None:
                return hit
        with self.engine.connect() as conn:
            value = compute(conn, version)
        if self.cache is not None:
            self.cache.set(full, value)
        return value

    # --- queries ------------------------------------------------------------------------------
    def donor_category(self, f: Filters) -> list[dict]:
        return self._cached(
            "donor_category",
            f.key(),
            lambda c, v: queries.aggregate(c, f, ("donor_code", "category_code"), version=v),
        )

    def month_category(self, f: Filters) -> list[dict]:
        return self._cached(
            "month_category",
            f.key(),
            lambda c, v: queries.aggregate(c, f, ("month", "category_code"), version=v),
        )

    def status_counts(self, f: Filters) -> list[dict]:
        from db.status_rollup import status_aggregate

        return self._cached("status", f.key(), lambda c, v: status_aggregate(c, f, version=v))

    def release_count(self, f: Filters) -> int:
        return self._cached("releases", f.key(), lambda c, v: queries.release_count(c, f, version=v))

    def last_run(self) -> dict | None:
        return self._cached("last_run", "", lambda c, v: queries.last_run(c))

    def options(self) -> dict:
        return self._cached("options", "", lambda c, v: queries.options(c, version=v))

    def donor_names(self) -> dict[str, tuple[str, str]]:
        return self._cached("donor_names", "", lambda c, v: queries.all_donors(c))

    def table_page(
        self, f: Filters, start: int, end: int, sort_model, filter_model
    ) -> tuple[list[dict], int]:
        key = json.dumps([f.key(), start, end, sort_model, filter_model], sort_keys=True, default=str)
        return self._cached(
            "table",
            key,
            lambda c, v: queries.table_page(c, f, start, end, sort_model, filter_model, version=v),
        )

    def parse(self, search: str | None) -> Filters:
        """Filters from a query string, checked against the donors and publishers known."""
        opts = self.options()
        return Filters.parse(
            search or "",
            known_donors=set(self.donor_names()),
            known_publishers=set(opts["publishers"]),
        )
