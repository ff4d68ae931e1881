"""digitalisasi bimtek materials questions and shipment returns

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 23:42:39
"""

import sqlalchemy as sa
from alembic import op

import spmp.db

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "bimtek_material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'file') = (sha256 IS NOT NULL)", name=op.f("ck_bimtek_material_file_has_blob")
        ),
        sa.CheckConstraint(
            "(kind = 'link') = (url IS NOT NULL)", name=op.f("ck_bimtek_material_link_has_url")
        ),
        sa.CheckConstraint("kind IN ('file', 'link')", name=op.f("ck_bimtek_material_kind")),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["app_user.id"], name=op.f("fk_bimtek_material_added_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["bimtek_session.id"], name=op.f("fk_bimtek_material_session_id_bimtek_session")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bimtek_material")),
    )
    with op.batch_alter_table("bimtek_material", schema=None) as batch_op:
        batch_op.create_index("ix_bimtek_material_session", ["session_id"], unique=False)

    op.create_table(
        "bimtek_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("asker_name", sa.String(length=150), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", spmp.db.UTCDateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", spmp.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "(answer IS NULL) = (answered_at IS NULL)", name=op.f("ck_bimtek_question_answered_when_answer")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["app_user.id"], name=op.f("fk_bimtek_question_answered_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"], ["app_user.id"], name=op.f("fk_bimtek_question_asked_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_bimtek_question_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["bimtek_session.id"], name=op.f("fk_bimtek_question_session_id_bimtek_session")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bimtek_question")),
    )
    with op.batch_alter_table("bimtek_question", schema=None) as batch_op:
        batch_op.create_index("ix_bimtek_question_open", ["answered_at", "asked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_bimtek_question_school_id"), ["school_id"], unique=False)
        batch_op.create_index("ix_bimtek_question_session", ["session_id", "asked_at"], unique=False)

    op.create_table(
        "digital_shipment_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("serials", sa.Text(), nullable=False),
        sa.Column("returned_bast", sa.Text(), nullable=True),
        sa.Column("returned_by_id", sa.Integer(), nullable=False),
        sa.Column("returned_at", spmp.db.UTCDateTime(), nullable=False),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.Column("corrected_by_id", sa.Integer(), nullable=True),
        sa.Column("corrected_at", spmp.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "reason IN ('nomor_seri_salah', 'perangkat_rusak', 'perangkat_kurang', 'lainnya')",
            name=op.f("ck_digital_shipment_return_reason"),
        ),
        sa.CheckConstraint(
            "(corrected_at IS NULL) = (corrected_by_id IS NULL)",
            name=op.f("ck_digital_shipment_return_corrected_by"),
        ),
        sa.ForeignKeyConstraint(
            ["corrected_by_id"],
            ["app_user.id"],
            name=op.f("fk_digital_shipment_return_corrected_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["returned_by_id"],
            ["app_user.id"],
            name=op.f("fk_digital_shipment_return_returned_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["digital_shipment.id"],
            name=op.f("fk_digital_shipment_return_shipment_id_digital_shipment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_shipment_return")),
    )
    with op.batch_alter_table("digital_shipment_return", schema=None) as batch_op:
        batch_op.create_index(
            "ix_digital_shipment_return_shipment", ["shipment_id", "returned_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("digital_shipment_return", schema=None) as batch_op:
        batch_op.drop_index("ix_digital_shipment_return_shipment")

    op.drop_table("digital_shipment_return")
    with op.batch_alter_table("bimtek_question", schema=None) as batch_op:
        batch_op.drop_index("ix_bimtek_question_session")
        batch_op.drop_index(batch_op.f("ix_bimtek_question_school_id"))
        batch_op.drop_index("ix_bimtek_question_open")

    op.drop_table("bimtek_question")
    with op.batch_alter_table("bimtek_material", schema=None) as batch_op:
        batch_op.drop_index("ix_bimtek_material_session")

    op.drop_table("bimtek_material")
