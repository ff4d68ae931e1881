"""The Widyaprada task absorbs the supervision visit: open ``school_visit`` cases become ``widyaprada_task``
cases of kind Supervisi on their school, explicitly (like ``spmp workflows migrate``), all or nothing.

Each moved case keeps its id, comments, evidence and audit trail; it gets one ``migrate`` audit event
(type, version and state before and after), a task row, and deadlines restarted for its new state. Closed
visits stay ``school_visit`` (their definition stays in workflows/ for the record)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.accounts.models import User
from spmp.audit import AuditEvent
from spmp.engine import deadlines
from spmp.engine.cases import CaseRecord
from spmp.engine.definitions import get_definition
from spmp.fastsql import FastSQL
from spmp.widyaprada.models import WidyapradaTask, WidyapradaTaskSchool, task_weight
from spmp.widyaprada.workflow import parse_visit_date

SOURCE = "school_visit"
STATE_MAP = {
    "draft": "direncanakan",
    "scheduled": "terjadwal",
    "reported": "selesai",
    "revision": "dikembalikan",
}
REPORT_DAYS = 14  # a moved visit's report is due two weeks after its visit date (or after today)


@dataclass
class AbsorbPlan:
    moves: list[tuple[int, str, str]] = field(default_factory=list)  # case id, from state, to state
    refused: list[tuple[int, str]] = field(default_factory=list)  # case id, why

    @property
    def ok(self) -> bool:
        return not self.refused

    def lines(self) -> list[str]:
        out = [f"{len(self.moves)} kunjungan supervisi terbuka akan menjadi tugas Widyaprada (Supervisi)"]
        out += [f"  kasus #{c}: school_visit {a} -> widyaprada_task {b}" for c, a, b in self.moves]
        out += [f"  DITOLAK kasus #{c}: {why}" for c, why in self.refused]
        return out


def plan_absorb(session: Session) -> AbsorbPlan:
    plan = AbsorbPlan()
    query = select(CaseRecord).where(CaseRecord.type_key == SOURCE, CaseRecord.closed_at.is_(None))
    for case in session.scalars(query.order_by(CaseRecord.id)):
        if case.state not in STATE_MAP:
            plan.refused.append((case.id, f"state {case.state!r} tidak punya padanan"))
        elif case.school_id is None:
            plan.refused.append((case.id, "kunjungan tanpa sekolah"))
        else:
            plan.moves.append((case.id, case.state, STATE_MAP[case.state]))
    return plan


def _last_visit_date(session: Session, case_id: int):
    """The visit date typed when the visit was (re)scheduled, if it reads as a date (it was free text)."""
    rows = session.scalars(
        select(AuditEvent.changes).where(AuditEvent.case_id == case_id, AuditEvent.action == "fire")
        .order_by(AuditEvent.id.desc())
    )  # fmt: skip
    for raw in rows:
        inputs = (json.loads(raw) if raw else {}).get("inputs") or {}
        if "visit_date" in inputs:
            return parse_visit_date(inputs["visit_date"])
    return None


def absorb_school_visits(session: Session, user: User | None, dry_run: bool = False) -> AbsorbPlan:
    """Plan, and unless ``dry_run`` or refused, move every open school visit to a Supervisi task."""
    plan = plan_absorb(session)
    if dry_run or not plan.ok:
        return plan
    target, sql, now = get_definition("widyaprada_task"), FastSQL.of(session), clock.now()
    for case_id, from_state, to_state in plan.moves:
        case = session.get(CaseRecord, case_id)
        from_version = case.type_version
        visit = _last_visit_date(session, case_id)
        start = visit or case.opened_at.date()
        task = WidyapradaTask(
            case_id=case.id, kind="supervisi", scope="school", purpose=f"Supervisi (dari kunjungan: {case.title})",
            planned_start=min(start, now.date()), planned_end=max(start, now.date()),
            due_date=max(start, now.date()) + timedelta(days=REPORT_DAYS), weight=task_weight("supervisi", "school"),
            visit_date=visit, report_version=0,
        )  # fmt: skip
        session.add(task)
        session.flush()
        session.add(WidyapradaTaskSchool(task_id=task.id, school_id=case.school_id))
        case.type_key, case.type_version, case.state = target.key, target.version, to_state
        case.state_entered_at, case.version, case.updated_at = now, case.version + 1, now
        session.flush()
        if to_state == "terjadwal":
            from spmp.widyaprada.operations import anchor_deadlines

            anchor_deadlines(session, task, now)
        else:
            deadlines.replace_for_state(sql, target, case_id, to_state, now)
        if case.is_paused:
            deadlines.pause(sql, case_id)
        changes = {"type": [[SOURCE, from_version], [target.key, target.version]], "state": [from_state, to_state],
                   "task_id": task.id, "visit_date": visit.isoformat() if visit else None}  # fmt: skip
        audit.append(sql, action="migrate", actor_id=user.id if user else None, case_id=case_id,
                     from_state=from_state, to_state=to_state, changes=changes, occurred_at=now)  # fmt: skip
    return plan
