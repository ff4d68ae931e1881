"""revitalisasi execution: the P2SP committee (one person, one role: unique NIK per proposal), the
execution documents (RAB, drawings, schedule, PBG, handover record, LPJ), the two tranches, the physical
progress reports (school milestones and facilitator-verified visits) with their geotagged photos

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 23:43:19.869716
"""

import sqlalchemy as sa
from alembic import op

import spmp.db

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revitalisasi_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('rab', 'gambar', 'jadwal', 'pbg', 'ba_serah_terima', 'lpj')",
            name=op.f("ck_revitalisasi_document_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["revitalisasi_proposal.id"],
            name=op.f("fk_revitalisasi_document_proposal_id_revitalisasi_proposal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["app_user.id"], name=op.f("fk_revitalisasi_document_uploaded_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revitalisasi_document")),
        sa.UniqueConstraint("proposal_id", "kind", name="uq_revitalisasi_document_proposal_kind"),
    )
    with op.batch_alter_table("revitalisasi_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revitalisasi_document_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "revitalisasi_p2sp_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('ketua', 'sekretaris', 'bendahara', 'anggota_teknis', 'anggota')",
            name=op.f("ck_revitalisasi_p2sp_member_role"),
        ),
        sa.CheckConstraint("length(nik) = 16", name=op.f("ck_revitalisasi_p2sp_member_nik_length")),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["app_user.id"], name=op.f("fk_revitalisasi_p2sp_member_added_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["revitalisasi_proposal.id"],
            name=op.f("fk_revitalisasi_p2sp_member_proposal_id_revitalisasi_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revitalisasi_p2sp_member")),
        sa.UniqueConstraint("proposal_id", "nik", name="uq_revitalisasi_p2sp_member_proposal_nik"),
    )
    with op.batch_alter_table("revitalisasi_p2sp_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revitalisasi_p2sp_member_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "revitalisasi_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("visit_date", sa.String(length=10), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", spmp.db.UTCDateTime(), nullable=False),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", spmp.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "source IN ('sekolah', 'fasilitator')", name=op.f("ck_revitalisasi_progress_source")
        ),
        sa.CheckConstraint(
            "(verified_by_id IS NULL) = (verified_at IS NULL)",
            name=op.f("ck_revitalisasi_progress_verified_pair"),
        ),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name=op.f("ck_revitalisasi_progress_percent")),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["revitalisasi_proposal.id"],
            name=op.f("fk_revitalisasi_progress_proposal_id_revitalisasi_proposal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["app_user.id"], name=op.f("fk_revitalisasi_progress_reported_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"], ["app_user.id"], name=op.f("fk_revitalisasi_progress_verified_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revitalisasi_progress")),
    )
    with op.batch_alter_table("revitalisasi_progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revitalisasi_progress_proposal_id"), ["proposal_id"], unique=False
        )
        batch_op.create_index(
            "ix_revitalisasi_progress_verified", ["proposal_id", "verified_at"], unique=False
        )

    op.create_table(
        "revitalisasi_progress_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("progress_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("thumb_sha256", sa.String(length=64), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("taken_at", sa.String(length=20), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("is_far", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_revitalisasi_progress_photo_position")
        ),
        sa.CheckConstraint(
            "latitude IS NULL OR latitude BETWEEN -90 AND 90",
            name=op.f("ck_revitalisasi_progress_photo_latitude"),
        ),
        sa.CheckConstraint(
            "longitude IS NULL OR longitude BETWEEN -180 AND 180",
            name=op.f("ck_revitalisasi_progress_photo_longitude"),
        ),
        sa.ForeignKeyConstraint(
            ["progress_id"],
            ["revitalisasi_progress.id"],
            name=op.f("fk_revitalisasi_progress_photo_progress_id_revitalisasi_progress"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["app_user.id"],
            name=op.f("fk_revitalisasi_progress_photo_uploaded_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revitalisasi_progress_photo")),
        sa.UniqueConstraint("progress_id", "sha256", name="uq_revitalisasi_progress_photo_progress_sha256"),
    )
    with op.batch_alter_table("revitalisasi_progress_photo", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revitalisasi_progress_photo_progress_id"), ["progress_id"], unique=False
        )

    op.create_table(
        "revitalisasi_tranche",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("disbursed_at", spmp.db.UTCDateTime(), nullable=False),
        sa.Column("disbursed_by_id", sa.Integer(), nullable=False),
        sa.Column("verified_progress", sa.Integer(), nullable=True),
        sa.Column("min_progress", sa.Integer(), nullable=True),
        sa.Column("progress_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_revitalisasi_tranche_amount")),
        sa.CheckConstraint(
            "min_progress IS NULL OR min_progress BETWEEN 1 AND 100",
            name=op.f("ck_revitalisasi_tranche_min_progress"),
        ),
        sa.CheckConstraint("number IN (1, 2)", name=op.f("ck_revitalisasi_tranche_number")),
        sa.CheckConstraint("percent BETWEEN 1 AND 100", name=op.f("ck_revitalisasi_tranche_percent")),
        sa.CheckConstraint(
            "verified_progress IS NULL OR verified_progress BETWEEN 0 AND 100",
            name=op.f("ck_revitalisasi_tranche_verified_progress"),
        ),
        sa.ForeignKeyConstraint(
            ["disbursed_by_id"],
            ["app_user.id"],
            name=op.f("fk_revitalisasi_tranche_disbursed_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["progress_id"],
            ["revitalisasi_progress.id"],
            name=op.f("fk_revitalisasi_tranche_progress_id_revitalisasi_progress"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["revitalisasi_proposal.id"],
            name=op.f("fk_revitalisasi_tranche_proposal_id_revitalisasi_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revitalisasi_tranche")),
        sa.UniqueConstraint("proposal_id", "number", name="uq_revitalisasi_tranche_proposal_number"),
    )
    with op.batch_alter_table("revitalisasi_tranche", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revitalisasi_tranche_proposal_id"), ["proposal_id"], unique=False
        )



def downgrade() -> None:
    with op.batch_alter_table("revitalisasi_tranche", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revitalisasi_tranche_proposal_id"))

    op.drop_table("revitalisasi_tranche")
    with op.batch_alter_table("revitalisasi_progress_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revitalisasi_progress_photo_progress_id"))

    op.drop_table("revitalisasi_progress_photo")
    with op.batch_alter_table("revitalisasi_progress", schema=None) as batch_op:
        batch_op.drop_index("ix_revitalisasi_progress_verified")
        batch_op.drop_index(batch_op.f("ix_revitalisasi_progress_proposal_id"))

    op.drop_table("revitalisasi_progress")
    with op.batch_alter_table("revitalisasi_p2sp_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revitalisasi_p2sp_member_proposal_id"))

    op.drop_table("revitalisasi_p2sp_member")
    with op.batch_alter_table("revitalisasi_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revitalisasi_document_proposal_id"))

    op.drop_table("revitalisasi_document")
