"""Case use cases besides firing: open, assign, pause/resume, comment. Each takes the session and the
acting user, writes the audit event in the same transaction, flushes, and never commits."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.access import can_see_school, school_scope
from spmp.accounts import conflicts
from spmp.accounts.models import NATIONAL_ROLES, User
from spmp.bulk_insert import insert_dicts, insert_returning_ids
from spmp.db import UTCDateTime
from spmp.engine import deadlines, notify
from spmp.engine.calendar import deadline_rows
from spmp.engine.cases import CaseComment, CaseDeadline, CaseRecord
from spmp.engine.definitions import WorkflowDefinition, get_definition
from spmp.engine.errors import ActionRefused, CaseNotFound, StaleCaseError
from spmp.engine.permissions import case_scope
from spmp.fastsql import FastSQL
from spmp.regions.models import Unit, UnitCoverage
from spmp.schools.models import School

MAX_COMMENT_CHARS = 10_000


def get_case(session: Session, user: User, case_id: int) -> CaseRecord:
    """The case as an ORM object if ``user`` may see it; CaseNotFound otherwise."""
    case = session.scalar(select(CaseRecord).where(CaseRecord.id == case_id, case_scope(user)))
    if case is None:
        raise CaseNotFound()
    return case


def _check_role(roles, user: User, what: str) -> None:
    if user.role not in roles:
        raise ActionRefused(f"Peran Anda tidak dapat {what}")


# --- open -------------------------------------------------------------------------------------------
def _subject_region(session: Session, user: User, school_id: int | None, subject_unit_id: int | None):
    """(province_code, regency_code, owning unit id) from the subject."""
    if (school_id is None) == (subject_unit_id is None):
        raise ActionRefused("Pilih satu subjek kasus: sekolah atau unit")
    if school_id is not None:
        school = session.get(School, school_id)
        if school is None or not (user.role in NATIONAL_ROLES or can_see_school(session, user, school_id)):
            raise ActionRefused("Sekolah tidak ditemukan atau di luar wilayah Anda")
        unit_id = session.scalar(
            select(UnitCoverage.unit_id).where(UnitCoverage.province_code == school.province_code)
        )
        return school.province_code, school.regency_code, unit_id
    unit = session.get(Unit, subject_unit_id)
    if unit is None:
        raise ActionRefused("Unit tidak ditemukan")
    return unit.seat_province_code, None, unit.id


def open_case(
    session: Session,
    user: User,
    type_key: str,
    *,
    title: str,
    school_id: int | None = None,
    subject_unit_id: int | None = None,
    unit_id: int | None = None,
    assignee_user_id: int | None = None,
    assignee_unit_id: int | None = None,
    reason: str | None = None,
) -> CaseRecord:
    """Open a case of the current version of ``type_key`` in its initial state (with its deadlines)."""
    workflow = get_definition(type_key)
    _check_role(workflow.open_roles, user, f"membuka kasus {workflow.title}")
    province_code, regency_code, owning_unit = _subject_region(session, user, school_id, subject_unit_id)
    refusal = conflicts.conflict_refusal(session, assignee_user_id, [school_id])
    if refusal:
        raise ActionRefused(f"Tidak dapat ditugaskan: {refusal}")
    now = clock.now()
    case = CaseRecord(
        type_key=workflow.key,
        type_version=workflow.version,
        title=title,
        school_id=school_id,
        subject_unit_id=subject_unit_id,
        unit_id=unit_id or owning_unit,
        province_code=province_code,
        regency_code=regency_code,
        assignee_user_id=assignee_user_id,
        assignee_unit_id=assignee_unit_id,
        state=workflow.initial,
        state_entered_at=now,
        opened_by_id=user.id,
        opened_at=now,
        updated_at=now,
        version=1,
        is_paused=False,
    )
    session.add(case)
    session.flush()
    deadlines.start_state(FastSQL.of(session), workflow, case.id, workflow.initial, now)
    changes = {"type": [workflow.key, workflow.version], "title": title, "school_id": school_id, "version": [None, 1]}
    if assignee_user_id or assignee_unit_id:
        changes["assignee"] = {"user_id": assignee_user_id, "unit_id": assignee_unit_id}
    audit.append(
        session, action="open", actor_id=user.id, case_id=case.id, to_state=workflow.initial,
        reason=reason, changes=changes, occurred_at=now,
    )  # fmt: skip
    notify.send_case_event(session, workflow, "open", user, case.id, None, workflow.initial, reason, now)
    return case


@dataclass(frozen=True)
class CaseToOpen:
    """One case of a bulk open: its school (the subject) and its title."""

    school_id: int
    title: str


OPEN_BATCH = 2000


def open_cases(
    session: Session, user: User, type_key: str, cases: Sequence[CaseToOpen], *, reason: str | None = None
) -> list[int]:
    """Open many school cases of the current version of ``type_key`` at once: what :func:`open_case` does
    for one (role and scope checks, the case row in the initial state, its deadlines, the "open" audit
    event, the definition's "open" notices), written in batches by :mod:`spmp.bulk_insert` (binary COPY on
    PostgreSQL, in the caller's transaction). Returns the case ids in
    the order given. Refused as a whole (nothing written) when the role may not open the type or a school is
    outside the user's area. Assignees are not set here (no conflict-of-interest check is needed)."""
    workflow = get_definition(type_key)
    _check_role(workflow.open_roles, user, f"membuka kasus {workflow.title}")
    regions = _school_regions(session, user, {c.school_id for c in cases})
    missing = [c.school_id for c in cases if c.school_id not in regions]
    if missing:
        raise ActionRefused(f"Sekolah tidak ditemukan atau di luar wilayah Anda (id {missing[0]})")
    now = clock.now()
    rule = workflow.states[workflow.initial].due
    template = [] if rule is None or workflow.is_final(workflow.initial) else deadline_rows(rule, now)
    ids: list[int] = []
    for start in range(0, len(cases), OPEN_BATCH):
        batch = cases[start : start + OPEN_BATCH]
        rows = [_case_row(workflow, user, c, regions[c.school_id], now) for c in batch]
        batch_ids = insert_returning_ids(session, CaseRecord.__table__, rows)
        _open_rows(session, workflow, user, batch, batch_ids, template, reason, now)
        ids += batch_ids
    return ids


def _school_regions(session: Session, user: User, school_ids: set[int]) -> dict[int, tuple[str, str, int]]:
    """school id -> (province, regency, owning unit) for the schools the user may see."""
    query = (
        select(School.id, School.province_code, School.regency_code, UnitCoverage.unit_id)
        .join(UnitCoverage, UnitCoverage.province_code == School.province_code)
        .where(school_scope(user))
    )
    found: dict[int, tuple[str, str, int]] = {}
    wanted = sorted(school_ids)
    for start in range(0, len(wanted), 500):
        rows = session.execute(query.where(School.id.in_(wanted[start : start + 500])))
        found.update((school_id, (province, regency, unit)) for school_id, province, regency, unit in rows)
    return found


def _case_row(workflow, user: User, case: CaseToOpen, region, now) -> dict:
    province, regency, unit = region
    return {
        "type_key": workflow.key, "type_version": workflow.version, "title": case.title[:200],
        "school_id": case.school_id, "subject_unit_id": None, "unit_id": unit, "province_code": province,
        "regency_code": regency, "assignee_user_id": None, "assignee_unit_id": None, "state": workflow.initial,
        "state_entered_at": now, "opened_by_id": user.id, "opened_at": now, "closed_at": None, "updated_at": now,
        "version": 1, "is_paused": False, "paused_at": None, "pause_reason": None,
    }  # fmt: skip


def _open_rows(session, workflow, user, batch, case_ids, template, reason, now) -> None:
    """The deadline rows (computed once: every case enters the initial state at the same moment), the
    "open" audit events and the notices of one batch."""
    deadline_rows_ = [
        {**row, "case_id": case_id, "state": workflow.initial, "status": "pending"}
        for case_id in case_ids
        for row in template
    ]
    insert_dicts(session, CaseDeadline.__table__, deadline_rows_)
    events = [
        audit.event_row(
            action="open", actor_id=user.id, case_id=case_id, to_state=workflow.initial, reason=reason,
            changes={"type": [workflow.key, workflow.version], "title": c.title[:200], "school_id": c.school_id,
                     "version": [None, 1]},
            occurred_at=now,
        )
        for c, case_id in zip(batch, case_ids, strict=True)
    ]  # fmt: skip
    insert_dicts(session, audit.AuditEvent.__table__, events)
    if workflow.notices.get("open"):
        for case_id in case_ids:
            notify.send_case_event(session, workflow, "open", user, case_id, None, workflow.initial, reason, now)


# --- guarded updates of the case row ---------------------------------------------------------------
def _locked_case(
    session: Session, user: User, case_id: int, seen_version: int
) -> tuple[CaseRecord, WorkflowDefinition]:
    case = get_case(session, user, case_id)
    if case.version != seen_version:
        raise StaleCaseError()
    return case, get_definition(case.type_key, case.type_version)


def _bump(session: Session, case: CaseRecord, values: dict[str, Any]) -> None:
    """``UPDATE ... SET values, version = version + 1 WHERE id AND version = seen`` (optimistic lock),
    then refresh the ORM object so callers see the new row."""
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    stmt = text(
        f"UPDATE case_record SET {assignments}, version = version + 1, updated_at = :now "
        "WHERE id = :id AND version = :seen"
    ).bindparams(*(bindparam(n, type_=UTCDateTime()) for n in ("now", *values) if n in _TIME_COLUMNS))
    params = {**values, "now": clock.now(), "id": case.id, "seen": case.version}
    if session.connection().execute(stmt, params).rowcount != 1:
        raise StaleCaseError()
    session.refresh(case)


_TIME_COLUMNS = {"now", "paused_at"}


def _audit(session, user, case, action, reason=None, changes=None, occurred_at: datetime | None = None):
    if action in audit.VERSIONED_ACTIONS:  # the case row was bumped (``_bump``): record the new version
        changes = {**(changes or {}), "version": [case.version - 1, case.version]}
    return audit.append(
        session, action=action, actor_id=user.id, case_id=case.id, from_state=case.state, to_state=case.state,
        reason=reason, changes=changes, occurred_at=occurred_at,
    )  # fmt: skip


ASSIGNABLE_ROLES = ("widyaprada", "bpmp_staff", "bpmp_head", "facilitator")


def assignable_users(session: Session, case: CaseRecord) -> list[User]:
    """Who may be made the case's assignee: active Widyaprada, staff, head and facilitators of the unit
    that owns the case."""
    query = select(User).where(
        User.unit_id == case.unit_id, User.role.in_(ASSIGNABLE_ROLES), User.is_active.is_(True)
    )
    return list(session.scalars(query.order_by(User.role, User.full_name, User.id)))


def case_school_ids(session: Session, case: CaseRecord) -> list[int]:
    """The schools a case is about: its subject school and any its type registers (a group task's targets)."""
    from spmp.engine.registry import CASE_SCHOOLS

    extra = CASE_SCHOOLS.get(case.type_key)
    ids = [case.school_id] if case.school_id is not None else []
    return sorted({*ids, *(extra(session, case) if extra else [])})


def check_assignee(session: Session, case: CaseRecord, assignee_user_id: int | None) -> None:
    """Refuse an assignee who is not an active person of the owning unit or who has a recorded conflict of
    interest with one of the case's schools (the message says which and why)."""
    if assignee_user_id is None:
        return
    if assignee_user_id not in {u.id for u in assignable_users(session, case)}:
        raise ActionRefused("Penanggung jawab harus pengguna aktif dari unit pemilik kasus")
    refusal = conflicts.conflict_refusal(session, assignee_user_id, case_school_ids(session, case))
    if refusal:
        raise ActionRefused(f"Tidak dapat ditugaskan: {refusal}")


def assign_case(
    session: Session,
    user: User,
    case_id: int,
    seen_version: int,
    *,
    assignee_user_id: int | None = None,
    assignee_unit_id: int | None = None,
    reason: str | None = None,
) -> CaseRecord:
    """Change the assignee (a person or a unit, or nobody)."""
    case, workflow = _locked_case(session, user, case_id, seen_version)
    _check_role(workflow.assign_roles, user, "mengubah penanggung jawab kasus")
    check_assignee(session, case, assignee_user_id)
    before = {"user_id": case.assignee_user_id, "unit_id": case.assignee_unit_id}
    _bump(session, case, {"assignee_user_id": assignee_user_id, "assignee_unit_id": assignee_unit_id})
    after = {"user_id": assignee_user_id, "unit_id": assignee_unit_id}
    _audit(session, user, case, "assign", reason, {"assignee": [before, after]})
    if before != after:
        notify.send_case_event(
            session, workflow, "assign", user, case.id, case.state, case.state, reason, clock.now()
        )
    return case


def pause_case(session: Session, user: User, case_id: int, seen_version: int, reason: str) -> CaseRecord:
    """Pause the case: its deadlines stop (paused time will not count)."""
    case, workflow = _locked_case(session, user, case_id, seen_version)
    _check_role(workflow.pause_roles, user, "menangguhkan kasus")
    if case.closed_at is not None or case.is_paused:
        raise ActionRefused("Kasus sudah ditutup" if case.closed_at else "Kasus sudah ditangguhkan")
    if not reason or not reason.strip():
        raise ActionRefused("Alasan penangguhan wajib diisi")
    now = clock.now()
    _bump(session, case, {"is_paused": True, "paused_at": now, "pause_reason": reason.strip()})
    deadlines.pause(FastSQL.of(session), case.id)
    _audit(session, user, case, "pause", reason.strip(), {"is_paused": [False, True]}, now)
    notify.send_case_event(
        session, workflow, "pause", user, case.id, case.state, case.state, reason.strip(), now
    )
    return case


def resume_case(
    session: Session, user: User, case_id: int, seen_version: int, reason: str | None = None
) -> CaseRecord:
    """Resume a paused case: its deadlines move later by the paused time."""
    case, workflow = _locked_case(session, user, case_id, seen_version)
    _check_role(workflow.pause_roles, user, "melanjutkan kasus")
    if not case.is_paused:
        raise ActionRefused("Kasus tidak sedang ditangguhkan")
    paused_at, now = case.paused_at, clock.now()
    _bump(session, case, {"is_paused": False, "paused_at": None, "pause_reason": None})
    shifted = deadlines.resume(FastSQL.of(session), case.id, paused_at, now)
    changes = {
        "is_paused": [True, False],
        "paused_seconds": int((now - paused_at).total_seconds()),
        "deadlines_shifted": shifted,
    }
    _audit(session, user, case, "resume", reason, changes, now)
    notify.send_case_event(session, workflow, "resume", user, case.id, case.state, case.state, reason, now)
    return case


# --- comments -----------------------------------------------------------------------------------------
def add_comment(session: Session, user: User, case_id: int, body: str) -> CaseComment:
    """Comment on a case the user may see; the audit event carries the comment's sha256."""
    case = get_case(session, user, case_id)
    body = (body or "").strip()
    if not body:
        raise ActionRefused("Komentar tidak boleh kosong")
    if len(body) > MAX_COMMENT_CHARS:
        raise ActionRefused(f"Komentar terlalu panjang (maksimal {MAX_COMMENT_CHARS} karakter)")
    now = clock.now()
    comment = CaseComment(case_id=case.id, author_id=user.id, body=body, created_at=now)
    session.add(comment)
    session.flush()
    digest = hashlib.sha256(body.encode()).hexdigest()
    _audit(session, user, case, "comment", None, {"comment_id": comment.id, "sha256": digest}, now)
    return comment


def list_comments(session: Session, user: User, case_id: int) -> list[CaseComment]:
    get_case(session, user, case_id)
    query = select(CaseComment).where(CaseComment.case_id == case_id).order_by(CaseComment.id)
    return list(session.scalars(query))
