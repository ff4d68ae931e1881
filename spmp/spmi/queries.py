"""Read-side queries for SPMI pages: a school's cycles, one cycle with all its PBD content, the
Widyaprada's review queue, and B/BPMP progress by regency and phase (scoped through the case scope)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, selectinload

from spmp import clock
from spmp.accounts.models import User
from spmp.engine.cases import CaseDeadline, CaseEvidence, CaseRecord
from spmp.engine.definitions import get_definition
from spmp.engine.permissions import case_scope
from spmp.engine.queries import late_condition
from spmp.export import stream_rows
from spmp.regions.names import region_names
from spmp.schools.models import School
from spmp.spmi.models import (
    RaporIndicator,
    SpmiActivity,
    SpmiChange,
    SpmiCycle,
    SpmiEvaluation,
    SpmiPriority,
    SpmiReviewNote,
    SpmiRootCause,
    SpmiStandard,
)
from spmp.spmi.operations import WORKFLOW_KEY
from spmp.spmi.workflow import PHASES, REVIEW_OF, widyaprada_by_school

REVIEW_STATES = tuple(REVIEW_OF)
STATE_ORDER = ("penetapan", "penetapan_review", "pelaksanaan", "pelaksanaan_review", "evaluasi",
               "evaluasi_review", "perencanaan", "perencanaan_review", "closed")  # fmt: skip


def visible_cycles(user: User):
    """``select(SpmiCycle)`` joined to its case and limited to what the user may see."""
    return select(SpmiCycle).join(CaseRecord, CaseRecord.id == SpmiCycle.case_id).where(case_scope(user))


def school_cycles(session: Session, user: User, school_id: int) -> list[SpmiCycle]:
    """A school's cycles the user may see, newest year first."""
    query = visible_cycles(user).where(SpmiCycle.school_id == school_id).order_by(SpmiCycle.year.desc())
    return list(session.scalars(query.options(selectinload(SpmiCycle.case))))


@dataclass
class CycleContent:
    """Everything the cycle page shows: the PBD content, notes per item, indicators, the due date."""

    cycle: SpmiCycle
    priorities: list[SpmiPriority]
    standards: list[SpmiStandard]
    evaluations: dict[str, SpmiEvaluation]
    indicators: list[RaporIndicator]
    notes: dict[tuple[str, int | None], list[SpmiReviewNote]] = field(default_factory=dict)
    due_at: object = None
    evidence: list[CaseEvidence] = field(default_factory=list)
    trends: dict[str, str] = field(default_factory=dict)
    widyaprada: User | None = None
    # What the school changed since the phase was last returned (empty if it never was).
    changes_since_return: list[SpmiChange] = field(default_factory=list)
    returned_at: object = None

    def notes_for(self, kind: str, item_id: int | None = None) -> list[SpmiReviewNote]:
        return self.notes.get((kind, item_id), [])

    @property
    def all_notes(self) -> list[SpmiReviewNote]:
        return sorted((n for notes in self.notes.values() for n in notes), key=lambda n: n.id)

    def item_ids(self) -> dict[str, set[int]]:
        """The ids of the items a note can be about, per kind (to find notes whose item was removed)."""
        causes = [c for p in self.priorities for c in p.root_causes]
        activities = [a for c in causes for a in c.activities]
        return {
            "priority": {p.id for p in self.priorities}, "root_cause": {c.id for c in causes},
            "activity": {a.id for a in activities}, "progress": {r.id for a in activities for r in a.progress},
            "standard": {s.id for s in self.standards}, "evaluation": {e.id for e in self.evaluations.values()},
        }  # fmt: skip

    @property
    def notes_on_removed_items(self) -> list[SpmiReviewNote]:
        """Notes kept although the item they are about was removed (they are never deleted with it)."""
        ids = self.item_ids()
        return [n for n in self.all_notes if n.item_kind in ids and n.item_id not in ids[n.item_kind]]

    @property
    def open_notes(self) -> list[SpmiReviewNote]:
        return [n for notes in self.notes.values() for n in notes if n.resolved_at is None]


