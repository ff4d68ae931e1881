"""Writing a case's deadline rows (pre-written statements on the DBAPI cursor: this is on the hot path).

Rows exist only for the current visit of the current state; see ``CaseDeadline`` for the sweep contract.
A transition into a state rewrites the case's rows in place, slot by slot, when the case already has as
many rows as the new state needs (nearly always: the states of a workflow have due rules of one shape);
otherwise it deletes them and inserts the new ones.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache, lru_cache
from typing import NamedTuple

from spmp.engine.calendar import deadline_rows, shift_for_pause
from spmp.engine.definitions import DueRule, TransitionDef, WorkflowDefinition
from spmp.engine.registry import PROGRAMME_YEARS
from spmp.fastsql import FastSQL, Statement

_DELETE = Statement("DELETE FROM case_deadline WHERE case_id = :case_id")
_INSERT = Statement(
    "INSERT INTO case_deadline (case_id, slot, state, kind, fire_at, due_at, is_working_days, "
    "escalate_to_role, status) VALUES (:case_id, :slot, :state, :kind, :fire_at, :due_at, "
    ":is_working_days, :escalate_to_role, 'pending')"
)


@lru_cache(maxsize=16)
def _rewrite(slots: int) -> Statement:
    """One UPDATE that rewrites slots 0..slots-1 of a case (one statement, not one per row)."""

    def per_slot(column: str) -> str:
        whens = " ".join(f"WHEN {i} THEN :{column}{i}" for i in range(slots))
        return f"CASE slot {whens} END"

    return Statement(
        f"UPDATE case_deadline SET state = :state, kind = {per_slot('kind')}, fire_at = {per_slot('fire_at')}, "
        f"due_at = :due_at, is_working_days = :is_working_days, "
        f"escalate_to_role = {per_slot('escalate_to_role')}, status = 'pending', fired_at = NULL "
        f"WHERE case_id = :case_id AND slot < {slots}"
    )


def _rewrite_params(rows: list[dict]) -> dict:
    # Every row of a state visit has the same case, state, due time and calendar kind.
    first = rows[0]
    params = {
        "case_id": first["case_id"],
        "state": first["state"],
        "due_at": first["due_at"],
        "is_working_days": first["is_working_days"],
    }
    for row in rows:
        kind, fire_at, escalate_to_role = _slot_keys(row["slot"])
        params[kind], params[fire_at] = row["kind"], row["fire_at"]
        params[escalate_to_role] = row["escalate_to_role"]
    return params


@cache
def _slot_keys(slot: int) -> tuple[str, str, str]:
    return f"kind{slot}", f"fire_at{slot}", f"escalate_to_role{slot}"


_DROP_SURPLUS = Statement("DELETE FROM case_deadline WHERE case_id = :case_id AND slot >= :slots")
_PAUSE = Statement(
    "UPDATE case_deadline SET status = 'paused' WHERE case_id = :case_id AND status = 'pending'"
)
_PAUSED = Statement(
    "SELECT id, fire_at, due_at, is_working_days FROM case_deadline WHERE case_id = :case_id AND status = 'paused'"
)
_RESUME = Statement(
    "UPDATE case_deadline SET status = 'pending', fire_at = :fire_at, due_at = :due_at WHERE id = :id"
)


def start_state(
    sql: FastSQL, workflow: WorkflowDefinition, case_id: int, state: str, entered_at: datetime
) -> int:
    """Insert the rows for entering ``state`` (none if it has no due rule); returns how many."""
    rows = _rows(sql, workflow, case_id, state, entered_at)
    sql.executemany(_INSERT, rows)
    return len(rows)


def _rows(sql: FastSQL, workflow: WorkflowDefinition, case_id: int, state: str, entered_at: datetime):
    rule = workflow.states[state].due
    if rule is None or workflow.is_final(state):
        return []
    rows = deadline_rows(rule, entered_at, _programme_year(sql, workflow, rule, case_id))
    due_at = sql.ts(rows[0]["due_at"])  # one due time for every row of the visit
    for row in rows:
        row.update(case_id=case_id, state=state, fire_at=sql.ts(row["fire_at"]), due_at=due_at)
    return rows


def _programme_year(sql: FastSQL, workflow: WorkflowDefinition, rule: DueRule, case_id: int) -> int | None:
    """The case's programme year, looked up only when the rule names a day of the year and the workflow
    says how to find it (one statement, on the few transitions into such a state)."""
    if rule.until is None or workflow.programme_year is None:
        return None
    return PROGRAMME_YEARS[workflow.programme_year](sql, case_id)


class Plan(NamedTuple):
    """What a fired transition does to the case's deadline rows: ``effect`` "keep", "clear" or
    "restart"; the rows the destination state needs (stored forms); whether rows in slots beyond them
    may exist (from an earlier state with more rows) and must go."""

    effect: str
    rows: list[dict]
    drop_surplus: bool


def plan_transition(
    sql: FastSQL,
    workflow: WorkflowDefinition,
    transition: TransitionDef,
    source: str,
    case_id: int,
    now: datetime,
) -> Plan:
    effect = "clear" if workflow.is_final(transition.dest) else transition.deadline_effect(source)
    rows = _rows(sql, workflow, case_id, transition.dest, now) if effect == "restart" else []
    return Plan(effect, rows, workflow.most_deadline_rows > len(rows))


def apply_plan(sql: FastSQL, case_id: int, plan: Plan) -> None:
    """Write the plan with statements."""
    if plan.effect == "keep":
        return
    rows = plan.rows
    if rows and sql.execute(_rewrite(len(rows)), _rewrite_params(rows)).rowcount == len(rows):
        if plan.drop_surplus:
            sql.execute(_DROP_SURPLUS, {"case_id": case_id, "slots": len(rows)})
        return
    # Fewer rows than slots needed (or none wanted): start afresh.
    sql.execute(_DELETE, {"case_id": case_id})
    sql.executemany(_INSERT, rows)


def replace_for_state(
    sql: FastSQL, workflow: WorkflowDefinition, case_id: int, state: str, now: datetime
) -> None:
    """Drop the case's rows and start ``state`` afresh (workflow migration to a new state)."""
    sql.execute(_DELETE, {"case_id": case_id})
    start_state(sql, workflow, case_id, state, now)


def pause(sql: FastSQL, case_id: int) -> None:
    """Take the case's pending rows out of the sweep's index while paused."""
    sql.execute(_PAUSE, {"case_id": case_id})


def resume(sql: FastSQL, case_id: int, paused_at: datetime, resumed_at: datetime) -> int:
    """Shift the paused rows so the paused time does not count, and make them pending again."""
    rows = sql.execute(_PAUSED, {"case_id": case_id}).fetchall()
    for row_id, fire_at, due_at, is_working_days in rows:
        fire_at = shift_for_pause(sql.from_ts(fire_at), paused_at, resumed_at, bool(is_working_days))
        due_at = shift_for_pause(sql.from_ts(due_at), paused_at, resumed_at, bool(is_working_days))
        sql.execute(_RESUME, {"id": row_id, "fire_at": sql.ts(fire_at), "due_at": sql.ts(due_at)})
    return len(rows)
