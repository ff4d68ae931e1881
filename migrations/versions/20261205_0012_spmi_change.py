"""spmi changes: what the school added, edited, moved or removed in its cycle, so a Widyaprada re-reviewing a
returned phase sees what changed since the return

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 18:30:00
"""

import sqlalchemy as sa
from alembic import op

import spmp.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spmi_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=60), nullable=False),
        sa.Column("item_kind", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", spmp.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "item_kind IN ('general', 'priority', 'root_cause', 'activity', 'standard', 'progress', "
            "'evaluation', 'plan')",
            name=op.f("ck_spmi_change_item_kind"),
        ),
        sa.CheckConstraint(
            "action IN ('tambah', 'ubah', 'pindah', 'hapus')", name=op.f("ck_spmi_change_action")
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"], name=op.f("fk_spmi_change_actor_id_app_user")),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["spmi_cycle.id"],
            name=op.f("fk_spmi_change_cycle_id_spmi_cycle"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spmi_change")),
    )
    with op.batch_alter_table("spmi_change", schema=None) as batch_op:
        batch_op.create_index("ix_spmi_change_cycle", ["cycle_id", "changed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("spmi_change", schema=None) as batch_op:
        batch_op.drop_index("ix_spmi_change_cycle")
    op.drop_table("spmi_change")
