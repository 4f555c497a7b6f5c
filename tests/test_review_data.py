"""Issue 15: review state and the reviews log; corrections survive re-extraction and refresh
(SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from db.engine import make_engine
from db.models import Announcement, FetchState, Release, Review
from db.queries import Filters, aggregate
from db.review import (
    FLAG_EVIDENCE_MISSING,
    Reviewer,
    ReviewError,
    add_row,
    apply_review,
    clean_changes,
    find_evidence,
    history,
    match_reviewed,
    release_paragraph,
)
from etl.extract import extract
from etl.fetch.sources import Settings, Source, SourcesConfig
from etl.load import FINGERPRINT_LOCATION
from etl.pipeline import load_samples, refresh
from etl.types import ReleaseText

A = Announcement
ANA = Reviewer(None, "ana")


@pytest.fixture
def engine(db_url):
    e = make_engine(db_url)
    yield e
    e.dispose()


def _row(conn, **where) -> dict:
    stmt = select(A.__table__).where(*(getattr(A, k) == v for k, v in where.items()))
    return conn.execute(stmt).one()


def _mentions(conn) -> int:
    return aggregate(conn, Filters(mentions=True), ())[0]["n"]


def test_clean_changes_types_and_refuses():
    got = clean_changes(
        {"quantity": "1,200", "value": "2.5e6", "currency": "eur", "date": "2023-04-21", "status": "delivered"}
    )
    assert got == {"quantity": 1200, "value": 2.5e6, "currency": "EUR", "date": dt.date(2023, 4, 21),
                   "status": "delivered"}  # fmt: skip
    assert clean_changes({"quantity": ""}) == {"quantity": None}
    for bad in ({"quantity": "many"}, {"date": "21/04/2023"}, {"status": "sold"}, {"currency": "EURO"},
                {"evidence": "x"}, {"confidence": 1}, {"donor_code": "XXX"}, {"category_code": "lasers"}):  # fmt: skip
        with pytest.raises(ReviewError):
            clean_changes(bad, donors={"USA"}, categories={"tanks"})


def test_find_evidence_and_paragraph():
    text = "Title\n\nFirst one. The tanks will come. Then.\n\nOther paragraph. The tanks will come."
    ev = "The tanks will come."
    s = text.index(ev)
    assert find_evidence(text, ev, s, s + len(ev)) == (s, s + len(ev))
    later = text.rindex(ev)
    assert find_evidence(text, ev, later + 3, later + 3 + len(ev)) == (later, later + len(ev))  # nearest
    assert find_evidence(text, "Gone.", 0, 5) is None
    assert release_paragraph(text, s, s + len(ev), ev) == [("First one. ", False), (ev, True), (" Then.", False)]
    assert release_paragraph(text, None, None, "Not there.") == [("Not there.", True)]
    assert release_paragraph("<b>x</b> y", 0, 8, "<b>x</b>") == [("<b>x</b>", True), (" y", False)]  # text only


def test_match_reviewed_by_evidence_and_key_or_original_identity():
    reviewed = [
        {"id": 1, "evidence": "S1", "pledge_key": "k1", "donor_code": "USA", "category_code": "tanks", "item": "x"},
        {"id": 2, "evidence": "S1", "pledge_key": "k2", "donor_code": "USA", "category_code": "drones",
         "item": "y"},  # corrected from artillery
    ]  # fmt: skip
    new = [
        {"evidence": "S1", "pledge_key": "k9", "donor_code": "USA", "category_code": "artillery", "item": "y"},
        {"evidence": "S1", "pledge_key": "k1", "donor_code": "USA", "category_code": "tanks", "item": "x"},
        {"evidence": "S2", "pledge_key": "k2", "donor_code": "USA", "category_code": "drones", "item": "y"},
    ]
    pairs = match_reviewed(reviewed, {2: ("USA", "artillery")}, new)
    assert sorted(pairs) == [(0, 1), (1, 0)]  # never across sentences (S2)


def test_reviews_log_and_counts(engine):
    load_samples(engine)
    with engine.begin() as conn:
        ids = conn.execute(select(A.id).order_by(A.id)).scalars().all()
        before = _mentions(conn)
        a, b, c = ids[:3]
        old_cat = _row(conn, id=a).category_code
        new_cat = "drones" if old_cat != "drones" else "tanks"
        apply_review(conn, a, "correct", ANA, {"category_code": new_cat, "quantity": 7}, note="see table 2")
        apply_review(conn, b, "reject", ANA, note="a call, not a pledge")
        apply_review(conn, c, "confirm", ANA)
        with pytest.raises(ReviewError):
            apply_review(conn, 10**9, "confirm", ANA)
        assert _mentions(conn) == before - 1  # the rejected row no longer counts
        assert _row(conn, id=a).review_state == "corrected"
        assert _row(conn, id=a).category_code == new_cat
        assert _row(conn, id=b).review_state == "rejected"
        assert _row(conn, id=c).review_state == "confirmed"
        log = history(conn, a)
        assert [h["action"] for h in log] == ["correct"]
        assert log[0]["before"]["category_code"] == old_cat and log[0]["after"] == {
            "category_code": new_cat, "quantity": 7}  # fmt: skip
        assert log[0]["note"] == "see table 2" and log[0]["user_name"] == "ana"
        apply_review(conn, a, "confirm", ANA)  # confirming a corrected row keeps it corrected
        assert _row(conn, id=a).review_state == "corrected"
        assert conn.execute(select(func.count()).select_from(Review)).scalar() == 4


def test_add_a_missing_row_from_a_sentence(engine):
    load_samples(engine)
    with engine.begin() as conn:
        rel = conn.execute(select(Release.id, Release.raw_text).where(Release.status == "ok").limit(1)).one()
        sentence = rel.raw_text.split("\n")[-1].strip() or rel.raw_text[:40]
        s = rel.raw_text.index(sentence)
        before = _mentions(conn)
        row = add_row(conn, rel.id, s, s + len(sentence), {"donor_code": "DNK", "category_code": "medical",
                      "item": "field hospital", "value": "1000000", "currency": "DKK"}, ANA)  # fmt: skip
        assert row["evidence"] == sentence and row["review_state"] == "corrected"
        assert row["value_eur"] and row["value_eur"] < 1_000_000
        assert _mentions(conn) == before + 1
        with pytest.raises(ReviewError):
            add_row(conn, rel.id, 0, 10**7, {"donor_code": "DNK", "category_code": "medical"}, ANA)
        assert [h["action"] for h in history(conn, row["id"])] == ["add"]


def _lexicon_change(monkeypatch):
    """A real lexicon change: 'howitzers' is no longer an artillery term in English."""
    import etl.pipeline
    from etl.extract import lexicon

    orig = lexicon._read_toml

    def changed(name):
        data = copy.deepcopy(orig(name))
        if name == "en":
            data["categories"]["artillery"] = [t for t in data["categories"]["artillery"] if "howitzer" not in t]
        return data

    monkeypatch.setattr(lexicon, "_read_toml", changed)
    monkeypatch.setattr(etl.pipeline, "extractor_fingerprint", lambda: "lexicon-without-howitzers")
    lexicon.get.cache_clear()


def test_reextraction_after_a_lexicon_change_keeps_every_review(engine, monkeypatch):
    from etl.extract import lexicon

    load_samples(engine)
    with engine.begin() as conn:
        target = _row(conn, donor_code="USA", category_code="artillery", item="M777 towed howitzers")
        same_release = conn.execute(
            select(A.id).where(A.release_id == target.release_id, A.id != target.id).order_by(A.id)
        ).scalars().all()
        other = conn.execute(select(A.id).where(A.release_id != target.release_id).order_by(A.id)).scalars().first()
        rejected = same_release[0]
        apply_review(conn, target.id, "correct", ANA, {"quantity": 20, "status": "delivered"})
        apply_review(conn, rejected, "reject", ANA)
        apply_review(conn, other, "confirm", ANA)
        counted = _mentions(conn)
        n_rows = conn.execute(select(func.count(A.id))).scalar()
    try:
        _lexicon_change(monkeypatch)
        with engine.connect() as conn:
            rel = conn.execute(select(Release.__table__).where(Release.id == target.release_id)).one()
        found = extract(ReleaseText(source=rel.source, text=rel.raw_text, published=rel.published,
                                    language=rel.language, publisher=rel.publisher, title=rel.title,
                                    source_url=rel.canonical_url))  # fmt: skip
        # the new lexicon makes another row of that sentence ...
        assert ("artillery", "M777") in {(a.category, a.item) for a in found}
        assert ("artillery", "M777 towed howitzers") not in {(a.category, a.item) for a in found}
        r = load_samples(engine)
    finally:
        lexicon.get.cache_clear()
    assert r.status == "ok"
    with engine.connect() as conn:
        assert conn.execute(select(FetchState.body_hash).where(FetchState.location == FINGERPRINT_LOCATION)
                            ).scalar() == "lexicon-without-howitzers"  # fmt: skip  (re-extraction ran)
        # ... but the reviewed row stands for it
        t = _row(conn, id=target.id)  # same row, as the analyst left it
        assert (t.quantity, t.status, t.item, t.review_state) == (20, "delivered", "M777 towed howitzers",
                                                                  "corrected")  # fmt: skip
        assert t.review_flag is None
        # the re-extracted twin ("M777" without "towed howitzers") was not added beside it
        twins = conn.execute(
            select(func.count()).where(A.release_id == t.release_id, A.evidence == t.evidence,
                                       A.donor_code == "USA", A.category_code == "artillery")
        ).scalar()  # fmt: skip
        assert twins == 1
        assert _row(conn, id=rejected).review_state == "rejected"
        assert _row(conn, id=other).review_state == "confirmed"
        assert conn.execute(select(func.count(A.id))).scalar() == n_rows
        assert _mentions(conn) == counted
    r = load_samples(engine)  # and again: nothing moves
    assert (r.updated, r.added, r.removed) == (0, 0, 0)


def test_a_new_version_of_a_release_keeps_reviews_and_flags_a_vanished_sentence(engine, tmp_path):
    path = tmp_path / "dk.txt"
    keep = "Denmark will donate 19 Caesar howitzers to Ukraine."
    vanish = "Denmark will also provide 5 million euros for demining equipment."
    call = "Denmark will send 10 armoured vehicles to Ukraine."
    header = "publisher: Danish Ministry of Defence\nlanguage: en\npublished: 2023-01-19\n---\n"
    path.write_text(header + f"Title\n\n{keep} {vanish}\n\n{call}\n", encoding="utf-8")
    cfg = SourcesConfig(Settings(parse_workers=1, lock_wait=5), [Source("path", str(path))])
    refresh(engine, cfg, progress=False)
    with engine.begin() as conn:
        rows = {r.evidence: r for r in conn.execute(select(A.__table__))}
        assert {keep, vanish, call} <= set(rows), rows.keys()
        k, v, c = rows[keep], rows[vanish], rows[call]
        apply_review(conn, k.id, "confirm", ANA)
        apply_review(conn, v.id, "correct", ANA, {"value": 6_000_000})
        apply_review(conn, c.id, "reject", ANA)
        old_release = k.release_id
    path.write_text(header + f"New title\n\nIntro sentence first. {keep}\n\n{call}\n", encoding="utf-8")
    r = refresh(engine, cfg, progress=False)
    assert r.updated == 1
    with engine.connect() as conn:
        new_release = conn.execute(select(Release.id).where(Release.is_current.is_(True))).scalar()
        assert new_release != old_release
        text = conn.execute(select(Release.raw_text).where(Release.id == new_release)).scalar()
        k2, v2, c2 = (_row(conn, id=x.id) for x in (k, v, c))
        assert {k2.release_id, v2.release_id, c2.release_id} == {new_release}
        assert text[k2.evidence_start : k2.evidence_end] == keep and k2.review_state == "confirmed"
        assert (v2.value, v2.review_state, v2.review_flag) == (6_000_000, "corrected", FLAG_EVIDENCE_MISSING)
        assert c2.review_state == "rejected" and c2.review_flag is None
        assert conn.execute(select(func.count()).where(A.evidence == call)).scalar() == 1
        assert conn.execute(select(func.count()).where(A.evidence == keep)).scalar() == 1
        assert _mentions(conn) == conn.execute(
            select(func.count()).where(A.release_id == new_release, A.review_state != "rejected")
        ).scalar()
    with engine.begin() as conn:  # the analyst looks: the flag goes
        apply_review(conn, v.id, "confirm", ANA, note="sentence removed by the publisher; figure stands")
        assert _row(conn, id=v.id).review_flag is None
        assert json.loads(conn.execute(select(Review.after).where(Review.announcement_id == v.id)
                                       .order_by(Review.id.desc())).scalars().first()) == {  # fmt: skip
            "review_state": "corrected"}
