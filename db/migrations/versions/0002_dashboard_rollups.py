"""Dashboard rollups: pledges (first mention per pledge_key), monthly rollups, rollup state.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MEASURES = (
    ("mentions", sa.Integer(), False),
    ("pledges", sa.Integer(), False),
    ("value_eur_mentions", sa.Float(), True),
    ("value_eur_pledges", sa.Float(), True),
)


def _measures() -> list[sa.Column]:
    return [sa.Column(name, type_, nullable=nullable) for name, type_, nullable in MEASURES]


def upgrade() -> None:
    op.create_table(
        "pledges",
        sa.Column("pledge_key", sa.String(64), nullable=False),
        sa.Column("first_announcement_id", sa.Integer(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("pledge_key", name="pk_pledges"),
        sa.UniqueConstraint("first_announcement_id", name="uq_pledges_first_announcement_id"),
    )
    op.create_table(
        "rollup_monthly",
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("donor_code", sa.String(8), nullable=False),
        sa.Column("category_code", sa.String(32), nullable=False),
        *_measures(),
        sa.PrimaryKeyConstraint("month", "donor_code", "category_code", name="pk_rollup_monthly"),
    )
    op.create_index("ix_rollup_monthly_donor_month", "rollup_monthly", ["donor_code", "month"])
    op.create_index("ix_rollup_monthly_category_month", "rollup_monthly", ["category_code", "month"])
    op.create_table(
        "rollup_monthly_detail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("donor_code", sa.String(8), nullable=False),
        sa.Column("category_code", sa.String(32), nullable=False),
        sa.Column("publisher", sa.String(200), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("conf_bucket", sa.Integer(), nullable=False),
        *_measures(),
        sa.PrimaryKeyConstraint("id", name="pk_rollup_monthly_detail"),
    )
    op.create_index("ix_rollup_monthly_detail_month", "rollup_monthly_detail", ["month"])
    op.create_index("ix_rollup_monthly_detail_donor_month", "rollup_monthly_detail", ["donor_code", "month"])
    op.create_index(
        "ix_rollup_monthly_detail_category_month", "rollup_monthly_detail", ["category_code", "month"]
    )
    op.create_index("ix_rollup_monthly_detail_publisher", "rollup_monthly_detail", ["publisher"])
    op.create_table(
        "rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("announcements", sa.Integer(), nullable=False),
        sa.Column("max_announcement_id", sa.Integer(), nullable=True),
        sa.Column("releases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rollup_state"),
    )


def downgrade() -> None:
    op.drop_table("rollup_state")
    op.drop_table("rollup_monthly_detail")
    op.drop_table("rollup_monthly")
    op.drop_table("pledges")
