"""Who may do what in SPMI, as predicates used by operations, views and templates alike (no view or
template tests role codes; the roles that may fire a workflow step come from the workflow itself)."""

from __future__ import annotations

from spmp.accounts.models import NATIONAL_ROLES, SCHOOL_ROLES, Role

PROGRESS_ROLES = (Role.BPMP_STAFF, Role.BPMP_HEAD, Role.DINAS_PROVINCE, Role.DINAS_REGENCY, *NATIONAL_ROLES)
BULK_ROLES = (Role.BPMP_STAFF, Role.BPMP_HEAD, *NATIONAL_ROLES)
REVIEW_QUEUE_ROLES = (Role.WIDYAPRADA, Role.BPMP_STAFF, Role.BPMP_HEAD, *NATIONAL_ROLES)
REVIEWER_ROLES = (Role.WIDYAPRADA,)  # who reviews a phase (the menu entry "Antrian Tinjauan")


def is_school_user(user) -> bool:
    """A school's operator or principal: their own school's cycle."""
    return user.role in SCHOOL_ROLES


def can_open_own_cycle(user) -> bool:
    return is_school_user(user)


def can_edit_cycle(user, cycle) -> bool:
    """The school's own users fill in the PBD steps while the cycle is open."""
    return is_school_user(user) and user.school_id == cycle.school_id and cycle.case.closed_at is None


def is_reviewing(user, case, review_states) -> bool:
    """The Widyaprada is reviewing this phase now (return form with notes, last year's cycle beside)."""
    return user.role in REVIEWER_ROLES and case.state in review_states and case.closed_at is None


def can_see_review_queue(user) -> bool:
    return user.role in REVIEW_QUEUE_ROLES


def can_view_progress(user) -> bool:
    return user.role in PROGRESS_ROLES


def can_bulk_open(user) -> bool:
    """Opening the year's cycles for every school in the area, and importing indicators in bulk."""
    return user.role in BULK_ROLES


def can_import_school_indicators(user) -> bool:
    """A school's own indicators page (upload for one school)."""
    return is_school_user(user) or can_bulk_open(user)
