"""visit cancel: a visit is cancelled with a reason (who and when), and leaves the calendar and its warnings

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 21:10:00
"""

import sqlalchemy as sa
from alembic import op

import spmp.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visit") as batch:
        batch.add_column(sa.Column("cancelled_at", spmp.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_visit_cancelled_by_id_app_user"), "app_user", ["cancelled_by_id"], ["id"]
        )
        batch.create_check_constraint(
            op.f("ck_visit_cancelled"), "(cancelled_at IS NULL) = (cancel_reason IS NULL)"
        )


def downgrade() -> None:
    with op.batch_alter_table("visit") as batch:
        batch.drop_constraint(op.f("ck_visit_cancelled"), type_="check")
        batch.drop_constraint(op.f("fk_visit_cancelled_by_id_app_user"), type_="foreignkey")
        batch.drop_column("cancel_reason")
        batch.drop_column("cancelled_by_id")
        batch.drop_column("cancelled_at")
