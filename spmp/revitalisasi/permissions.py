"""Who may do what with Revitalisasi proposals (used by operations, views and templates).

Seeing a proposal is seeing its case (``spmp.engine.permissions.case_scope``): a B/BPMP unit sees its
provinces' proposals, a Dinas its region's, a school only its own, Pusat and admin all. Pemda (Dinas) and
B/BPMP staff write proposals for schools in their area while the proposal is a draft or returned."""

from __future__ import annotations

from spmp.accounts.models import NATIONAL_ROLES, Role, User
from spmp.widyaprada.permissions import can_create_task, can_list_tasks

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


def can_view_recommendations(user: User) -> bool:
    """The recommendation list (schools ranked by need, from the school data): the same area roles."""
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


def can_assign_visit(user: User, case) -> bool:
    """Whether the proposal page offers to assign a verification or monitoring visit (a Widyaprada task
    linked to the case): to whoever may create Widyaprada tasks, while the case is open."""
    return can_create_task(user) and case.closed_at is None


def can_see_visit_tasks(user: User) -> bool:
    """The Widyaprada tasks linked to a proposal are listed to who may list Widyaprada tasks (each still
    narrowed to the tasks they may see)."""
    return can_list_tasks(user)


def has_verval_queue(user: User) -> bool:
    """The verifier's queue ("Antrean verval") is a B/BPMP page."""
    return user.role in VERIFY_ROLES


# --- execution (workflow version 2, after terpilih) ------------------------------------------------------
# The school builds (swakelola) and keeps its committee, documents and progress reports; the Dinas and the
# B/BPMP may do it on its behalf. The B/BPMP disburses and assigns facilitators; the facilitator verifies.
EXECUTION_ROLES = (Role.PRINCIPAL, Role.SCHOOL_OPERATOR, Role.DINAS_REGENCY, Role.DINAS_PROVINCE,
                   Role.BPMP_STAFF, Role.BPMP_HEAD, Role.ADMIN)  # fmt: skip
FACILITATOR_ASSIGN_ROLES = (Role.BPMP_STAFF, Role.BPMP_HEAD, Role.ADMIN)
EXECUTION_STATES = ("terpilih", "persiapan", "pencairan_1", "pelaksanaan", "pelaksanaan_2", "pemeriksaan_akhir",
                    "lpj", "verifikasi_lpj", "selesai")  # fmt: skip
P2SP_STATES = ("terpilih", "persiapan")
PROGRESS_STATES = ("pelaksanaan", "pelaksanaan_2")
VISIT_STATES = ("pelaksanaan", "pelaksanaan_2", "pemeriksaan_akhir")
# When each execution document may be (re)placed.
DOCUMENT_STATES = {
    "rab": ("terpilih", "persiapan"),
    "gambar": ("terpilih", "persiapan"),
    "jadwal": ("terpilih", "persiapan"),
    "pbg": ("terpilih", "persiapan"),
    "ba_serah_terima": ("pemeriksaan_akhir",),
    "lpj": ("lpj",),
}


def is_in_execution(case) -> bool:
    return case.type_version >= 2 and case.state in EXECUTION_STATES


def _execution_refusal(user: User, case, states: tuple[str, ...], what: str) -> str | None:
    if user.role not in EXECUTION_ROLES:
        return f"Peran Anda tidak dapat {what}"
    if not is_in_execution(case) or case.state not in states:
        return f"{what[0].upper()}{what[1:]} tidak dapat dilakukan pada tahap ini"
    if case.is_paused:
        return "Usulan sedang ditangguhkan"
    return None


def p2sp_refusal(user: User, case) -> str | None:
    """Why ``user`` may not change the P2SP committee now (while it is formed and before tranche I)."""
    return _execution_refusal(user, case, P2SP_STATES, "mengubah susunan P2SP")


def document_refusal(user: User, case, kind: str) -> str | None:
    return _execution_refusal(user, case, DOCUMENT_STATES.get(kind, ()), "mengunggah dokumen ini")


def progress_refusal(user: User, case) -> str | None:
    """Why ``user`` may not add a school progress report now (during the works)."""
    return _execution_refusal(user, case, PROGRESS_STATES, "melaporkan progres fisik")


def visit_refusal(user: User, case) -> str | None:
    """Why ``user`` may not record a facilitator's visit (or verify a report) on this case now: only the
    facilitator assigned to it, during the works and the final inspection."""
    if user.role != Role.FACILITATOR or case.assignee_user_id != user.id:
        return "Hanya fasilitator yang ditugaskan pada sekolah ini yang dapat memverifikasi progres"
    if not is_in_execution(case) or case.state not in VISIT_STATES:
        return "Verifikasi progres hanya selama pelaksanaan dan pemeriksaan akhir"
    return None


def can_assign_facilitator(user: User) -> bool:
    return user.role in FACILITATOR_ASSIGN_ROLES


def has_facilitator_caseload(user: User) -> bool:
    """The facilitator's own page of assigned Revitalisasi schools."""
    return user.role in CASELOAD_ROLES


def can_list_execution(user: User) -> bool:
    """The execution list (selected schools with their stage and progress)."""
    return user.role in LIST_ROLES or user.role == Role.FACILITATOR


CASELOAD_ROLES = (Role.FACILITATOR,)
