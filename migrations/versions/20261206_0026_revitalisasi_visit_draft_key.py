"""revitalisasi visit reports carry the key of their offline draft (a copy sent again is not recorded twice)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN and CREATE INDEX, no batch copy of the table on SQLite: photos and tranches point at
    # its rows (ON DELETE CASCADE), and a copy-and-rename would not be needed for a nullable column.
    op.add_column("revitalisasi_progress", sa.Column("draft_key", sa.String(length=64), nullable=True))
    op.create_index("uq_revitalisasi_progress_draft_key", "revitalisasi_progress", ["draft_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_revitalisasi_progress_draft_key", table_name="revitalisasi_progress")
    op.drop_column("revitalisasi_progress", "draft_key")  # SQLite >= 3.35 drops a column in place
