"""Reading Revitalisasi proposals: the scoped list with its filters and its download, and the verifier's
queue (the proposals waiting on the user's step, oldest first)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from spmp import verval
from spmp.accounts.models import NATIONAL_ROLES, Role, User
from spmp.engine.cases import CaseRecord
from spmp.engine.definitions import get_definition
from spmp.engine.permissions import case_scope
from spmp.regions.models import Regency
from spmp.revitalisasi.models import BANDS, RevitalisasiProposal
from spmp.schools.models import School

# The step each role verifies: Pemda its region's proposals, the B/BPMP (and Pusat) the verval.
QUEUE_STATES = {
    Role.DINAS_REGENCY: "verifikasi_pemda",
    Role.DINAS_PROVINCE: "verifikasi_pemda",
    Role.BPMP_STAFF: "verval",
    Role.BPMP_HEAD: "verval",
    **dict.fromkeys(NATIONAL_ROLES, "verval"),
}


@dataclass(frozen=True)
class ProposalFilters:
    year: int | None = None
    state: str | None = None  # a workflow state, "terbuka" (open) or None (all)
    band: str | None = None
    eligible: bool | None = None
    regency_code: str | None = None


def queue_state(user: User) -> str | None:
    return verval.queue_state(user, QUEUE_STATES)


def proposal_query(user: User, filters: ProposalFilters = ProposalFilters()) -> Select:
    """``select(RevitalisasiProposal, CaseRecord, School)`` limited to what the user may see, filtered,
    by school name."""
    query = (
        select(RevitalisasiProposal, CaseRecord, School)
        .join(CaseRecord, CaseRecord.id == RevitalisasiProposal.case_id)
        .join(School, School.id == RevitalisasiProposal.school_id)
        .where(case_scope(user))
    )
    if filters.year:
        query = query.where(RevitalisasiProposal.year == filters.year)
    if filters.state == "terbuka":
        query = query.where(CaseRecord.closed_at.is_(None))
    elif filters.state:
        query = query.where(CaseRecord.state == filters.state)
    if filters.band in BANDS:
        query = query.where(RevitalisasiProposal.band == filters.band)
    if filters.eligible is not None:
        query = query.where(RevitalisasiProposal.is_eligible.is_(filters.eligible))
    if filters.regency_code:
        query = query.where(School.regency_code == filters.regency_code)
    return query.order_by(School.name_key, RevitalisasiProposal.id)


def queue_query(user: User, year: int | None = None) -> Select | None:
    """The proposals waiting on the user's verification step, oldest in that step first (None: no queue)."""
    state = queue_state(user)
    if state is None:
        return None
    return verval.waiting_oldest_first(proposal_query(user, ProposalFilters(year=year)), state)


def rows(session: Session, query: Select, limit: int | None = 500):
    if limit:
        query = query.limit(limit)
    query = query.options(selectinload(RevitalisasiProposal.rooms), selectinload(RevitalisasiProposal.photos))
    return [tuple(row) for row in session.execute(query).all()]


EXPORT_HEADER = (
    "No. usulan", "No. kasus", "Tahun", "NPSN", "Sekolah", "Bentuk", "Kabupaten/kota", "Provinsi", "3T",
    "Status", "Masuk status ({zona})", "Kerusakan (%)", "Kategori kerusakan", "Ruang diusulkan", "Jumlah ruang",
    "Anggaran diusulkan (Rp)", "Siswa terdampak", "Rehabilitasi terakhir", "Dapodik sejak", "Lahan siap",
    "Foto bertitik lokasi", "Foto jauh dari sekolah", "Memenuhi syarat", "Sumber",
)  # fmt: skip


def export_rows(session: Session, statement: Select):
    """Rows of the proposals list (the statement already carries the user's scope and filters)."""
    workflow = get_definition("revitalisasi")
    regencies = {r.code: (r.name, r.province.name) for r in session.scalars(select(Regency))}
    for proposal, case, school in session.execute(
        statement.options(
            selectinload(RevitalisasiProposal.photos), selectinload(RevitalisasiProposal.rooms)
        ).execution_options(yield_per=500)
    ):
        regency, province = regencies.get(school.regency_code, ("", ""))
        located = sum(1 for p in proposal.photos if p.has_position)
        yield (
            proposal.id, case.id, proposal.year, school.npsn, school.name, school.bentuk, regency, province,
            "ya" if proposal.is_3t else "tidak", workflow.label(case.state),
            case.state_entered_at, proposal.damage_percent, proposal.band_label,
            proposal.rooms_requested, len(proposal.rooms), proposal.requested_budget, proposal.pupils_affected,
            proposal.last_rehab_year, proposal.dapodik_since_year, "ya" if proposal.land_ready else "tidak",
            located, sum(1 for p in proposal.photos if p.is_far), "ya" if proposal.is_eligible else "tidak",
            proposal.source,
        )  # fmt: skip


def proposal_id_of_case(session: Session, case_id: int) -> int | None:
    """The proposal whose data a ``revitalisasi`` case carries (the caller checked the case is visible)."""
    return session.scalar(select(RevitalisasiProposal.id).where(RevitalisasiProposal.case_id == case_id))