def cycle_content(session: Session, cycle: SpmiCycle) -> CycleContent:
    """Load a cycle's content (the caller has checked that the user may see the cycle)."""
    priorities = list(
        session.scalars(
            select(SpmiPriority)
            .where(SpmiPriority.cycle_id == cycle.id)
            .order_by(SpmiPriority.id)
            .options(
                selectinload(SpmiPriority.root_causes)
                .selectinload(SpmiRootCause.activities)
                .selectinload(SpmiActivity.progress)
            )
        )
    )
    standards = list(
        session.scalars(
            select(SpmiStandard).where(SpmiStandard.cycle_id == cycle.id).order_by(SpmiStandard.snp)
        )
    )
    evaluations = {
        e.indicator_code: e
        for e in session.scalars(select(SpmiEvaluation).where(SpmiEvaluation.cycle_id == cycle.id))
    }
    indicators = list(
        session.scalars(
            select(RaporIndicator)
            .where(RaporIndicator.school_id == cycle.school_id, RaporIndicator.year == cycle.year)
            .order_by(RaporIndicator.code)
        )
    )
    content = CycleContent(cycle, priorities, standards, evaluations, indicators)
    for note in session.scalars(
        select(SpmiReviewNote).where(SpmiReviewNote.cycle_id == cycle.id).order_by(SpmiReviewNote.id)
    ):
        content.notes.setdefault((note.item_kind, note.item_id), []).append(note)
    content.due_at = session.scalar(
        select(CaseDeadline.due_at).where(CaseDeadline.case_id == cycle.case_id, CaseDeadline.kind == "due")
    )
    content.evidence = list(
        session.scalars(
            select(CaseEvidence).where(CaseEvidence.case_id == cycle.case_id).order_by(CaseEvidence.id)
        )
    )
    content.trends = priority_trends(session, cycle, priorities)
    content.returned_at = max((n.created_at for n in content.all_notes), default=None)
    if content.returned_at is not None:
        content.changes_since_return = list(
            session.scalars(
                select(SpmiChange)
                .where(SpmiChange.cycle_id == cycle.id, SpmiChange.changed_at >= content.returned_at)
                .order_by(SpmiChange.id)
            )
        )
    widyaprada_id = widyaprada_by_school(session, [cycle.school_id]).get(cycle.school_id)
    content.widyaprada = session.get(User, widyaprada_id) if widyaprada_id else None
    return content


def priority_trends(session: Session, cycle: SpmiCycle, priorities: list[SpmiPriority]) -> dict[str, str]:
    """Per priority indicator: "naik" / "tetap" / "turun" compared with next year's Rapor Pendidikan value
    (empty until next year's indicators are imported)."""
    later = dict(
        session.execute(
            select(RaporIndicator.code, RaporIndicator.value).where(
                RaporIndicator.school_id == cycle.school_id, RaporIndicator.year == cycle.year + 1
            )
        ).all()
    )
    trends = {}
    for p in priorities:
        if p.indicator_code in later and p.baseline_value is not None:
            delta = later[p.indicator_code] - p.baseline_value
            trends[p.indicator_code] = "naik" if delta > 0.5 else "turun" if delta < -0.5 else "tetap"
    return trends


def previous_cycle(session: Session, user: User, cycle: SpmiCycle) -> SpmiCycle | None:
    """Last year's cycle of the same school (for side-by-side review), if the user may see it."""
    query = visible_cycles(user).where(
        SpmiCycle.school_id == cycle.school_id, SpmiCycle.year == cycle.year - 1
    )
    return session.scalar(query)


# --- review queue ----------------------------------------------------------------------------------------
def review_queue(
    session: Session, user: User, limit: int | None = 200, late_only: bool = False
) -> list[tuple[SpmiCycle, CaseRecord]]:
    """Submissions waiting for review among the user's cycles, oldest submission first (``late_only``:
    those whose review is past its due date)."""
    query = (
        select(SpmiCycle, CaseRecord)
        .join(CaseRecord, CaseRecord.id == SpmiCycle.case_id)
        .where(case_scope(user), CaseRecord.state.in_(REVIEW_STATES), CaseRecord.closed_at.is_(None))
        .order_by(CaseRecord.state_entered_at, CaseRecord.id)
        .options(selectinload(SpmiCycle.school))
    )
    if late_only:
        query = query.where(late_condition(clock.now()))
    if limit:
        query = query.limit(limit)
    return [(c, r) for c, r in session.execute(query).all()]


# --- B/BPMP progress --------------------------------------------------------------------------------------
@dataclass
class RegencyProgress:
    regency_code: str
    regency_name: str
    province_name: str = ""
    by_state: dict[str, int] = field(default_factory=dict)
    total: int = 0
    late: int = 0

    @property
    def on_time_percent(self) -> float:
        return 100.0 * (self.total - self.late) / self.total if self.total else 100.0

    def percent_in(self, state: str) -> float:
        return 100.0 * self.by_state.get(state, 0) / self.total if self.total else 0.0


