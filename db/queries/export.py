"""The filtered rows for download and `aidtracker export`, streamed."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine, func, select

from db.queries.filters import Filters, base_conditions, rollups_fresh
from db.queries.table import DONOR, RECIPIENT, _rows_from
from db.reference import CATEGORY_GROUP
from db.rollups import (  # the tables the rollups are built from and into, one set of aliases
    A,
    R,
)
from etl.types import ANNOUNCEMENT_FIELDS

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
