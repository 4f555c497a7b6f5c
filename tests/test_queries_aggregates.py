"""db.queries on SQLite and PostgreSQL: hand-computed answers; rollup and base-table paths agree."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from db.models import Announcement, EtlRun, Release
from db.queries import (
    Filters,
    aggregate,
    conf_level,
    data_version,
    iter_export,
    plan,
    release_count,
    rollups_fresh,
    table_page,
)
from db.rollups import refresh_rollups

D = dt.date


def _release(rid, publisher, language, published, source, current=True):
    return Release(
        id=rid,
        source=source,
        canonical_url=source if source.startswith("http") else None,
        publisher=publisher,
        language=language,
        published=published,
        fetched_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        content_hash=f"{rid:064d}",
        raw_text="text",
        status="ok",
        attempts=1,
        is_current=current,
    )


# id, release, donor, category, date, value_eur, confidence, pledge, item
ROWS = [
    (1, 1, "USA", "munitions", D(2023, 1, 10), 100.0, 0.9, "p1", "155mm shells"),
    (2, 1, "USA", "tanks", D(2023, 1, 10), 50.0, 0.6, "p2", "Abrams tanks"),
    (3, 2, "NLD", "tanks", D(2023, 2, 15), None, 0.4, "p3", "Leopard tanks"),
    (4, 2, "NLD", "financial", D(2023, 2, 15), 200.0, 0.8, "p4", '=HYPERLINK("x") budget support'),
    (5, 3, "USA", "munitions", D(2023, 3, 5), 100.0, 0.9, "p1", "155mm shells"),
    (6, 3, "DNK", "humanitarian", D(2023, 3, 20), 10.0, 0.7, "p5", "winter aid"),
    (7, 4, "USA", "drones", D(2023, 3, 1), 999.0, 0.9, "p6", "old drones"),  # superseded release
]


def load(engine) -> None:
    with Session(engine) as s:
        s.add_all(
            [
                _release(1, "DoD", "en", D(2023, 1, 10), "https://example.org/r1"),
                _release(2, "Defensie", "nl", D(2023, 2, 15), "/data/r2.txt"),
                _release(3, "DoD", "en", D(2023, 3, 5), "https://example.org/r3"),
                _release(4, "DoD", "en", D(2023, 3, 1), "https://example.org/r4", current=False),
            ]
        )
        s.flush()
        for aid, rid, donor, cat, date, eur, conf, key, item in ROWS:
            s.add(
                Announcement(
                    id=aid,
                    release_id=rid,
                    donor_code=donor,
                    recipient_code="UKR",
                    category_code=cat,
                    item=item,
                    quantity=aid * 10,
                    value=eur,
                    currency="EUR" if eur is not None else None,
                    value_eur=eur,
                    date=date,
                    evidence=f"Sentence {aid} about {item}.",
                    confidence=conf,
                    pledge_key=key,
                )
            )
        s.add(EtlRun(started_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), status="ok"))
        s.commit()
    with engine.begin() as conn:
        refresh_rollups(conn)


@pytest.fixture
def engine(migrated_engine):
    load(migrated_engine)
    return migrated_engine


def by(conn, f, dims, source=None):
    return {
        tuple(r[d] for d in dims): (r["n"], r["value_eur"]) for r in aggregate(conn, f, dims, source=source)
    }


def test_by_donor_pledges_and_mentions(engine):
    with engine.connect() as conn:
        assert by(conn, Filters(), ("donor_code",)) == {
            ("DNK",): (1, 10.0),
            ("NLD",): (2, 200.0),
            ("USA",): (2, 150.0),
        }
        assert by(conn, Filters(mentions=True), ("donor_code",)) == {
            ("DNK",): (1, 10.0),
            ("NLD",): (2, 200.0),
            ("USA",): (3, 250.0),
        }
        assert by(conn, Filters(), ("month",)) == {
            ("2023-01",): (2, 150.0),
            ("2023-02",): (2, 200.0),
            ("2023-03",): (1, 10.0),
        }
        assert by(conn, Filters(mentions=True), ("month",))[("2023-03",)] == (2, 110.0)


CASES = [
    (Filters(), 5, 6),
    (Filters(date_from=D(2023, 2, 1)), 3, 4),  # p1's restatement in March is not a new pledge
    (Filters(date_from=D(2023, 2, 1), date_to=D(2023, 2, 28)), 2, 2),
    (Filters(date_from=D(2023, 1, 11)), 3, 4),  # partial month: base table, or rollup + base
    (Filters(date_from=D(2023, 1, 10), date_to=D(2023, 3, 19)), 4, 5),  # cut months on both ends
    (Filters(date_from=D(2023, 1, 11), date_to=D(2023, 2, 15)), 2, 2),  # January cut, February whole
    (Filters(date_from=D(2023, 2, 2), date_to=D(2023, 2, 20)), 2, 2),  # inside one month
    (Filters(date_to=D(2023, 3, 10), donors=("USA",)), 2, 3),
    (Filters(min_conf=0.7), 3, 4),
    (Filters(min_conf=0.5, donors=("USA", "NLD")), 3, 4),
    (Filters(min_conf=0.9, groups=("lethal",)), 1, 2),
    (Filters(min_conf=0.6), 4, 5),  # detail rollup
    (Filters(min_conf=0.7, publishers=("DoD",)), 2, 3),
    (Filters(min_conf=0.65), 3, 4),  # not a tenth: base table
    (Filters(publishers=("DoD",)), 3, 4),  # a1 a2 a6 (+ a5)
    (Filters(languages=("nl",)), 2, 2),
    (Filters(q="shells"), 1, 2),
    (Filters(q="SHELLS 155mm"), 1, 2),
    (Filters(q="100%_"), 0, 0),
    (Filters(donors=("USA", "DNK")), 3, 4),
    (Filters(groups=("lethal",)), 3, 4),
    (Filters(categories=("tanks",), groups=("financial",)), 0, 0),
    (Filters(categories=("tanks", "financial"), donors=("NLD",)), 2, 2),
]


@pytest.mark.parametrize(("f", "pledges", "mentions"), CASES)
def test_totals_every_path_agrees(engine, f, pledges, mentions):
    with engine.connect() as conn:
        for mode, expected in ((f, pledges), (Filters(**{**_fields(f), "mentions": True}), mentions)):
            sources = ["base", plan(mode, True), None]  # None: the automatic choice (may split months)
            for source in sources:
                total = aggregate(conn, mode, (), source=source)[0]["n"]
                assert total == expected, (source, mode)
            for dims in (("donor_code", "category_code"), ("month",)):
                results = {str(s): by(conn, mode, dims, s) for s in sources}
                base = results["base"]
                for s, res in results.items():
                    assert res.keys() == base.keys(), s
                    for k in res:
                        assert res[k][0] == base[k][0]
                        assert (
                            res[k][1] == pytest.approx(base[k][1])
                            if base[k][1] is not None
                            else res[k][1] is None
                        )


def _fields(f: Filters) -> dict:
    from dataclasses import fields

    return {x.name: getattr(f, x.name) for x in fields(f) if x.name != "notices"}


def test_month_split():
    from db.queries import month_split

    full, parts = month_split(Filters(date_from=D(2023, 1, 10), date_to=D(2023, 3, 19)))
    assert (full.date_from, full.date_to) == (D(2023, 2, 1), D(2023, 2, 28))
    assert [(p.date_from, p.date_to) for p in parts] == [
        (D(2023, 1, 10), D(2023, 1, 31)),
        (D(2023, 3, 1), D(2023, 3, 19)),
    ]
    full, parts = month_split(Filters(date_from=D(2023, 2, 2), date_to=D(2023, 2, 20)))
    assert full is None and [(p.date_from, p.date_to) for p in parts] == [(D(2023, 2, 2), D(2023, 2, 20))]
    full, parts = month_split(Filters(date_to=D(2023, 3, 10)))
    assert (full.date_from, full.date_to) == (None, D(2023, 2, 28))
    assert [(p.date_from, p.date_to) for p in parts] == [(D(2023, 3, 1), D(2023, 3, 10))]


def test_plan():
    assert plan(Filters(donors=("USA",)), True) == "monthly"
    assert plan(Filters(date_from=D(2023, 1, 1), date_to=D(2023, 3, 31)), True) == "monthly"
    assert plan(Filters(date_to=D(2023, 3, 30)), True) == "base"
    assert plan(Filters(min_conf=0.5), True) == "monthly"
    assert plan(Filters(min_conf=0.6), True) == "detail"
    assert plan(Filters(min_conf=0.55), True) == "base"
    assert plan(Filters(publishers=("DoD",)), True) == "detail"
    assert plan(Filters(q="tanks"), True) == "base"
    assert plan(Filters(), False) == "base"


def test_stale_rollups_fall_back_to_base(engine):
    with Session(engine) as s:
        s.add(
            Announcement(
                id=8, release_id=2, donor_code="NLD", recipient_code="UKR", category_code="drones", item="drones",
                date=D(2023, 2, 16), evidence="e", confidence=0.9, pledge_key="p7",
            )
        )  # fmt: skip
        s.commit()
    with engine.connect() as conn:
        assert not rollups_fresh(conn)
        assert by(conn, Filters(), ("donor_code",))[("NLD",)] == (3, 200.0)
        assert release_count(conn, Filters()) == 3
    with engine.begin() as conn:
        refresh_rollups(conn)
    with engine.connect() as conn:
        assert rollups_fresh(conn)
        assert by(conn, Filters(), ("donor_code",), "monthly")[("NLD",)] == (3, 200.0)


def test_data_version_changes_with_a_refresh(engine):
    with engine.connect() as conn:
        before = data_version(conn)
    with Session(engine) as s:
        s.add(EtlRun(started_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC), status="ok"))
        s.commit()
    with engine.connect() as conn:
        assert data_version(conn) != before


def test_release_count(engine):
    with engine.connect() as conn:
        assert release_count(conn, Filters()) == 3
        assert release_count(conn, Filters(donors=("USA",))) == 1
        assert release_count(conn, Filters(donors=("USA",), mentions=True)) == 2


@pytest.mark.parametrize(("f", "pledges", "mentions"), CASES)
def test_release_count_paths_agree(engine, f, pledges, mentions):
    with engine.connect() as conn:
        for mode in (f, Filters(**{**_fields(f), "mentions": True})):
            base = release_count(conn, mode, source="base")
            assert release_count(conn, mode) == base
            if plan(mode, True) != "base" and conf_level(mode) is not None:
                assert release_count(conn, mode, source="releases") == base


def test_table_page_sort_filter_and_total(engine):
    with engine.connect() as conn:
        rows, total = table_page(conn, Filters(mentions=True), 0, 2)
        assert total == 6 and [r["id"] for r in rows] == [6, 5]
        rows, total = table_page(conn, Filters(mentions=True), 2, 100)
        assert [r["id"] for r in rows] == [4, 3, 2, 1]
        rows, _ = table_page(conn, Filters(), 0, 100, sort_model=[{"colId": "value_eur", "sort": "desc"}])
        assert [r["id"] for r in rows][:2] == [4, 1]
        rows, total = table_page(
            conn, Filters(mentions=True), 0, 100,
            filter_model={"item": {"filterType": "text", "type": "contains", "filter": "TANKS"}},
        )  # fmt: skip
        assert total == 2 and {r["id"] for r in rows} == {2, 3}
        rows, total = table_page(
            conn, Filters(mentions=True), 0, 100,
            filter_model={"value_eur": {"filterType": "number", "type": "greaterThan", "filter": 60}},
        )  # fmt: skip
        assert total == 3
        rows, total = table_page(
            conn, Filters(), 0, 100, sort_model=[{"colId": "x; DROP TABLE releases", "sort": "asc"}],
            filter_model={"nope": {"filterType": "text", "type": "contains", "filter": "x"}},
        )  # fmt: skip
        assert total == 5 and len(rows) == 5
        assert rows[0]["source_url"] == "https://example.org/r3"


def test_export_rows(engine):
    rows = list(iter_export(engine, Filters(donors=("NLD",))))
    assert len(rows) == 2
    first = rows[0]
    assert first[:7] == ("/data/r2.txt", "Netherlands", "NLD", "Ukraine", "UKR", "tanks", "lethal")
    assert first[11] == "2023-02-15"
    assert len(list(iter_export(engine, Filters(mentions=True)))) == 6


def test_empty_database_and_repeated_refresh(migrated_engine):
    with migrated_engine.begin() as conn:
        refresh_rollups(conn)
        refresh_rollups(conn)
    with migrated_engine.connect() as conn:
        assert rollups_fresh(conn)
        assert aggregate(conn, Filters(), ("donor_code",)) == []
        assert aggregate(conn, Filters(), ()) == [{"n": 0, "value_eur": None}]
        assert release_count(conn, Filters()) == 0
        assert table_page(conn, Filters(), 0, 50) == ([], 0)


def test_refresh_is_idempotent(engine):
    with engine.connect() as conn:
        before = [
            aggregate(conn, Filters(mentions=m), ("month", "donor_code", "category_code")) for m in (0, 1)
        ]
    with engine.begin() as conn:
        refresh_rollups(conn)
    with engine.connect() as conn:
        after = [
            aggregate(conn, Filters(mentions=m), ("month", "donor_code", "category_code")) for m in (0, 1)
        ]
        assert release_count(conn, Filters()) == 3 and release_count(conn, Filters(mentions=True)) == 3
    assert before == after


def test_refresh_skips_when_nothing_changed(engine):
    from sqlalchemy import update

    from db.models import Release

    with engine.begin() as conn:
        assert refresh_rollups(conn) is False  # load() already refreshed: nothing new
        assert refresh_rollups(conn, force=True) is True
    with engine.begin() as conn:  # a release stops being current: its rows leave the counts
        conn.execute(update(Release).where(Release.id == 3).values(is_current=False))
        assert refresh_rollups(conn) is True
    with engine.connect() as conn:
        assert aggregate(conn, Filters(mentions=True), ())[0]["n"] == 4
    with engine.begin() as conn:  # an older version comes back instead of another: same count of current
        conn.execute(update(Release).where(Release.id == 4).values(is_current=False))
        conn.execute(update(Release).where(Release.id == 3).values(is_current=True))
        assert refresh_rollups(conn) is True
        conn.execute(update(Release).where(Release.id == 3).values(is_current=False))
        conn.execute(update(Release).where(Release.id == 4).values(is_current=True))
        assert refresh_rollups(conn) is True
    with engine.connect() as conn:
        assert (
            aggregate(conn, Filters(mentions=True, donors=("USA",)), ())[0]["n"] == 3
        )  # r1's two, r4's drones
