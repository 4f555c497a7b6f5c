"""Issue 15: after reviews, the rollups kept cell by cell equal a full rebuild (both backends)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import make_engine
from db.models import Announcement, Release
from db.review import Reviewer, add_row, apply_review
from db.rollups import RD, RM, RR, RS, P, refresh_rollups
from db.status_rollup import ST
from etl.pipeline import load_samples

ANA = Reviewer(None, "ana")


def snapshot(conn) -> dict:
    def rows(table, skip=()):
        cols = [c for c in table.c if c.name not in skip]
        return sorted(
            (tuple(round(v, 4) if isinstance(v, float) else v for v in r) for r in conn.execute(select(*cols))),
            key=repr,
        )

    return {
        "pledges": rows(P),
        "detail": rows(RD, ("id",)),
        "monthly": rows(RM),
        "releases": rows(RR, ("id",)),
        "status": rows(ST),
        "state": rows(RS, ("refreshed_at",)),
    }


@pytest.fixture
def engine(db_url):
    e = make_engine(db_url)
    load_samples(e)
    yield e
    e.dispose()


def test_cell_upkeep_equals_a_full_rebuild(engine):
    with engine.begin() as conn:
        rows = conn.execute(select(Announcement.id, Announcement.pledge_key).order_by(Announcement.id)).all()
        shared = {}
        for r in rows:
            shared.setdefault(r.pledge_key, []).append(r.id)
        multi = next(ids for ids in shared.values() if len(ids) > 1)  # a pledge with several mentions
        apply_review(conn, multi[0], "reject", ANA)  # its first mention moves to the next one
        apply_review(conn, rows[3].id, "correct", ANA, {"category_code": "tanks", "date": "2021-12-31",
                                                        "value": 1000, "currency": "EUR", "status": "delivered"})  # fmt: skip
        apply_review(conn, rows[5].id, "correct", ANA, {"donor_code": "SWE"})
        apply_review(conn, rows[7].id, "confirm", ANA)
        rel = conn.execute(select(Release.id).where(Release.status == "ok").order_by(Release.id)).scalars().first()
        add_row(conn, rel, 0, 20, {"donor_code": "NOR", "category_code": "medical", "date": "2024-02-29"}, ANA)
        incremental = snapshot(conn)
        refresh_rollups(conn, force=True)
        full = snapshot(conn)
    assert incremental == full
    with engine.begin() as conn:  # the next refresh has nothing to rebuild
        assert refresh_rollups(conn) is False
