"""digitalisasi in the field: sosialisasi events per regency (attendance, materials), the verval case of
each target school, monthly usage reports with their reminders and the obstacles opened from them

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 23:43:38.728385
"""

import sqlalchemy as sa
from alembic import op

import spmp.db

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digital_usage_reminder",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("sent_at", spmp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_digital_usage_reminder_school_id_school")
        ),
        sa.PrimaryKeyConstraint("school_id", "period", name=op.f("pk_digital_usage_reminder")),
    )
    op.create_table(
        "digital_sosialisasi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('sosialisasi', 'koordinasi')", name=op.f("ck_digital_sosialisasi_kind")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_digital_sosialisasi_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_digital_sosialisasi_province_code_province")
        ),
        sa.ForeignKeyConstraint(
            ["regency_code"], ["regency.code"], name=op.f("fk_digital_sosialisasi_regency_code_regency")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_digital_sosialisasi_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_sosialisasi")),
    )
    with op.batch_alter_table("digital_sosialisasi", schema=None) as batch_op:
        batch_op.create_index(
            "ix_digital_sosialisasi_region", ["province_code", "regency_code", "held_on"], unique=False
        )

    op.create_table(
        "digital_usage_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("hours_per_week", sa.Integer(), nullable=False),
        sa.Column("classes_using", sa.Integer(), nullable=False),
        sa.Column("teachers_using", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=12), nullable=False),
        sa.Column("problem", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_sha256", sa.String(length=64), nullable=True),
        sa.Column("photo_filename", sa.String(length=255), nullable=True),
        sa.Column("photo_media_type", sa.String(length=100), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(condition = 'bermasalah') = (problem IS NOT NULL)",
            name=op.f("ck_digital_usage_report_problem_when_problem"),
        ),
        sa.CheckConstraint(
            "condition IN ('baik', 'bermasalah')", name=op.f("ck_digital_usage_report_condition")
        ),
        sa.CheckConstraint(
            "problem IS NULL OR problem IN ('listrik', 'internet', 'perangkat_rusak', 'perangkat_hilang', 'lainnya')",
            name=op.f("ck_digital_usage_report_problem"),
        ),
        sa.CheckConstraint(
            "classes_using >= 0 AND teachers_using >= 0", name=op.f("ck_digital_usage_report_counts")
        ),
        sa.CheckConstraint(
            "hours_per_week >= 0 AND hours_per_week <= 80", name=op.f("ck_digital_usage_report_hours")
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["app_user.id"], name=op.f("fk_digital_usage_report_reported_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_digital_usage_report_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_usage_report")),
        sa.UniqueConstraint("school_id", "period", name="uq_digital_usage_report_month"),
    )
    with op.batch_alter_table("digital_usage_report", schema=None) as batch_op:
        batch_op.create_index("ix_digital_usage_report_period", ["period"], unique=False)

    op.create_table(
        "digital_sosialisasi_attendee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'sekolah') = (school_id IS NOT NULL)",
            name=op.f("ck_digital_sosialisasi_attendee_school_when_school"),
        ),
        sa.CheckConstraint(
            "kind IN ('dinas', 'sekolah', 'lainnya')", name=op.f("ck_digital_sosialisasi_attendee_kind")
        ),
        sa.CheckConstraint(
            "people >= 1 AND people <= 10000", name=op.f("ck_digital_sosialisasi_attendee_people")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["digital_sosialisasi.id"],
            name=op.f("fk_digital_sosialisasi_attendee_event_id_digital_sosialisasi"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_digital_sosialisasi_attendee_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_sosialisasi_attendee")),
        sa.UniqueConstraint("event_id", "school_id", name="uq_digital_sosialisasi_attendee_school"),
    )
    with op.batch_alter_table("digital_sosialisasi_attendee", schema=None) as batch_op:
        batch_op.create_index("ix_digital_sosialisasi_attendee_event", ["event_id"], unique=False)

    op.create_table(
        "digital_sosialisasi_material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", spmp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["digital_sosialisasi.id"],
            name=op.f("fk_digital_sosialisasi_material_event_id_digital_sosialisasi"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["app_user.id"],
            name=op.f("fk_digital_sosialisasi_material_uploaded_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_sosialisasi_material")),
        sa.UniqueConstraint("event_id", "sha256", name="uq_digital_sosialisasi_material_file"),
    )
    op.create_table(
        "digital_verval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_record.id"], name=op.f("fk_digital_verval_case_id_case_record")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_digital_verval_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["digital_target.id"], name=op.f("fk_digital_verval_target_id_digital_target")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_verval")),
        sa.UniqueConstraint("case_id", name=op.f("uq_digital_verval_case_id")),
        sa.UniqueConstraint("target_id", name=op.f("uq_digital_verval_target_id")),
    )
    with op.batch_alter_table("digital_verval", schema=None) as batch_op:
        batch_op.create_index("ix_digital_verval_school", ["school_id", "year"], unique=False)

    op.create_table(
        "digital_usage_obstacle",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("obstacle_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", spmp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_digital_usage_obstacle_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["obstacle_id"], ["kendala.id"], name=op.f("fk_digital_usage_obstacle_obstacle_id_kendala")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_digital_usage_obstacle_school_id_school")
        ),
        sa.PrimaryKeyConstraint("school_id", "period", name=op.f("pk_digital_usage_obstacle")),
        sa.UniqueConstraint("obstacle_id", name=op.f("uq_digital_usage_obstacle_obstacle_id")),
    )


def downgrade() -> None:
    op.drop_table("digital_usage_obstacle")
    with op.batch_alter_table("digital_verval", schema=None) as batch_op:
        batch_op.drop_index("ix_digital_verval_school")

    op.drop_table("digital_verval")
    op.drop_table("digital_sosialisasi_material")
    with op.batch_alter_table("digital_sosialisasi_attendee", schema=None) as batch_op:
        batch_op.drop_index("ix_digital_sosialisasi_attendee_event")

    op.drop_table("digital_sosialisasi_attendee")
    with op.batch_alter_table("digital_usage_report", schema=None) as batch_op:
        batch_op.drop_index("ix_digital_usage_report_period")

    op.drop_table("digital_usage_report")
    with op.batch_alter_table("digital_sosialisasi", schema=None) as batch_op:
        batch_op.drop_index("ix_digital_sosialisasi_region")

    op.drop_table("digital_sosialisasi")
    op.drop_table("digital_usage_reminder")
