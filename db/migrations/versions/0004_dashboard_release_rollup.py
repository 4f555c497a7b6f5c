"""Dashboard: rollup_releases (release x month x donor with category bitmasks) for release counts;
measures at minimum confidences 0.5, 0.7 and 0.9 in rollup_monthly; rollup_state.releases_pledges.

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

LEVELS = ("50", "70", "90")


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
        *[
            sa.Column(f"cats_{m}_{level}", sa.Integer(), nullable=False)
            for level in LEVELS
            for m in ("mentions", "pledges")
        ],
        sa.PrimaryKeyConstraint("id", name="pk_rollup_releases"),
    )
    op.create_index("ix_rollup_releases_donor_month", "rollup_releases", ["donor_code", "month"])
    op.create_index("ix_rollup_releases_month", "rollup_releases", ["month"])
    op.add_column("rollup_state", sa.Column("releases_pledges", sa.Integer(), nullable=True))
    for level in LEVELS:
        op.add_column("rollup_monthly", sa.Column(f"mentions_{level}", sa.Integer(), nullable=True))
        op.add_column("rollup_monthly", sa.Column(f"pledges_{level}", sa.Integer(), nullable=True))
        op.add_column("rollup_monthly", sa.Column(f"value_eur_mentions_{level}", sa.Float(), nullable=True))
        op.add_column("rollup_monthly", sa.Column(f"value_eur_pledges_{level}", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rollup_state") as batch:
        batch.drop_column("releases_pledges")
    with op.batch_alter_table("rollup_monthly") as batch:
        for level in LEVELS:
            for name in ("mentions", "pledges", "value_eur_mentions", "value_eur_pledges"):
                batch.drop_column(f"{name}_{level}")
    op.drop_table("rollup_releases")
