""" "Pekerjaan saya": the open cases a user should act on, and those they wait on others for (the dashboard).

*Waiting for me*: a case in the user's scope, not paused, in a state where the user's role may fire a
transition, and not assigned to someone else who may act there (a school's people count as one team).
*Waiting for others*: the user's other open cases (assigned to them or their unit, their school's, the
ones they opened, a Widyaprada's caseload), with whom they wait on. Soonest deadline first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, func, not_, or_, select, true
from sqlalchemy.orm import Session, aliased, joinedload

from spmp.accounts.models import ROLE_LABELS, SCHOOL_ROLES, Role, User
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.engine.definitions import workflows
from spmp.engine.permissions import case_scope
from spmp.schools.models import School


@dataclass(frozen=True)
class WorkItem:
    case: CaseRecord
    due_at: datetime | None
    waiting_on: str = ""  # whom the case waits on ("Menunggu pihak lain")

    def is_overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class Worklist:
    mine: list[WorkItem]  # Menunggu tindakan saya
    others: list[WorkItem]  # Menunggu pihak lain
    repeated_names: frozenset[str] = field(default_factory=frozenset)  # school names shown twice or more

    def needs_place(self, item: WorkItem) -> bool:
        """Whether the school's name alone is ambiguous here (show its NPSN and regency beside it)."""
        return item.case.school is not None and item.case.school.name in self.repeated_names


def _involved(user: User) -> ColumnElement[bool]:
    """Cases the user answers for or follows: assigned to them (or their unit), their school's, opened by
    them; a Widyaprada's or facilitator's whole caseload (their scope is the caseload)."""
    if user.role in SCHOOL_ROLES:
        return CaseRecord.school_id == user.school_id
    if user.role in (Role.WIDYAPRADA, Role.FACILITATOR):
        return case_scope(user)
    clauses = [CaseRecord.assignee_user_id == user.id, CaseRecord.opened_by_id == user.id]
    if user.unit_id is not None:
        clauses.append(
            and_(CaseRecord.assignee_unit_id == user.unit_id, CaseRecord.assignee_user_id.is_(None))
        )
    return or_(*clauses)


def _acting_states(roles_may_act) -> ColumnElement[bool]:
    """Cases whose (type, version, state) has a transition for which ``roles_may_act(roles)`` holds:
    a clause per state of the loaded definitions (a few dozen)."""
    clauses = []
    for (key, version), workflow in workflows().definitions.items():
        for state in workflow.states:
            roles = set().union(*(t.roles for t in workflow.transitions_from(state)))
            condition = roles_may_act(roles)
            if condition is not None:
                clauses.append(
                    and_(CaseRecord.type_key == key, CaseRecord.type_version == version,
                         CaseRecord.state == state, condition)
                )  # fmt: skip
    return or_(*clauses) if clauses else false()


def _waiting_for(user: User, assignee) -> ColumnElement[bool]:
    mine = _acting_states(lambda roles: true() if user.role in roles else None)
    if user.role in SCHOOL_ROLES:  # the school's people are one team: any of them may fill a phase in
        return mine
    assignee_may_act = _acting_states(lambda roles: assignee.role.in_(sorted(roles)) if roles else None)
    return and_(
        mine,
        or_(
            CaseRecord.assignee_user_id.is_(None),
            CaseRecord.assignee_user_id == user.id,
            not_(assignee_may_act),
        ),
    )


def my_worklist(session: Session, user: User, limit: int = 20) -> Worklist:
    """Open cases waiting for ``user`` and those the user waits on others for, soonest due first."""
    assignee = aliased(User)
    for_me = and_(CaseRecord.is_paused.is_(False), _waiting_for(user, assignee))
    mine = _query(session, user, assignee, for_me, limit)
    others = _query(session, user, assignee, and_(_involved(user), not_(for_me)), limit)
    others = [WorkItem(i.case, i.due_at, _waiting_on(i.case)) for i in others]
    names = Counter(i.case.school.name for i in (*mine, *others) if i.case.school is not None)
    return Worklist(mine, others, frozenset(n for n, count in names.items() if count > 1))


def _query(session: Session, user: User, assignee, condition, limit: int) -> list[WorkItem]:
    due = (
        select(CaseDeadline.case_id, func.min(CaseDeadline.due_at).label("due_at"))
        .where(CaseDeadline.kind == "due")
        .group_by(CaseDeadline.case_id)
        .subquery()
    )
    query = (
        select(CaseRecord, due.c.due_at)
        .outerjoin(due, due.c.case_id == CaseRecord.id)
        .outerjoin(assignee, assignee.id == CaseRecord.assignee_user_id)
        .options(
            joinedload(CaseRecord.school).joinedload(School.regency), joinedload(CaseRecord.assignee_user)
        )
        .where(CaseRecord.closed_at.is_(None), case_scope(user), condition)
        .order_by(due.c.due_at.is_(None), due.c.due_at, CaseRecord.id)
        .limit(limit)
    )
    return [WorkItem(case, due_at) for case, due_at in session.execute(query)]


def _waiting_on(case: CaseRecord) -> str:
    """Whom the case waits on: the assignee, else the roles that may act in its state."""
    if case.is_paused:
        return "Ditangguhkan" + (f": {case.pause_reason}" if case.pause_reason else "")
    from spmp.engine.definitions import get_definition

    workflow = get_definition(case.type_key, case.type_version)
    roles = set().union(*(t.roles for t in workflow.transitions_from(case.state)))
    if case.assignee_user is not None and case.assignee_user.role in roles:
        return case.assignee_user.full_name
    return ", ".join(ROLE_LABELS[Role(r)] for r in sorted(roles)) or "—"


EXPORT_HEADER = ("Bagian", "Nomor kasus", "Kasus", "Jenis", "Tahap", "Sekolah", "NPSN", "Kabupaten/Kota",
                 "Menunggu", "Tenggat ({zona})")  # fmt: skip


def export_rows(work: Worklist) -> list[tuple]:
    """The worklist as rows for a CSV/XLSX download (both parts, as shown on the page)."""
    from spmp.engine.definitions import get_definition

    rows = []
    for part, items in (("Menunggu tindakan saya", work.mine), ("Menunggu pihak lain", work.others)):
        for item in items:
            case, school = item.case, item.case.school
            workflow = get_definition(case.type_key, case.type_version)
            rows.append((
                part, case.id, case.title, workflow.title, workflow.label(case.state),
                school.name if school else None, school.npsn if school else None,
                school.regency.name if school and school.regency else None, item.waiting_on or None, item.due_at,
            ))  # fmt: skip
    return rows
