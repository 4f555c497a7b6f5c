"""Pre-aggregated tables the dashboard reads (issue 5).

`refresh_rollups(conn)` is called by the ETL at the end of every refresh, inside its transaction,
so the rollups always match the announcements. It rebuilds, in order:

- `pledges`: one row per `pledge_key`, pointing at its *first mention* (earliest date, then lowest
  id) among the announcements of current, successfully fetched releases.
- `rollup_monthly_detail`: month x donor x category x publisher x language x confidence tenth,
  with the number of mentions, the number of first mentions (= pledges), and both EUR sums.
- `rollup_monthly`: the same summed over publisher, language and confidence.
- `rollup_releases`: release x month x donor with bitmasks of the categories present (all mentions,
  first mentions), to count distinct releases without reading `announcements`.
- `rollup_state`: the count and the largest id of `announcements` the rollups were built from; the
  query layer uses the rollups only while these still match (`db.queries.rollups_fresh`).

Distinct pledge counts do not add up across cells, but first mentions do: every pledge has exactly
one, so counting first mentions in any set of cells gives the exact number of distinct pledges,
each attributed to the date, donor, category and release of its first mention.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Integer, and_, case, cast, delete, func, insert, literal, select, true

from db.models import (
    Announcement,
    Pledge,
    Release,
    RollupMonthly,
    RollupMonthlyDetail,
    RollupRelease,
    RollupState,
)
from db.reference import CATEGORIES

A = Announcement.__table__
R = Release.__table__
P = Pledge.__table__
RM = RollupMonthly.__table__
RD = RollupMonthlyDetail.__table__
RS = RollupState.__table__
RR = RollupRelease.__table__
CATEGORY_BIT = {code: 1 << i for i, (code, *_rest) in enumerate(CATEGORIES)}
CONF_LEVELS = (50, 70, 90)  # minimum confidences (in hundredths) with their own rollup measures


def month_expr(col, dialect: str):
    """`YYYY-MM` of a date column, the same string on SQLite and PostgreSQL."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m", col)
    return func.to_char(col, "YYYY-MM")


def conf_bucket_expr(col, dialect: str):
    """floor(confidence * 10) as an integer 0..10 (the epsilon keeps 0.7 in bucket 7)."""
    scaled = col * 10 + literal(1e-9)
    if dialect == "sqlite":
        return cast(scaled, Integer)  # truncation = floor for non-negative values
    return cast(func.floor(scaled), Integer)


def current_release_condition():
    return and_(R.c.is_current == true(), R.c.status == "ok")


def counted_condition():
    """Announcements that count: all but those an analyst rejected (issue 15, db.review)."""
    return A.c.review_state != "rejected"


def ranked_mentions():
    """Announcements of current releases, numbered within their pledge (1 = first mention)."""
    return (
        select(
            A.c.id,
            A.c.pledge_key,
            func.row_number().over(partition_by=A.c.pledge_key, order_by=(A.c.date, A.c.id)).label("rn"),
            func.count().over(partition_by=A.c.pledge_key).label("n"),
        )
        .select_from(A.join(R, R.c.id == A.c.release_id))
        .where(current_release_condition(), counted_condition())
        .subquery("ranked")
    )


def fingerprint(conn: Connection) -> str:
    """What the rollups depend on, in a few aggregate queries: count, largest id and sum of ids of
    announcements; count and largest id of releases; count and sum of ids of the current,
    successfully fetched ones (which version of a release is current). Rows changed in place are
    not seen: the ETL never does that; whoever does calls `refresh_rollups(conn, force=True)`."""
    n, max_id, sum_id = conn.execute(select(func.count(A.c.id), func.max(A.c.id), func.sum(A.c.id))).one()
    r_n, r_max = conn.execute(select(func.count(R.c.id), func.max(R.c.id))).one()
    current, current_ids = conn.execute(
        select(func.count(R.c.id), func.sum(R.c.id)).where(current_release_condition())
    ).one()
    return f"a{n}:{max_id}:{sum_id} r{r_n}:{r_max}:{current}:{current_ids}"


