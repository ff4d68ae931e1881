"""digitalisasi: target schools per programme year with their readiness, the confirmed safe room,
shipments of devices by serial number with their handover record (BAST), Bimtek sessions, invited schools
and attendance

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 20:50:51
"""

import sqlalchemy as sa
from alembic import op

import spmp.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digital_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("electricity_watts", sa.Integer(), nullable=True),
        sa.Column("internet_access", sa.String(length=10), nullable=True),
        sa.Column("has_safe_room", sa.Boolean(), nullable=False),
        sa.Column("threshold_watts", sa.Integer(), nullable=False),
        sa.Column("kit", sa.String(length=20), nullable=True),
        sa.Column("is_ready", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.String(length=120), nullable=False),
        sa.Column("computed_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kit IS NULL OR kit IN ('panel', 'panel_modem', 'offline_offgrid')",
            name=op.f("ck_digital_target_kit"),
        ),
        sa.CheckConstraint("threshold_watts > 0", name=op.f("ck_digital_target_threshold_watts")),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_digital_target_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_target")),
        sa.UniqueConstraint("year", "school_id", name="uq_digital_target_year_school"),
    )
    with op.batch_alter_table("digital_target", schema=None) as batch_op:
        batch_op.create_index("ix_digital_target_school", ["school_id"], unique=False)

    op.create_table(
        "bimtek_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("starts_at", spmp.db.UTCDateTime(), nullable=False),
        sa.Column("ends_at", spmp.db.UTCDateTime(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("mode IN ('luring', 'daring')", name=op.f("ck_bimtek_session_mode")),
        sa.CheckConstraint("ends_at >= starts_at", name=op.f("ck_bimtek_session_period")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_bimtek_session_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_bimtek_session_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bimtek_session")),
    )
    with op.batch_alter_table("bimtek_session", schema=None) as batch_op:
        batch_op.create_index("ix_bimtek_session_unit", ["unit_id", "starts_at"], unique=False)

    op.create_table(
        "digital_safe_room",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", spmp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["app_user.id"], name=op.f("fk_digital_safe_room_confirmed_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_digital_safe_room_school_id_school")
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_digital_safe_room")),
    )
    op.create_table(
        "bimtek_invite",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_bimtek_invite_school_id_school")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["bimtek_session.id"], name=op.f("fk_bimtek_invite_session_id_bimtek_session")
        ),
        sa.PrimaryKeyConstraint("session_id", "school_id", name=op.f("pk_bimtek_invite")),
    )
    with op.batch_alter_table("bimtek_invite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bimtek_invite_school_id"), ["school_id"], unique=False)

    op.create_table(
        "bimtek_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("position", sa.String(length=10), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("attendance_by_id", sa.Integer(), nullable=True),
        sa.Column("attendance_at", spmp.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "position IN ('guru', 'kepala', 'operator')", name=op.f("ck_bimtek_participant_position")
        ),
        sa.ForeignKeyConstraint(
            ["attendance_by_id"],
            ["app_user.id"],
            name=op.f("fk_bimtek_participant_attendance_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_bimtek_participant_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["bimtek_session.id"],
            name=op.f("fk_bimtek_participant_session_id_bimtek_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bimtek_participant")),
        sa.UniqueConstraint("session_id", "school_id", "name", name="uq_bimtek_participant_person"),
    )
    with op.batch_alter_table("bimtek_participant", schema=None) as batch_op:
        batch_op.create_index("ix_bimtek_participant_school", ["school_id"], unique=False)

    op.create_table(
        "digital_shipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("supplier", sa.String(length=150), nullable=False),
        sa.Column("shipped_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", spmp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_record.id"], name=op.f("fk_digital_shipment_case_id_case_record")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_digital_shipment_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_digital_shipment_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_shipment")),
        sa.UniqueConstraint("case_id", name=op.f("uq_digital_shipment_case_id")),
        sa.UniqueConstraint("year", "reference", "school_id", name="uq_digital_shipment_reference"),
    )
    with op.batch_alter_table("digital_shipment", schema=None) as batch_op:
        batch_op.create_index("ix_digital_shipment_school", ["school_id", "year"], unique=False)

    op.create_table(
        "digital_handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("receiver_name", sa.String(length=150), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", spmp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_digital_handover_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_digital_handover_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["digital_shipment.id"],
            name=op.f("fk_digital_handover_shipment_id_digital_shipment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_handover")),
        sa.UniqueConstraint("shipment_id", name=op.f("uq_digital_handover_shipment_id")),
    )
    with op.batch_alter_table("digital_handover", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digital_handover_school_id"), ["school_id"], unique=False)

    op.create_table(
        "digital_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=True),
        sa.Column("asset_school_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('panel', 'laptop', 'drive', 'modem', 'offgrid')", name=op.f("ck_digital_device_kind")
        ),
        sa.CheckConstraint(
            "(handover_id IS NULL) = (asset_school_id IS NULL)",
            name=op.f("ck_digital_device_asset_when_received"),
        ),
        sa.ForeignKeyConstraint(
            ["asset_school_id"], ["school.id"], name=op.f("fk_digital_device_asset_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["handover_id"],
            ["digital_handover.id"],
            name=op.f("fk_digital_device_handover_id_digital_handover"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["digital_shipment.id"],
            name=op.f("fk_digital_device_shipment_id_digital_shipment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_device")),
        sa.UniqueConstraint("serial", name=op.f("uq_digital_device_serial")),
    )
    with op.batch_alter_table("digital_device", schema=None) as batch_op:
        batch_op.create_index("ix_digital_device_asset", ["asset_school_id"], unique=False)
        batch_op.create_index("ix_digital_device_shipment", ["shipment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("digital_device", schema=None) as batch_op:
        batch_op.drop_index("ix_digital_device_shipment")
        batch_op.drop_index("ix_digital_device_asset")

    op.drop_table("digital_device")
    with op.batch_alter_table("digital_handover", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digital_handover_school_id"))

    op.drop_table("digital_handover")
    with op.batch_alter_table("digital_shipment", schema=None) as batch_op:
        batch_op.drop_index("ix_digital_shipment_school")

    op.drop_table("digital_shipment")
    with op.batch_alter_table("bimtek_participant", schema=None) as batch_op:
        batch_op.drop_index("ix_bimtek_participant_school")

    op.drop_table("bimtek_participant")
    with op.batch_alter_table("bimtek_invite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bimtek_invite_school_id"))

    op.drop_table("bimtek_invite")
    op.drop_table("digital_safe_room")
    with op.batch_alter_table("bimtek_session", schema=None) as batch_op:
        batch_op.drop_index("ix_bimtek_session_unit")

    op.drop_table("bimtek_session")
    with op.batch_alter_table("digital_target", schema=None) as batch_op:
        batch_op.drop_index("ix_digital_target_school")

    op.drop_table("digital_target")
