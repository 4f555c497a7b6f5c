"""Review (issue 15): analysts confirm, reject or correct announcements, or add missing ones, and
what they did survives every refresh and re-extraction.

Corrections are data. Every action is a row of `reviews` (who, when, the fields before and after,
a note) and leaves the announcement in a review state: `confirmed`, `corrected` (also a row an
analyst added) or `rejected`; rows nobody looked at are `unreviewed`. Rejected rows stay in the
table but are never counted (`counted_condition`, used by the rollups and every query).

A reviewed row is never overwritten. When the ETL replaces the rows of a release (a new version
of the page, or a new extractor: `etl.load`), `carry_reviews` keeps every reviewed row as the
analyst left it and re-anchors it in the new text:

- its evidence sentence is looked up in the new text (at the same offsets, else the occurrence
  nearest to them): found, the row moves to the new version with the new offsets; not found, it
  moves all the same, keeps its values and is flagged `evidence_missing` for a look: never dropped;
- the newly extracted row that is the same mention (same evidence sentence, and the same pledge
  key or the same donor and category as the row had before any correction) is not inserted:
  the reviewed row stands for it, so a rejected row stays rejected and a correction stays applied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from db.models import Announcement, Release, Review

A = Announcement.__table__
R = Release.__table__
RV = Review.__table__

REVIEW_STATES = ("unreviewed", "confirmed", "corrected", "rejected")
ACTIONS = ("confirm", "reject", "correct")
STATUSES = ("announced", "delivered", "in_delivery", "unknown")
EDITABLE = ("donor_code", "category_code", "item", "quantity", "value", "currency", "date", "status")
FLAG_EVIDENCE_MISSING = "evidence_missing"
MAX_NOTE = 2000
MAX_ITEM = 2000


class ReviewError(ValueError):
    """A review that cannot be applied (unknown row, bad value); the message is for the user."""


def counted_condition():
    """Rows that count: every row but the rejected ones."""
    return A.c.review_state != "rejected"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- values ------------------------------------------------------------------------------------


def clean_changes(
    changes: Mapping[str, Any], donors: set[str] | None = None, categories: set[str] | None = None
) -> dict[str, Any]:
    """The editable fields of `changes` checked and typed (pure). Raises ReviewError."""
    out: dict[str, Any] = {}
    for key, raw in (changes or {}).items():
        if key not in EDITABLE:
            raise ReviewError(f"field {key!r} cannot be edited")
        value: Any = raw.strip() if isinstance(raw, str) else raw
        if value == "":
            value = None
        if key in ("donor_code",):
            value = str(value or "").upper()
            if not value or (donors is not None and value not in donors):
                raise ReviewError(f"unknown donor code {raw!r}")
        elif key == "category_code":
            if not value or (categories is not None and value not in categories):
                raise ReviewError(f"unknown category {raw!r}")
        elif key == "item":
            if not value:
                raise ReviewError("the item cannot be empty")
            value = str(value)[:MAX_ITEM]
        elif key == "quantity":
            if value is not None:
                try:
                    value = int(str(value).replace(",", "").replace(" ", ""))
                except ValueError as exc:
                    raise ReviewError(f"quantity {raw!r} is not a whole number") from exc
                if not 0 <= value < 2**63:
                    raise ReviewError(f"quantity {raw!r} is out of range")
        elif key == "value":
            if value is not None:
                try:
                    value = float(str(value).replace(",", "").replace(" ", ""))
                except ValueError as exc:
                    raise ReviewError(f"value {raw!r} is not a number") from exc
                if not math.isfinite(value) or value < 0:
                    raise ReviewError(f"value {raw!r} is out of range")
        elif key == "currency":
            if value is not None:
                value = str(value).upper()
                if len(value) != 3 or not value.isalpha():
                    raise ReviewError(f"currency {raw!r} is not an ISO 4217 code")
        elif key == "date":
            try:
                value = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
            except ValueError as exc:
                raise ReviewError(f"date {raw!r} is not YYYY-MM-DD") from exc
        elif key == "status":
            if value not in STATUSES:
                raise ReviewError(f"unknown status {raw!r}")
        out[key] = value
    return out


def _json(values: Mapping[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(
        {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()},
        ensure_ascii=False,
        sort_keys=True,
    )


def _money(row: Mapping[str, Any]) -> dict[str, Any]:
    from etl.load.money import to_eur_usd

    value, currency, date = row.get("value"), row.get("currency"), row.get("date")
    if value is None or not currency or date is None:
        return {"value_eur": None, "value_usd": None}
    eur, usd = to_eur_usd(float(value), currency, date)
    return {"value_eur": eur, "value_usd": usd}


ROW_COLS = (
    "id", "release_id", "donor_code", "recipient_code", "category_code", "item", "quantity", "value",
    "currency", "value_eur", "date", "evidence", "evidence_start", "evidence_end", "confidence", "pledge_key",
    "status", "review_state", "review_flag",
)  # fmt: skip


def get_row(conn: Connection, ann_id: int, lock: bool = False) -> dict | None:
    stmt = select(*(A.c[c] for c in ROW_COLS)).where(A.c.id == ann_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


@dataclass(frozen=True, slots=True)
class Reviewer:
    id: int | None
    name: str


def _log(conn: Connection, who: Reviewer, ann: Mapping, action: str, before, after, note) -> int:
    source = conn.execute(select(R.c.source).where(R.c.id == ann["release_id"])).scalar()
    return conn.execute(
        insert(RV).values(
            announcement_id=ann["id"],
            user_id=who.id,
            user_name=who.name,
            created_at=utcnow(),
            action=action,
            before=_json(before),
            after=_json(after),
            note=(note or None) and str(note)[:MAX_NOTE],
            release_source=source,
            evidence=ann["evidence"],
            pledge_key=ann["pledge_key"],
        )
    ).inserted_primary_key[0]


def _cells(conn: Connection, pledge_keys: list[str]):
    """The rollup cells a change to these pledges touches (None: the rollups are not current,
    so the change is followed by a full rebuild instead)."""
    from db.rollup_cells import Cells, rollups_present

    return Cells(conn, pledge_keys) if rollups_present(conn) else None


def _refresh(conn: Connection, cells, added: bool = False) -> None:
    """Bring the rollups up to date after a change in place (the fingerprint cannot see one)."""
    from db.rollups import RS, fingerprint, refresh_rollups

    if cells is None:
        refresh_rollups(conn, force=True)
        return
    cells.refresh(conn)
    if added:  # a new row: the rollups now hold it, so they stay fresh and the next refresh skips them
        n, max_id = conn.execute(select(func.count(A.c.id), func.max(A.c.id))).one()
        conn.execute(update(RS).values(announcements=n, max_announcement_id=max_id, fingerprint=fingerprint(conn)))


def apply_review(
    conn: Connection,
    ann_id: int,
    action: str,
    who: Reviewer,
    changes: Mapping[str, Any] | None = None,
    note: str | None = None,
    *,
    donors: set[str] | None = None,
    categories: set[str] | None = None,
    refresh: bool = True,
) -> dict:
    """Confirm, reject or correct one announcement (in the caller's transaction); returns the row
    as it is afterwards. A correction that changes nothing is a confirmation."""
    if action not in ACTIONS:
        raise ReviewError(f"unknown action {action!r}")
    row = get_row(conn, ann_id, lock=True)
    if row is None:
        raise ReviewError(f"no announcement {ann_id}")
    values: dict[str, Any] = {"review_flag": None}  # the analyst has looked at it
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    if action == "reject":
        values["review_state"] = "rejected"
        before, after = {"review_state": row["review_state"]}, {"review_state": "rejected"}
    else:
        new = clean_changes(changes or {}, donors, categories)
        diff = {k: v for k, v in new.items() if row[k] != v}
        if action == "correct" and diff:
            before = {k: row[k] for k in diff}
            after = dict(diff)
            values.update(diff)
            if {"value", "currency", "date"} & set(diff):
                values.update(_money({**row, **diff}))
            if "currency" not in diff and "value" in diff and diff["value"] is None:
                values["currency"] = None
            values["review_state"] = "corrected"
        else:
            action = "confirm"
            state = "corrected" if row["review_state"] == "corrected" else "confirmed"
            before, after = {"review_state": row["review_state"]}, {"review_state": state}
            values["review_state"] = state
    cells = _cells(conn, [row["pledge_key"]]) if refresh else None
    conn.execute(update(A).where(A.c.id == ann_id).values(**values))
    _log(conn, who, row, action, before, after, note)
    if refresh:
        _refresh(conn, cells)
    return get_row(conn, ann_id) or {}


def add_row(
    conn: Connection,
    release_id: int,
    start: int,
    end: int,
    fields: Mapping[str, Any],
    who: Reviewer,
    note: str | None = None,
    *,
    donors: set[str] | None = None,
    categories: set[str] | None = None,
    refresh: bool = True,
) -> dict:
    """A missing announcement, stated by characters start..end of a current release's text."""
    rel = conn.execute(
        select(R.c.id, R.c.raw_text, R.c.published, R.c.is_current, R.c.status).where(R.c.id == release_id)
    ).first()
    if rel is None or not rel.is_current or rel.status != "ok":
        raise ReviewError(f"no current release {release_id}")
    text = rel.raw_text or ""
    start, end = int(start), int(end)
    if not (0 <= start < end <= len(text)):
        raise ReviewError("the selected sentence is not in the release text")
    # the selection as stated: trimmed of surrounding blanks, offsets kept exact
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    evidence = text[start:end]
    data = {"date": rel.published, "status": "unknown", **fields}
    new = clean_changes({k: v for k, v in data.items() if k in EDITABLE}, donors, categories)
    for required in ("donor_code", "category_code", "date"):
        if new.get(required) is None:
            raise ReviewError(f"{required} is required")
    new.setdefault("item", new["category_code"])
    new.setdefault("quantity", None)
    new.setdefault("value", None)
    new.setdefault("currency", None)
    if new["value"] is None:
        new["currency"] = None
    digest = hashlib.sha256(f"{release_id}:{start}:{end}:{new['donor_code']}:{new['category_code']}".encode())
    key = f"{new['donor_code']}:{new['category_code']}:{new['date'].isoformat()}:m{digest.hexdigest()[:15]}"
    row = dict(
        release_id=release_id,
        recipient_code=str(fields.get("recipient_code") or "UKR"),
        evidence=evidence,
        evidence_start=start,
        evidence_end=end,
        confidence=1.0,
        pledge_key=key[:64],
        review_state="corrected",
        review_flag=None,
        **new,
        **_money(new),
    )
    cells = _cells(conn, [row["pledge_key"]]) if refresh else None
    ann_id = conn.execute(insert(A).values(**row)).inserted_primary_key[0]
    stored = get_row(conn, ann_id) or {}
    _log(conn, who, stored, "add", None, {k: stored.get(k) for k in EDITABLE}, note)
    if refresh:
        _refresh(conn, cells, added=True)
    return stored


def history(conn: Connection, ann_id: int) -> list[dict]:
    """The reviews of one announcement, oldest first."""
    rows = conn.execute(
        select(RV.c.id, RV.c.user_name, RV.c.created_at, RV.c.action, RV.c.before, RV.c.after, RV.c.note)
        .where(RV.c.announcement_id == ann_id)
        .order_by(RV.c.id)
    ).mappings()
    out = []
    for r in rows:
        rec = dict(r)
        rec["before"] = json.loads(rec["before"]) if rec["before"] else None
        rec["after"] = json.loads(rec["after"]) if rec["after"] else None
        out.append(rec)
    return out


def original_identity(conn: Connection, ann_ids: Sequence[int]) -> dict[int, tuple[str | None, str | None]]:
    """(donor_code, category_code) of each row as extracted, before any correction changed them:
    the `before` of the first review that changed each field."""
    out: dict[int, dict[str, Any]] = {}
    if not ann_ids:
        return {}
    rows = conn.execute(
        select(RV.c.announcement_id, RV.c.before)
        .where(RV.c.announcement_id.in_(list(ann_ids)), RV.c.action == "correct")
        .order_by(RV.c.id)
    )
    for ann_id, before in rows:
        seen = out.setdefault(ann_id, {})
        for k, v in (json.loads(before) if before else {}).items():
            seen.setdefault(k, v)
    return {i: (d.get("donor_code"), d.get("category_code")) for i, d in out.items()}


# --- surviving refresh and re-extraction -------------------------------------------------------


def find_evidence(text: str, evidence: str, start: int | None, end: int | None) -> tuple[int, int] | None:
    """Where `evidence` is in `text`: at (start, end) when it is still there, else the occurrence
    nearest to `start`; None when the text no longer contains it (pure)."""
    if not evidence:
        return None
    if start is not None and end is not None and text[start:end] == evidence:
        return start, end
    hits = []
    i = text.find(evidence)
    while i >= 0 and len(hits) < 1000:
        hits.append(i)
        i = text.find(evidence, i + 1)
    if not hits:
        return None
    best = min(hits, key=lambda h: abs(h - (start or 0)))
    return best, best + len(evidence)


def match_reviewed(reviewed: Sequence[Mapping], original: Mapping[int, tuple], new_rows: Sequence[Mapping]):
    """Pairs (reviewed row index, new row index) of the same mention (pure): same evidence
    sentence, and the same pledge key, or the same donor and category as the reviewed row had when
    it was extracted (or has now). Each row is used at most once; best pairs first."""
    candidates = []
    for i, r in enumerate(reviewed):
        orig = original.get(r["id"], (None, None))
        ident = {(orig[0] or r["donor_code"], orig[1] or r["category_code"]), (r["donor_code"], r["category_code"])}
        for j, n in enumerate(new_rows):
            if n["evidence"] != r["evidence"]:
                continue
            same_key = bool(r["pledge_key"]) and n.get("pledge_key") == r["pledge_key"]
            same_ident = (n["donor_code"], n["category_code"]) in ident
            if not (same_key or same_ident):
                continue
            score = (2 if same_ident else 0) + (1 if same_key else 0) + (1 if n.get("item") == r["item"] else 0)
            candidates.append((-score, i, j))
    used_r: set[int] = set()
    used_n: set[int] = set()
    pairs = []
    for _s, i, j in sorted(candidates):
        if i in used_r or j in used_n:
            continue
        used_r.add(i)
        used_n.add(j)
        pairs.append((i, j))
    return pairs


def reviewed_rows(conn: Connection, release_ids: Sequence[int]) -> list[dict]:
    if not release_ids:
        return []
    rows = conn.execute(
        select(*(A.c[c] for c in ROW_COLS))
        .where(A.c.release_id.in_(list(release_ids)), A.c.review_state != "unreviewed")
        .order_by(A.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def carry_reviews(
    conn: Connection, old_release_ids: Sequence[int], new_release_id: int, text: str, new_rows: list[dict]
) -> list[dict]:
    """Keep the reviewed rows of `old_release_ids` on `new_release_id` (whose text is `text`),
    re-anchored, and return the new rows that no reviewed row stands for (see the module doc)."""
    reviewed = reviewed_rows(conn, old_release_ids)
    if not reviewed:
        return new_rows
    original = original_identity(conn, [r["id"] for r in reviewed])
    pairs = match_reviewed(reviewed, original, new_rows)
    absorbed = {j for _i, j in pairs}
    for r in reviewed:
        where = find_evidence(text, r["evidence"], r["evidence_start"], r["evidence_end"])
        values: dict[str, Any] = {"release_id": new_release_id}
        if where is None:
            values["review_flag"] = FLAG_EVIDENCE_MISSING
        else:
            values["evidence_start"], values["evidence_end"] = where
            if r["review_flag"] == FLAG_EVIDENCE_MISSING:
                values["review_flag"] = None  # back in the text
        if any(r[k] != v for k, v in values.items()):
            conn.execute(update(A).where(A.c.id == r["id"]).values(**values))
    return [n for j, n in enumerate(new_rows) if j not in absorbed]


def unreviewed_condition():
    return A.c.review_state == "unreviewed"


def release_paragraph(text: str, start: int | None, end: int | None, evidence: str) -> list[tuple[str, bool]]:
    """The paragraph of `text` holding the evidence, as (text, is_evidence) segments (pure): the
    caller renders each as a text span, the evidence one highlighted. Without usable offsets the
    evidence is looked up; not found, the evidence alone."""
    where = find_evidence(text or "", evidence or "", start, end)
    if where is None:
        return [(evidence or "", True)]
    s, e = where
    p_start = text.rfind("\n\n", 0, s)
    p_start = 0 if p_start < 0 else p_start + 2
    p_end = text.find("\n\n", e)
    p_end = len(text) if p_end < 0 else p_end
    if s - p_start > 1500:
        p_start = max(p_start, s - 1500)
    if p_end - e > 1500:
        p_end = min(p_end, e + 1500)
    parts = [(text[p_start:s], False), (text[s:e], True), (text[e:p_end], False)]
    return [(t, hl) for t, hl in parts if t]


def review_counts(conn: Connection) -> dict[str, int]:
    """Rows per review state (current releases), and flagged rows."""
    from db.rollups import current_release_condition

    rows = conn.execute(
        select(A.c.review_state, func.count())
        .select_from(A.join(R, R.c.id == A.c.release_id))
        .where(current_release_condition())
        .group_by(A.c.review_state)
    ).all()
    out = {s: 0 for s in REVIEW_STATES}
    out.update({s: int(n) for s, n in rows})
    out["flagged"] = int(
        conn.execute(
            select(func.count())
            .select_from(A.join(R, R.c.id == A.c.release_id))
            .where(current_release_condition(), and_(A.c.review_flag.is_not(None)))
        ).scalar_one()
    )
    return out


# --- the review queue --------------------------------------------------------------------------

QUEUE_STATES = ("unreviewed", "flagged", "confirmed", "corrected", "rejected", "all")
QUEUE_COLUMNS = (
    "id", "confidence", "review_state", "review_flag", "date", "donor_code", "category_code", "item",
    "quantity", "value", "currency", "status", "evidence",
)  # fmt: skip


def queue_conditions(f, state: str, dialect: str, dense: bool = True) -> list:
    """WHERE conditions of the review queue: the main view's filters over every mention (a review
    looks at rows, not pledges), plus the review state. `dense` keeps SQLite on the queue index
    (confidence order) instead of the donor or category index."""
    from dataclasses import replace

    from db.queries import base_conditions

    cond = base_conditions(
        replace(f, mentions=True), joined=False, counted=False, date_order=dense and dialect == "sqlite"
    )
    if state == "flagged":
        cond.append(A.c.review_flag.is_not(None))
    elif state in REVIEW_STATES:
        cond.append(A.c.review_state == state)
    return cond


def queue_page(conn: Connection, f, state: str = "unreviewed", start: int = 0, end: int = 50) -> tuple[list[dict], int | None]:
    """Rows start..end of the queue, lowest confidence first (then oldest id), and the number of
    rows when this page is the last one (None: more follow; the grid then offers the next page).
    Walks `ix_announcements_review_queue` and stops after one page."""
    state = state if state in QUEUE_STATES else "unreviewed"
    start = max(0, int(start))
    end = max(start + 1, min(int(end), start + 500))
    dense = True
    if f.donors or f.categories or f.groups or f.publishers or f.languages:
        # a selection of less than about 1 row in 500: let the planner start from its index
        from dataclasses import replace

        from db.queries import DENSE_SHARE, RS, aggregate

        n_all = conn.execute(select(RS.c.announcements)).scalar() or 0
        try:
            n = aggregate(conn, replace(f, mentions=True), ())[0]["n"]
        except RuntimeError:
            n = n_all
        dense = n >= DENSE_SHARE * n_all
    cond = queue_conditions(f, state, conn.dialect.name, dense)
    order = (A.c.confidence, A.c.id)  # with review_state = :state, the queue index gives this order
    ids = (
        conn.execute(select(A.c.id).where(*cond).order_by(*order).offset(start).limit(end - start + 1))
        .scalars()
        .all()
    )
    more = len(ids) > end - start
    ids = ids[: end - start]
    rows = []
    if ids:
        cols = [A.c[c] for c in QUEUE_COLUMNS]
        found = {r["id"]: dict(r) for r in conn.execute(select(*cols).where(A.c.id.in_(ids))).mappings()}
        for i in ids:
            rec = found[i]
            rec["date"] = rec["date"].isoformat() if rec["date"] else None
            rows.append(rec)
    return rows, (None if more else start + len(rows))


def detail(conn: Connection, ann_id: int) -> dict | None:
    """One row for the review panel: its fields, its release (source link, publisher, language),
    its evidence paragraph as text segments, the release's sentences (for adding a missing row)
    and its review history."""
    from etl.extract.segment import split_sentences

    row = get_row(conn, ann_id)
    if row is None:
        return None
    rel = conn.execute(
        select(R.c.id, R.c.source, R.c.canonical_url, R.c.publisher, R.c.language, R.c.title, R.c.raw_text,
               R.c.is_current).where(R.c.id == row["release_id"])  # fmt: skip
    ).one()
    text = rel.raw_text or ""
    row["date"] = row["date"].isoformat() if row["date"] else None
    return {
        "row": row,
        "release": {
            "id": rel.id,
            "source": rel.source,
            "url": rel.canonical_url or rel.source,
            "publisher": rel.publisher,
            "language": rel.language,
            "title": rel.title,
        },
        "paragraph": release_paragraph(text, row["evidence_start"], row["evidence_end"], row["evidence"]),
        "sentences": [(s, e, text[s:e]) for s, e in split_sentences(text)][:2000],
        "history": history(conn, ann_id),
    }
