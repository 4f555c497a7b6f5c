"""SQLAlchemy 2 models. The schema itself is owned by the Alembic migrations in `db/migrations`;
these classes must describe the same tables (a test compares them)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Donor(Base):
    """Donors and recipients: ISO 3166 countries and a few organisations (NATO, EU...)."""

    __tablename__ = "donors"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    __table_args__ = (CheckConstraint("kind IN ('country', 'organisation')", name="kind"),)


class Category(Base):
    """CONTRACT.md's category codes with their group and labels."""

    __tablename__ = "categories"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    group: Mapped[str] = mapped_column("group_code", String(16))
    label_en: Mapped[str] = mapped_column(String(80))
    label_fr: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        CheckConstraint("group_code IN ('lethal', 'non_lethal', 'financial', 'humanitarian')", name="group"),
    )


class Release(Base):
    """One version of one release as fetched; failed fetches are rows too, so nothing is lost."""

    __tablename__ = "releases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(2048), index=True)
    canonical_url: Mapped[str | None] = mapped_column(String(2048))
    publisher: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[dt.date | None] = mapped_column(Date)
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    content_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    raw_text: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="ok")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    announcements: Mapped[list[Announcement]] = relationship(
        back_populates="release", cascade="all, delete-orphan", passive_deletes=True
    )
    __table_args__ = (
        CheckConstraint("status IN ('ok', 'failed')", name="status"),
        Index("ix_releases_source_current", "source", "is_current"),
    )


class Announcement(Base):
    """One aid announcement found in one release (a 'mention'); `pledge_key` groups mentions of
    the same pledge across releases."""

    __tablename__ = "announcements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    donor_code: Mapped[str] = mapped_column(ForeignKey("donors.code"))
    recipient_code: Mapped[str] = mapped_column(ForeignKey("donors.code"))
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    item: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int | None] = mapped_column(BigInteger)
    value: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    value_eur: Mapped[float | None] = mapped_column(Float)
    value_usd: Mapped[float | None] = mapped_column(Float)
    date: Mapped[dt.date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text)
    evidence_start: Mapped[int | None] = mapped_column(Integer)
    evidence_end: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    pledge_key: Mapped[str] = mapped_column(String(64), index=True)
    # issue 15: read from the evidence (etl.extract.status); set by analysts (db.review)
    status: Mapped[str] = mapped_column(String(16), server_default="unknown")
    review_state: Mapped[str] = mapped_column(String(16), server_default="unreviewed")
    review_flag: Mapped[str | None] = mapped_column(String(32))
    release: Mapped[Release] = relationship(back_populates="announcements")
    __table_args__ = (
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence"),
        CheckConstraint("status IN ('announced', 'delivered', 'in_delivery', 'unknown')", name="status"),
        CheckConstraint(
            "review_state IN ('unreviewed', 'confirmed', 'corrected', 'rejected')", name="review_state"
        ),
        Index("ix_announcements_review_queue", "review_state", "confidence", "id"),
        Index("ix_announcements_date_donor_category", "date", "donor_code", "category_code"),
        Index("ix_announcements_donor_code", "donor_code"),
        Index("ix_announcements_category_code", "category_code"),
    )


class EtlRun(Base):
    """One run of `aidtracker refresh`: when, how it ended, what it did."""

    __tablename__ = "etl_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="running")
    sources: Mapped[str | None] = mapped_column(Text)
    releases_seen: Mapped[int] = mapped_column(Integer, default=0)
    releases_new: Mapped[int] = mapped_column(Integer, default=0)
    releases_updated: Mapped[int] = mapped_column(Integer, default=0)
    releases_failed: Mapped[int] = mapped_column(Integer, default=0)
    announcements_added: Mapped[int] = mapped_column(Integer, default=0)
    announcements_removed: Mapped[int] = mapped_column(Integer, default=0)
    error_summary: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("status IN ('running', 'ok', 'partial', 'failed')", name="status"),
    )


class FetchState(Base):
    """What the ETL last saw at one address (URL or file path), so the next refresh can ask
    conditionally (ETag, Last-Modified) and skip unchanged bodies (`body_hash`) without parsing.
    `content_hash` is the text hash of the release the body gave; `links` the entry URLs of a
    feed (JSON list), so a 304 on the feed still lets each entry be checked."""

    __tablename__ = "fetch_state"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of `location`
    location: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8))
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    links: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (CheckConstraint("kind IN ('page', 'feed', 'file')", name="kind"),)


# --- Dashboard rollups (issue 5): rebuilt by `db.rollups.refresh_rollups` at the end of every refresh.
# Measures are additive: `pledges` counts first mentions (one per pledge_key), so sums over any
# set of cells give exact distinct-pledge counts without COUNT(DISTINCT).


class Pledge(Base):
    """One row per pledge: its first mention (earliest date, then lowest id) among current releases."""

    __tablename__ = "pledges"
    pledge_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_announcement_id: Mapped[int] = mapped_column(Integer, unique=True)
    mentions: Mapped[int] = mapped_column(Integer)


