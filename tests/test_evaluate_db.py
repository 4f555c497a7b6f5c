"""Issue 15: `aidtracker evaluate --db` scores the extractor against the reviewed rows."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from db.engine import make_engine
from db.models import Announcement
from db.review import Reviewer, add_row, apply_review
from etl.evaluate.database import evaluate_database

ANA = Reviewer(None, "ana")


@pytest.fixture
def engine(tmp_path, monkeypatch):
    from db.engine import default_engine
    from etl.pipeline import load_samples

    url = f"sqlite:///{tmp_path / 'ev.sqlite3'}"
    e = make_engine(url)
    load_samples(e)
    monkeypatch.setenv("DATABASE_URL", url)
    default_engine.cache_clear()
    yield e
    default_engine.cache_clear()
    e.dispose()


def figures(engine) -> dict:
    from aidtracker.cli import main

    r = CliRunner().invoke(main, ["evaluate", "--db", "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_every_review_moves_the_measure(engine):
    assert figures(engine)["n_expected"] == 0  # nothing reviewed yet
    with engine.begin() as conn:
        rows = conn.execute(select(Announcement.id, Announcement.release_id, Announcement.category_code)
                            .order_by(Announcement.id)).all()  # fmt: skip
        rid = rows[0].release_id
        same = [r for r in rows if r.release_id == rid]
        for r in same:
            apply_review(conn, r.id, "confirm", ANA)
    f = figures(engine)
    assert (f["n_expected"], f["n_matched"], f["n_predicted"]) == (len(same), len(same), len(same))
    assert f["precision"] == 1.0 and f["recall"] == 1.0
    with engine.begin() as conn:  # the extractor was wrong about one row: a miss and a false hit
        new = "humanitarian" if same[0].category_code != "humanitarian" else "medical"
        apply_review(conn, same[0].id, "correct", ANA, {"category_code": new})
        text = conn.execute(select(Announcement.evidence).where(Announcement.id == same[0].id)).scalar()
    f = figures(engine)
    assert f["n_matched"] == len(same) - 1 and f["precision"] < 1.0 and f["recall"] < 1.0
    assert any(h["category"] == same[0].category_code for h in f["false_hits"])
    assert any(m["category"] == new for m in f["misses"])
    # a row of another release reviewed: that release joins the measure, its other rows are left out
    other = next(r for r in rows if r.release_id != rid)
    with engine.begin() as conn:
        apply_review(conn, other.id, "reject", ANA)
    results, info = evaluate_database(engine)
    assert info["releases_reviewed"] == 2 and info["rows_unreviewed_left_out"] >= 0
    assert text


def test_added_rows_are_expected(engine):
    from db.models import Release

    with engine.begin() as conn:
        rel = conn.execute(select(Release.id, Release.raw_text).where(Release.status == "ok").limit(1)).one()
        add_row(conn, rel.id, 0, min(40, len(rel.raw_text)), {"donor_code": "SWE", "category_code": "tanks"}, ANA)
    f = figures(engine)
    assert f["n_expected"] == 1 and any(m["donor_code"] == "SWE" for m in f["misses"])


def test_evaluate_needs_a_corpus_or_db():
    from aidtracker.cli import main

    r = CliRunner().invoke(main, ["evaluate"])
    assert r.exit_code == 2 and "CORPUS_DIR or --db" in r.output
