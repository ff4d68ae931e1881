"""Who may see which cases: the same role/region rules as ``spmp.access.school_scope``, for cases.

- school operator / principal: cases about their school;
- Widyaprada: cases about schools assigned to them, or cases assigned to them;
- B/BPMP staff and head: cases owned by their unit or in their unit's provinces;
- Dinas: cases in their province / regency;
- university facilitator: cases assigned to them;
- Pusat and admin: all cases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from spmp.access import unit_provinces
from spmp.accounts.models import NATIONAL_ROLES, Role, SchoolAssignment, User
from spmp.engine.cases import CaseRecord
from spmp.fastsql import FastSQL, Statement


def case_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``CaseRecord`` limiting rows to the cases the user may see."""
    role = Role(user.role)
    if role in NATIONAL_ROLES:
        return true()
    if role in (Role.SCHOOL_OPERATOR, Role.PRINCIPAL):
        return CaseRecord.school_id == user.school_id
    if role == Role.WIDYAPRADA:
        assigned = select(SchoolAssignment.school_id).where(SchoolAssignment.user_id == user.id)
        return or_(CaseRecord.school_id.in_(assigned), CaseRecord.assignee_user_id == user.id)
    if role == Role.FACILITATOR:
        # Assigned to them, or reported by them (a field obstacle they raised stays theirs to follow).
        return or_(CaseRecord.assignee_user_id == user.id, CaseRecord.opened_by_id == user.id)
    if role in (Role.BPMP_STAFF, Role.BPMP_HEAD):
        return or_(
            CaseRecord.unit_id == user.unit_id, CaseRecord.province_code.in_(unit_provinces(user.unit_id))
        )
    if role == Role.DINAS_PROVINCE:
        return CaseRecord.province_code == user.province_code
    if role == Role.DINAS_REGENCY:
        return CaseRecord.regency_code == user.regency_code
    return false()


def can_see_case(session: Session, user: User, case_id: int) -> bool:
    """Whether ``user`` may see the case (views answer 404 otherwise, so nothing leaks)."""
    query = select(CaseRecord.id).where(CaseRecord.id == case_id, case_scope(user))
    return session.scalar(query) is not None


def visible_cases(user: User):
    """``select(CaseRecord)`` limited to the user's cases (add filters and ordering as needed)."""
    return select(CaseRecord).where(case_scope(user))


_ASSIGNED = Statement("SELECT 1 FROM school_assignment WHERE user_id = :user_id AND school_id = :school_id")
_COVERED = Statement(
    "SELECT 1 FROM unit_coverage WHERE unit_id = :unit_id AND province_code = :province_code"
)


def row_visible(sql: FastSQL, user: User, case: Any) -> bool:
    """``case_scope`` evaluated for one already-loaded case row (the fire hot path: no query for most
    roles, one indexed lookup for Widyaprada and B/BPMP). Must agree with ``case_scope``; a test
    checks both for every role."""
    role = user.role
    if role in NATIONAL_ROLES:
        return True
    if role in (Role.SCHOOL_OPERATOR, Role.PRINCIPAL):
        return case.school_id is not None and case.school_id == user.school_id
    if role == Role.FACILITATOR:
        return user.id in (case.assignee_user_id, case.opened_by_id)
    if role == Role.WIDYAPRADA:
        if case.assignee_user_id == user.id:
            return True
        params = {"user_id": user.id, "school_id": case.school_id}
        return case.school_id is not None and sql.execute(_ASSIGNED, params).fetchone() is not None
    if role in (Role.BPMP_STAFF, Role.BPMP_HEAD):
        if case.unit_id == user.unit_id:
            return True
        params = {"unit_id": user.unit_id, "province_code": case.province_code}
        return sql.execute(_COVERED, params).fetchone() is not None
    if role == Role.DINAS_PROVINCE:
        return case.province_code == user.province_code
    if role == Role.DINAS_REGENCY:
        return case.regency_code is not None and case.regency_code == user.regency_code
    return False


# --- what a role may do with a case type (predicates used by operations, views and templates alike) -------
def can_open(user: User, workflow) -> bool:
    """Whether ``user``'s role may open a case of ``workflow`` at all (its ``open_roles``)."""
    return user.role in workflow.open_roles


def can_open_from_form(user: User, workflow) -> bool:
    """Whether the generic "new case" form may open ``workflow`` for ``user`` (``open_from_form``; default
    nobody: SPMI cycles and accreditation visits are opened by their modules, with their own rows)."""
    return can_open(user, workflow) and user.role in workflow.open_from_form


def can_pause(user: User, workflow) -> bool:
    """Whether ``user`` may pause and resume cases of ``workflow`` (its ``pause_roles``)."""
    return user.role in workflow.pause_roles


def may_fire_role(user: User, transition) -> bool:
    """Whether ``user``'s role is one the workflow lets fire ``transition`` (whether it may fire it *now*
    is ``fire.available_actions``' ``allowed``/``reason``). Pages use it to show only the user's steps."""
    return user.role in transition.roles


def can_assign(user: User, workflow) -> bool:
    """Whether ``user`` may change who works on cases of ``workflow`` (its ``assign_roles``)."""
    return user.role in workflow.assign_roles
