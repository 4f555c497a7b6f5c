"""Every query the dashboard runs (issue 5): SQLAlchemy Core, parameterised, aggregations in SQL.

The filter state is a `Filters` value, parsed from and serialised to the URL query string.
Aggregates read the rollups of `db.rollups` when the filters allow it (and the rollups are fresh)
and the indexed base table otherwise; both paths give the same numbers (tests check it).

Counting: by default each pledge counts once, attributed to its *first mention* (earliest date,
then lowest id, among current releases); with `mentions=True` every mention counts. Filters
apply to the rows counted, so in pledge mode they select first mentions, and the table and the
CSV list one row per pledge.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

from sqlalchemy import Connection, Engine, and_, asc, desc, false, func, or_, select
from sqlalchemy.orm import aliased

from db.models import Donor, EtlRun
from db.reference import CATEGORIES, CATEGORY_GROUP, GROUPS
from db.rollups import (  # the tables the rollups are built from and into, one set of aliases
    CATEGORY_BIT,
    CONF_LEVELS,
    RD,
    RM,
    RR,
    RS,
    A,
    P,
    R,
    counted_condition,
    current_release_condition,
    month_expr,
    ranked_mentions,
)
from etl.extract.status import STATUSES
from etl.types import ANNOUNCEMENT_FIELDS

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


# --- aggregates ----------------------------------------------------------------------------------


def aggregate_stmt(f: Filters, by: tuple[str, ...], source: str, dialect: str, fresh: bool = True):
    """GROUP BY `by` (subset of DIMENSIONS) with `n` (pledges or mentions) and `value_eur`."""
    for d in by:
        if d not in DIMENSIONS:
            raise ValueError(f"unknown dimension {d!r}")
    if source == "base":
        month = month_expr(A.c.date, dialect)
        cols = {"donor_code": A.c.donor_code, "category_code": A.c.category_code, "month": month}
        keys = [cols[d].label(d) for d in by]
        stmt = (
            select(*keys, func.count(A.c.id).label("n"), func.sum(A.c.value_eur).label("value_eur"))
            .select_from(A.join(R, R.c.id == A.c.release_id))
            .where(*base_conditions(f, fresh))
        )
        return stmt.group_by(*[cols[d] for d in by]) if by else stmt
    table = RM if source == "monthly" else RD
    suffix = f"_{conf_level(f)}" if table is RM and f.min_conf else ""
    n = table.c["mentions" + suffix] if f.mentions else table.c["pledges" + suffix]
    value = table.c["value_eur_mentions" + suffix] if f.mentions else table.c["value_eur_pledges" + suffix]
    keys = [table.c[d].label(d) for d in by]
    stmt = select(*keys, func.sum(n).label("n"), func.sum(value).label("value_eur")).where(
        *_rollup_conditions(f, table)
    )
    if by:
        stmt = stmt.group_by(*[table.c[d] for d in by]).having(func.sum(n) > 0)
    return stmt


def month_split(f: Filters) -> tuple[Filters | None, list[Filters]]:
    """Dates that cut a month, as (the whole months inside, for the rollups; the cut edge months,
    for the base table). (None, [f]) when there are no whole months inside."""
    import calendar

    def month_end(d: dt.date) -> dt.date:
        return d.replace(day=calendar.monthrange(d.year, d.month)[1])

    start, end = f.date_from, f.date_to
    parts: list[Filters] = []
    full_start, full_end = start, end
    if start and start.day != 1:
        full_start = month_end(start) + dt.timedelta(days=1)
        parts.append(replace(f, date_to=min(month_end(start), end) if end else month_end(start)))
    if end and end != month_end(end):
        full_end = end.replace(day=1) - dt.timedelta(days=1)
        if not start or end.replace(day=1) > start:
            parts.append(
                replace(f, date_from=max(end.replace(day=1), start) if start else end.replace(day=1))
            )
    if full_start and full_end and full_start > full_end:
        return None, parts
    return replace(f, date_from=full_start, date_to=full_end), parts


def _run_aggregate(conn: Connection, f: Filters, by: tuple[str, ...], source: str, fresh: bool) -> list[dict]:
    stmt = aggregate_stmt(f, by, source, conn.dialect.name, fresh)
    out = []
    for row in conn.execute(stmt).mappings():
        rec = dict(row)
        rec["n"] = int(rec["n"] or 0)
        rec["value_eur"] = float(rec["value_eur"]) if rec["value_eur"] is not None else None
        out.append(rec)
    return out


def aggregate(
    conn: Connection, f: Filters, by: tuple[str, ...], source: str | None = None, version: tuple | None = None
) -> list[dict]:
    """Rows {dims..., n, value_eur} ordered by the dimensions; `source` forces a path (tests).

    Dates that cut a month are answered in parts: the whole months inside from the rollups, the
    cut edge months from the base table (a month at most each), summed."""
    fresh = rollups_fresh(conn, version)
    if source is None and fresh and plan(f, fresh) == "base" and not _aligned(f):
        full, parts = month_split(f)
        if full is not None and plan(full, fresh) != "base":
            pieces = [(full, plan(full, fresh))] + [(p, "base") for p in parts]
        else:
            pieces = [(f, "base")]
    else:
        source = source or plan(f, fresh)
        if source != "base" and not fresh:
            raise RuntimeError("rollups are stale; refresh them or query the base table")
        pieces = [(f, source)]
    merged: dict[tuple, dict] = {}
    for piece, src in pieces:
        for rec in _run_aggregate(conn, piece, by, src, fresh):
            key = tuple(rec[d] for d in by)
            if key not in merged:
                merged[key] = rec
                continue
            m = merged[key]
            m["n"] += rec["n"]
            if rec["value_eur"] is not None:
                m["value_eur"] = (m["value_eur"] or 0.0) + rec["value_eur"]
    out = [merged[k] for k in sorted(merged, key=lambda k: tuple("" if v is None else v for v in k))]
    if by:
        out = [r for r in out if r["n"] > 0]
    elif not out:
        out = [{"n": 0, "value_eur": None}]
    elif out[0]["n"] == 0:
        out[0]["value_eur"] = None
    return out


def release_count(
    conn: Connection, f: Filters, version: tuple | None = None, source: str | None = None
) -> int:
    """Releases with at least one selected row (from `rollup_releases` when the filters allow)."""
    fresh = rollups_fresh(conn, version)
    level = conf_level(f)
    if source is None and fresh and f.is_empty():  # the whole data: counted by refresh_rollups
        state = conn.execute(select(RS.c.releases, RS.c.releases_pledges)).first()
        if state and state[1] is not None:
            return int(state[0] if f.mentions else state[1])
    source = source or ("releases" if plan(f, fresh) != "base" and level is not None else "base")
    if source == "releases":
        cats = f.category_set()
        mask = sum(CATEGORY_BIT[c] for c in cats) if cats is not None else sum(CATEGORY_BIT.values())
        suffix = f"_{level}" if level else ""
        col = RR.c[("cats_mentions" if f.mentions else "cats_pledges") + suffix]
        cond = [col.op("&")(mask) != 0]
        if f.donors:
            cond.append(RR.c.donor_code.in_(f.donors))
        if f.date_from:
            cond.append(RR.c.month >= f.date_from.strftime("%Y-%m"))
        if f.date_to:
            cond.append(RR.c.month <= f.date_to.strftime("%Y-%m"))
        if f.publishers:
            cond.append(RR.c.publisher.in_(f.publishers))
        if f.languages:
            cond.append(RR.c.language.in_(f.languages))
        return int(conn.execute(select(func.count(func.distinct(RR.c.release_id))).where(*cond)).scalar_one())
    stmt = (
        select(func.count(func.distinct(A.c.release_id)))
        .select_from(A.join(R, R.c.id == A.c.release_id))
        .where(*base_conditions(f, fresh))
    )
    return int(conn.execute(stmt).scalar_one())


def last_run(conn: Connection) -> dict | None:
    """The latest ETL run: id, started/finished time, status."""
    row = conn.execute(
        select(E.c.id, E.c.started_at, E.c.finished_at, E.c.status).order_by(E.c.id.desc()).limit(1)
    ).first()
    return dict(row._mapping) if row else None


def options(conn: Connection, version: tuple | None = None) -> dict[str, list]:
    """Choices for the filter controls: donors present (code, English and French names),
    publishers and languages of current releases."""
    fresh = rollups_fresh(conn, version)
    if fresh:
        codes = select(RM.c.donor_code).distinct()
    else:
        codes = select(A.c.donor_code).distinct()
    donors = conn.execute(
        select(D.c.code, D.c.name_en, D.c.name_fr).where(D.c.code.in_(codes)).order_by(D.c.name_en)
    ).all()
    cur = current_release_condition()
    publishers = conn.execute(
        select(R.c.publisher).where(cur, R.c.publisher.is_not(None)).distinct().order_by(R.c.publisher)
    ).scalars()
    languages = conn.execute(
        select(R.c.language).where(cur, R.c.language.is_not(None)).distinct().order_by(R.c.language)
    ).scalars()
    return {
        "donors": [tuple(d) for d in donors],
        "publishers": list(publishers),
        "languages": list(languages),
    }


def all_donors(conn: Connection) -> dict[str, tuple[str, str]]:
    """Every known donor code with its English and French names."""
    return {c: (en, fr) for c, en, fr in conn.execute(select(D.c.code, D.c.name_en, D.c.name_fr))}


# --- rows: table pages and CSV --------------------------------------------------------------------

DONOR = aliased(D, name="donor")
RECIPIENT = aliased(D, name="recipient")

TABLE_COLUMNS = {
    "id": A.c.id,
    "date": A.c.date,
    "donor": DONOR.c.name_en,
    "donor_code": A.c.donor_code,
    "category": A.c.category_code,
    "item": A.c.item,
    "quantity": A.c.quantity,
    "value": A.c.value,
    "currency": A.c.currency,
    "value_eur": A.c.value_eur,
    "publisher": R.c.publisher,
    "language": R.c.language,
    "evidence": A.c.evidence,
    "confidence": A.c.confidence,
    "source_url": func.coalesce(R.c.canonical_url, R.c.source),
    "status": A.c.status,
}
TEXT_COLUMNS = {"donor", "donor_code", "category", "item", "currency", "publisher", "language", "evidence", "status"}
NUMBER_COLUMNS = {"quantity", "value", "value_eur", "confidence"}


def _grid_filter_conditions(filter_model: Mapping | None) -> list:
    """AG Grid column filters (text, number, date) as SQL conditions; unknown parts are ignored."""
    cond = []
    for col, spec in (filter_model or {}).items():
        column = TABLE_COLUMNS.get(col)
        if column is None or not isinstance(spec, Mapping):
            continue
        if "conditions" in spec and isinstance(spec["conditions"], list):
            parts = [
                _one_grid_filter(col, column, s) for s in spec["conditions"][:2] if isinstance(s, Mapping)
            ]
            parts = [p for p in parts if p is not None]
            if parts:
                cond.append(or_(*parts) if spec.get("operator") == "OR" else and_(*parts))
            continue
        part = _one_grid_filter(col, column, spec)
        if part is not None:
            cond.append(part)
    return cond


def _one_grid_filter(col: str, column, spec: Mapping):
    kind, op = spec.get("filterType"), spec.get("type")
    try:
        if kind == "text" and col in TEXT_COLUMNS:
            value = str(spec.get("filter") or "")[:MAX_TEXT]
            if op in ("blank", "notBlank"):
                return column.is_(None) if op == "blank" else column.is_not(None)
            if not value:
                return None
            esc = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return {
                "contains": column.ilike(f"%{esc}%", escape="\\"),
                "notContains": ~column.ilike(f"%{esc}%", escape="\\"),
                "equals": func.lower(column) == value.lower(),
                "notEqual": func.lower(column) != value.lower(),
                "startsWith": column.ilike(f"{esc}%", escape="\\"),
                "endsWith": column.ilike(f"%{esc}", escape="\\"),
            }.get(op)
        if kind == "number" and col in NUMBER_COLUMNS:
            if op in ("blank", "notBlank"):
                return column.is_(None) if op == "blank" else column.is_not(None)
            a = float(spec["filter"])
            if op == "inRange":
                return column.between(a, float(spec["filterTo"]))
            return {
                "equals": column == a,
                "notEqual": column != a,
                "lessThan": column < a,
                "lessThanOrEqual": column <= a,
                "greaterThan": column > a,
                "greaterThanOrEqual": column >= a,
            }.get(op)
        if kind == "date" and col == "date":
            a = dt.date.fromisoformat(str(spec.get("dateFrom"))[:10])
            if op == "inRange":
                return column.between(a, dt.date.fromisoformat(str(spec.get("dateTo"))[:10]))
            return {"equals": column == a, "lessThan": column < a, "greaterThan": column > a}.get(op)
    except (KeyError, TypeError, ValueError):
        return None
    return None


def _rows_from():
    return A.join(R, R.c.id == A.c.release_id).join(DONOR, DONOR.c.code == A.c.donor_code)


def table_page(
    conn: Connection,
    f: Filters,
    start: int = 0,
    end: int = 100,
    sort_model: list | None = None,
    filter_model: Mapping | None = None,
    version: tuple | None = None,
) -> tuple[list[dict], int]:
    """Rows start..end of the filtered announcements (newest first unless sorted) and the total."""
    start = max(0, int(start))
    end = max(start, min(int(end), start + 500))
    fresh = rollups_fresh(conn, version)
    grid = _grid_filter_conditions(filter_model)
    order = []
    for s in (sort_model or [])[:3]:
        col = TABLE_COLUMNS.get(s.get("colId")) if isinstance(s, Mapping) else None
        if col is not None:
            order.append((desc(col) if s.get("sort") == "desc" else asc(col)).nulls_last())
    order += [desc(A.c.date), desc(A.c.id)]
    # Step 1: the ids of the page, from announcements alone when the sort and the column filters
    # allow (the planner can then walk the date index backwards and stop after one page).
    needs_join = any(
        c.get("colId") in ("donor", "publisher", "language", "source_url")
        for c in (sort_model or [])
        if isinstance(c, Mapping)
    ) or any(k in ("donor", "publisher", "language", "source_url") for k in (filter_model or {}))
    total = None
    if not filter_model:
        agg = aggregate(conn, f, (), version=version)
        total = agg[0]["n"] if agg else 0
    if needs_join:
        ids_stmt = select(A.c.id).select_from(_rows_from()).where(*base_conditions(f, fresh), *grid)
    else:
        date_order = False
        if conn.dialect.name == "sqlite" and not sort_model and total is not None:
            n_all = conn.execute(select(RS.c.announcements)).scalar() or 0
            date_order = total >= DENSE_SHARE * n_all  # dense: about one row in 500 or more matches
        ids_stmt = select(A.c.id).where(
            *base_conditions(f, fresh, joined=False, date_order=date_order), *grid
        )
    ids = conn.execute(ids_stmt.order_by(*order).offset(start).limit(end - start)).scalars().all()
    # Step 2: the details of those rows.
    rows = []
    if ids:
        details = {
            r["id"]: dict(r)
            for r in conn.execute(
                select(*[c.label(k) for k, c in TABLE_COLUMNS.items()])
                .select_from(_rows_from())
                .where(A.c.id.in_(ids))
            ).mappings()
        }
        for i in ids:
            rec = details[i]
            rec["date"] = rec["date"].isoformat() if rec["date"] else None
            rows.append(rec)
    if total is None:
        cond = base_conditions(f, fresh) + grid
        total = conn.execute(select(func.count(A.c.id)).select_from(_rows_from()).where(*cond)).scalar_one()
    return rows, int(total)


# CONTRACT.md's announcement fields (the JSON Lines of `aidtracker extract`), then what the
# database adds for an analyst following a row to its source.
EXPORT_FIELDS = (*ANNOUNCEMENT_FIELDS, "value_eur", "source_url", "publisher", "status", "review_state")


def export_stmt(f: Filters, fresh: bool = True, counted: bool = True):
    return (
        select(
            R.c.source.label("release"),
            DONOR.c.name_en.label("donor"),
            A.c.donor_code,
            RECIPIENT.c.name_en.label("recipient"),
            A.c.recipient_code,
            A.c.category_code.label("category"),
            A.c.item,
            A.c.quantity,
            A.c.value,
            A.c.currency,
            A.c.date,
            A.c.evidence,
            A.c.confidence,
            A.c.value_eur,
            func.coalesce(R.c.canonical_url, R.c.source).label("source_url"),
            R.c.publisher,
            A.c.status,
            A.c.review_state,
        )
        .select_from(_rows_from().join(RECIPIENT, RECIPIENT.c.code == A.c.recipient_code))
        .where(*base_conditions(f, fresh, counted=counted))
        .order_by(A.c.date, A.c.id)
    )


def iter_export(engine: Engine, f: Filters, chunk: int = 2000, counted: bool = True) -> Iterator[tuple]:
    """The filtered rows in EXPORT_FIELDS order, streamed (server-side cursor on PostgreSQL);
    `counted=False`: rejected rows too."""
    with engine.connect() as conn:
        fresh = rollups_fresh(conn)
        stmt = export_stmt(f, fresh, counted)
        result = conn.execution_options(stream_results=True, yield_per=chunk).execute(stmt)
        for part in result.partitions():
            for r in part:
                (release, donor, code, recip, recip_code, cat, item, qty, value, cur, date, ev, conf, eur,
                 url, pub, status, review) = r  # fmt: skip
                yield (
                    release, donor, code, recip, recip_code, cat, CATEGORY_GROUP.get(cat, ""), item, qty,
                    value, cur, date.isoformat() if date else None, ev, conf, eur, url, pub, status, review,
                )  # fmt: skip
