"""audit: appended without a lock, sealed in sequence (one write path for the engine)

- The PL/pgSQL copies of the engine's rules go (``case_fire_apply``, ``audit_append``,
  ``audit_chain_head``): every transition is written by ``spmp.engine.fire`` alone.
- ``audit_event.id`` is assigned by the database (PostgreSQL: a sequence continuing after the last id;
  SQLite: the rowid), ``prev_hash`` is only kept by the events from before (new events carry the hash of
  their own content and nothing about the others).
- A trigger lists every new event in ``audit_pending``; the events already there are listed too, so the
  first sealing run seals them, in id order, continuing from their chain.
- ``audit_seal``, ``audit_tree_head`` and ``audit_node`` are insert-only, like the events (triggers refuse
  UPDATE and DELETE, and TRUNCATE on PostgreSQL).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 18:00:00
"""

import sqlalchemy as sa
from alembic import op

import spmp.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SEALED_TABLES = ("audit_seal", "audit_tree_head", "audit_node")
SQLITE_EVENT_TRIGGERS = {  # the same statements as revision 0002: a SQLite rebuild loses them
    "audit_event_no_update": """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END""",
    "audit_event_no_delete": """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused'); END""",
}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in SQLITE_EVENT_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP FUNCTION IF EXISTS case_fire_apply")
        op.execute("DROP FUNCTION IF EXISTS audit_append")
        op.execute("DROP FUNCTION IF EXISTS audit_chain_head()")
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(64), nullable=True)
    if sqlite:
        for statement in SQLITE_EVENT_TRIGGERS.values():
            op.execute(statement)
    else:
        op.execute("CREATE SEQUENCE audit_event_id_seq OWNED BY audit_event.id")
        op.execute("SELECT setval('audit_event_id_seq', coalesce((SELECT max(id) FROM audit_event), 0) + 1, false)")
        op.execute("ALTER TABLE audit_event ALTER COLUMN id SET DEFAULT nextval('audit_event_id_seq')")

    op.create_table(
        "audit_pending",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_pending")),
    )
    op.create_table(
        "audit_seal",
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(64), nullable=False),
        sa.Column("chain_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_audit_seal")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_seal_event_id")),
    )
    op.create_table(
        "audit_tree_head",
        sa.Column("size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("chain_hash", sa.String(64), nullable=False),
        sa.Column("frontier", sa.Text(), nullable=False),
        sa.Column("sealed_at", spmp.db.UTCDateTime(), nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_audit_tree_head")),
    )
    op.create_table(
        "audit_node",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_node")),
    )
    for table in SEALED_TABLES:
        _refuse_changes(table, sqlite)
    if sqlite:
        op.execute("""CREATE TRIGGER audit_event_pending AFTER INSERT ON audit_event
        BEGIN INSERT INTO audit_pending (event_id) VALUES (NEW.id); END""")
    else:
        op.execute("""CREATE FUNCTION audit_event_pending() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO audit_pending (event_id) VALUES (NEW.id); RETURN NULL; END $$""")
        op.execute("""CREATE TRIGGER audit_event_pending AFTER INSERT ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_pending()""")
    op.execute("INSERT INTO audit_pending (event_id) SELECT id FROM audit_event")


def _refuse_changes(table: str, sqlite: bool) -> None:
    if sqlite:
        for op_name in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER {table}_no_{op_name.lower()} BEFORE {op_name} ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op_name} refused'); END""")
        return
    # audit_event_refuse() (revision 0002) names the operation it refuses.
    op.execute(f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()""")
    op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()""")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS audit_event_pending")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_pending ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_pending()")
    for table in ("audit_node", "audit_tree_head", "audit_seal", "audit_pending"):
        op.drop_table(table)
    if not sqlite:
        op.execute("ALTER TABLE audit_event ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS audit_event_id_seq")
    # prev_hash stays nullable and the PL/pgSQL functions are not restored: events written since have no
    # chain hash, and the engine no longer calls those functions.
