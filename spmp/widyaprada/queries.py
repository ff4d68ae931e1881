"""Reading Widyaprada tasks: the scoped task list with its filters, the tasks linked to a case, and the
follow-up actions addressed to a school."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from spmp import clock
from spmp.accounts.models import User
from spmp.engine.cases import CaseRecord
from spmp.engine.permissions import case_scope
from spmp.widyaprada.models import FollowUpAction, WidyapradaTask, WidyapradaTaskSchool


@dataclass(frozen=True)
class TaskFilters:
    kind: str | None = None
    state: str | None = None  # a workflow state, "terbuka" (open) or None (all)
    assignee_user_id: int | None = None
    school_id: int | None = None
    overdue: bool = False
    linked_case_id: int | None = None  # the tasks serving this case (e.g. a Revitalisasi proposal's visits)


def task_query(user: User, filters: TaskFilters = TaskFilters(), today: date | None = None) -> Select:
    """``select(WidyapradaTask, CaseRecord)`` limited to what the user may see, filtered, soonest due first."""
    query = (
        select(WidyapradaTask, CaseRecord)
        .join(CaseRecord, CaseRecord.id == WidyapradaTask.case_id)
        .where(case_scope(user))
        .options(selectinload(WidyapradaTask.schools), selectinload(WidyapradaTask.target_regency))
    )
    if filters.kind:
        query = query.where(WidyapradaTask.kind == filters.kind)
    if filters.state == "terbuka":
        query = query.where(CaseRecord.closed_at.is_(None))
    elif filters.state:
        query = query.where(CaseRecord.state == filters.state)
    if filters.assignee_user_id:
        query = query.where(CaseRecord.assignee_user_id == filters.assignee_user_id)
    if filters.school_id:
        targets = select(WidyapradaTaskSchool.task_id).where(
            WidyapradaTaskSchool.school_id == filters.school_id
        )
        query = query.where(WidyapradaTask.id.in_(targets))
    if filters.linked_case_id:
        query = query.where(WidyapradaTask.linked_case_id == filters.linked_case_id)
    if filters.overdue:
        today = today or clock.now().date()
        query = query.where(CaseRecord.closed_at.is_(None), WidyapradaTask.due_date < today)
    return query.order_by(WidyapradaTask.due_date, WidyapradaTask.id)


def list_tasks(session: Session, user: User, filters: TaskFilters = TaskFilters(), limit: int | None = 500):
    query = task_query(user, filters)
    if limit:
        query = query.limit(limit)
    return [tuple(row) for row in session.execute(query).all()]


def tasks_linked_to(session: Session, user: User, case_id: int):
    """Tasks serving the case ``case_id`` that the user may see: (task, case)."""
    query = (
        select(WidyapradaTask, CaseRecord)
        .join(CaseRecord, CaseRecord.id == WidyapradaTask.case_id)
        .where(WidyapradaTask.linked_case_id == case_id, case_scope(user))
        .order_by(WidyapradaTask.due_date, WidyapradaTask.id)
    )
    return [tuple(row) for row in session.execute(query).all()]


def task_for_case(session: Session, case_id: int) -> WidyapradaTask | None:
    return session.scalar(select(WidyapradaTask).where(WidyapradaTask.case_id == case_id))


def school_follow_ups(session: Session, school_id: int, *, only_open: bool = False) -> list[FollowUpAction]:
    """The published follow-up actions addressed to a school, open first, then newest. The caller has
    checked that the user may see the school (``permissions.can_see_school_follow_ups``)."""
    query = (
        select(FollowUpAction)
        .where(FollowUpAction.school_id == school_id, FollowUpAction.published_at.is_not(None))
        .options(selectinload(FollowUpAction.task).selectinload(WidyapradaTask.case))
        .order_by((FollowUpAction.status == "done"), FollowUpAction.published_at.desc(), FollowUpAction.id)
    )
    if only_open:
        query = query.where(FollowUpAction.status == "open")
    return list(session.scalars(query))


def unit_widyaprada(session: Session, user: User) -> list[User]:
    """Active Widyaprada of the user's unit (who a head or staff member may name on a new task)."""
    if user.unit_id is None:
        return []
    query = select(User).where(
        User.unit_id == user.unit_id, User.role == "widyaprada", User.is_active.is_(True)
    )
    return list(session.scalars(query.order_by(User.full_name, User.id)))


def task_regencies(session: Session, user: User):
    """Regencies a mapping task may target: those of the user's unit's provinces (all for national roles)."""
    from spmp.access import unit_provinces
    from spmp.accounts.models import NATIONAL_ROLES
    from spmp.regions.models import Regency

    query = select(Regency).order_by(Regency.province_code, Regency.name)
    if user.role not in NATIONAL_ROLES:
        if user.unit_id is None:
            return []
        query = query.where(Regency.province_code.in_(unit_provinces(user.unit_id)))
    return list(session.scalars(query))


def school_ids_by_npsn(session: Session, user: User, npsns: list[str]) -> tuple[list[int], list[str]]:
    """(ids of the schools in the user's area, in the order given; NPSNs not found there)."""
    from spmp.access import school_scope
    from spmp.schools.models import School

    wanted = list(dict.fromkeys(n.strip() for n in npsns if n.strip()))
    found = dict(
        session.execute(
            select(School.npsn, School.id).where(School.npsn.in_(wanted), school_scope(user))
        ).all()
    )
    return [found[n] for n in wanted if n in found], [n for n in wanted if n not in found]


TASK_EXPORT_HEADER = ("No. tugas", "Jenis", "Cakupan", "Judul", "Sasaran", "Status", "Penanggung jawab",
                      "Periode mulai", "Periode selesai", "Tanggal kunjungan", "Batas laporan", "Bobot",
                      "Kasus terkait")  # fmt: skip


def task_export_rows(session: Session, statement):
    """Rows of ``TASK_EXPORT_HEADER`` for a (scoped, filtered) ``task_query`` statement."""
    from spmp.engine.definitions import get_definition

    for task, case in session.execute(statement):
        workflow = get_definition(case.type_key, case.type_version)
        yield (task.id, task.kind_label, task.scope_label, case.title, target_text(task), workflow.label(case.state),
               case.assignee_user.full_name if case.assignee_user else "", task.planned_start, task.planned_end,
               task.visit_date, task.due_date, task.weight, task.linked_case_id)  # fmt: skip


def target_text(task: WidyapradaTask) -> str:
    if task.scope == "regency":
        return task.target_regency.name if task.target_regency else task.target_regency_code or ""
    return ", ".join(f"{s.name} ({s.npsn})" for s in task.schools)
