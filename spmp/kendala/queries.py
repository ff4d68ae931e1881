"""The obstacles a user may see (their unit's or region's list), filtered, newest first; and the XLSX rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from spmp import clock
from spmp.accounts.models import User
from spmp.engine.cases import CaseRecord
from spmp.engine.definitions import get_definition
from spmp.engine.permissions import case_scope
from spmp.engine.queries import late_condition
from spmp.kendala.models import CATEGORIES, PROGRAMMES, Kendala
from spmp.schools.models import School


@dataclass(frozen=True)
class KendalaFilters:
    state: str | None = None  # a state, "terbuka" or None
    category: str | None = None
    programme: str | None = None
    late: bool = False
    school_id: int | None = None
    linked_case_id: int | None = None


def kendala_query(user: User, filters: KendalaFilters = KendalaFilters()) -> Select:
    query = (
        select(Kendala, CaseRecord, School)
        .join(CaseRecord, CaseRecord.id == Kendala.case_id)
        .join(School, School.id == CaseRecord.school_id)
        .where(case_scope(user))
    )
    if filters.state == "terbuka":
        query = query.where(CaseRecord.closed_at.is_(None))
    elif filters.state:
        query = query.where(CaseRecord.state == filters.state)
    if filters.category in CATEGORIES:
        query = query.where(Kendala.category == filters.category)
    if filters.programme in PROGRAMMES:
        query = query.where(Kendala.programme == filters.programme)
    if filters.late:
        query = query.where(late_condition(clock.now()))
    if filters.school_id:
        query = query.where(CaseRecord.school_id == filters.school_id)
    if filters.linked_case_id:
        query = query.where(Kendala.linked_case_id == filters.linked_case_id)
    return query.order_by(Kendala.reported_at.desc(), Kendala.id.desc())


def rows(session: Session, query: Select, limit: int = 500):
    return [tuple(row) for row in session.execute(query.limit(limit)).all()]


EXPORT_HEADER = ("No.", "No. kasus", "Dilaporkan (UTC)", "NPSN", "Sekolah", "Program", "Kategori", "Uraian",
                 "Status", "Penanggung jawab", "Kasus terkait")  # fmt: skip


def export_rows(session: Session, statement: Select):
    workflow = get_definition("kendala")
    for kendala, case, school in session.execute(statement.execution_options(yield_per=500)):
        yield (kendala.id, case.id, kendala.reported_at.strftime("%Y-%m-%d %H:%M"), school.npsn, school.name,
               kendala.programme_label, kendala.category_label, kendala.description, workflow.label(case.state),
               case.assignee_user.full_name if case.assignee_user else "", kendala.linked_case_id or "")  # fmt: skip
