"""engine: a transition's writes in one round trip on PostgreSQL

Two server-side functions, so that the writes of a fired transition cost one round trip instead of four
(PostgreSQL only; SQLite runs in-process and needs none):

- ``audit_append(...)``: takes the append lock and reads the chain head (``audit_chain_head()``), computes
  the event's sha256 exactly as ``spmp.audit.event_hash`` does (Python sends the JSON of the fields between
  the id and the previous hash; the function puts the id and the previous hash around it), and inserts the
  event. Returns (id, hash).
- ``case_fire_apply(...)``: the guarded case UPDATE (skipped when the caller already made it: a transition
  with actions locks the case row before running them), the deadline rows (rewritten in place, slot by
  slot, or deleted and inserted; the same rules as ``spmp.engine.deadlines``), then ``audit_append``.
  Returns no row when the version check fails (someone else changed the case).

The lock order stays case row -> deadline rows -> audit lock, as in the Python path.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 18:30:00
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

AUDIT_APPEND = """CREATE FUNCTION audit_append(
    p_occurred_at timestamp, p_actor integer, p_case integer, p_action varchar, p_from varchar,
    p_to varchar, p_reason text, p_changes text, p_payload text, OUT id integer, OUT hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    last_id integer;
    prev varchar;
BEGIN
    SELECT h.id, h.hash INTO last_id, prev FROM audit_chain_head() AS h;
    id := coalesce(last_id, 0) + 1;
    prev := coalesce(prev, repeat('0', 64));
    hash := encode(sha256(convert_to('[' || id || ',' || p_payload || ',"' || prev || '"]', 'UTF8')), 'hex');
    INSERT INTO audit_event (id, occurred_at, actor_id, case_id, action, from_state, to_state, reason,
                             changes, prev_hash, hash)
    VALUES (id, p_occurred_at, p_actor, p_case, p_action, p_from, p_to, p_reason, p_changes, prev, hash);
END $$"""

CASE_FIRE_APPLY = """CREATE FUNCTION case_fire_apply(
    p_case integer, p_seen_version integer, p_state varchar, p_entered timestamp, p_closed timestamp,
    p_now timestamp, p_deadlines varchar, p_kinds varchar[], p_fire_ats timestamp[], p_escalate varchar[],
    p_due_at timestamp, p_working boolean, p_drop_surplus boolean,
    p_actor integer, p_from varchar, p_reason text, p_changes text, p_payload text,
    OUT id integer, OUT hash varchar)
RETURNS SETOF record LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    wanted integer := coalesce(cardinality(p_kinds), 0);
    rewritten integer := 0;
BEGIN
    IF p_seen_version IS NOT NULL THEN
        UPDATE case_record SET state = p_state, version = version + 1, state_entered_at = p_entered,
            closed_at = p_closed, updated_at = p_now
        WHERE case_record.id = p_case AND version = p_seen_version;
        IF NOT FOUND THEN
            RETURN;  -- stale: no row
        END IF;
    END IF;
    IF p_deadlines <> 'keep' THEN
        IF wanted > 0 THEN
            UPDATE case_deadline SET state = p_state, kind = p_kinds[slot + 1], fire_at = p_fire_ats[slot + 1],
                due_at = p_due_at, is_working_days = p_working, escalate_to_role = p_escalate[slot + 1],
                status = 'pending', fired_at = NULL
            WHERE case_id = p_case AND slot < wanted;
            GET DIAGNOSTICS rewritten = ROW_COUNT;
        END IF;
        IF rewritten = wanted AND wanted > 0 THEN
            IF p_drop_surplus THEN
                DELETE FROM case_deadline WHERE case_id = p_case AND slot >= wanted;
            END IF;
        ELSE
            DELETE FROM case_deadline WHERE case_id = p_case;
            INSERT INTO case_deadline (case_id, slot, state, kind, fire_at, due_at, is_working_days,
                                       escalate_to_role, status)
            SELECT p_case, s - 1, p_state, p_kinds[s], p_fire_ats[s], p_due_at, p_working, p_escalate[s], 'pending'
            FROM generate_series(1, wanted) AS s;
        END IF;
    END IF;
    RETURN QUERY SELECT a.id, a.hash
        FROM audit_append(p_now, p_actor, p_case, 'fire', p_from, p_state, p_reason, p_changes, p_payload) AS a;
END $$"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(AUDIT_APPEND)
    op.execute(CASE_FIRE_APPLY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS case_fire_apply")
        op.execute("DROP FUNCTION IF EXISTS audit_append")
