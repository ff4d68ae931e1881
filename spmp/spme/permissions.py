"""Who may do what in SPME (accreditation, visits), as predicates used by operations, views and
templates alike."""

from __future__ import annotations

from spmp.accounts.models import NATIONAL_ROLES, SCHOOL_ROLES, Role

RECORD_ROLES = (Role.BPMP_STAFF, Role.BPMP_HEAD, *NATIONAL_ROLES)
VISIT_ROLES = (*RECORD_ROLES, Role.DINAS_PROVINCE, Role.DINAS_REGENCY, Role.WIDYAPRADA, Role.FACILITATOR)


def can_record_accreditation(user) -> bool:
    """B/BPMP and national staff record accreditation results and select visit targets."""
    return user.role in RECORD_ROLES


def can_record_visit(user) -> bool:
    """Who records external visits and sees expiring accreditations in their area."""
    return user.role in VISIT_ROLES


def is_visited_school(user, case) -> bool:
    """A user of the school the visit case is about."""
    return user.role in SCHOOL_ROLES and user.school_id == case.school_id


def can_send_previsit_evidence(user, case) -> bool:
    """The visited school itself, before the evidence is sent (state ``terpilih``)."""
    return is_visited_school(user, case) and case.state == "terpilih"
