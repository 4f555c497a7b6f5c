"""The filter state (`Filters`, to and from the URL) and the WHERE conditions it gives, on the base table and the rollups."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

from sqlalchemy import Connection, false, func, or_, select

from db.models import Donor, EtlRun
from db.reference import CATEGORIES, CATEGORY_GROUP, GROUPS
from db.rollups import (  # the tables the rollups are built from and into, one set of aliases
    CONF_LEVELS,
    RD,
    RS,
    A,
    P,
    R,
    counted_condition,
    current_release_condition,
    ranked_mentions,
)
from etl.extract.status import STATUSES

D = Donor.__table__
E = EtlRun.__table__

MAX_LIST = 100  # values per list parameter
MAX_TEXT = 200  # characters of free text / one publisher name
MAX_QUERY_STRING = 8000
DENSE_SHARE = 0.002
DIMENSIONS = ("donor_code", "category_code", "month")

_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
_LANG = re.compile(r"^[a-z]{2,3}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def _tuple(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


@dataclass(frozen=True)
class Filters:
    """The dashboard's filter state. Field names are the query-string keys (see `QS_KEYS`)."""

    donors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    publishers: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    q: str = ""
    min_conf: float = 0.0
    mentions: bool = False  # count every mention (default: each pledge once)
    statuses: tuple[str, ...] = ()  # announced / delivered / in_delivery / unknown (issue 15)
    notices: tuple[str, ...] = field(default=(), compare=False, hash=False)

    # --- derived --------------------------------------------------------------------------
    def category_set(self) -> tuple[str, ...] | None:
        """The categories selected by `categories` and `groups` together (None: no restriction)."""
        if not self.categories and not self.groups:
            return None
        cats = [c for c, _, _, _ in CATEGORIES]
        if self.categories:
            cats = [c for c in cats if c in self.categories]
        if self.groups:
            cats = [c for c in cats if CATEGORY_GROUP[c] in self.groups]
        return tuple(cats)

    def is_empty(self) -> bool:
        return self == Filters(mentions=self.mentions)

    # --- query string ---------------------------------------------------------------------
    def to_params(self) -> dict[str, Any]:
        """Non-default filters as query-string parameters (lists repeat their key)."""
        out: dict[str, Any] = {}
        if self.donors:
            out["donor"] = list(self.donors)
        if self.categories:
            out["category"] = list(self.categories)
        if self.groups:
            out["group"] = list(self.groups)
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        if self.publishers:
            out["publisher"] = list(self.publishers)
        if self.languages:
            out["language"] = list(self.languages)
        if self.q:
            out["q"] = self.q
        if self.min_conf:
            out["min_conf"] = f"{self.min_conf:g}"
        if self.mentions:
            out["count"] = "mentions"
        if self.statuses:
            out["status"] = list(self.statuses)
        return out

    def to_query_string(self) -> str:
        """`?donor=USA&...` (empty string when nothing is set); parse(to_query_string()) == self."""
        qs = urlencode(self.to_params(), doseq=True)
        return f"?{qs}" if qs else ""

    def key(self) -> str:
        """A canonical string for cache keys."""
        return urlencode(sorted(self.to_params().items()), doseq=True)

    @classmethod
    def parse(
        cls,
        search: str | Mapping[str, Any] | None,
        known_donors: set[str] | None = None,
        known_publishers: set[str] | None = None,
    ) -> Filters:
        """Filters from a query string (`?a=b&...`) or a mapping. Never raises: what cannot be used
        is dropped and explained in `.notices`."""
        notices: list[str] = []
        if search is None:
            params: dict[str, list[str]] = {}
        elif isinstance(search, str):
            s = search[1:] if search.startswith("?") else search
            if len(s) > MAX_QUERY_STRING:
                notices.append(
                    f"The address is too long; only its first {MAX_QUERY_STRING} characters were read."
                )
                s = s[:MAX_QUERY_STRING]
            try:
                params = parse_qs(s, keep_blank_values=False, max_num_fields=1000)
            except ValueError:
                notices.append("The address has too many parameters; they were ignored.")
                params = {}
        else:
            params = {k: (list(v) if isinstance(v, list | tuple) else [v]) for k, v in search.items()}

        def values(key: str) -> list[str]:
            out: list[str] = []
            for v in params.get(key, []):
                out.extend(p.strip() for p in str(v).split(",") if p.strip())
            if len(out) > MAX_LIST:
                notices.append(f"Too many values for '{key}': only the first {MAX_LIST} were used.")
                out = out[:MAX_LIST]
            return out

        def checked(key: str, items: list[str], ok, what: str) -> tuple[str, ...]:
            good, bad = [], []
            for v in items:
                (good if ok(v) else bad).append(v)
            if bad:
                shown = ", ".join(repr(b[:40]) for b in bad[:5]) + (" ..." if len(bad) > 5 else "")
                notices.append(f"Unknown {what} ignored: {shown}.")
            return _tuple(good)

        def donor_ok(v: str) -> bool:
            return bool(_CODE.match(v)) and (known_donors is None or v in known_donors)

        donors = checked("donor", [v.upper() for v in values("donor")], donor_ok, "donor")
        categories = checked("category", values("category"), lambda v: v in CATEGORY_GROUP, "category")
        groups = checked("group", values("group"), lambda v: v in GROUPS, "group")
        publishers = checked(
            "publisher",
            values("publisher"),
            lambda v: len(v) <= MAX_TEXT and (known_publishers is None or v in known_publishers),
            "publisher",
        )
        languages = checked("language", [v.lower() for v in values("language")], _LANG.match, "language")
        statuses = checked("status", [v.lower() for v in values("status")], lambda v: v in STATUSES, "status")

        def date(key: str) -> dt.date | None:
            raw = (params.get(key) or [""])[0].strip()
            if not raw:
                return None
            try:
                d = dt.date.fromisoformat(raw[:10]) if len(raw) == 10 else None
            except ValueError:
                d = None
            if d is None or not (1900 <= d.year <= 2200):
                notices.append(f"Invalid date for '{key}' ignored: {raw[:40]!r} (expected YYYY-MM-DD).")
                return None
            return d

        date_from, date_to = date("from"), date("to")
        if date_from and date_to and date_from > date_to:
            notices.append("The start date is after the end date; the date range was ignored.")
            date_from = date_to = None

        q = " ".join((params.get("q") or [""])[0].split())
        if len(q) > MAX_TEXT:
            notices.append(f"The search text was cut to {MAX_TEXT} characters.")
            q = q[:MAX_TEXT]

        min_conf = 0.0
        raw_conf = (params.get("min_conf") or [""])[0].strip()
        if raw_conf:
            try:
                min_conf = float(raw_conf)
                if not 0 <= min_conf <= 1:
                    raise ValueError
                min_conf = round(min_conf, 2)
            except ValueError:
                notices.append(f"Invalid minimum confidence ignored: {raw_conf[:40]!r} (expected 0 to 1).")
                min_conf = 0.0

        count = (params.get("count") or [""])[0].strip()
        if count not in ("", "pledges", "mentions"):
            notices.append(f"Unknown counting mode ignored: {count[:40]!r}.")
        return cls(
            donors=donors,
            categories=categories,
            groups=groups,
            date_from=date_from,
            date_to=date_to,
            publishers=publishers,
            languages=languages,
            q=q,
            min_conf=min_conf,
            mentions=count == "mentions",
            statuses=statuses,
            notices=tuple(notices),
        )

    def without(self, *names: str) -> Filters:
        defaults = {f.name: f.default for f in fields(self) if f.name in names}
        return replace(self, **defaults)


