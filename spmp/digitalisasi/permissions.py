"""Who may see and do what in Digitalisasi Pembelajaran. Every list is further scoped to the user's area
by ``spmp.access.school_scope`` (a unit its provinces, a Dinas its region, a school itself)."""

from __future__ import annotations

from spmp.accounts.models import NATIONAL_ROLES, SCHOOL_ROLES, Role, User

# Monitoring lists (readiness, delivery counts, Bimtek sessions): the B/BPMP, the Dinas, Pusat and admin.
MONITOR_ROLES = (Role.BPMP_STAFF, Role.BPMP_HEAD, Role.DINAS_PROVINCE, Role.DINAS_REGENCY, *NATIONAL_ROLES)
# The B/BPMP (and the national roles) import the supplier's shipments and run Bimtek.
MANAGER_ROLES = (Role.BPMP_STAFF, Role.BPMP_HEAD, *NATIONAL_ROLES)


def can_monitor(user: User) -> bool:
    return user.role in MONITOR_ROLES


def can_manage(user: User) -> bool:
    """Import shipments, plan Bimtek sessions and record attendance (within the user's area)."""
    return user.role in MANAGER_ROLES


def acts_for_school(user: User, school_id: int) -> bool:
    """The school's own operator or principal: confirms its safe room and its handover record (BAST)."""
    return user.role in SCHOOL_ROLES and user.school_id == school_id


def is_school_user(user: User) -> bool:
    return user.role in SCHOOL_ROLES
