"""A Widyaprada's caseload ("Pekerjaan saya") and the head's workload per Widyaprada (issue 12).

Workload counts open tasks (not closed or cancelled) assigned to each Widyaprada of the unit: their number,
their weight (``task_weight``: mapping a regency weighs more than one visit), how many are past their report
due date, and the visits planned this month (tasks not cancelled whose visit date falls in the month)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, selectinload

from spmp.accounts.models import NATIONAL_ROLES, Role, SchoolAssignment, User
from spmp.engine.cases import CaseRecord
from spmp.engine.definitions import get_definition
from spmp.notifications.models import Notification
from spmp.schools.models import School
from spmp.widyaprada.models import WidyapradaTask

TASK_TYPE = "widyaprada_task"
SPMI_TYPE = "spmi_cycle"
WORKLOAD_ROLES = (Role.BPMP_STAFF, Role.BPMP_HEAD, *NATIONAL_ROLES)


def state_label(type_key: str, state: str) -> str:
    try:
        return get_definition(type_key).states[state].label
    except Exception:  # an unknown type or state shows its key
        return state


def month_bounds(today: date) -> tuple[date, date]:
    start = today.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


def week_bounds(today: date) -> tuple[date, date]:
    start = today - timedelta(days=today.weekday())
    return start, start + timedelta(days=6)


def can_see_workload(user: User) -> bool:
    return user.role in WORKLOAD_ROLES


def widyaprada_in_scope(user: User):
    """``select(User)`` of the Widyaprada whose workload ``user`` may see (their unit's; all, nationally)."""
    query = select(User).where(User.role == Role.WIDYAPRADA.value)
    if user.role in NATIONAL_ROLES:
        return query
    if user.role in (Role.BPMP_STAFF, Role.BPMP_HEAD):
        return query.where(User.unit_id == user.unit_id)
    return query.where(User.id == -1)


def can_drill_into(session: Session, viewer: User, widyaprada_id: int) -> bool:
    if not can_see_workload(viewer):
        return False
    return session.scalar(widyaprada_in_scope(viewer).where(User.id == widyaprada_id)) is not None


@dataclass(frozen=True)
class WorkloadRow:
    user_id: int
    name: str
    unit: str
    open_tasks: int
    open_weight: int
    overdue: int
    visits_this_month: int


def workload_statement(viewer: User, today: date):
    """One row per Widyaprada in scope: id, name, unit code, open tasks, open weight, overdue, visits this
    month. Heaviest first."""
    first, last = month_bounds(today)
    is_open = CaseRecord.closed_at.is_(None)
    tasks = (
        select(
            CaseRecord.assignee_user_id.label("user_id"),
            func.sum(case((is_open, 1), else_=0)).label("open_tasks"),
            func.sum(case((is_open, WidyapradaTask.weight), else_=0)).label("open_weight"),
            func.sum(case((and_(is_open, WidyapradaTask.due_date < today), 1), else_=0)).label("overdue"),
            func.sum(
                case(
                    (
                        and_(
                            CaseRecord.state != "dibatalkan",
                            WidyapradaTask.visit_date >= first,
                            WidyapradaTask.visit_date <= last,
                        ),
                        1,
                    ),
                    else_=0,
                )
            ).label("visits"),
        )
        .join(CaseRecord, CaseRecord.id == WidyapradaTask.case_id)
        .where(CaseRecord.type_key == TASK_TYPE, CaseRecord.assignee_user_id.is_not(None))
        .group_by(CaseRecord.assignee_user_id)
        .subquery()
    )
    people = widyaprada_in_scope(viewer).subquery()
    from spmp.regions.models import Unit

    weight = func.coalesce(tasks.c.open_weight, 0)
    return (
        select(
            people.c.id,
            people.c.full_name,
            func.coalesce(Unit.code, ""),
            func.coalesce(tasks.c.open_tasks, 0),
            weight,
            func.coalesce(tasks.c.overdue, 0),
            func.coalesce(tasks.c.visits, 0),
        )
        .select_from(people)
        .outerjoin(tasks, tasks.c.user_id == people.c.id)
        .outerjoin(Unit, Unit.id == people.c.unit_id)
        .order_by(weight.desc(), people.c.full_name, people.c.id)
    )


def workload(session: Session, viewer: User, today: date) -> list[WorkloadRow]:
    return [WorkloadRow(*row) for row in session.execute(workload_statement(viewer, today)).all()]


@dataclass
class SchoolLine:
    school: School
    spmi_phase: str | None
    open_cases: list[tuple[int, str, str]]  # (case id, title, state label)


@dataclass
class Caseload:
    user: User
    schools: list[SchoolLine]
    tasks: list[tuple[WidyapradaTask, CaseRecord, bool]]  # (task, case, overdue), overdue first
    visits_this_week: list[tuple[WidyapradaTask, CaseRecord]]
    returned: list[tuple[WidyapradaTask, CaseRecord]]
    unread: list[Notification]
    week: tuple[date, date]


def caseload(session: Session, user: User, today: date, *, own: bool = True) -> Caseload:
    """The home of the Widyaprada ``user`` (the caller checked who may see it). Unread notifications are
    listed only on one's own page (``own``), never to a head drilling in."""
    schools = list(
        session.scalars(
            select(School)
            .join(SchoolAssignment, SchoolAssignment.school_id == School.id)
            .where(SchoolAssignment.user_id == user.id)
            .order_by(School.name)
        )
    )
    ids = [s.id for s in schools]
    open_cases: dict[int, list] = {i: [] for i in ids}
    phases: dict[int, str] = {}
    if ids:
        rows = session.execute(
            select(
                CaseRecord.school_id, CaseRecord.id, CaseRecord.title, CaseRecord.type_key, CaseRecord.state
            )
            .where(
                CaseRecord.school_id.in_(ids),
                CaseRecord.closed_at.is_(None),
                CaseRecord.type_key != TASK_TYPE,
            )
            .order_by(CaseRecord.id)
        ).all()
        for school_id, case_id, title, type_key, state in rows:
            if type_key == SPMI_TYPE:
                phases[school_id] = state_label(type_key, state)
            else:
                open_cases[school_id].append((case_id, title, state_label(type_key, state)))
    lines = [SchoolLine(s, phases.get(s.id), open_cases[s.id]) for s in schools]

    task_rows = session.execute(
        select(WidyapradaTask, CaseRecord)
        .join(CaseRecord, CaseRecord.id == WidyapradaTask.case_id)
        .where(CaseRecord.assignee_user_id == user.id, CaseRecord.closed_at.is_(None))
        .options(selectinload(WidyapradaTask.schools), selectinload(WidyapradaTask.target_regency))
        .order_by(
            case((WidyapradaTask.due_date < today, 0), else_=1), WidyapradaTask.due_date, WidyapradaTask.id
        )
    ).all()
    tasks = [(t, c, t.due_date < today) for t, c in task_rows]
    first, last = week_bounds(today)
    visits = sorted(
        ((t, c) for t, c, _ in tasks if t.visit_date and first <= t.visit_date <= last),
        key=lambda pair: (pair[0].visit_date, pair[0].id),
    )
    returned = [(t, c) for t, c, _ in tasks if c.state == "dikembalikan"]
    unread = (
        []
        if not own
        else list(
            session.scalars(
                select(Notification)
                .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                .order_by(Notification.id.desc())
                .limit(20)
            )
        )
    )
    return Caseload(user, lines, tasks, visits, returned, unread, (first, last))
