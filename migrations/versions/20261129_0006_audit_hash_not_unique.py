"""audit: no unique index on the event hash

The chain is linear because appends are serialised and ``audit verify`` checks every link; a unique
index on a random sha256 only cost one random index page written per event (and a random read once the
trail outgrows the cache).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 16:20:00
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# SQLite rebuilds the table to drop a constraint, and its triggers go with the old table: the rebuild
# runs with them dropped and they are created again (the same statements as revision 0002).
SQLITE_TRIGGERS = {
    "audit_event_no_update": """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END""",
    "audit_event_no_delete": """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused'); END""",
}


def _rebuild(change) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)


def upgrade() -> None:
    _rebuild(lambda batch_op: batch_op.drop_constraint('uq_audit_event_hash', type_='unique'))


def downgrade() -> None:
    _rebuild(lambda batch_op: batch_op.create_unique_constraint('uq_audit_event_hash', ['hash']))
