"""revitalisasi selection: the parameters of each programme year, and every run with its parameters,
inputs, figures and each proposal's decision and reason (a published run is frozen)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 21:05:00
"""

import sqlalchemy as sa
from alembic import op

import spmp.db

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revitalisasi_selection_setting",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", spmp.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["app_user.id"],
            name=op.f("fk_revitalisasi_selection_setting_updated_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_revitalisasi_selection_setting")),
    )
    op.create_table(
        "revitalisasi_selection_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("solver_status", sa.String(length=20), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("selected", sa.Integer(), nullable=False),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("greedy_objective", sa.Float(), nullable=False),
        sa.Column("lp_bound", sa.Float(), nullable=False),
        sa.Column("total_cost", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", spmp.db.UTCDateTime(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", spmp.db.UTCDateTime(), nullable=True),
        sa.Column("sk_number", sa.String(length=100), nullable=True),
        sa.Column("pks_number", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "state IN ('draf', 'diterbitkan')", name=op.f("ck_revitalisasi_selection_run_state")
        ),
        sa.CheckConstraint(
            "state = 'draf' OR (published_at IS NOT NULL AND sk_number IS NOT NULL AND pks_number IS NOT NULL)",
            name=op.f("ck_revitalisasi_selection_run_published_with_numbers"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_revitalisasi_selection_run_created_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["app_user.id"],
            name=op.f("fk_revitalisasi_selection_run_published_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revitalisasi_selection_run")),
    )
    op.create_index("ix_revitalisasi_selection_run_year", "revitalisasi_selection_run", ["year", "id"])
    op.create_index(
        "uq_revitalisasi_selection_run_published",
        "revitalisasi_selection_run",
        ["year"],
        unique=True,
        sqlite_where=sa.text("state = 'diterbitkan'"),
        postgresql_where=sa.text("state = 'diterbitkan'"),
    )
    op.create_table(
        "revitalisasi_selection_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("npsn", sa.String(length=8), nullable=False),
        sa.Column("school_name", sa.String(length=200), nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("damage_percent", sa.Float(), nullable=False),
        sa.Column("years_since_rehab", sa.Integer(), nullable=True),
        sa.Column("is_3t", sa.Boolean(), nullable=False),
        sa.Column("is_disaster", sa.Boolean(), nullable=False),
        sa.Column("pupils", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("points_damage", sa.Float(), nullable=False),
        sa.Column("points_rehab", sa.Float(), nullable=False),
        sa.Column("points_3t", sa.Float(), nullable=False),
        sa.Column("points_disaster", sa.Float(), nullable=False),
        sa.Column("points_level", sa.Float(), nullable=False),
        sa.Column("points_pupils", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("greedy_selected", sa.Boolean(), nullable=False),
        sa.Column("reason_code", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["revitalisasi_selection_run.id"],
            name=op.f("fk_revitalisasi_selection_item_run_id_revitalisasi_selection_run"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["revitalisasi_proposal.id"],
            name=op.f("fk_revitalisasi_selection_item_proposal_id_revitalisasi_proposal"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revitalisasi_selection_item")),
    )
    op.create_index("ix_revitalisasi_selection_item_rank", "revitalisasi_selection_item", ["run_id", "rank"])
    op.create_index(
        "ix_revitalisasi_selection_item_selected",
        "revitalisasi_selection_item",
        ["run_id", "selected", "rank"],
    )
    op.create_index(
        "ix_revitalisasi_selection_item_regency",
        "revitalisasi_selection_item",
        ["run_id", "regency_code", "rank"],
    )
    op.create_index(
        "ix_revitalisasi_selection_item_proposal",
        "revitalisasi_selection_item",
        ["run_id", "proposal_id", "selected"],
    )
    op.create_index("ix_revitalisasi_selection_item_npsn", "revitalisasi_selection_item", ["run_id", "npsn"])


def downgrade() -> None:
    op.drop_table("revitalisasi_selection_item")
    op.drop_index("uq_revitalisasi_selection_run_published", table_name="revitalisasi_selection_run")
    op.drop_index("ix_revitalisasi_selection_run_year", table_name="revitalisasi_selection_run")
    op.drop_table("revitalisasi_selection_run")
    op.drop_table("revitalisasi_selection_setting")
