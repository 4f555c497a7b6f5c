"""Initial schema: reference tables (seeded), releases, announcements, etl_runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the reference data as of this migration: later changes go in new migrations.
DONORS_FILE = Path(__file__).resolve().parent.parent / "data" / "donors_0001.json"
CATEGORIES = [
    ("munitions", "lethal", "Munitions", "Munitions"),
    ("artillery", "lethal", "Artillery", "Artillerie"),
    ("rocket_artillery", "lethal", "Rocket artillery", "Artillerie à roquettes"),
    ("air_defence", "lethal", "Air defence", "Défense aérienne"),
    ("missiles", "lethal", "Missiles", "Missiles"),
    ("anti_tank", "lethal", "Anti-tank weapons", "Armes antichars"),
    ("armoured_vehicles", "lethal", "Armoured vehicles", "Véhicules blindés"),
    ("tanks", "lethal", "Tanks", "Chars"),
    ("aircraft", "lethal", "Aircraft", "Aéronefs"),
    ("drones", "lethal", "Drones", "Drones"),
    ("small_arms", "lethal", "Small arms", "Armes légères"),
    ("other_military", "lethal", "Other military", "Autre matériel militaire"),
    ("medical", "non_lethal", "Medical", "Matériel médical"),
    ("communications", "non_lethal", "Communications", "Communications"),
    ("engineering", "non_lethal", "Engineering", "Génie"),
    ("training", "non_lethal", "Training", "Formation"),
    ("logistics", "non_lethal", "Logistics", "Logistique"),
    ("other_non_lethal", "non_lethal", "Other non-lethal", "Autre matériel non létal"),
    ("financial", "financial", "Financial", "Aide financière"),
    ("humanitarian", "humanitarian", "Humanitarian", "Aide humanitaire"),
]


def upgrade() -> None:
    donors = op.create_table(
        "donors",
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("name_en", sa.String(120), nullable=False),
        sa.Column("name_fr", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.CheckConstraint("kind IN ('country', 'organisation')", name="ck_donors_kind"),
        sa.PrimaryKeyConstraint("code", name="pk_donors"),
    )
    categories = op.create_table(
        "categories",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("group_code", sa.String(16), nullable=False),
        sa.Column("label_en", sa.String(80), nullable=False),
        sa.Column("label_fr", sa.String(80), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "group_code IN ('lethal', 'non_lethal', 'financial', 'humanitarian')", name="ck_categories_group"
        ),
        sa.PrimaryKeyConstraint("code", name="pk_categories"),
    )
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(2048), nullable=False),
        sa.Column("canonical_url", sa.String(2048), nullable=True),
        sa.Column("publisher", sa.String(200), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("raw_text", sa.Text(), nullable=True),
        sa.Column("etag", sa.String(512), nullable=True),
        sa.Column("last_modified", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.CheckConstraint("status IN ('ok', 'failed')", name="ck_releases_status"),
        sa.PrimaryKeyConstraint("id", name="pk_releases"),
        sa.UniqueConstraint("content_hash", name="uq_releases_content_hash"),
    )
    op.create_index("ix_releases_source", "releases", ["source"])
    op.create_index("ix_releases_source_current", "releases", ["source", "is_current"])
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("donor_code", sa.String(8), nullable=False),
        sa.Column("recipient_code", sa.String(8), nullable=False),
        sa.Column("category_code", sa.String(32), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("value_eur", sa.Float(), nullable=True),
        sa.Column("value_usd", sa.Float(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("evidence_start", sa.Integer(), nullable=True),
        sa.Column("evidence_end", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("pledge_key", sa.String(64), nullable=False),
        sa.CheckConstraint("confidence >= 0 AND confidence <= 1", name="ck_announcements_confidence"),
        sa.ForeignKeyConstraint(
            ["release_id"], ["releases.id"], name="fk_announcements_release_id_releases", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["donor_code"], ["donors.code"], name="fk_announcements_donor_code_donors"),
        sa.ForeignKeyConstraint(
            ["recipient_code"], ["donors.code"], name="fk_announcements_recipient_code_donors"
        ),
        sa.ForeignKeyConstraint(
            ["category_code"], ["categories.code"], name="fk_announcements_category_code_categories"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_announcements"),
    )
    op.create_index("ix_announcements_release_id", "announcements", ["release_id"])
    op.create_index("ix_announcements_pledge_key", "announcements", ["pledge_key"])
    op.create_index("ix_announcements_donor_code", "announcements", ["donor_code"])
    op.create_index("ix_announcements_category_code", "announcements", ["category_code"])
    op.create_index(
        "ix_announcements_date_donor_category", "announcements", ["date", "donor_code", "category_code"]
    )
    op.create_table(
        "etl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sources", sa.Text(), nullable=True),
        sa.Column("releases_seen", sa.Integer(), nullable=False),
        sa.Column("releases_new", sa.Integer(), nullable=False),
        sa.Column("releases_updated", sa.Integer(), nullable=False),
        sa.Column("releases_failed", sa.Integer(), nullable=False),
        sa.Column("announcements_added", sa.Integer(), nullable=False),
        sa.Column("announcements_removed", sa.Integer(), nullable=False),
        sa.Column("error_summary", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('running', 'ok', 'partial', 'failed')", name="ck_etl_runs_status"),
        sa.PrimaryKeyConstraint("id", name="pk_etl_runs"),
    )

    op.bulk_insert(donors, json.loads(DONORS_FILE.read_text(encoding="utf-8")))
    op.bulk_insert(
        categories,
        [
            {"code": c, "group_code": g, "label_en": en, "label_fr": fr, "sort_order": i}
            for i, (c, g, en, fr) in enumerate(CATEGORIES)
        ],
    )


def downgrade() -> None:
    op.drop_table("etl_runs")
    op.drop_table("announcements")
    op.drop_table("releases")
    op.drop_table("categories")
    op.drop_table("donors")
