"""deadline slots: a case's deadline rows are rewritten in place on a transition

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('case_deadline', sa.Column('slot', sa.SmallInteger(), nullable=False, server_default='0'))
    # Existing rows: number each case's rows 0, 1, 2... in id order (the order they were written in).
    op.execute(
        "UPDATE case_deadline SET slot = (SELECT count(*) FROM case_deadline AS earlier "
        "WHERE earlier.case_id = case_deadline.case_id AND earlier.id < case_deadline.id)"
    )
    op.create_index('ix_case_deadline_case_slot', 'case_deadline', ['case_id', 'slot'], unique=True)
    op.drop_index('ix_case_deadline_case_id', table_name='case_deadline')


def downgrade() -> None:
    op.create_index('ix_case_deadline_case_id', 'case_deadline', ['case_id'], unique=False)
    op.drop_index('ix_case_deadline_case_slot', table_name='case_deadline')
    with op.batch_alter_table('case_deadline', schema=None) as batch_op:
        batch_op.drop_column('slot')
