"""Read-side queries for the case pages: the scoped case list, a case's deadlines, who acted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, exists, select
from sqlalchemy.orm import Session, aliased, joinedload

from spmp import clock
from spmp.accounts.models import User
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.engine.definitions import get_definition
from spmp.engine.permissions import visible_cases
from spmp.export import stream_rows
from spmp.regions.names import region_names
from spmp.schools.models import School


@dataclass(frozen=True)
class CaseFilters:
    type_key: str | None = None
    state: str | None = None
    mine: bool = False  # only cases assigned to the user
    open_only: bool = False
    late_only: bool = False  # only cases past their due date ("terlambat"), see late_condition


def late_condition(now):
    """A case is late ("terlambat") when it is open, not paused, and the due date of its current state
    has passed. The one definition used by every list, count and filter of late cases."""
    due = aliased(CaseDeadline)  # an alias: the caller's query may join case_deadline itself
    due_passed = (
        exists()
        .where(due.case_id == CaseRecord.id, due.kind == "due", due.due_at < now)
        .correlate(CaseRecord)
    )
    return and_(CaseRecord.closed_at.is_(None), CaseRecord.is_paused.is_(False), due_passed)


def filtered_cases(user: User, filters: CaseFilters, now=None):
    """``select(CaseRecord)`` of the user's cases with the list filters applied, newest first."""
    query = visible_cases(user).order_by(CaseRecord.id.desc())
    if filters.type_key:
        query = query.where(CaseRecord.type_key == filters.type_key)
    if filters.state:
        query = query.where(CaseRecord.state == filters.state)
    if filters.mine:
        query = query.where(CaseRecord.assignee_user_id == user.id)
    if filters.open_only:
        query = query.where(CaseRecord.closed_at.is_(None))
    if filters.late_only:
        query = query.where(late_condition(now or clock.now()))
    return query


@dataclass
class CasePage:
    cases: list[CaseRecord]
    next_before: int | None  # keyset cursor: the last id shown


def list_cases(
    session: Session, user: User, filters: CaseFilters, before: int | None = None, limit: int = 50
) -> CasePage:
    """The user's cases, newest first, with their school loaded in the same query."""
    query = filtered_cases(user, filters).options(joinedload(CaseRecord.school))
    if before:
        query = query.where(CaseRecord.id < before)
    rows = list(session.scalars(query.limit(limit + 1)))
    return CasePage(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


def case_deadlines(session: Session, case_id: int) -> list[CaseDeadline]:
    return list(session.scalars(select(CaseDeadline).where(CaseDeadline.case_id == case_id)
                                .order_by(CaseDeadline.fire_at)))  # fmt: skip


def users_by_id(session: Session, ids) -> dict[int, User]:
    """The users behind a set of ids (e.g. the actors of a timeline), in one query."""
    ids = {i for i in ids if i is not None}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


CASE_EXPORT_HEADER = ("No.", "Judul", "Jenis", "Status", "Ditangguhkan", "NPSN", "Sekolah", "Kabupaten/Kota",
                      "Provinsi", "Penanggung jawab", "Dibuka ({zona})", "Ditutup ({zona})", "Tenggat ({zona})",
                      "Terlambat")  # fmt: skip


def case_export_statement(user: User, filters: CaseFilters, now=None):
    """The whole filtered case list of ``user`` as plain columns (for the XLSX/CSV download)."""
    now = now or clock.now()
    due = aliased(CaseDeadline)
    columns = (CaseRecord.id, CaseRecord.title, CaseRecord.type_key, CaseRecord.type_version,
               CaseRecord.state, CaseRecord.is_paused, School.npsn, School.name, CaseRecord.regency_code,
               CaseRecord.province_code, User.full_name, CaseRecord.opened_at, CaseRecord.closed_at,
               due.due_at, case((late_condition(now), 1), else_=0))  # fmt: skip
    return (
        filtered_cases(user, filters, now)
        .with_only_columns(*columns)
        .select_from(CaseRecord)
        .outerjoin(School, School.id == CaseRecord.school_id)
        .outerjoin(User, User.id == CaseRecord.assignee_user_id)
        .outerjoin(due, and_(due.case_id == CaseRecord.id, due.kind == "due"))
    )


def case_export_rows(session: Session, statement):
    """Rows of :data:`CASE_EXPORT_HEADER` for ``statement`` (from :func:`case_export_statement`)."""
    names = region_names(session)
    for row in stream_rows(session, statement):
        (case_id, title, type_key, version, state, paused, npsn, school, regency, province, assignee,
         opened_at, closed_at, due_at, late) = row  # fmt: skip
        workflow = get_definition(type_key, version)
        yield (case_id, title, workflow.title, workflow.label(state), bool(paused), npsn, school,
               names.regency(regency), names.province(province), assignee, opened_at, closed_at, due_at,
               bool(late))  # fmt: skip