class RollupMonthly(Base):
    """Month x donor x category: serves donor, category, group and whole-month date filters, and
    the minimum confidences 0.5, 0.7 and 0.9 (measures suffixed _50, _70, _90: rows at or above)."""

    __tablename__ = "rollup_monthly"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    donor_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    mentions: Mapped[int] = mapped_column(Integer)
    pledges: Mapped[int] = mapped_column(Integer)
    value_eur_mentions: Mapped[float | None] = mapped_column(Float)
    value_eur_pledges: Mapped[float | None] = mapped_column(Float)
    mentions_50: Mapped[int | None] = mapped_column(Integer)
    pledges_50: Mapped[int | None] = mapped_column(Integer)
    value_eur_mentions_50: Mapped[float | None] = mapped_column(Float)
    value_eur_pledges_50: Mapped[float | None] = mapped_column(Float)
    mentions_70: Mapped[int | None] = mapped_column(Integer)
    pledges_70: Mapped[int | None] = mapped_column(Integer)
    value_eur_mentions_70: Mapped[float | None] = mapped_column(Float)
    value_eur_pledges_70: Mapped[float | None] = mapped_column(Float)
    mentions_90: Mapped[int | None] = mapped_column(Integer)
    pledges_90: Mapped[int | None] = mapped_column(Integer)
    value_eur_mentions_90: Mapped[float | None] = mapped_column(Float)
    value_eur_pledges_90: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (
        Index("ix_rollup_monthly_donor_month", "donor_code", "month"),
        Index("ix_rollup_monthly_category_month", "category_code", "month"),
    )


class RollupMonthlyDetail(Base):
    """Month x donor x category x publisher x language x confidence tenth: serves the other filters
    except free text and partial-month dates."""

    __tablename__ = "rollup_monthly_detail"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    donor_code: Mapped[str] = mapped_column(String(8))
    category_code: Mapped[str] = mapped_column(String(32))
    publisher: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    conf_bucket: Mapped[int] = mapped_column(Integer)  # floor(confidence * 10)
    mentions: Mapped[int] = mapped_column(Integer)
    pledges: Mapped[int] = mapped_column(Integer)
    value_eur_mentions: Mapped[float | None] = mapped_column(Float)
    value_eur_pledges: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (
        Index("ix_rollup_monthly_detail_month", "month"),
        Index("ix_rollup_monthly_detail_donor_month", "donor_code", "month"),
        Index("ix_rollup_monthly_detail_category_month", "category_code", "month"),
        Index("ix_rollup_monthly_detail_publisher", "publisher"),
    )


class RollupState(Base):
    """What the rollups were built from; they are used only while this still matches the base table."""

    __tablename__ = "rollup_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    refreshed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    announcements: Mapped[int] = mapped_column(Integer)
    max_announcement_id: Mapped[int | None] = mapped_column(Integer)
    releases: Mapped[int] = mapped_column(Integer)
    releases_pledges: Mapped[int | None] = mapped_column(Integer)  # releases holding a first mention
    fingerprint: Mapped[str | None] = mapped_column(String(200))  # what refresh_rollups last saw


class RollupRelease(Base):
    """Release x month x donor with bitmasks of the categories present (every mention / first
    mentions only; bit i = i-th category of db.reference.CATEGORIES; _50/_70/_90: rows with at least
    that confidence): counts distinct releases for donor, category, date, publisher, language and
    those minimum confidences without touching announcements."""

    __tablename__ = "rollup_releases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(Integer)
    month: Mapped[str] = mapped_column(String(7))
    donor_code: Mapped[str] = mapped_column(String(8))
    publisher: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    cats_mentions: Mapped[int] = mapped_column(Integer)
    cats_pledges: Mapped[int] = mapped_column(Integer)
    cats_mentions_50: Mapped[int] = mapped_column(Integer)
    cats_pledges_50: Mapped[int] = mapped_column(Integer)
    cats_mentions_70: Mapped[int] = mapped_column(Integer)
    cats_pledges_70: Mapped[int] = mapped_column(Integer)
    cats_mentions_90: Mapped[int] = mapped_column(Integer)
    cats_pledges_90: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        Index("ix_rollup_releases_donor_month", "donor_code", "month"),
        Index("ix_rollup_releases_month", "month"),
    )


# --- Review (issue 15) --------------------------------------------------------------------------


class User(Base):
    """Who may edit: `viewer` (reads, like anyone), `reviewer` (reviews rows), `admin`."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (CheckConstraint("role IN ('viewer', 'reviewer', 'admin')", name="role"),)


class Review(Base):
    """One review action on one announcement: who, when, what, the fields before and after (JSON
    objects of the fields that changed, or of the whole row for `add`), a note. `release_source`,
    `evidence` and `pledge_key` say what the row was when it was reviewed."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    announcement_id: Mapped[int | None] = mapped_column(
        ForeignKey("announcements.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    release_source: Mapped[str | None] = mapped_column(String(2048))
    evidence: Mapped[str | None] = mapped_column(Text)
    pledge_key: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        CheckConstraint("action IN ('confirm', 'reject', 'correct', 'add', 'reanchor')", name="action"),
    )


class AppSecret(Base):
    """Secrets the app makes itself, shared by every worker: the session signing key."""

    __tablename__ = "app_secrets"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class RollupStatus(Base):
    """Month x donor x category x status (issue 15): the chart split by status, kept by
    `db.rollups.refresh_rollups` like the other rollups (db.status_rollup)."""

    __tablename__ = "rollup_status"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    donor_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    mentions: Mapped[int] = mapped_column(Integer)
    pledges: Mapped[int] = mapped_column(Integer)
    value_eur_mentions: Mapped[float | None] = mapped_column(Float)
    value_eur_pledges: Mapped[float | None] = mapped_column(Float)