def progress_by_regency(
    session: Session, user: User, year: int, late_only: bool = False
) -> list[RegencyProgress]:
    """Counts of the year's cycles by regency and state, and how many are late (``late_condition``).

    One aggregate query over case_record (scoped). ``late_only`` counts only the late cycles."""
    is_late = late_condition(clock.now())
    query = (
        select(CaseRecord.regency_code, CaseRecord.state, func.count(), func.sum(case((is_late, 1), else_=0)))
        .select_from(SpmiCycle)
        .join(CaseRecord, CaseRecord.id == SpmiCycle.case_id)
        .where(SpmiCycle.year == year, CaseRecord.type_key == WORKFLOW_KEY, case_scope(user))
        .group_by(CaseRecord.regency_code, CaseRecord.state)
    )
    if late_only:
        query = query.where(is_late)
    rows = session.execute(query).all()
    names = region_names(session)
    result: dict[str, RegencyProgress] = {}
    for regency_code, state, count, late_count in rows:
        entry = result.get(regency_code) or RegencyProgress(
            regency_code, names.regency(regency_code), names.province((regency_code or "")[:2])
        )
        result[regency_code] = entry
        entry.by_state[state] = entry.by_state.get(state, 0) + count
        entry.total += count
        entry.late += int(late_count or 0)
    return sorted(result.values(), key=lambda r: (r.province_name, r.regency_name))


@dataclass(frozen=True)
class CycleFilters:
    """Which cycles a monitoring list shows: one year, optionally one regency, one state, only late ones."""

    year: int
    regency_code: str | None = None
    state: str | None = None
    late_only: bool = False


@dataclass(frozen=True)
class CycleRow:
    cycle_id: int
    npsn: str
    school_name: str
    regency_code: str | None
    state: str
    due_at: datetime | None
    is_late: bool


def cycle_list_statement(user: User, filters: CycleFilters, now: datetime | None = None):
    """The cycles of a monitoring list (drill-down, late list) for ``user``, by school name, as columns
    of :class:`CycleRow`. Built while the user is known; the downloads execute it later."""
    now = now or clock.now()
    columns = (SpmiCycle.id, School.npsn, School.name, CaseRecord.regency_code, CaseRecord.state,
               CaseDeadline.due_at, case((late_condition(now), 1), else_=0))  # fmt: skip
    query = (
        select(*columns)
        .join(CaseRecord, CaseRecord.id == SpmiCycle.case_id)
        .join(School, School.id == SpmiCycle.school_id)
        .outerjoin(CaseDeadline, and_(CaseDeadline.case_id == CaseRecord.id, CaseDeadline.kind == "due"))
        .where(SpmiCycle.year == filters.year, CaseRecord.type_key == WORKFLOW_KEY, case_scope(user))
        .order_by(School.name_key, School.id)
    )
    if filters.regency_code:
        query = query.where(CaseRecord.regency_code == filters.regency_code)
    if filters.state:
        query = query.where(CaseRecord.state == filters.state)
    if filters.late_only:
        query = query.where(late_condition(now))
    return query


def progress_schools(session: Session, user: User, filters: CycleFilters, limit: int = 500) -> list[CycleRow]:
    """Drill-down and late list: the cycles matching ``filters`` (at most ``limit`` on a page)."""
    rows = session.execute(cycle_list_statement(user, filters).limit(limit)).all()
    return [CycleRow(*row[:6], bool(row[6])) for row in rows]


CYCLE_EXPORT_HEADER = ("NPSN", "Sekolah", "Kabupaten/Kota", "Provinsi", "Tahap", "Tenggat ({zona})",
                       "Terlambat", "Hari terlambat")  # fmt: skip


def cycle_export_rows(session: Session, statement, now: datetime | None = None):
    """Rows of :data:`CYCLE_EXPORT_HEADER` for ``statement`` (from :func:`cycle_list_statement`)."""
    now = now or clock.now()
    names = region_names(session)
    definition = get_definition(WORKFLOW_KEY)
    for _id, npsn, name, regency, state, due_at, late in stream_rows(session, statement):
        days = (now - due_at).days if late and due_at else None
        yield (npsn, name, names.regency(regency), names.province((regency or "")[:2]),
               definition.label(state), due_at,
               bool(late), days)  # fmt: skip


__all__ = ["PHASES", "REVIEW_STATES", "STATE_ORDER", "cycle_content", "progress_by_regency", "review_queue"]
