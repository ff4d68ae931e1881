"""Planning a visit (with its warnings and their audited override), recording its actual dates, and
recording school holidays. Operations flush and never commit."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.accounts.conflicts import conflict_refusal
from spmp.accounts.models import User
from spmp.engine.calendar import holiday_name, is_cuti_bersama
from spmp.engine.cases import CaseRecord
from spmp.engine.errors import ActionRefused
from spmp.schools.models import School
from spmp.spme.models import VISIT_KINDS, AccreditationVisit, ExternalVisit
from spmp.visits.models import SchoolHoliday, Visit
from spmp.visits.permissions import can_manage_school_holidays, can_plan_visit, can_record_actual
from spmp.widyaprada.models import WidyapradaTask, WidyapradaTaskSchool

MAX_TRIP_DAYS = 31


class VisitRefused(ActionRefused):
    """The visit cannot be planned or recorded as asked; the message says why (Indonesian)."""


class VisitClash(VisitRefused):
    """Planning raised warnings: plan again with a reason to override them."""

    def __init__(self, warnings: list[Warning]) -> None:
        super().__init__("Ada peringatan jadwal: isi alasan untuk tetap merencanakan kunjungan ini.")
        self.warnings = warnings


@dataclass(frozen=True)
class Warning:
    """One reason against the planned dates: ``code`` for tests and filters, ``message`` for people."""

    code: str  # same_school_week | widyaprada_booked | national_holiday | cuti_bersama | school_holiday
    message: str


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _fmt(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _overlapping(start: date, end: date):
    return (
        func.coalesce(Visit.actual_start, Visit.planned_start) <= end,
        func.coalesce(Visit.actual_end, Visit.planned_end) >= start,
    )


def _same_school_week(session: Session, school_id: int, start: date, end: date, exclude_id) -> list[Warning]:
    """Any other visit to the school in the same week(s), whatever its programme or kind."""
    week_start = start - timedelta(days=start.weekday())
    week_end = end + timedelta(days=6 - end.weekday())
    found = []
    visits = session.scalars(
        select(Visit).where(Visit.school_id == school_id, Visit.id != (exclude_id or 0),
                            *_overlapping(week_start, week_end)).order_by(Visit.planned_start)
    )  # fmt: skip
    for other in visits:
        found.append(f"kunjungan Widyaprada {other.widyaprada.full_name} {_fmt(other.start)}")
    for kind, day in session.execute(
        select(ExternalVisit.kind, ExternalVisit.visit_date).where(
            ExternalVisit.school_id == school_id, ExternalVisit.visit_date.between(week_start, week_end)
        )
    ):
        found.append(f"{VISIT_KINDS.get(kind, kind)} {_fmt(day)}")
    for day, name in session.execute(
        _scheduled_tasks(week_start, week_end)
        .join(WidyapradaTaskSchool, WidyapradaTaskSchool.task_id == WidyapradaTask.id)
        .where(WidyapradaTaskSchool.school_id == school_id)
        .add_columns(User.full_name)
        .join(User, User.id == CaseRecord.assignee_user_id, isouter=True)
    ):
        found.append(f"tugas Widyaprada ({name or 'belum ditugaskan'}) {_fmt(day)}")
    for (day,) in session.execute(
        select(AccreditationVisit.visit_date).where(
            AccreditationVisit.school_id == school_id,
            AccreditationVisit.visit_date.between(week_start, week_end),
        )
    ):
        found.append(f"visitasi akreditasi {_fmt(day)}")
    return [Warning("same_school_week", f"Sekolah ini sudah dikunjungi pada minggu yang sama: {text}.")
            for text in found]  # fmt: skip


def _scheduled_tasks(start: date, end: date):
    """Widyaprada tasks given a visit date (``Jadwalkan``) in ``start``..``end``, not cancelled, and
    without a visit of their own on the calendar (that one is counted as a visit)."""
    has_visit = select(Visit.id).where(Visit.case_id == WidyapradaTask.case_id).exists()
    return (
        select(WidyapradaTask.visit_date)
        .join(CaseRecord, CaseRecord.id == WidyapradaTask.case_id)
        .where(WidyapradaTask.visit_date.between(start, end), CaseRecord.state != "dibatalkan", ~has_visit)
    )


def _widyaprada_booked(
    session: Session, widyaprada_id: int, start: date, end: date, exclude_id
) -> list[Warning]:
    visits = session.scalars(
        select(Visit).where(Visit.widyaprada_id == widyaprada_id, Visit.id != (exclude_id or 0),
                            *_overlapping(start, end)).order_by(Visit.planned_start)
    )  # fmt: skip
    tasks = session.execute(_scheduled_tasks(start, end).where(CaseRecord.assignee_user_id == widyaprada_id)
                            .add_columns(CaseRecord.title))  # fmt: skip
    booked = [Warning("widyaprada_booked", f"Widyaprada sudah terjadwal pada {_fmt(day)}: {title}.")
              for day, title in tasks]  # fmt: skip
    return booked + [
        Warning("widyaprada_booked", f"Widyaprada sudah terjadwal pada {_fmt(v.start)} s.d. {_fmt(v.end)}: "
                f"{v.school.name} (NPSN {v.school.npsn}).")
        for v in visits
    ]  # fmt: skip


def _holidays(start: date, end: date) -> list[Warning]:
    found = []
    for day in _days(start, end):
        name = holiday_name(day)
        if name and is_cuti_bersama(day):
            found.append(Warning("cuti_bersama", f"{_fmt(day)} adalah cuti bersama: {name}."))
        elif name:
            found.append(Warning("national_holiday", f"{_fmt(day)} adalah hari libur nasional: {name}."))
    return found


def _school_holidays(session: Session, province_code: str, start: date, end: date) -> list[Warning]:
    periods = session.scalars(
        select(SchoolHoliday).where(SchoolHoliday.province_code == province_code,
                                    SchoolHoliday.start_date <= end, SchoolHoliday.end_date >= start)
    )  # fmt: skip
    return [
        Warning("school_holiday", f"Libur sekolah di provinsi ini: {p.name} ({_fmt(p.start_date)} s.d. "
                f"{_fmt(p.end_date)}).")
        for p in periods
    ]  # fmt: skip


def visit_warnings(
    session: Session,
    *,
    school: School,
    widyaprada_id: int,
    start: date,
    end: date,
    exclude_id: int | None = None,
) -> list[Warning]:
    """Every reason against visiting ``school`` from ``start`` to ``end`` (inclusive)."""
    return [
        *_same_school_week(session, school.id, start, end, exclude_id),
        *_widyaprada_booked(session, widyaprada_id, start, end, exclude_id),
        *_holidays(start, end),
        *_school_holidays(session, school.province_code, start, end),
    ]


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise VisitRefused("Tanggal selesai tidak boleh sebelum tanggal mulai.")
    if (end - start).days + 1 > MAX_TRIP_DAYS:
        raise VisitRefused(f"Satu kunjungan paling lama {MAX_TRIP_DAYS} hari (termasuk perjalanan).")


def plan_visit(
    session: Session,
    actor: User,
    *,
    widyaprada: User,
    school_id: int,
    start: date,
    end: date,
    purpose: str,
    case_id: int | None = None,
    override_reason: str | None = None,
) -> Visit:
    """Plan a visit. Raises ``VisitClash`` with the warnings unless ``override_reason`` is given, in
    which case the warnings and the reason are stored on the visit and in the audit trail."""
    school = session.get(School, school_id)
    if school is None or not can_plan_visit(session, actor, widyaprada, school_id):
        raise VisitRefused("Anda tidak dapat merencanakan kunjungan Widyaprada ini ke sekolah ini.")
    refusal = conflict_refusal(session, widyaprada.id, [school.id])
    if refusal:
        raise VisitRefused(f"Tidak dapat ditugaskan: {refusal}")
    purpose = (purpose or "").strip()
    if not purpose or len(purpose) > 300:
        raise VisitRefused("Tujuan kunjungan wajib diisi (paling banyak 300 karakter).")
    _check_period(start, end)
    warnings = visit_warnings(session, school=school, widyaprada_id=widyaprada.id, start=start, end=end)
    override_reason = (override_reason or "").strip() or None
    if warnings and not override_reason:
        raise VisitClash(warnings)
    visit = Visit(
        school_id=school.id, widyaprada_id=widyaprada.id, unit_id=widyaprada.unit_id, case_id=case_id,
        purpose=purpose, planned_start=start, planned_end=end,
        warnings=json.dumps([asdict(w) for w in warnings], ensure_ascii=False) if warnings else None,
        override_reason=override_reason if warnings else None, created_by_id=actor.id, created_at=clock.now(),
    )  # fmt: skip
    session.add(visit)
    session.flush()
    changes = {"visit_id": visit.id, "school_id": school.id, "widyaprada_id": widyaprada.id,
               "planned_start": start, "planned_end": end}  # fmt: skip
    if warnings:
        changes["warnings"] = [w.code for w in warnings]
    audit.append(session, action="visit_override" if warnings else "visit_plan", actor_id=actor.id,
                 case_id=case_id, reason=visit.override_reason, changes=changes)  # fmt: skip
    return visit


def record_actual(session: Session, actor: User, visit: Visit, *, start: date, end: date) -> Visit:
    """Record the dates the trip really took (travel included)."""
    if not can_record_actual(actor, visit):
        raise VisitRefused("Anda tidak dapat mencatat realisasi kunjungan ini.")
    _check_period(start, end)
    before = {"actual_start": visit.actual_start, "actual_end": visit.actual_end}
    visit.actual_start, visit.actual_end = start, end
    session.flush()
    audit.append(session, action="visit_actual", actor_id=actor.id, case_id=visit.case_id,
                 changes={"visit_id": visit.id, "before": before, "actual_start": start, "actual_end": end})  # fmt: skip
    return visit


def add_school_holiday(
    session: Session,
    actor: User,
    *,
    province_code: str,
    name: str,
    start: date,
    end: date,
    source: str | None,
) -> SchoolHoliday:
    if not can_manage_school_holidays(actor):
        raise VisitRefused("Hanya administrator yang dapat mencatat libur sekolah.")
    name = (name or "").strip()
    if not name or len(name) > 150:
        raise VisitRefused("Nama libur wajib diisi (paling banyak 150 karakter).")
    if end < start:
        raise VisitRefused("Tanggal selesai libur tidak boleh sebelum tanggal mulai.")
    period = SchoolHoliday(province_code=province_code, name=name, start_date=start, end_date=end,
                           source=(source or "").strip() or None, created_by_id=actor.id, created_at=clock.now())  # fmt: skip
    session.add(period)
    session.flush()
    audit.append(session, action="school_holiday_add", actor_id=actor.id,
                 changes={"school_holiday_id": period.id, "province_code": province_code, "name": name,
                          "start_date": start, "end_date": end})  # fmt: skip
    return period


def visits_between(
    session: Session, start: date, end: date, *, widyaprada_id=None, unit_id=None
) -> list[Visit]:
    """Visits overlapping ``start``..``end`` of one Widyaprada or one unit, in date order."""
    query = select(Visit).where(*_overlapping(start, end))
    if widyaprada_id is not None:
        query = query.where(Visit.widyaprada_id == widyaprada_id)
    if unit_id is not None:
        query = query.where(Visit.unit_id == unit_id)
    return list(session.scalars(query.order_by(Visit.planned_start, Visit.id)))
