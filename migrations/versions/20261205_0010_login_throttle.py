"""login throttle: failed password and second-factor steps counted per account, per account and address,
and per pending login, shared by every worker

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 17:40:00
"""

import sqlalchemy as sa
from alembic import op

import spmp.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", spmp.db.UTCDateTime(), nullable=False),
        sa.Column("locked_until", spmp.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_login_throttle_failures")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
