"""conflict of interest: a Widyaprada may not be assigned to a school an administrator recorded (a former
school, a relative's school)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 21:00:00
"""

import sqlalchemy as sa
from alembic import op

import spmp.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conflict_of_interest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('former_school', 'relative_school', 'other')", name=op.f("ck_conflict_of_interest_kind")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_conflict_of_interest_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_conflict_of_interest_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["app_user.id"], name=op.f("fk_conflict_of_interest_recorded_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict_of_interest")),
        sa.UniqueConstraint("user_id", "school_id", name="uq_conflict_of_interest_user_school"),
    )
    op.create_index("ix_conflict_of_interest_school", "conflict_of_interest", ["school_id"])
    op.create_index(op.f("ix_conflict_of_interest_user_id"), "conflict_of_interest", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_conflict_of_interest_user_id"), table_name="conflict_of_interest")
    op.drop_index("ix_conflict_of_interest_school", table_name="conflict_of_interest")
    op.drop_table("conflict_of_interest")