# --- freshness and data version ------------------------------------------------------------------


def data_version(conn: Connection) -> tuple:
    """Changes whenever a refresh changes the data: part of every cache key. Three index lookups
    (no count over the table): the largest announcement id, the latest ETL run, the rollup state."""
    max_id = conn.execute(select(func.max(A.c.id))).scalar()
    run = conn.execute(select(func.max(E.c.id))).scalar()
    state = conn.execute(select(RS.c.max_announcement_id, RS.c.refreshed_at)).first()
    return (max_id, run, tuple(state) if state else None)


def rollups_fresh(conn: Connection, version: tuple | None = None) -> bool:
    """True when the rollups were built from the announcements as they are now: the ETL rebuilds
    them at the end of every refresh, so the largest announcement id they saw is the current one.
    (Rows deleted outside a refresh are not noticed; run a refresh, or `refresh_rollups`.)"""
    max_id, _run, state = version or data_version(conn)
    return state is not None and state[0] == max_id


def _aligned(f: Filters) -> bool:
    """Dates that cover whole months (or are open) can be answered from monthly rollups."""
    if f.date_from and f.date_from.day != 1:
        return False
    if f.date_to and (f.date_to + dt.timedelta(days=1)).day != 1:
        return False
    return True


def plan(f: Filters, fresh: bool) -> str:
    """Which source answers aggregates for `f`: 'monthly', 'detail' or 'base'."""
    if not fresh or f.q or f.statuses or not _aligned(f):  # no rollup is split by status
        return "base"
    if abs(f.min_conf * 10 - round(f.min_conf * 10)) > 1e-9:
        return "base"
    if f.publishers or f.languages or (f.min_conf and conf_level(f) is None):
        return "detail"
    return "monthly"


