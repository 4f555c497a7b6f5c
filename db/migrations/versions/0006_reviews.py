"""Review (issue 15): users, the reviews log, and per-announcement status, review state and flag.

- `announcements.status`: announced / delivered / in_delivery / unknown, read from the evidence;
- `announcements.review_state`: unreviewed / confirmed / corrected / rejected (a row an analyst
  added is `corrected`); `review_flag`: why a reviewed row needs a look (`evidence_missing`: a
  new version of its release no longer contains its evidence sentence);
- `users`: who may edit (viewer, reviewer, admin), with a password hash;
- `reviews`: every review action: who, when, what, the fields before and after, a note;
- `rollup_status`: month x donor x category x status, for the chart split by status;
- `app_secrets`: the dashboard's session signing key, shared by every worker (dashboard.auth).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="unknown"))
        batch.add_column(
            sa.Column("review_state", sa.String(16), nullable=False, server_default="unreviewed")
        )
        batch.add_column(sa.Column("review_flag", sa.String(32), nullable=True))
        batch.create_check_constraint(
            "status", "status IN ('announced', 'delivered', 'in_delivery', 'unknown')"
        )
        batch.create_check_constraint(
            "review_state", "review_state IN ('unreviewed', 'confirmed', 'corrected', 'rejected')"
        )
    op.create_index(
        "ix_announcements_review_queue", "announcements", ["review_state", "confidence", "id"]
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('viewer', 'reviewer', 'admin')", name="ck_users_role"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("release_source", sa.String(2048), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("pledge_key", sa.String(64), nullable=True),
        sa.CheckConstraint(
            "action IN ('confirm', 'reject', 'correct', 'add', 'reanchor')", name="ck_reviews_action"
        ),
        sa.ForeignKeyConstraint(
            ["announcement_id"], ["announcements.id"], name="fk_reviews_announcement_id_announcements",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_reviews_user_id_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
    )
    op.create_index("ix_reviews_announcement_id", "reviews", ["announcement_id"])
    op.create_table(
        "rollup_status",
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("donor_code", sa.String(8), nullable=False),
        sa.Column("category_code", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("pledges", sa.Integer(), nullable=False),
        sa.Column("value_eur_mentions", sa.Float(), nullable=True),
        sa.Column("value_eur_pledges", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("month", "donor_code", "category_code", "status", name="pk_rollup_status"),
    )
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_app_secrets"),
    )


def downgrade() -> None:
    op.drop_table("app_secrets")
    op.drop_table("rollup_status")
    op.drop_index("ix_reviews_announcement_id", table_name="reviews")
    op.drop_table("reviews")
    op.drop_table("users")
    op.drop_index("ix_announcements_review_queue", table_name="announcements")
    with op.batch_alter_table("announcements") as batch:
        batch.drop_constraint("review_state", type_="check")
        batch.drop_constraint("status", type_="check")
        batch.drop_column("review_flag")
        batch.drop_column("review_state")
        batch.drop_column("status")
