"""Issue 2: migrations, constraints and the reference data, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from db.engine import current_revision, downgrade, head_revision, make_engine, upgrade
from db.models import Announcement, Base, Category, Donor, Release
from db.reference import CATEGORIES

TABLES = {"donors", "categories", "releases", "announcements", "etl_runs"}


def test_upgrade_to_head_and_downgrade_to_base(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert TABLES <= set(inspect(engine).get_table_names())
    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)  # and up again: downgrade left nothing behind that blocks it
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_models_match_migrations(migrated_engine):
    """The ORM classes and the migrations describe the same schema (alembic autogenerate sees no diff)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with migrated_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_reference_data_seeded(migrated_engine):
    with migrated_engine.connect() as conn:
        cats = conn.execute(select(Category.code, Category.group).order_by(Category.sort_order)).all()
        assert [(c, g) for c, g, _, _ in CATEGORIES] == [tuple(r) for r in cats]
        names = dict(conn.execute(select(Donor.code, Donor.name_en)).all())
        fr = dict(conn.execute(select(Donor.code, Donor.name_fr)).all())
    assert names["USA"] == "United States"
    assert names["NLD"] == "Netherlands"
    assert names["DNK"] == "Denmark"
    assert names["UKR"] == "Ukraine"
    assert names["NATO"] == "NATO" and fr["NATO"] == "OTAN"
    assert names["EU"] == "European Union"
    assert fr["USA"] == "États-Unis"


def _release(**kw) -> Release:
    base = dict(
        source="/tmp/x.txt",
        fetched_at=dt.datetime.now(dt.UTC),
        content_hash="a" * 64,
        raw_text="text",
        status="ok",
        attempts=1,
        is_current=True,
    )
    base.update(kw)
    return Release(**base)


def _announcement(release_id: int, **kw) -> Announcement:
    base = dict(
        release_id=release_id,
        donor_code="USA",
        recipient_code="UKR",
        category_code="munitions",
        item="munitions for HIMARS",
        date=dt.date(2023, 4, 21),
        evidence="evidence",
        confidence=0.9,
        pledge_key="k",
    )
    base.update(kw)
    return Announcement(**base)


def test_duplicate_content_hash_refused(migrated_engine):
    from sqlalchemy.orm import Session

    with Session(migrated_engine) as s:
        s.add(_release())
        s.commit()
        s.add(_release(source="/tmp/other.txt"))
        with pytest.raises(IntegrityError):
            s.commit()


@pytest.mark.parametrize(
    "bad", [{"category_code": "lasers"}, {"donor_code": "XXX"}, {"recipient_code": "ZZZ"}, {"confidence": 1.5}]
)
def test_unknown_codes_refused(migrated_engine, bad):
    from sqlalchemy.orm import Session

    with Session(migrated_engine) as s:
        r = _release()
        s.add(r)
        s.commit()
        s.add(_announcement(r.id, **bad))
        with pytest.raises(IntegrityError):
            s.commit()


def test_deleting_release_removes_its_announcements(migrated_engine):
    """The cascade is in the database itself (plain SQL delete), not only in the ORM."""
    from sqlalchemy.orm import Session

    with Session(migrated_engine) as s:
        r = _release()
        s.add(r)
        s.commit()
        s.add_all([_announcement(r.id), _announcement(r.id, category_code="missiles")])
        s.commit()
        rid = r.id
    with migrated_engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM announcements")).scalar() == 2
        conn.execute(text("DELETE FROM releases WHERE id = :id"), {"id": rid})
        assert conn.execute(text("SELECT count(*) FROM announcements")).scalar() == 0


def test_sqlite_is_wal_with_foreign_keys(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_concurrent_upgrades_of_an_empty_postgres_database(pg_url):
    """`serve` and `refresh` starting together on a new database both upgrade it (separate
    processes, as in real life): none fails, the schema ends at head."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": pg_url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "aidtracker.cli", "db", "upgrade"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(3)
    ]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert [rc for rc, _ in results] == [0, 0, 0], results
    engine = make_engine(pg_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
