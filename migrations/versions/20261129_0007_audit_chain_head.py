"""audit: the chain head (lock + last event) in one round trip on PostgreSQL

``audit_chain_head()`` takes the append lock and returns the last event's id and hash. It is VOLATILE, so
its SELECT runs with a snapshot taken after the lock was granted and sees the event the previous lock
holder committed (a single ``SELECT`` of both would use a snapshot from before the wait and fork the
chain). SQLite needs nothing: its write transaction already holds the only write lock.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 16:40:00
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

AUDIT_LOCK_KEY = 0x4155_4454  # spmp.audit.AUDIT_LOCK_KEY ("AUDT")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""CREATE FUNCTION audit_chain_head(OUT id integer, OUT hash varchar)
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock({AUDIT_LOCK_KEY});
        SELECT e.id, e.hash INTO id, hash FROM audit_event AS e ORDER BY e.id DESC LIMIT 1;
    END $$""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_chain_head()")
