"""engine write path: no index on case state, no foreign keys on the audit trail

- ``case_record``: the (type, version, state) index becomes (type, version). Every transition changes
  ``state``; on PostgreSQL an UPDATE that changes an indexed column writes a new entry in every index of
  the row (six here) instead of a HOT update in place, and on SQLite it rewrites two index pages. Lists by
  state are narrowed by type, region or the user's scope first. PostgreSQL: fillfactor 80 leaves room on
  each page for HOT updates (pages written from now on).
- ``audit_event``: ``actor_id`` and ``case_id`` keep their ids without foreign keys. On PostgreSQL each
  check share-locked the user's and the case's rows inside the audit append lock, lengthening the one
  section that every transition passes through in turn; and the trail must outlive what it describes.
  SQLite rebuilds the table to drop them, so its append-only triggers are dropped and created again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 18:40:00
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The same statements as revision 0002 (see 0006: a SQLite rebuild loses the table's triggers).
SQLITE_TRIGGERS = {
    "audit_event_no_update": """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END""",
    "audit_event_no_delete": """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused'); END""",
}
FOREIGN_KEYS = {
    "fk_audit_event_actor_id_app_user": ("actor_id", "app_user"),
    "fk_audit_event_case_id_case_record": ("case_id", "case_record"),
}


def _audit_table(change) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)


def upgrade() -> None:
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_index("ix_case_record_type_state")
        batch_op.create_index("ix_case_record_type", ["type_key", "type_version"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE case_record SET (fillfactor = 80)")

    def drop(batch_op) -> None:
        for name in FOREIGN_KEYS:
            batch_op.drop_constraint(name, type_="foreignkey")

    _audit_table(drop)


def downgrade() -> None:
    def create(batch_op) -> None:
        for name, (column, table) in FOREIGN_KEYS.items():
            batch_op.create_foreign_key(name, table, [column], ["id"])

    _audit_table(create)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE case_record RESET (fillfactor)")
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_index("ix_case_record_type")
        batch_op.create_index("ix_case_record_type_state", ["type_key", "type_version", "state"], unique=False)
