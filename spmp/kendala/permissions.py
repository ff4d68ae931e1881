"""Who may report and list field obstacles. Seeing one is seeing its case (``case_scope``): a school its own,
a Dinas its region's, a B/BPMP its provinces', a facilitator those assigned to them, Pusat all."""

from __future__ import annotations

from spmp.accounts.models import NATIONAL_ROLES, SCHOOL_ROLES, Role, User

REPORT_ROLES = (*SCHOOL_ROLES, Role.DINAS_REGENCY, Role.DINAS_PROVINCE, Role.FACILITATOR, Role.BPMP_STAFF,
                Role.BPMP_HEAD, Role.ADMIN)  # fmt: skip
LIST_ROLES = (*REPORT_ROLES, Role.WIDYAPRADA, *NATIONAL_ROLES)


def can_report(user: User) -> bool:
    return user.role in REPORT_ROLES


def can_list(user: User) -> bool:
    return user.role in LIST_ROLES


def can_add_photo(user: User, case) -> bool:
    """While the obstacle is open, those who see it may add photos (the engine checks scope)."""
    return case.closed_at is None and user.role in LIST_ROLES
