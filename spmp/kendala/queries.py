"""The obstacle list of a user's area (a unit's, a Dinas's, a school's own), filtered, and its download."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, select
from sqlalchemy.orm import Session, aliased

from spmp import clock
from spmp.accounts.models import User
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.engine.definitions import get_definition
from spmp.engine.permissions import case_scope
from spmp.engine.queries import late_condition
from spmp.export import stream_rows
from spmp.kendala.models import CATEGORIES, PROGRAMMES, Obstacle
from spmp.regions.names import region_names
from spmp.schools.models import School

EXPORT_HEADER = ("No. kasus", "Program", "Kategori", "Uraian", "Status", "NPSN", "Sekolah", "Kabupaten/Kota",
                 "Provinsi", "Penanggung jawab", "Dilaporkan ({zona})", "Tenggat ({zona})", "Terlambat",
                 "Tentang kasus")  # fmt: skip


@dataclass(frozen=True)
class ObstacleFilters:
    open_only: bool = True
    late_only: bool = False
    category: str | None = None
    programme: str | None = None
    regency_code: str | None = None


def _filtered(user: User, filters: ObstacleFilters, now):
    # Oldest first: the obstacle waiting longest is handled first.
    query = (
        select(Obstacle, CaseRecord).join(CaseRecord, CaseRecord.id == Obstacle.case_id)
        .where(case_scope(user)).order_by(CaseRecord.id)
    )  # fmt: skip
    if filters.open_only:
        query = query.where(CaseRecord.closed_at.is_(None))
    if filters.late_only:
        query = query.where(late_condition(now))
    if filters.category in CATEGORIES:
        query = query.where(Obstacle.category == filters.category)
    if filters.programme in PROGRAMMES:
        query = query.where(Obstacle.programme == filters.programme)
    if filters.regency_code:
        query = query.where(CaseRecord.regency_code == filters.regency_code)
    return query


@dataclass
class ObstacleRow:
    obstacle: Obstacle
    case: CaseRecord
    late: bool


def list_obstacles(
    session: Session, user: User, filters: ObstacleFilters, limit: int = 200
) -> list[ObstacleRow]:
    now = clock.now()
    query = _filtered(user, filters, now).add_columns(case((late_condition(now), 1), else_=0)).limit(limit)
    return [ObstacleRow(o, c, bool(late)) for o, c, late in session.execute(query)]


def export_statement(user: User, filters: ObstacleFilters):
    now = clock.now()
    due = aliased(CaseDeadline)
    return (
        _filtered(user, filters, now)
        .with_only_columns(
            CaseRecord.id,
            Obstacle.programme,
            Obstacle.category,
            Obstacle.description,
            CaseRecord.type_version,
            CaseRecord.state,
            School.npsn,
            School.name,
            CaseRecord.regency_code,
            CaseRecord.province_code,
            User.full_name,
            CaseRecord.opened_at,
            due.due_at,
            case((late_condition(now), 1), else_=0),
            Obstacle.about_case_id,
        )  # fmt: skip
        .outerjoin(School, School.id == CaseRecord.school_id)
        .outerjoin(User, User.id == CaseRecord.assignee_user_id)
        .outerjoin(due, and_(due.case_id == CaseRecord.id, due.kind == "due"))
    )


def export_rows(session: Session, statement):
    names = region_names(session)
    for row in stream_rows(session, statement):
        (case_id, programme, category, description, version, state, npsn, school, regency, province, assignee,
         opened_at, due_at, late, about) = row  # fmt: skip
        workflow = get_definition("kendala", version)
        yield (case_id, PROGRAMMES[programme], CATEGORIES[category], description, workflow.label(state), npsn,
               school, names.regency(regency), names.province(province), assignee, opened_at, due_at,
               bool(late), about)  # fmt: skip
