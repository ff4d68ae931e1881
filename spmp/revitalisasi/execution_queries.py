"""Reading the execution of selected proposals: the scoped list (stage, facilitator, latest reported and
verified progress, money disbursed) with its download, and a facilitator's caseload (the same rows,
limited to the schools assigned to them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from spmp.accounts.models import User
from spmp.engine.cases import CaseRecord
from spmp.engine.definitions import get_definition
from spmp.engine.permissions import case_scope
from spmp.regions.models import Regency
from spmp.revitalisasi.execution import ProgressReport, Tranche
from spmp.revitalisasi.models import RevitalisasiProposal
from spmp.revitalisasi.permissions import EXECUTION_STATES
from spmp.schools.models import School

_FACILITATOR = aliased(User)


def _latest_percent(verified: bool):
    order = ProgressReport.verified_at if verified else ProgressReport.reported_at
    query = select(ProgressReport.percent).where(ProgressReport.proposal_id == RevitalisasiProposal.id)
    if verified:
        query = query.where(ProgressReport.verified_at.is_not(None))
    return query.order_by(order.desc(), ProgressReport.id.desc()).limit(1).scalar_subquery()


def _paid():
    return (
        select(func.coalesce(func.sum(Tranche.amount), 0))
        .where(Tranche.proposal_id == RevitalisasiProposal.id)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class ExecutionFilters:
    year: int | None = None
    state: str | None = None
    regency_code: str | None = None


def execution_query(user: User, filters: ExecutionFilters = ExecutionFilters()) -> Select:
    """Selected proposals on workflow version 2 (terpilih and after) that ``user`` sees, with their
    facilitator, latest reported and verified progress and the money disbursed, by regency and school."""
    query = (
        select(
            RevitalisasiProposal.id, CaseRecord.id, RevitalisasiProposal.year, School.npsn, School.name,
            Regency.name, CaseRecord.state, CaseRecord.state_entered_at, _FACILITATOR.full_name,
            _latest_percent(False), _latest_percent(True), RevitalisasiProposal.requested_budget, _paid(),
        )
        .join(CaseRecord, CaseRecord.id == RevitalisasiProposal.case_id)
        .join(School, School.id == RevitalisasiProposal.school_id)
        .join(Regency, Regency.code == School.regency_code)
        .outerjoin(_FACILITATOR, _FACILITATOR.id == CaseRecord.assignee_user_id)
        .where(case_scope(user), CaseRecord.type_version >= 2, CaseRecord.state.in_(EXECUTION_STATES))
    )  # fmt: skip
    if filters.year:
        query = query.where(RevitalisasiProposal.year == filters.year)
    if filters.state in EXECUTION_STATES:
        query = query.where(CaseRecord.state == filters.state)
    if filters.regency_code:
        query = query.where(School.regency_code == filters.regency_code)
    return query.order_by(Regency.name, School.name_key, RevitalisasiProposal.id)


@dataclass(frozen=True)
class ExecutionRow:
    proposal_id: int
    case_id: int
    year: int
    npsn: str
    school: str
    regency: str
    state: str
    state_entered_at: datetime
    facilitator: str | None
    reported_percent: int | None
    verified_percent: int | None
    budget: int
    paid: int

    @property
    def state_label(self) -> str:
        return get_definition("revitalisasi").label(self.state)


def rows(session: Session, statement: Select, limit: int | None = 500) -> list[ExecutionRow]:
    if limit:
        statement = statement.limit(limit)
    return [ExecutionRow(*row) for row in session.execute(statement)]


def caseload(
    session: Session, user: User, filters: ExecutionFilters = ExecutionFilters()
) -> list[ExecutionRow]:
    """A facilitator's Revitalisasi schools: the selected proposals whose case is assigned to them."""
    return rows(session, caseload_query(user, filters), limit=None)


def caseload_query(user: User, filters: ExecutionFilters = ExecutionFilters()) -> Select:
    return execution_query(user, filters).where(CaseRecord.assignee_user_id == user.id)


EXPORT_HEADER = (
    "No. usulan", "No. kasus", "Tahun", "NPSN", "Sekolah", "Kabupaten/kota", "Tahap", "Masuk tahap (UTC)",
    "Fasilitator", "Progres dilaporkan (%)", "Progres terverifikasi (%)", "Anggaran (Rp)", "Sudah dicairkan (Rp)",
)  # fmt: skip


def export_rows(session: Session, statement: Select):
    for row in session.execute(statement.execution_options(yield_per=500)):
        r = ExecutionRow(*row)
        yield (
            r.proposal_id, r.case_id, r.year, r.npsn, r.school, r.regency, r.state_label,
            r.state_entered_at.strftime("%Y-%m-%d %H:%M"), r.facilitator or "", r.reported_percent,
            r.verified_percent, r.budget, r.paid,
        )  # fmt: skip
