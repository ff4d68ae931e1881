"""visits: a Widyaprada's planned and actual visit dates (multi-day trips), the overridden warnings, and
school holiday periods per province

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 19:30:00
"""

import sqlalchemy as sa
from alembic import op

import spmp.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("widyaprada_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("planned_start", sa.Date(), nullable=False),
        sa.Column("planned_end", sa.Date(), nullable=False),
        sa.Column("actual_start", sa.Date(), nullable=True),
        sa.Column("actual_end", sa.Date(), nullable=True),
        sa.Column("warnings", sa.Text(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("planned_end >= planned_start", name=op.f("ck_visit_planned_period")),
        sa.CheckConstraint(
            "(actual_start IS NULL) = (actual_end IS NULL) AND (actual_end IS NULL OR actual_end >= actual_start)",
            name=op.f("ck_visit_actual_period"),
        ),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_visit_school_id_school")),
        sa.ForeignKeyConstraint(["widyaprada_id"], ["app_user.id"], name=op.f("fk_visit_widyaprada_id_app_user")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_visit_unit_id_unit")),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"], name=op.f("fk_visit_case_id_case_record")),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"], name=op.f("fk_visit_created_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
    )
    op.create_index("ix_visit_widyaprada", "visit", ["widyaprada_id", "planned_start"])
    op.create_index("ix_visit_school", "visit", ["school_id", "planned_start"])
    op.create_index("ix_visit_unit", "visit", ["unit_id", "planned_start"])
    op.create_index(op.f("ix_visit_case_id"), "visit", ["case_id"])
    op.create_table(
        "school_holiday",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_school_holiday_period")),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_school_holiday_province_code_province")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_school_holiday_created_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_holiday")),
    )
    op.create_index("ix_school_holiday_province", "school_holiday", ["province_code", "start_date"])


def downgrade() -> None:
    op.drop_index("ix_school_holiday_province", table_name="school_holiday")
    op.drop_table("school_holiday")
    for name in ("ix_visit_case_id", "ix_visit_unit", "ix_visit_school", "ix_visit_widyaprada"):
        op.drop_index(name, table_name="visit")
    op.drop_table("visit")
