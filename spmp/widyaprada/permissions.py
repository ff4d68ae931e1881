"""Who may do what with Widyaprada tasks and their follow-ups (used by operations, views and templates).

Seeing a task is seeing its case (``spmp.engine.permissions.case_scope``): a Widyaprada sees the tasks
assigned to them or about their schools, never another unit's; B/BPMP staff and head their unit's. A school
sees only the follow-up actions addressed to it, once the head approved the report."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp.access import can_see_school
from spmp.accounts.models import NATIONAL_ROLES, SCHOOL_ROLES, Role, User

CREATE_ROLES = (Role.WIDYAPRADA, Role.BPMP_STAFF, Role.BPMP_HEAD, Role.ADMIN)
# Who sees the task list (their scope narrows it further).
LIST_ROLES = (Role.WIDYAPRADA, Role.BPMP_STAFF, Role.BPMP_HEAD, Role.DINAS_PROVINCE, Role.DINAS_REGENCY,
              *NATIONAL_ROLES)  # fmt: skip


def can_create_task(user: User) -> bool:
    return user.role in CREATE_ROLES


def names_assignee(user: User) -> bool:
    """Whether the new-task form asks who does it: a Widyaprada creating a task does it themself."""
    return user.role != Role.WIDYAPRADA


def can_open_task(user: User) -> bool:
    """The task page (report, draft follow-ups) is for B/BPMP, Dinas and national roles; a school sees
    only the follow-ups addressed to it, on its own page."""
    return user.role not in SCHOOL_ROLES


def can_list_tasks(user: User) -> bool:
    return user.role in LIST_ROLES


def report_refusal(user: User, case, task) -> str | None:
    """Why ``user`` may not write this task's report now, or None: only its assignee (or an admin),
    while it is scheduled or returned."""
    if user.role != Role.ADMIN and case.assignee_user_id != user.id:
        return "Hanya Widyaprada penanggung jawab tugas yang dapat menulis laporan"
    if case.state not in ("terjadwal", "dikembalikan"):
        return "Laporan ditulis setelah kunjungan dijadwalkan dan sebelum diserahkan"
    if case.is_paused:
        return "Tugas sedang ditangguhkan"
    return None


def can_write_report(user: User, case, task) -> bool:
    return report_refusal(user, case, task) is None


def can_see_follow_up(session: Session, user: User, item) -> bool:
    """A school sees its own published follow-ups; others see them when they may see the task's case or
    (Dinas, B/BPMP) the school."""
    from spmp.engine.permissions import can_see_case

    if user.role in SCHOOL_ROLES:
        return item.school_id == user.school_id and item.published_at is not None
    if can_see_case(session, user, item.task.case_id):
        return True
    return item.published_at is not None and can_see_school(session, user, item.school_id)


def can_mark_follow_up(user: User, item) -> bool:
    return user.role in SCHOOL_ROLES and item.school_id == user.school_id and item.published_at is not None


def can_see_school_follow_ups(session: Session, user: User, school_id: int) -> bool:
    if user.role in SCHOOL_ROLES:
        return user.school_id == school_id
    from spmp.schools.models import School

    return session.scalar(select(School.id).where(School.id == school_id)) is not None and can_see_school(
        session, user, school_id
    )


def has_own_caseload(user: User) -> bool:
    """ "Pekerjaan saya" and one's own SKP evidence are a Widyaprada's pages."""
    return user.role == Role.WIDYAPRADA
