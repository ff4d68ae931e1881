"""Who may do what with Revitalisasi proposals (used by operations, views and templates).

Seeing a proposal is seeing its case (``spmp.engine.permissions.case_scope``): a B/BPMP unit sees its
provinces' proposals, a Dinas its region's, a school only its own, Pusat and admin all. Pemda (Dinas) and
B/BPMP staff write proposals for schools in their area while the proposal is a draft or returned."""

from __future__ import annotations

from spmp.accounts.models import NATIONAL_ROLES, Role, User

PROPOSE_ROLES = (Role.DINAS_REGENCY, Role.DINAS_PROVINCE, Role.BPMP_STAFF, Role.BPMP_HEAD, Role.ADMIN)
VERIFY_ROLES = (Role.BPMP_STAFF, Role.BPMP_HEAD)
EDITABLE_STATES = ("draf", "perbaikan")
# Everyone with an area sees the list (narrowed to it); a school sees its own proposals.
LIST_ROLES = (Role.SCHOOL_OPERATOR, Role.PRINCIPAL, Role.WIDYAPRADA, Role.BPMP_STAFF, Role.BPMP_HEAD,
              Role.DINAS_PROVINCE, Role.DINAS_REGENCY, *NATIONAL_ROLES)  # fmt: skip


# The monitoring tables (per unit, province, regency, school): the roles that answer for an area.
MONITOR_ROLES = (Role.BPMP_STAFF, Role.BPMP_HEAD, Role.DINAS_PROVINCE, Role.DINAS_REGENCY, *NATIONAL_ROLES)


def can_view_monitoring(user: User) -> bool:
    return user.role in MONITOR_ROLES


def can_propose(user: User) -> bool:
    """Whether the user may write proposals (the form and the bulk import)."""
    return user.role in PROPOSE_ROLES


def can_list_proposals(user: User) -> bool:
    return user.role in LIST_ROLES


def edit_refusal(user: User, case) -> str | None:
    """Why ``user`` may not change this proposal now, or None (its case is already known visible)."""
    if not can_propose(user):
        return "Peran Anda tidak dapat mengubah usulan revitalisasi"
    if case.state not in EDITABLE_STATES:
        return "Usulan hanya dapat diubah saat draf atau dikembalikan untuk perbaikan"
    if case.is_paused:
        return "Usulan sedang ditangguhkan"
    return None


def can_edit_proposal(user: User, case) -> bool:
    return edit_refusal(user, case) is None


def has_verval_queue(user: User) -> bool:
    """The verifier's queue ("Antrean verval") is a B/BPMP page."""
    return user.role in VERIFY_ROLES
