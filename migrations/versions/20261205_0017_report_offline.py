"""widyaprada report offline: photos of the report, and one receipt per accepted draft (idempotency key)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 20:50:00
"""

import sqlalchemy as sa
from alembic import op

import spmp.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "widyaprada_report_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("report_version", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", spmp.db.UTCDateTime(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_widyaprada_report_photo_size")),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["widyaprada_task.id"],
            name=op.f("fk_widyaprada_report_photo_task_id_widyaprada_task"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["app_user.id"],
            name=op.f("fk_widyaprada_report_photo_uploaded_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_widyaprada_report_photo")),
    )
    op.create_index("ix_widyaprada_report_photo_task", "widyaprada_report_photo", ["task_id"])
    op.create_table(
        "widyaprada_report_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("draft_key", sa.String(length=64), nullable=False),
        sa.Column("report_version", sa.Integer(), nullable=False),
        sa.Column("received_at", spmp.db.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["widyaprada_task.id"],
            name=op.f("fk_widyaprada_report_receipt_task_id_widyaprada_task"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_widyaprada_report_receipt_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_widyaprada_report_receipt")),
        sa.UniqueConstraint("draft_key", name=op.f("uq_widyaprada_report_receipt_draft_key")),
    )
    op.create_index("ix_widyaprada_report_receipt_task", "widyaprada_report_receipt", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_widyaprada_report_receipt_task", table_name="widyaprada_report_receipt")
    op.drop_table("widyaprada_report_receipt")
    op.drop_index("ix_widyaprada_report_photo_task", table_name="widyaprada_report_photo")
    op.drop_table("widyaprada_report_photo")
