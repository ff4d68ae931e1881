"""Who may plan, see and record visits, and record school holidays."""

from __future__ import annotations

from sqlalchemy.orm import Session

from spmp.access import can_see_school
from spmp.accounts.models import NATIONAL_ROLES, Role, User

UNIT_PLANNERS = (Role.BPMP_STAFF, Role.BPMP_HEAD)


def can_see_calendar_of(user: User, widyaprada: User) -> bool:
    """A Widyaprada sees their own calendar; their unit's staff and head see it; Pusat and admin all."""
    if user.role in NATIONAL_ROLES:
        return True
    if user.role == Role.WIDYAPRADA:
        return user.id == widyaprada.id
    return user.role in UNIT_PLANNERS and user.unit_id == widyaprada.unit_id


def can_see_unit_calendar(user: User, unit_id: int) -> bool:
    return user.role in NATIONAL_ROLES or (
        user.role in (*UNIT_PLANNERS, Role.WIDYAPRADA) and user.unit_id == unit_id
    )


def can_plan_visit(session: Session, user: User, widyaprada: User, school_id: int) -> bool:
    """A Widyaprada plans their own visits to their schools; the unit's staff and head plan for any
    Widyaprada of the unit, to a school in the unit's provinces."""
    if widyaprada.role != Role.WIDYAPRADA or not widyaprada.is_active:
        return False
    if user.role == Role.WIDYAPRADA and user.id != widyaprada.id:
        return False
    if user.role not in (Role.WIDYAPRADA, *UNIT_PLANNERS) or user.unit_id != widyaprada.unit_id:
        return False
    return can_see_school(session, user, school_id)


def can_record_actual(user: User, visit) -> bool:
    if user.role == Role.WIDYAPRADA:
        return user.id == visit.widyaprada_id
    return user.role in UNIT_PLANNERS and user.unit_id == visit.unit_id


def can_cancel_visit(user: User, visit) -> bool:
    """Whoever may record the visit's dates may cancel it: the Widyaprada, the unit's staff and head."""
    return can_record_actual(user, visit) and visit.cancelled_at is None


def can_manage_school_holidays(user: User) -> bool:
    return user.role == Role.ADMIN


# Menu entries and page guards (web/visits) use these, never role codes.
CALENDAR_ROLES = (Role.WIDYAPRADA, *UNIT_PLANNERS, *NATIONAL_ROLES)
PLANNER_ROLES = (Role.WIDYAPRADA, *UNIT_PLANNERS)
HOLIDAY_ROLES = (Role.ADMIN,)


def can_open_calendar(user: User) -> bool:
    return user.role in CALENDAR_ROLES


def can_plan_visits(user: User) -> bool:
    return user.role in PLANNER_ROLES


def sees_only_own_calendar(user: User) -> bool:
    """A Widyaprada's calendar is their own: no choice of person, they plan for themselves."""
    return user.role == Role.WIDYAPRADA


def is_widyaprada(user: User | None) -> bool:
    return user is not None and user.role == Role.WIDYAPRADA
