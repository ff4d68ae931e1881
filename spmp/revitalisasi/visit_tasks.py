"""Verification and monitoring visits of a Revitalisasi proposal are Widyaprada tasks linked to its case
(``widyaprada_task.linked_case_id``): which visit the proposal page offers to assign at its stage (the new
task's kind and purpose, to pre-fill the Widyaprada form), and the linked tasks the reader may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from spmp.accounts.models import User
from spmp.engine.definitions import get_definition
from spmp.revitalisasi import permissions
from spmp.revitalisasi.models import RevitalisasiProposal
from spmp.widyaprada.queries import TaskFilters, list_tasks


@dataclass(frozen=True)
class VisitKind:
    """A visit the proposal page offers: its link text, the stages it belongs to, and the task it makes."""

    key: str
    label: str
    states: tuple[str, ...]
    task_kind: str  # a Widyaprada duty (spmp.widyaprada.models.TASK_KINDS)
    purpose: str  # with {year}, {school}, {npsn}, {proposal_id}


# Checking a proposal's damage, land and photos on site is quality mapping of the school's facilities
# (pemetaan mutu); watching the works, the P2SP and the money during the execution is supervision.
VISITS = (
    VisitKind(
        "verifikasi", "Tugaskan kunjungan verifikasi", ("verifikasi_pemda", "verval", "perbaikan"),
        "pemetaan_mutu",
        "Kunjungan verifikasi usulan Revitalisasi {year} (usulan #{proposal_id}) ke {school} (NPSN {npsn}): "
        "memeriksa di lapangan kerusakan ruang yang diusulkan, kesiapan lahan dan foto kerusakan.",
    ),
    VisitKind(
        "monitoring", "Tugaskan kunjungan monitoring", permissions.EXECUTION_STATES[:-1],
        "supervisi",
        "Kunjungan monitoring pelaksanaan Revitalisasi {year} (usulan #{proposal_id}) di {school} (NPSN {npsn}): "
        "memantau progres fisik, kerja P2SP, penggunaan dana dan kendala di lapangan.",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class VisitOffer:
    """What the Widyaprada new-task form is pre-filled with for one visit."""

    key: str
    label: str
    task_kind: str
    purpose: str


def visit_offers(user: User, proposal: RevitalisasiProposal) -> list[VisitOffer]:
    """The visits ``user`` may assign on this proposal at its current stage (none when they may not)."""
    case, school = proposal.case, proposal.school
    if not permissions.can_assign_visit(user, case):
        return []
    values = {"year": proposal.year, "school": school.name, "npsn": school.npsn, "proposal_id": proposal.id}
    return [
        VisitOffer(visit.key, visit.label, visit.task_kind, visit.purpose.format(**values))
        for visit in VISITS
        if case.state in visit.states
    ]


@dataclass(frozen=True)
class LinkedVisit:
    """One Widyaprada task serving the proposal's case, as the proposal page lists it."""

    task_id: int
    title: str
    kind_label: str
    widyaprada: str | None
    state_label: str
    is_closed: bool
    visit_date: date | None


def linked_visits(session: Session, user: User, case_id: int) -> list[LinkedVisit]:
    """The Widyaprada tasks linked to the case that ``user`` may see (none for who may not list tasks)."""
    if not permissions.can_see_visit_tasks(user):
        return []
    return [
        LinkedVisit(task.id, case.title, task.kind_label, case.assignee_user.full_name if case.assignee_user else None,
                    get_definition(case.type_key, case.type_version).label(case.state), case.closed_at is not None,
                    task.visit_date)
        for task, case in list_tasks(session, user, TaskFilters(linked_case_id=case_id), limit=None)
    ]  # fmt: skip

