"""One page of the grid, sorted and filtered on the server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Connection, and_, asc, desc, func, or_, select
from sqlalchemy.orm import aliased

from db.queries.aggregates import aggregate
from db.queries.filters import DENSE_SHARE, MAX_TEXT, D, Filters, base_conditions, rollups_fresh
from db.rollups import (  # the tables the rollups are built from and into, one set of aliases
    RS,
    A,
    R,
)

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