def conf_level(f: Filters) -> int | None:
    """The rollup level (50, 70, 90) matching the minimum confidence, 0 for none, else None."""
    if not f.min_conf:
        return 0
    level = round(f.min_conf * 100)
    return level if level in CONF_LEVELS and abs(f.min_conf * 100 - level) < 1e-9 else None


# --- conditions ----------------------------------------------------------------------------------


def _like_pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def first_mention_ids(fresh: bool = False):
    """Ids of first mentions computed with a window function (when the pledges rollup is stale)."""
    ranked = ranked_mentions()
    return select(ranked.c.id).where(ranked.c.rn == 1)


def release_exists(f: Filters):
    """The release conditions as a correlated EXISTS (one primary-key probe per candidate row), so
    a query over announcements alone can walk an index in the order it wants."""
    cond = [R.c.id == A.c.release_id, current_release_condition()]
    if f.publishers:
        cond.append(R.c.publisher.in_(f.publishers))
    if f.languages:
        cond.append(R.c.language.in_(f.languages))
    return select(R.c.id).where(*cond).exists()


def base_conditions(
    f: Filters, fresh: bool = True, joined: bool = True, date_order: bool = False, counted: bool = True
) -> list:
    """WHERE conditions over announcements (A) joined to releases (R), or over announcements
    alone (`joined=False`: the release conditions become a correlated EXISTS). `date_order`
    keeps SQLite from using the donor and category indexes (`col || ''` is not indexed), so that
    for a dense selection it walks the date index in order and stops after one page."""
    cond = [current_release_condition() if joined else release_exists(f)]
    if counted:  # rejected rows never count (issue 15); the review queue lists them too
        cond.append(counted_condition())
    donor, category = A.c.donor_code, A.c.category_code
    if date_order:
        donor, category = donor.concat(""), category.concat("")
    if f.donors:
        cond.append(donor.in_(f.donors))
    cats = f.category_set()
    if cats is not None:
        cond.append(category.in_(cats) if cats else false())
    if f.date_from:
        cond.append(A.c.date >= f.date_from)
    if f.date_to:
        cond.append(A.c.date <= f.date_to)
    if joined and f.publishers:
        cond.append(R.c.publisher.in_(f.publishers))
    if joined and f.languages:
        cond.append(R.c.language.in_(f.languages))
    if f.min_conf:
        cond.append(A.c.confidence >= f.min_conf)
    if f.statuses:
        cond.append(A.c.status.in_(f.statuses))
    if f.q:
        for word in f.q.split()[:10]:
            pat = _like_pattern(word)
            cond.append(or_(A.c.item.ilike(pat, escape="\\"), A.c.evidence.ilike(pat, escape="\\")))
    if not f.mentions:
        if fresh:  # one index probe per candidate row (no materialised list of all first mentions)
            cond.append(select(P.c.pledge_key).where(P.c.first_announcement_id == A.c.id).exists())
        else:
            cond.append(A.c.id.in_(first_mention_ids(fresh)))
    return cond


def _rollup_conditions(f: Filters, table) -> list:
    cond = []
    if f.donors:
        cond.append(table.c.donor_code.in_(f.donors))
    cats = f.category_set()
    if cats is not None:
        cond.append(table.c.category_code.in_(cats) if cats else false())
    if f.date_from:
        cond.append(table.c.month >= f.date_from.strftime("%Y-%m"))
    if f.date_to:
        cond.append(table.c.month <= f.date_to.strftime("%Y-%m"))
    if table is RD:
        if f.publishers:
            cond.append(RD.c.publisher.in_(f.publishers))
        if f.languages:
            cond.append(RD.c.language.in_(f.languages))
        if f.min_conf:
            cond.append(RD.c.conf_bucket >= round(f.min_conf * 10))
    elif f.min_conf:  # the _50/_70/_90 measures are zero or null below the level
        cond.append(table.c[("mentions_" if f.mentions else "pledges_") + str(conf_level(f))] > 0)
    return cond
