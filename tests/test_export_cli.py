"""Issue 15: `aidtracker export --format csv|parquet|jsonl` carries status and review state."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from db.engine import make_engine
from db.models import Announcement
from db.queries import EXPORT_FIELDS
from db.review import Reviewer, apply_review


@pytest.fixture
def db(tmp_path, monkeypatch):
    from db.engine import default_engine
    from etl.pipeline import load_samples

    url = f"sqlite:///{tmp_path / 'e.sqlite3'}"
    e = make_engine(url)
    load_samples(e)
    with e.begin() as conn:
        ids = conn.execute(select(Announcement.id).order_by(Announcement.id)).scalars().all()
        apply_review(conn, ids[0], "reject", Reviewer(None, "ana"))
        apply_review(conn, ids[1], "correct", Reviewer(None, "ana"), {"item": "=HYPERLINK(1)", "status": "delivered"})
    monkeypatch.setenv("DATABASE_URL", url)
    default_engine.cache_clear()
    yield e, ids
    default_engine.cache_clear()
    e.dispose()


def run(*args: str):
    from aidtracker.cli import main

    r = CliRunner().invoke(main, ["export", *args])
    assert r.exit_code == 0, r.output
    return r


def test_csv_jsonl_parquet_agree(db, tmp_path):
    e, ids = db
    with e.connect() as conn:
        n_all = len(conn.execute(select(Announcement.id)).all())
    rows = list(csv.DictReader(io.StringIO(run("--format", "csv").stdout)))
    assert list(rows[0]) == list(EXPORT_FIELDS) and len(rows) == n_all - 1  # the rejected row left out
    corrected = [r for r in rows if r["review_state"] == "corrected"]
    assert len(corrected) == 1 and corrected[0]["item"] == "'=HYPERLINK(1)" and corrected[0]["status"] == "delivered"
    lines = [json.loads(x) for x in run("--format", "jsonl", "--include-rejected").stdout.splitlines()]
    assert len(lines) == n_all and sorted(x["review_state"] for x in lines).count("rejected") == 1
    assert {x["item"] for x in lines if x["review_state"] == "corrected"} == {"=HYPERLINK(1)"}  # JSON: as stored
    out = tmp_path / "a.parquet"
    run("--format", "parquet", "--output", str(out), "--filter", "donor=USA")
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert table.schema.names == list(EXPORT_FIELDS)
    assert set(table.column("donor_code").to_pylist()) == {"USA"}
    assert table.num_rows == sum(1 for r in rows if r["donor_code"] == "USA")


def test_parquet_needs_a_file(db):
    from aidtracker.cli import main

    r = CliRunner().invoke(main, ["export", "--format", "parquet"])
    assert r.exit_code != 0 and "--output" in r.output
