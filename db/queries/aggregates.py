"""Aggregates for the charts and the headline: counts and sums by dimension, from the rollups when they serve, else the base table."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import Connection, func, select

from db.queries.filters import (
    DIMENSIONS,
    D,
    E,
    Filters,
    _aligned,
    _rollup_conditions,
    base_conditions,
    conf_level,
    plan,
    rollups_fresh,
)
from db.rollups import (  # the tables the rollups are built from and into, one set of aliases
    CATEGORY_BIT,
    RD,
    RM,
    RR,
    RS,
    A,
    R,
    current_release_condition,
    month_expr,
)

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
