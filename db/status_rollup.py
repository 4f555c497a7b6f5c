"""Counts split by `status` (announced / delivered / in_delivery / unknown; issue 15).

`rollup_status` (month x donor x category x status: mentions, first mentions, EUR sums) is
rebuilt by `db.rollups.refresh_rollups` with the other rollups (after `pledges`), so the chart
split by status costs a small GROUP BY whenever the filters are ones the monthly rollup serves
(donor, category, group, whole months, no minimum confidence); otherwise it is a GROUP BY over the
indexed base table with the same conditions as every other query."""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select

from db.models import RollupStatus
from db.rollups import A, P, R, counted_condition, current_release_condition, month_expr

ST = RollupStatus.__table__
STATUS_ORDER = ("announced", "in_delivery", "delivered", "unknown")


def clear_status_rollup(conn: Connection) -> None:
    conn.execute(delete(ST))


def refresh_status_rollup(conn: Connection) -> None:
    """Rebuild `rollup_status` (the `pledges` rollup must be current)."""
    month = month_expr(A.c.date, conn.dialect.name)
    first = P.c.first_announcement_id.is_not(None)
    from sqlalchemy import case

    conn.execute(
        insert(ST).from_select(
            ["month", "donor_code", "category_code", "status", "mentions", "pledges", "value_eur_mentions",
             "value_eur_pledges"],  # fmt: skip
            select(
                month, A.c.donor_code, A.c.category_code, A.c.status, func.count(A.c.id),
                func.count(P.c.first_announcement_id), func.sum(A.c.value_eur),
                func.sum(case((first, A.c.value_eur))),
            )  # fmt: skip
            .select_from(A.join(R, R.c.id == A.c.release_id).outerjoin(P, P.c.first_announcement_id == A.c.id))
            .where(current_release_condition(), counted_condition())
            .group_by(month, A.c.donor_code, A.c.category_code, A.c.status),
        )
    )


def status_aggregate(conn: Connection, f, version: tuple | None = None, source: str | None = None) -> list[dict]:
    """[{status, n, value_eur}] for the filters, in STATUS_ORDER; `source` forces 'rollup' or
    'base' (tests compare them)."""
    from db.queries import base_conditions, plan, rollups_fresh

    fresh = rollups_fresh(conn, version)
    if source is None:
        source = "rollup" if plan(f, fresh) == "monthly" and not f.min_conf else "base"
    if source == "rollup":
        n = ST.c.mentions if f.mentions else ST.c.pledges
        v = ST.c.value_eur_mentions if f.mentions else ST.c.value_eur_pledges
        cond = []
        if f.donors:
            cond.append(ST.c.donor_code.in_(f.donors))
        cats = f.category_set()
        if cats is not None:
            cond.append(ST.c.category_code.in_(cats))
        if f.date_from:
            cond.append(ST.c.month >= f.date_from.strftime("%Y-%m"))
        if f.date_to:
            cond.append(ST.c.month <= f.date_to.strftime("%Y-%m"))
        stmt = select(ST.c.status, func.sum(n), func.sum(v)).where(*cond).group_by(ST.c.status)
    else:
        stmt = (
            select(A.c.status, func.count(A.c.id), func.sum(A.c.value_eur))
            .select_from(A.join(R, R.c.id == A.c.release_id))
            .where(*base_conditions(f, fresh))
            .group_by(A.c.status)
        )
    got = {s: (int(n or 0), float(v) if v is not None else None) for s, n, v in conn.execute(stmt)}
    return [{"status": s, "n": got[s][0], "value_eur": got[s][1]} for s in STATUS_ORDER if got.get(s, (0,))[0]]
