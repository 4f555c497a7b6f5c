"""Issue 15: the status filter and the chart split by status in the main view (both backends):
the rollup and the base table agree, the filter is part of the URL, a review changes the status."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.engine import make_engine
from db.models import Announcement
from db.queries import Filters, aggregate
from db.review import Reviewer, apply_review
from db.status_rollup import status_aggregate
from etl.pipeline import load_samples


@pytest.fixture
def engine(db_url):
    e = make_engine(db_url)
    load_samples(e)
    yield e
    e.dispose()


def norm(rows):
    return [(r["status"], r["n"], None if r["value_eur"] is None else round(r["value_eur"], 2)) for r in rows]


def test_status_in_the_url():
    f = Filters.parse("?status=delivered&status=in_delivery&status=sold")
    assert f.statuses == ("delivered", "in_delivery")
    assert any("status" in n for n in f.notices)
    assert Filters.parse(f.to_query_string()) == f
    assert Filters.parse("?status=DELIVERED").statuses == ("delivered",)


def test_rollup_and_base_agree_and_the_filter_selects(engine):
    with engine.connect() as conn:
        for f in (Filters(), Filters(mentions=True), Filters(donors=("USA",)), Filters(groups=("lethal",)),
                  Filters(mentions=True, categories=("tanks", "artillery"))):  # fmt: skip
            assert norm(status_aggregate(conn, f, source="rollup")) == norm(status_aggregate(conn, f, source="base")), f
        split = {r["status"]: r["n"] for r in status_aggregate(conn, Filters(mentions=True))}
        assert sum(split.values()) == aggregate(conn, Filters(mentions=True), ())[0]["n"]
        for status, n in split.items():
            assert aggregate(conn, Filters(mentions=True, statuses=(status,)), ())[0]["n"] == n
        stored = dict(conn.execute(select(Announcement.status, func.count()).group_by(Announcement.status)).all())
        assert split == {k: v for k, v in stored.items() if v}


def test_a_corrected_status_moves_the_chart(engine):
    with engine.begin() as conn:
        row = conn.execute(select(Announcement.id, Announcement.status).where(Announcement.status != "delivered")
                           .order_by(Announcement.id)).first()  # fmt: skip
        before = {r["status"]: r["n"] for r in status_aggregate(conn, Filters(mentions=True))}
        apply_review(conn, row.id, "correct", Reviewer(None, "ana"), {"status": "delivered"})
        after = {r["status"]: r["n"] for r in status_aggregate(conn, Filters(mentions=True))}
    assert after.get("delivered", 0) == before.get("delivered", 0) + 1
    assert after.get(row.status, 0) == before[row.status] - 1


def test_status_chart_figure():
    from dashboard.figures import View
    from dashboard.status_chart import status_figure

    fig = status_figure([{"status": "delivered", "n": 3, "value_eur": None},
                         {"status": "announced", "n": 5, "value_eur": 10.0}], View())  # fmt: skip
    assert fig["data"][0]["y"] == ["Delivered", "Announced"] and fig["data"][0]["x"] == [3.0, 5.0]
    assert "by status" in fig["layout"]["title"]["text"]
    assert status_figure([], View())["layout"]["annotations"]
    assert status_figure([{"status": "announced", "n": 1, "value_eur": None}], View(lang="fr"))["data"][0]["y"] == [
        "Annoncé"]  # fmt: skip
