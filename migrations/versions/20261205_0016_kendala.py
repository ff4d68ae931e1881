"""kendala: field obstacles (the data of a ``kendala`` case: programme, category, description, the case
it is about)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 21:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

CATEGORIES = ("listrik", "internet", "perangkat_rusak", "perangkat_hilang", "konstruksi", "lahan", "anggaran",
              "data", "lainnya")  # fmt: skip
PROGRAMMES = ("revitalisasi", "digitalisasi", "umum")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "kendala",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("about_case_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(_in("category", CATEGORIES), name=op.f("ck_kendala_category")),
        sa.CheckConstraint(_in("programme", PROGRAMMES), name=op.f("ck_kendala_programme")),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"], name=op.f("fk_kendala_case_id_case_record")),
        sa.ForeignKeyConstraint(
            ["about_case_id"], ["case_record.id"], name=op.f("fk_kendala_about_case_id_case_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kendala")),
        sa.UniqueConstraint("case_id", name=op.f("uq_kendala_case_id")),
    )
    op.create_index("ix_kendala_about_case", "kendala", ["about_case_id"])


def downgrade() -> None:
    op.drop_index("ix_kendala_about_case", table_name="kendala")
    op.drop_table("kendala")
