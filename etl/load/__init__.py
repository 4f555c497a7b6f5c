"""Loading releases and their announcements: one transaction per release.

Everything about one input happens in one transaction: its release row, all its announcements,
the replacement of an older version, the removal of its earlier failure rows and its
`fetch_state` (validators and body hash). A run killed at any point leaves either all of it or
none of it, and the next run redoes exactly what is missing.

What a release can be, by the hash of its content (`content_hash`: main text plus title, date,
language, publisher and canonical URL):

- new: no release has this content → a release row (`is_current`) and its announcements;
- unchanged: the current version of the same source has this content → nothing written but the
  fetch state (this is what makes a second run add nothing);
- changed: the source has a current version with other content → the new version is inserted,
  the old one keeps its row and text but is no longer current and its announcements are
  replaced by the new version's (one transaction: readers see the old set or the new one);
- back to an older version: that version becomes current again, with freshly extracted rows;
- duplicate: another source already gave exactly this content (the same page under two URLs,
  the same sample file at a new path) → not loaded twice.

A failed input (unreadable file, HTTP error, non-HTML body, oversize page, extraction error)
becomes a release row with `status='failed'`, the error text and an attempt counter; it is current
only while the source has no good version (a failing refetch never hides good data). A later
success removes the failure rows of that source.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, update

from db.models import Announcement as AnnouncementRow
from db.models import Category, Donor, FetchState, Release
from db.review import carry_reviews
from etl.extract.status import STATUSES
from etl.load.money import to_eur_usd
from etl.load.pledge import Mention, assign_keys
from etl.types import Announcement, ReleaseText

log = logging.getLogger(__name__)

MAX_BIGINT = 2**63 - 1
# A fetch_state row that is not an address: which extractor made the stored announcements
FINGERPRINT_LOCATION = "aidtracker:extractor-fingerprint"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def location_key(location: str) -> str:
    return hashlib.sha256(location.encode("utf-8", "surrogatepass")).hexdigest()


def content_hash(release: ReleaseText) -> str:
    payload = json.dumps(
        [
            release.text,
            release.title,
            release.published.isoformat() if release.published else None,
            release.language,
            release.publisher,
            release.source_url,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(slots=True)
class StateUpdate:
    """What to remember about the address a release came from."""

    location: str
    kind: str  # "page" or "file"
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None


@dataclass(slots=True)
class LoadResult:
    outcome: str  # "new", "updated", "unchanged", "duplicate", "failed"
    release_id: int | None = None
    added: int = 0
    removed: int = 0
    skipped: list[str] = field(default_factory=list)  # announcement rows refused (unknown codes...)


def _clip(value: str | None, n: int) -> str | None:
    return value[:n] if value else value


_U_STATE = update(FetchState).where(FetchState.key_hash == bindparam("k_"))
_I_STATE = insert(FetchState)


def upsert_state(
    conn: Connection,
    st: StateUpdate,
    *,
    content: str | None = None,
    links: str | None = None,
    error: str | None = None,
    keep_links: bool = False,
    exists: bool | None = None,
) -> None:
    """Write the fetch state of `st.location` (`exists`: whether its row is known to be there)."""
    key = location_key(st.location)
    values = dict(
        location=st.location,
        kind=st.kind,
        etag=_clip(st.etag, 512),
        last_modified=_clip(st.last_modified, 128),
        body_hash=st.body_hash,
        content_hash=content,
        error=error,
        checked_at=utcnow(),
    )
    if not keep_links:
        values["links"] = links
    if exists is not False:
        if conn.execute(_U_STATE, {"k_": key, **values}).rowcount:
            return
    conn.execute(_I_STATE, {"key_hash": key, **values})


def read_states(conn: Connection) -> dict[str, tuple]:
    """All fetch states, keyed by location hash: (etag, last_modified, body_hash, content_hash, links)."""
    rows = conn.execute(
        select(
            FetchState.key_hash,
            FetchState.etag,
            FetchState.last_modified,
            FetchState.body_hash,
            FetchState.content_hash,
            FetchState.links,
        )  # fmt: skip
    )
    return {r[0]: tuple(r[1:]) for r in rows}


_R = Release
_A = AnnouncementRow
_S_BY_HASH = select(_R.id, _R.source, _R.is_current).where(_R.content_hash == bindparam("h"))
_S_CURRENT = select(_R.id).where(_R.source == bindparam("s"), _R.is_current.is_(True), _R.status == "ok")
_D_FAILED = delete(_R).where(_R.source == bindparam("s"), _R.status == "failed")
_I_RELEASE = insert(_R)
_I_ANN = insert(_A)
_MENTION_COLS = (
    _A.donor_code,
    _A.recipient_code,
    _A.category_code,
    _A.date,
    _A.quantity,
    _A.value_eur,
    _A.item,
    _A.pledge_key,
)
_S_BUCKET = (
    select(*_MENTION_COLS, func.count())
    .where(
        _A.donor_code == bindparam("d"),
        _A.recipient_code == bindparam("r"),
        _A.category_code == bindparam("c"),
        _A.date >= bindparam("lo"),
        _A.date <= bindparam("hi"),
    )
    .group_by(*_MENTION_COLS)
)
# rows a replacement deletes: reviewed rows are never deleted (db.review.carry_reviews keeps them)
_S_RELEASE_MENTIONS = select(*_MENTION_COLS).where(
    _A.release_id.in_(bindparam("ids", expanding=True)), _A.review_state == "unreviewed"
)


class MentionCache:
    """The pledge-key candidates, kept in memory for the run: mentions (the fields the rule reads,
    with their key) grouped by donor, recipient, category and week, each with the number of rows
    that carry it. A bucket is read from the database the first time a release needs it (one
    grouped query, so a page republished under many addresses counts once), then kept up to date
    with what this run commits. Safe because one refresh at a time writes (etl.lock)."""

    def __init__(self) -> None:
        self.buckets: dict[tuple, Counter] = {}

    @staticmethod
    def _bucket(m: Mention) -> tuple:
        return (m.donor_code, m.recipient_code, m.category_code, m.date.toordinal() // 7)

    def candidates(self, conn: Connection, new: list[Mention]) -> list[Mention]:
        from etl.load.pledge import WINDOW_DAYS

        wanted: dict[tuple, None] = {}
        for m in new:
            lo, hi = m.date.toordinal() - WINDOW_DAYS, m.date.toordinal() + WINDOW_DAYS
            for week in range(lo // 7, hi // 7 + 1):
                wanted[(m.donor_code, m.recipient_code, m.category_code, week)] = None
        out: list[Mention] = []
        for b in wanted:
            if b not in self.buckets:
                d, r, c, week = b
                params = {
                    "d": d,
                    "r": r,
                    "c": c,
                    "lo": dt.date.fromordinal(max(1, week * 7)),
                    "hi": dt.date.fromordinal(week * 7 + 6),
                }
                self.buckets[b] = Counter(
                    {Mention(*row[:8]): row[8] for row in conn.execute(_S_BUCKET, params)}
                )
            out.extend(self.buckets[b])
        return out

    def apply(self, added: list[Mention], removed: list[Mention]) -> None:
        """After a commit: the rows it inserted and deleted (buckets not loaded are left alone)."""
        for m in removed:
            bucket = self.buckets.get(self._bucket(m))
            if bucket is not None:
                bucket[m] -= 1
                if bucket[m] <= 0:
                    del bucket[m]
        for m in added:
            bucket = self.buckets.get(self._bucket(m))
            if bucket is not None:
                bucket[m] += 1


class Loader:
    """Writes releases for one run. Reference codes are read once; unknown donor, recipient or
    category codes skip that announcement (logged), never the release.

    It holds what it needs to know about the database in memory (which sources have a current
    version, which have failure rows, which addresses have a fetch state), so a new release costs
    a handful of statements; this is safe because one refresh at a time writes (etl.lock)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.connect() as conn:
            self.donors = set(conn.execute(select(Donor.code)).scalars())
            self.categories = set(conn.execute(select(Category.code)).scalars())
            self.current = set(
                conn.execute(select(_R.source).where(_R.is_current.is_(True), _R.status == "ok")).scalars()
            )
            self.failed = set(conn.execute(select(_R.source).where(_R.status == "failed")).scalars())
            self.states = set(conn.execute(select(FetchState.key_hash)).scalars())
        self.mentions = MentionCache()
        self._pending: tuple[list[Mention], list[Mention]] = ([], [])

    def _state(self, conn: Connection, st: StateUpdate, **kw) -> None:
        key = location_key(st.location)
        upsert_state(conn, st, exists=key in self.states, **kw)
        self.states.add(key)

    def _clear_failed(self, conn: Connection, source: str) -> None:
        if source in self.failed:
            conn.execute(_D_FAILED, {"s": source})

    # -- failures ---------------------------------------------------------------------------

    def record_failure(self, source: str, error: str, *, state: StateUpdate | None = None) -> LoadResult:
        error = " ".join(str(error).split())[:2000] or "unknown error"
        now = utcnow()
        with self.engine.begin() as conn:
            failed = conn.execute(
                select(_R.id, _R.attempts).where(_R.source == source, _R.status == "failed").order_by(_R.id)
            ).all()
            current = source not in self.current  # a failure never hides a good version
            if failed:
                rid, attempts = failed[0]
                conn.execute(
                    update(_R)
                    .where(_R.id == rid)
                    .values(error=error, attempts=attempts + 1, fetched_at=now, is_current=current)
                )
                if len(failed) > 1:
                    conn.execute(delete(_R).where(_R.id.in_([r[0] for r in failed[1:]])))
            else:
                rid = conn.execute(
                    insert(_R).values(
                        source=source,
                        fetched_at=now,
                        status="failed",
                        error=error,
                        attempts=1,
                        is_current=current,
                    )
                ).inserted_primary_key[0]
            if state is not None:  # remember the error, forget the validators: retry in full
                conn.execute(
                    update(FetchState)
                    .where(FetchState.key_hash == location_key(state.location))
                    .values(error=error, etag=None, last_modified=None, body_hash=None, checked_at=now)
                )
        self.failed.add(source)
        return LoadResult("failed", release_id=rid)

    def clear_failures(self, source: str) -> None:
        if source in self.failed:
            with self.engine.begin() as conn:
                self._clear_failed(conn, source)
            self.failed.discard(source)

    def save_state(self, state: StateUpdate, **kw) -> None:
        with self.engine.begin() as conn:
            self._state(conn, state, **kw)

    # -- releases ---------------------------------------------------------------------------

    def load(
        self,
        source: str,
        release: ReleaseText,
        found: list[Announcement],
        state: StateUpdate,
        *,
        publisher_hint: str | None = None,
    ) -> LoadResult:
        if not release.publisher and publisher_hint:
            release.publisher = publisher_hint
        h = content_hash(release)
        self._pending = ([], [])
        with self.engine.begin() as conn:
            same = conn.execute(_S_BY_HASH, {"h": h}).first()
            if same is not None and (same.source != source or same.is_current):
                if same.source != source:
                    log.info("%s: same content as %s, not loaded twice", source, same.source)
                self._clear_failed(conn, source)
                self._state(conn, state, content=h)
                outcome = "unchanged" if same.source == source else "duplicate"
                result = LoadResult(outcome, release_id=same.id)
                skipped: list[str] = []
            else:
                result, skipped = self._store(conn, source, release, found, state, h, same)
        self.mentions.apply(*self._pending)  # committed: the cache follows
        self._pending = ([], [])
        self.failed.discard(source)
        if result.outcome in ("new", "updated"):
            self.current.add(source)
        for msg in skipped:
            log.warning("%s: announcement skipped: %s", source, msg)
        return result

    def _store(self, conn, source, release, found, state, h, same) -> tuple[LoadResult, list[str]]:
        rows, skipped = self._rows(found, release)
        if rows:
            # before the old version's rows go: a new version of a page keeps their keys
            self._assign_pledge_keys(conn, rows, h)
        removed = 0
        old: list[int] = []
        gone: list[Mention] = []
        if source in self.current:
            old = conn.execute(_S_CURRENT, {"s": source}).scalars().all()
        dropped = list(old) + ([same.id] if same is not None else [])
        if dropped:
            gone = [Mention(*row) for row in conn.execute(_S_RELEASE_MENTIONS, {"ids": dropped})]
            n = conn.execute(
                delete(_A).where(_A.release_id.in_(dropped), _A.review_state == "unreviewed")
            ).rowcount or 0
            removed = n if old else 0
        if old:
            conn.execute(update(_R).where(_R.id.in_(old)).values(is_current=False))
        self._clear_failed(conn, source)
        fields = dict(
            canonical_url=_clip(release.source_url, 2048),
            publisher=_clip(release.publisher, 200),
            language=_clip(release.language, 8),
            title=release.title,
            published=release.published,
            fetched_at=utcnow(),
            raw_text=release.text,
            etag=_clip(state.etag, 512),
            last_modified=_clip(state.last_modified, 128),
            status="ok",
            error=None,
            attempts=1,
            is_current=True,
        )
        if same is not None:  # this source's older version is back: make it current again
            rid = same.id
            conn.execute(update(_R).where(_R.id == rid).values(**fields))
        else:
            rid = conn.execute(
                _I_RELEASE, {"source": source, "content_hash": h, **fields}
            ).inserted_primary_key[0]
        if dropped:  # reviewed rows move to the new version; the rows they stand for are not added
            rows = carry_reviews(conn, dropped, rid, release.text, rows)
        if rows:
            for r in rows:
                r["release_id"] = rid
            conn.execute(_I_ANN, rows)
        self._state(conn, state, content=h)
        self._pending = ([_mention(r, with_key=True) for r in rows], gone)
        outcome = "updated" if (old or same is not None) else "new"
        return LoadResult(outcome, release_id=rid, added=len(rows), removed=removed, skipped=skipped), skipped

    # -- re-extraction ----------------------------------------------------------------------

    def reextract(self, rid: int, release: ReleaseText, found: list[Announcement]) -> LoadResult:
        """Replace the announcements of current release `rid` with `found` (extracted again from
        its stored text) when they differ; one transaction. Rows that stay the same pledge keep
        their key: the release's own old rows are candidates of the rule."""
        rows, skipped = self._rows(found, release)
        cols = ("donor_code", "recipient_code", "category_code", "item", "quantity", "value", "currency",
                "date", "evidence", "evidence_start", "evidence_end", "confidence", "status")  # fmt: skip
        self._pending = ([], [])
        with self.engine.begin() as conn:
            old = conn.execute(
                select(*(getattr(_A, c) for c in cols)).where(_A.release_id == rid, _A.review_state == "unreviewed")
            ).all()
            if rows:
                seed = conn.execute(select(_R.content_hash).where(_R.id == rid)).scalar() or str(rid)
                self._assign_pledge_keys(conn, rows, seed)
            # reviewed rows stay as the analysts left them; the new rows they stand for are dropped
            rows = carry_reviews(conn, [rid], rid, release.text, rows)
            if Counter(tuple(o) for o in old) == Counter(tuple(r[c] for c in cols) for r in rows):
                return LoadResult("unchanged", release_id=rid)
            gone = [Mention(*row) for row in conn.execute(_S_RELEASE_MENTIONS, {"ids": [rid]})]
            removed = conn.execute(
                delete(_A).where(_A.release_id == rid, _A.review_state == "unreviewed")
            ).rowcount or 0
            if rows:
                for r in rows:
                    r["release_id"] = rid
                conn.execute(_I_ANN, rows)
            self._pending = ([_mention(r, with_key=True) for r in rows], gone)
        self.mentions.apply(*self._pending)
        self._pending = ([], [])
        for msg in skipped:
            log.warning("release %s: announcement skipped: %s", rid, msg)
        return LoadResult("updated", release_id=rid, added=len(rows), removed=removed, skipped=skipped)

    def fingerprint(self) -> str | None:
        """The extractor fingerprint the stored announcements were made with (None: unknown)."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(FetchState.body_hash).where(FetchState.key_hash == location_key(FINGERPRINT_LOCATION))
            ).scalar()

    def save_fingerprint(self, fingerprint: str) -> None:
        self.save_state(StateUpdate(FINGERPRINT_LOCATION, "file", body_hash=fingerprint))

    def _rows(self, found: list[Announcement], release: ReleaseText):
        rows: list[dict] = []
        skipped: list[str] = []
        for a in found:
            bad = []
            if a.donor_code not in self.donors:
                bad.append(f"unknown donor code {a.donor_code!r}")
            if a.recipient_code not in self.donors:
                bad.append(f"unknown recipient code {a.recipient_code!r}")
            if a.category not in self.categories:
                bad.append(f"unknown category {a.category!r}")
            try:
                date = dt.date.fromisoformat(str(a.date)[:10])
            except ValueError:
                date = release.published
                if date is None:
                    bad.append(f"no usable date ({a.date!r})")
            if bad:
                skipped.append(f"{'; '.join(bad)} ({(a.item or '')[:80]!r})")
                continue
            quantity = a.quantity if isinstance(a.quantity, int) and 0 <= a.quantity <= MAX_BIGINT else None
            value = float(a.value) if isinstance(a.value, int | float) and math.isfinite(a.value) else None
            currency = a.currency.strip().upper()[:3] if a.currency and value is not None else None
            eur, usd = to_eur_usd(value, currency, date) if value is not None and currency else (None, None)
            try:
                confidence = min(1.0, max(0.0, float(a.confidence)))
            except (TypeError, ValueError):
                confidence = 0.5
            if not math.isfinite(confidence):
                confidence = 0.5
            rows.append(
                dict(
                    release_id=None,
                    donor_code=a.donor_code,
                    recipient_code=a.recipient_code,
                    category_code=a.category,
                    item=(a.item or a.category)[:2000],
                    quantity=quantity,
                    value=value,
                    currency=currency,
                    value_eur=eur,
                    value_usd=usd,
                    date=date,
                    evidence=a.evidence or "",
                    evidence_start=a.evidence_start,
                    evidence_end=a.evidence_end,
                    confidence=confidence,
                    pledge_key="",
                    status=a.status if a.status in STATUSES else "unknown",
                )
            )
        return rows, skipped

    def _assign_pledge_keys(self, conn: Connection, rows: list[dict], seed: str) -> None:
        new = [_mention(r) for r in rows]
        existing = self.mentions.candidates(conn, new)
        for r, key in zip(rows, assign_keys(new, existing, seed), strict=True):
            r["pledge_key"] = key


def _mention(r: dict, with_key: bool = False) -> Mention:
    return Mention(
        r["donor_code"],
        r["recipient_code"],
        r["category_code"],
        r["date"],
        r["quantity"],
        r["value_eur"],
        r["item"],
        r["pledge_key"] if with_key else None,
    )


# -- runs -----------------------------------------------------------------------------------


def failed_sources(engine: Engine, max_attempts: int) -> list[str]:
    """Sources whose last attempt failed and that have failed fewer than `max_attempts` times."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Release.source, func.min(Release.id))
            .where(Release.status == "failed", Release.attempts < max_attempts)
            .group_by(Release.source)
            .order_by(func.min(Release.id))
        )
        return [r[0] for r in rows]
