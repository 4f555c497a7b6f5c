"""Dashboard: rollup_state.fingerprint, so a refresh that changed nothing skips the rebuild.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rollup_state", sa.Column("fingerprint", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rollup_state") as batch:
        batch.drop_column("fingerprint")
