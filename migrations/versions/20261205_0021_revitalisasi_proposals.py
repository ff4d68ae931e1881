"""revitalisasi: Revitalisasi Sekolah proposals (the data of a revitalisasi case), their rooms with the damage
per component, and their geotagged photos

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 20:42:50.427752
"""

import sqlalchemy as sa
from alembic import op

import spmp.db

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revitalisasi_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("damage_percent", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=6), nullable=False),
        sa.Column("rooms_requested", sa.Integer(), nullable=False),
        sa.Column("requested_budget", sa.BigInteger(), nullable=False),
        sa.Column("pupils_affected", sa.Integer(), nullable=True),
        sa.Column("last_rehab_year", sa.Integer(), nullable=True),
        sa.Column("dapodik_since_year", sa.Integer(), nullable=True),
        sa.Column("is_3t", sa.Boolean(), nullable=False),
        sa.Column("land_ready", sa.Boolean(), nullable=False),
        sa.Column("land_proof", sa.String(length=300), nullable=True),
        sa.Column("land_proof_sha256", sa.String(length=64), nullable=True),
        sa.Column("land_proof_filename", sa.String(length=255), nullable=True),
        sa.Column("surveyor_name", sa.String(length=150), nullable=True),
        sa.Column("damage_form_signed", sa.Boolean(), nullable=False),
        sa.Column("damage_form_sha256", sa.String(length=64), nullable=True),
        sa.Column("damage_form_filename", sa.String(length=255), nullable=True),
        sa.Column("is_eligible", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", spmp.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "band IN ('ringan', 'sedang', 'berat')", name=op.f("ck_revitalisasi_proposal_band")
        ),
        sa.CheckConstraint(
            "source IN ('form', 'import', 'rekomendasi')", name=op.f("ck_revitalisasi_proposal_source")
        ),
        sa.CheckConstraint(
            "damage_percent BETWEEN 0 AND 100", name=op.f("ck_revitalisasi_proposal_damage_percent")
        ),
        sa.CheckConstraint(
            "pupils_affected IS NULL OR pupils_affected >= 0",
            name=op.f("ck_revitalisasi_proposal_pupils_affected"),
        ),
        sa.CheckConstraint("requested_budget >= 0", name=op.f("ck_revitalisasi_proposal_requested_budget")),
        sa.CheckConstraint("year BETWEEN 2025 AND 2100", name=op.f("ck_revitalisasi_proposal_year")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_record.id"], name=op.f("fk_revitalisasi_proposal_case_id_case_record")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_revitalisasi_proposal_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_revitalisasi_proposal_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revitalisasi_proposal")),
        sa.UniqueConstraint("case_id", name=op.f("uq_revitalisasi_proposal_case_id")),
        sa.UniqueConstraint("school_id", "year", name="school_year"),
    )
    with op.batch_alter_table("revitalisasi_proposal", schema=None) as batch_op:
        batch_op.create_index("ix_revitalisasi_proposal_year", ["year", "school_id"], unique=False)

    op.create_table(
        "revitalisasi_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("thumb_sha256", sa.String(length=64), nullable=True),
        sa.Column("caption", sa.String(length=300), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("taken_at", sa.String(length=20), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("is_far", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_revitalisasi_photo_position")
        ),
        sa.CheckConstraint(
            "latitude IS NULL OR latitude BETWEEN -90 AND 90", name=op.f("ck_revitalisasi_photo_latitude")
        ),
        sa.CheckConstraint(
            "longitude IS NULL OR longitude BETWEEN -180 AND 180",
            name=op.f("ck_revitalisasi_photo_longitude"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["revitalisasi_proposal.id"],
            name=op.f("fk_revitalisasi_photo_proposal_id_revitalisasi_proposal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["app_user.id"], name=op.f("fk_revitalisasi_photo_uploaded_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revitalisasi_photo")),
        sa.UniqueConstraint("proposal_id", "sha256", name="proposal_sha256"),
    )
    with op.batch_alter_table("revitalisasi_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revitalisasi_photo_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "revitalisasi_room",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("damage_percent", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=6), nullable=False),
        sa.Column("is_requested", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "NOT is_requested OR band IN ('sedang', 'berat')",
            name=op.f("ck_revitalisasi_room_requested_band"),
        ),
        sa.CheckConstraint("band IN ('ringan', 'sedang', 'berat')", name=op.f("ck_revitalisasi_room_band")),
        sa.CheckConstraint(
            "kind IN ('ruang_kelas', 'perpustakaan', 'laboratorium', 'ruang_guru', 'toilet', 'ruang_lain')",
            name=op.f("ck_revitalisasi_room_kind"),
        ),
        sa.CheckConstraint(
            "damage_percent BETWEEN 0 AND 100", name=op.f("ck_revitalisasi_room_damage_percent")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["revitalisasi_proposal.id"],
            name=op.f("fk_revitalisasi_room_proposal_id_revitalisasi_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revitalisasi_room")),
        sa.UniqueConstraint("proposal_id", "position", name="position"),
    )
    op.create_table(
        "revitalisasi_damage",
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("component", sa.String(length=20), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "component IN ('pondasi', 'kolom_balok', 'kuda_kuda_atap', 'tutup_atap', 'plafon', 'dinding', 'kusen', 'instalasi', 'drainase')",
            name=op.f("ck_revitalisasi_damage_component"),
        ),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name=op.f("ck_revitalisasi_damage_percent")),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["revitalisasi_room.id"],
            name=op.f("fk_revitalisasi_damage_room_id_revitalisasi_room"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("room_id", "component", name=op.f("pk_revitalisasi_damage")),
    )


def downgrade() -> None:
    op.drop_table("revitalisasi_damage")
    op.drop_table("revitalisasi_room")
    with op.batch_alter_table("revitalisasi_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revitalisasi_photo_proposal_id"))

    op.drop_table("revitalisasi_photo")
    with op.batch_alter_table("revitalisasi_proposal", schema=None) as batch_op:
        batch_op.drop_index("ix_revitalisasi_proposal_year")

    op.drop_table("revitalisasi_proposal")
