"""kendala: field obstacles (the data of a kendala case), shared by Revitalisasi and Digitalisasi

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 21:19:20.068779
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
        "kendala",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("linked_case_id", sa.Integer(), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "category IN ('konstruksi', 'lahan', 'dana', 'administrasi', 'listrik', 'internet', 'perangkat', 'bencana', 'lainnya')",
            name=op.f("ck_kendala_category"),
        ),
        sa.CheckConstraint(
            "programme IN ('revitalisasi', 'digitalisasi', 'umum')", name=op.f("ck_kendala_programme")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"], name=op.f("fk_kendala_case_id_case_record")),
        sa.ForeignKeyConstraint(
            ["linked_case_id"], ["case_record.id"], name=op.f("fk_kendala_linked_case_id_case_record")
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["app_user.id"], name=op.f("fk_kendala_reported_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kendala")),
        sa.UniqueConstraint("case_id", name=op.f("uq_kendala_case_id")),
    )
    with op.batch_alter_table("kendala", schema=None) as batch_op:
        batch_op.create_index("ix_kendala_linked", ["linked_case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kendala", schema=None) as batch_op:
        batch_op.drop_index("ix_kendala_linked")

    op.drop_table("kendala")
