"""Writing a case's deadline rows (Core statements on the caller's connection: this is on the hot path).

Rows exist only for the current visit of the current state; see ``CaseDeadline`` for the sweep contract.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from spmp.db import UTCDateTime
from spmp.engine.calendar import deadline_rows, shift_for_pause
from spmp.engine.definitions import TransitionDef, WorkflowDefinition

_DELETE = text("DELETE FROM case_deadline WHERE case_id = :case_id")
_INSERT = text(
    "INSERT INTO case_deadline (case_id, state, kind, fire_at, due_at, is_working_days, escalate_to_role, status) "
    "VALUES (:case_id, :state, :kind, :fire_at, :due_at, :is_working_days, :escalate_to_role, 'pending')"
).bindparams(bindparam("fire_at", type_=UTCDateTime()), bindparam("due_at", type_=UTCDateTime()))
_PAUSE = text("UPDATE case_deadline SET status = 'paused' WHERE case_id = :case_id AND status = 'pending'")
_PAUSED = text(
    "SELECT id, fire_at, due_at, is_working_days FROM case_deadline WHERE case_id = :case_id AND status = 'paused'"
).columns(fire_at=UTCDateTime(), due_at=UTCDateTime())
_RESUME = text(
    "UPDATE case_deadline SET status = 'pending', fire_at = :fire_at, due_at = :due_at WHERE id = :id"
).bindparams(bindparam("fire_at", type_=UTCDateTime()), bindparam("due_at", type_=UTCDateTime()))


def start_state(
    conn: Connection, workflow: WorkflowDefinition, case_id: int, state: str, entered_at: datetime
) -> int:
    """Insert the rows for entering ``state`` (none if it has no due rule); returns how many."""
    rule = workflow.states[state].due
    if rule is None or workflow.is_final(state):
        return 0
    rows = deadline_rows(rule, entered_at)
    for row in rows:
        row.update(case_id=case_id, state=state)
    conn.execute(_INSERT, rows)
    return len(rows)


def apply_transition(
    conn: Connection,
    workflow: WorkflowDefinition,
    transition: TransitionDef,
    source: str,
    case_id: int,
    now: datetime,
) -> str:
    """What a fired transition does to the case's deadlines; returns the effect applied."""
    effect = "clear" if workflow.is_final(transition.dest) else transition.deadline_effect(source)
    if effect == "keep":
        return effect
    conn.execute(_DELETE, {"case_id": case_id})
    if effect == "restart":
        start_state(conn, workflow, case_id, transition.dest, now)
    return effect


def replace_for_state(
    conn: Connection, workflow: WorkflowDefinition, case_id: int, state: str, now: datetime
) -> None:
    """Drop the case's rows and start ``state`` afresh (workflow migration to a new state)."""
    conn.execute(_DELETE, {"case_id": case_id})
    start_state(conn, workflow, case_id, state, now)


def pause(conn: Connection, case_id: int) -> None:
    """Take the case's pending rows out of the sweep's index while paused."""
    conn.execute(_PAUSE, {"case_id": case_id})


def resume(conn: Connection, case_id: int, paused_at: datetime, resumed_at: datetime) -> int:
    """Shift the paused rows so the paused time does not count, and make them pending again."""
    rows = conn.execute(_PAUSED, {"case_id": case_id}).all()
    for row in rows:
        conn.execute(
            _RESUME,
            {
                "id": row.id,
                "fire_at": shift_for_pause(row.fire_at, paused_at, resumed_at, row.is_working_days),
                "due_at": shift_for_pause(row.due_at, paused_at, resumed_at, row.is_working_days),
            },
        )
    return len(rows)
