"""The database side of a refresh: each item stored, re-extraction, the `etl_runs` row.

`load_item` is step 6c (one release in its own transaction; a refusal becomes a failed release);
`reextract_changed` re-extracts the stored releases when the extractor changed;
`start_run`/`finish_run` are steps 3, 4 and 7 (stale runs marked failed, the run's row, its end
and the rollups in one transaction); `data_version` tells the dashboard when data changed.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, func, or_, select, update

from etl.parse.workers import one_line

if TYPE_CHECKING:
    from etl.fetch.inputs import Item
    from etl.pipeline import Refresh, RunResult

log = logging.getLogger("aidtracker.refresh")


def load_item(run: Refresh, item: Item) -> None:
    """Store one item (a failure, an unchanged release, or new announcements) and count it."""
    r = run.result
    r.seen += 1
    inp = item.input
    if item.status == "failed":
        run.fail(inp, item.error or "failed", state=item.state)
        return
    if item.status == "skip":
        r.unchanged += 1
        if inp.source in run.failed_before:  # failed last time, unchanged since the good version
            run.loader.clear_failures(inp.source)
        st = run.state_of(inp.source)
        if item.state is not None and st and (item.state.etag, item.state.last_modified) != st[:2]:
            run.loader.save_state(item.state, content=st[3], keep_links=True)
        return
    if run.lock is not None:
        run.lock.check()
    try:
        res = run.loader.load(inp.source, item.release, item.found, item.state, publisher_hint=inp.publisher)
    except Exception as exc:  # a database refusal for this release only (e.g. a value out of range)
        log.debug("load failed", exc_info=True)
        run.fail(inp, f"could not be stored: {type(exc).__name__}: {one_line(exc)}", state=item.state)
        return
    if res.outcome == "new":
        r.new += 1
    elif res.outcome == "updated":
        r.updated += 1
    else:
        r.unchanged += 1
    r.added += res.added
    r.removed += res.removed
    if res.outcome in ("new", "updated") and not run.progress:  # the bar shows progress on a terminal
        log.info("%s %s: %d announcements", res.outcome, inp.source, res.added)


# -- re-extraction after an extractor change ---------------------------------------------------


def extractor_fingerprint() -> str:
    """A hash of the extractor's code and lexicons (etl/extract/**/*.py, *.toml): it changes
    when an upgrade changes what extraction can find."""
    import etl.extract

    root = Path(etl.extract.__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".toml") and p.is_file()):
        h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def reextract_changed(run: Refresh, fingerprint: str) -> None:
    """When the extractor changed since the stored announcements were made (`fingerprint` differs
    from the stored one), extract every current release again from its stored text (no fetching)
    and replace its announcements where they differ. Interrupted, it starts over next run (the
    fingerprint is saved last); unchanged pages are otherwise skipped by their validators and
    body hashes and would keep the old extractor's rows."""
    from db.models import Release as R
    from etl.extract import extract
    from etl.types import ReleaseText

    if run.loader.fingerprint() == fingerprint:
        return
    with run.engine.connect() as conn:
        ids = (
            conn.execute(select(R.id).where(R.is_current.is_(True), R.status == "ok").order_by(R.id))
            .scalars()
            .all()
        )
    if ids:
        log.info("the extractor changed: extracting %d stored releases again", len(ids))
    changed = 0
    for rid in ids:
        if run.stopped():
            return
        with run.engine.connect() as conn:
            row = conn.execute(
                select(R.source, R.raw_text, R.published, R.language, R.publisher, R.title, R.canonical_url)
                .where(R.id == rid)
            ).one()  # fmt: skip
        release = ReleaseText(source=row.source, text=row.raw_text or "", published=row.published,
                              language=row.language, publisher=row.publisher, title=row.title,
                              source_url=row.canonical_url)  # fmt: skip
        try:
            found = extract(release)
        except Exception as exc:  # keep the old rows; the release is tried again next run
            run.error(row.source, f"extraction failed: {type(exc).__name__}: {one_line(exc)}")
            return
        res = run.loader.reextract(rid, release, found)
        if res.outcome == "updated":
            changed += 1
            run.result.updated += 1
            run.result.added += res.added
            run.result.removed += res.removed
    if ids:
        log.info("re-extraction done: %d of %d releases changed", changed, len(ids))
    run.loader.save_fingerprint(fingerprint)


# -- the run's row --------------------------------------------------------------------------------


def start_run(engine: Engine, config) -> int:
    """Mark runs left `running` by a killed process as failed, insert this run's row: its id."""
    from db.models import EtlRun
    from etl.load import utcnow

    described = [s.describe() for s in config.sources]
    with engine.begin() as conn:
        conn.execute(
            update(EtlRun)
            .where(EtlRun.status == "running")
            .values(
                status="failed",
                finished_at=utcnow(),
                error_summary="interrupted: the process ended before the run finished",
            )  # fmt: skip
        )
        return conn.execute(
            EtlRun.__table__.insert().values(
                started_at=utcnow(),
                status="running",
                sources="\n".join(described)[:20000],
                releases_seen=0,
                releases_new=0,
                releases_updated=0,
                releases_failed=0,
                announcements_added=0,
                announcements_removed=0,
            )  # fmt: skip
        ).inserted_primary_key[0]


def finish_run(engine: Engine, r: RunResult) -> None:
    """The run's end and the rollups in one transaction (the run recorded as failed if they fail)."""
    from db.models import EtlRun
    from db.rollups import refresh_rollups
    from etl.load import utcnow

    values = dict(
        finished_at=utcnow(), status=r.status, releases_seen=r.seen, releases_new=r.new,
        releases_updated=r.updated, releases_failed=r.failed, announcements_added=r.added,
        announcements_removed=r.removed, error_summary="\n".join(r.errors)[:20000] or None,
    )  # fmt: skip
    try:
        with engine.begin() as conn:
            refresh_rollups(conn)
            conn.execute(update(EtlRun).where(EtlRun.id == r.run_id).values(**values))
    except Exception as exc:  # rollups failed: record the run anyway, as failed
        log.error("rollups could not be refreshed: %s", one_line(exc))
        r.status = "failed"
        values.update(
            status="failed",
            error_summary=(f"rollups failed: {one_line(exc)}\n" + (values["error_summary"] or ""))[:20000],
        )
        with engine.begin() as conn:
            conn.execute(update(EtlRun).where(EtlRun.id == r.run_id).values(**values))


def data_version(engine_or_conn) -> int:
    """A number that changes whenever a finished refresh changed the data: the id of the latest
    such run (0 when none). One indexed query; meant for cache keys of the dashboard."""
    from db.models import EtlRun

    q = select(func.max(EtlRun.id)).where(
        EtlRun.finished_at.is_not(None),
        or_(
            EtlRun.releases_new > 0,
            EtlRun.releases_updated > 0,
            EtlRun.announcements_added > 0,
            EtlRun.announcements_removed > 0,
        ),  # fmt: skip
    )
    if isinstance(engine_or_conn, Connection):
        return engine_or_conn.execute(q).scalar() or 0
    with engine_or_conn.connect() as conn:
        return conn.execute(q).scalar() or 0
