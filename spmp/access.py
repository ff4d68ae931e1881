"""Who may see what: every list and load of schools (and later cases) is filtered through here.

A user's role is scoped to one org unit: a school, a regency, a province, a B/BPMP unit (whose coverage
lists its provinces), or the nation. Widyaprada and facilitators see only the schools assigned to them.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from spmp.accounts.models import NATIONAL_ROLES, Role, SchoolAssignment, User
from spmp.regions.models import Province, UnitCoverage
from spmp.schools.models import School


def unit_provinces(unit_id: int):
    """Subquery: the province codes covered by a B/BPMP unit."""
    return select(UnitCoverage.province_code).where(UnitCoverage.unit_id == unit_id).scalar_subquery()


def school_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``School`` limiting rows to the user's area."""
    role = Role(user.role)
    if role in NATIONAL_ROLES:
        return true()
    if role in (Role.SCHOOL_OPERATOR, Role.PRINCIPAL):
        return School.id == user.school_id
    if role in (Role.WIDYAPRADA, Role.FACILITATOR):
        assigned = select(SchoolAssignment.school_id).where(SchoolAssignment.user_id == user.id)
        return School.id.in_(assigned)
    if role in (Role.BPMP_STAFF, Role.BPMP_HEAD):
        return School.province_code.in_(unit_provinces(user.unit_id))
    if role == Role.DINAS_PROVINCE:
        return School.province_code == user.province_code
    if role == Role.DINAS_REGENCY:
        return School.regency_code == user.regency_code
    return false()


def can_see_school(session: Session, user: User, school_id: int) -> bool:
    return session.scalar(select(School.id).where(School.id == school_id, school_scope(user))) is not None


def visible_provinces(session: Session, user: User) -> list[Province]:
    """Provinces a user may filter the directory by."""
    role = Role(user.role)
    query = select(Province).order_by(Province.name)
    if role in (Role.BPMP_STAFF, Role.BPMP_HEAD, Role.WIDYAPRADA, Role.FACILITATOR):
        query = query.where(Province.code.in_(unit_provinces(user.unit_id)))
    elif role == Role.DINAS_PROVINCE:
        query = query.where(Province.code == user.province_code)
    elif role == Role.DINAS_REGENCY:
        query = query.where(Province.code == user.regency_code[:2])
    elif role in (Role.SCHOOL_OPERATOR, Role.PRINCIPAL):
        query = query.where(
            Province.code == select(School.province_code).where(School.id == user.school_id).scalar_subquery()
        )
    return list(session.scalars(query))


def can_manage_users(user: User) -> bool:
    return user.role == Role.ADMIN
