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


# --- sosialisasi, verval and usage (spmp.digitalisasi.sosialisasi, verval, usage) ----------------------
# The B/BPMP records sosialisasi events and verifies the target schools' data.
FIELD_ROLES = (Role.BPMP_STAFF, Role.BPMP_HEAD)
# The usage page: a school its own reports; the B/BPMP, Dinas, Pusat and admin their area's flags.
USAGE_ROLES = (*SCHOOL_ROLES, *MONITOR_ROLES)


def can_record_sosialisasi(user: User) -> bool:
    """Record a sosialisasi/coordination event (its attendance and materials) in the unit's provinces."""
    return user.role in FIELD_ROLES


def can_open_verval(user: User) -> bool:
    """Open the verval cases of the unit's target schools (the verval decisions are the workflow's)."""
    return user.role in FIELD_ROLES


def can_list_usage(user: User) -> bool:
    """The usage page: a school its own reports; the B/BPMP, Dinas, Pusat and admin their area's flags."""
    return user.role in USAGE_ROLES


def can_open_usage_obstacle(user: User) -> bool:
    """ "Jadikan kendala" from a usage flag: whoever lists the flags and may report an obstacle."""
    from spmp.engine.definitions import get_definition
    from spmp.engine.permissions import can_open

    return can_list_usage(user) and can_open(user, get_definition("kendala"))