def refresh_rollups(conn: Connection, force: bool = False) -> bool:
    """Rebuild every rollup from `announcements` (full rebuild, in the caller's transaction).
    Skipped when nothing they depend on changed since the last rebuild (unless `force`);
    returns whether it rebuilt."""
    dialect = conn.dialect.name
    seen = fingerprint(conn)
    if not force:
        last = conn.execute(select(RS.c.fingerprint)).scalar()
        if last == seen:
            return False
    for table in (RS, RR, RM, RD, P):
        conn.execute(delete(table))
    from db.status_rollup import clear_status_rollup, refresh_status_rollup

    clear_status_rollup(conn)

    ranked = ranked_mentions()
    conn.execute(
        insert(P).from_select(
            ["pledge_key", "first_announcement_id", "mentions"],
            select(ranked.c.pledge_key, ranked.c.id, ranked.c.n).where(ranked.c.rn == 1),
        )
    )

    month = month_expr(A.c.date, dialect)
    bucket = conf_bucket_expr(A.c.confidence, dialect)
    is_first = P.c.first_announcement_id.is_not(None)
    detail = (
        select(
            month.label("month"),
            A.c.donor_code,
            A.c.category_code,
            R.c.publisher,
            R.c.language,
            bucket.label("conf_bucket"),
            func.count(A.c.id),
            func.count(P.c.first_announcement_id),
            func.sum(A.c.value_eur),
            func.sum(case((is_first, A.c.value_eur))),
        )
        .select_from(A.join(R, R.c.id == A.c.release_id).outerjoin(P, P.c.first_announcement_id == A.c.id))
        .where(current_release_condition(), counted_condition())
        .group_by(month, A.c.donor_code, A.c.category_code, R.c.publisher, R.c.language, bucket)
    )
    measures = ["mentions", "pledges", "value_eur_mentions", "value_eur_pledges"]
    conn.execute(
        insert(RD).from_select(
            ["month", "donor_code", "category_code", "publisher", "language", "conf_bucket", *measures],
            detail,
        )
    )
    level_cols, level_exprs = [], []
    for level in CONF_LEVELS:
        ok = RD.c.conf_bucket >= level // 10
        for name in measures:
            level_cols.append(f"{name}_{level}")
            level_exprs.append(func.sum(case((ok, RD.c[name]))))
    conn.execute(
        insert(RM).from_select(
            ["month", "donor_code", "category_code", *measures, *level_cols],
            select(
                RD.c.month,
                RD.c.donor_code,
                RD.c.category_code,
                func.sum(RD.c.mentions),
                func.sum(RD.c.pledges),
                func.sum(RD.c.value_eur_mentions),
                func.sum(RD.c.value_eur_pledges),
                *level_exprs,
            ).group_by(RD.c.month, RD.c.donor_code, RD.c.category_code),
        )
    )
    bit = case(*[(A.c.category_code == c, b) for c, b in CATEGORY_BIT.items()], else_=0)

    def mask(*conds):  # distinct powers of two: their sum is their bitwise OR
        return func.coalesce(func.sum(func.distinct(case((and_(*conds), bit), else_=0) if conds else bit)), 0)

    mask_cols, mask_exprs = [], []
    for level in CONF_LEVELS:
        ok = bucket >= level // 10
        mask_cols += [f"cats_mentions_{level}", f"cats_pledges_{level}"]
        mask_exprs += [mask(ok), mask(ok, is_first)]
    conn.execute(
        insert(RR).from_select(
            [
                "release_id",
                "month",
                "donor_code",
                "publisher",
                "language",
                "cats_mentions",
                "cats_pledges",
                *mask_cols,
            ],
            select(
                A.c.release_id,
                month,
                A.c.donor_code,
                R.c.publisher,
                R.c.language,
                mask(),
                mask(is_first),
                *mask_exprs,
            )
            .select_from(
                A.join(R, R.c.id == A.c.release_id).outerjoin(P, P.c.first_announcement_id == A.c.id)
            )
            .where(current_release_condition(), counted_condition())
            .group_by(A.c.release_id, month, A.c.donor_code, R.c.publisher, R.c.language),
        )
    )
    refresh_status_rollup(conn)
    n, max_id = conn.execute(select(func.count(A.c.id), func.max(A.c.id))).one()
    releases = conn.execute(
        select(func.count(func.distinct(A.c.release_id)))
        .select_from(A.join(R, R.c.id == A.c.release_id))
        .where(current_release_condition(), counted_condition())
    ).scalar_one()
    releases_pledges = conn.execute(
        select(func.count(func.distinct(A.c.release_id))).select_from(
            A.join(P, P.c.first_announcement_id == A.c.id)
        )
    ).scalar_one()
    conn.execute(
        insert(RS).values(
            id=1,
            refreshed_at=dt.datetime.now(dt.UTC),
            announcements=n,
            max_announcement_id=max_id,
            releases=releases,
            releases_pledges=releases_pledges,
            fingerprint=seen,
        )
    )
    return True
