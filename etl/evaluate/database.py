"""`aidtracker evaluate --db` (issue 15): the extractor scored against what analysts reviewed.

For every current release with at least one reviewed row, the current extractor runs again on its
stored text. Expected rows are that release's confirmed and corrected rows (as corrected, and
those an analyst added); rejected rows are known to be wrong, so a prediction of one is a false
hit. Rows nobody has reviewed are neither right nor wrong yet: the predictions that are one of
them (same donor, category and evidence sentence) are left out of the score, as are those rows.
The matching rule and the figures are `aidtracker evaluate`'s (etl.evaluate), so every review
makes the measure cover more rows."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from sqlalchemy import Engine, select

from etl.evaluate import FileResult, render_text, score, summarize


def evaluate_database(engine: Engine) -> tuple[list[FileResult], dict]:
    from db.models import Announcement as A
    from db.models import Donor, Release
    from db.rollups import current_release_condition
    from etl.extract import extract
    from etl.extract.donors import code_for
    from etl.types import ReleaseText

    with engine.connect() as conn:
        rel_ids = conn.execute(
            select(A.release_id).join(Release, Release.id == A.release_id)
            .where(current_release_condition(), A.review_state != "unreviewed").distinct()
        ).scalars().all()  # fmt: skip
        names = dict(conn.execute(select(Donor.code, Donor.name_en)).all())
    results: list[FileResult] = []
    info = {"releases_reviewed": len(rel_ids), "rows_unreviewed_left_out": 0, "predictions_left_out": 0}
    for rid in sorted(rel_ids):
        with engine.connect() as conn:
            rel = conn.execute(select(Release.__table__).where(Release.id == rid)).one()
            rows = conn.execute(
                select(A.donor_code, A.category_code, A.item, A.date, A.evidence, A.review_state).where(
                    A.release_id == rid)  # fmt: skip
            ).all()
        expected = [
            {"donor": names.get(r.donor_code, r.donor_code), "donor_code": r.donor_code, "category": r.category_code,
             "item": r.item, "date": r.date.isoformat(), "evidence": r.evidence}  # fmt: skip
            for r in rows
            if r.review_state in ("confirmed", "corrected")
        ]
        unknown = {(r.donor_code, r.category_code, r.evidence) for r in rows if r.review_state == "unreviewed"}
        info["rows_unreviewed_left_out"] += sum(1 for r in rows if r.review_state == "unreviewed")
        release = ReleaseText(source=rel.source, text=rel.raw_text or "", published=rel.published,
                              language=rel.language, publisher=rel.publisher, title=rel.title,
                              source_url=rel.canonical_url)  # fmt: skip
        predicted = []
        error = None
        try:
            for a in extract(release):
                rec = a.to_record()
                rec["donor_code"] = rec.get("donor_code") or code_for(rec.get("donor") or "") or ""
                if (rec["donor_code"], rec["category"], rec["evidence"]) in unknown:
                    info["predictions_left_out"] += 1
                    continue
                predicted.append(rec)
        except Exception as exc:  # one release's extraction bug must not hide the others
            error = f"extraction failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        counts, m = score(expected, predicted)
        results.append(FileResult(rel.source, rel.language or "??", expected, predicted, counts, m, error))
    return results, info


def run_evaluate_db(engine: Engine, as_json: bool, out: TextIO, err: TextIO | None = None) -> int:
    err = err or sys.stderr
    results, info = evaluate_database(engine)
    summary = summarize(results)
    summary.update(info)
    if as_json:
        out.write(json.dumps(summary, ensure_ascii=False) + "\n")
    else:
        out.write(render_text(summary, f"database ({info['releases_reviewed']} releases with reviewed rows)"))  # type: ignore[arg-type]
        out.write(
            f"left out, not reviewed yet: {info['rows_unreviewed_left_out']} stored rows, "
            f"{info['predictions_left_out']} predictions that are one of them\n"
        )
    if not results:
        err.write("aidtracker evaluate --db: no reviewed rows yet: confirm, correct or reject rows in /review/\n")
    out.flush()
    return 0
