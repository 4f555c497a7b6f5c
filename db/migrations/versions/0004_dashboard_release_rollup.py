"""Dashboard: rollup_releases (release x month x donor with category bitmasks) for release counts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("donor_code", sa.String(8), nullable=False),
        sa.Column("publisher", sa.String(200), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("cats_mentions", sa.Integer(), nullable=False),
        sa.Column("cats_pledges", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rollup_releases"),
    )
    op.create_index("ix_rollup_releases_donor_month", "rollup_releases", ["donor_code", "month"])
    op.create_index("ix_rollup_releases_month", "rollup_releases", ["month"])


def downgrade() -> None:
    op.drop_table("rollup_releases")
