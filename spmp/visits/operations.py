"""Planning a visit (with its warnings and their audited override), recording its actual dates, and
recording school holidays. Operations flush and never commit."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.accounts.conflicts import conflict_refusal
from spmp.accounts.models import Role, User
from spmp.engine.calendar import holiday_name, is_cuti_bersama
from spmp.engine.cases import CaseRecord
from spmp.engine.errors import ActionRefused
from spmp.schools.models import School
from spmp.spme.models import VISIT_KINDS, AccreditationVisit, ExternalVisit
from spmp.visits.models import SchoolHoliday, Visit
from spmp.visits.permissions import (
    can_cancel_visit,
    can_manage_school_holidays,
    can_plan_visit,
    can_record_actual,
)
from spmp.widyaprada.models import WidyapradaTask, WidyapradaTaskSchool

MAX_TRIP_DAYS = 31
MAX_REASON = 2000


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
    """Visits on the calendar (not cancelled) that overlap ``start``..``end``."""
    return (
        func.coalesce(Visit.actual_start, Visit.planned_start) <= end,
        func.coalesce(Visit.actual_end, Visit.planned_end) >= start,
        Visit.cancelled_at.is_(None),
    )


def _other_than(exclude_id, exclude_case_id):
    """Not the visit being moved, nor the visits of the case being scheduled (a task's own visits)."""
    conditions = [Visit.id != (exclude_id or 0)]
    if exclude_case_id is not None:
        conditions.append(or_(Visit.case_id.is_(None), Visit.case_id != exclude_case_id))
    return conditions


def _same_school_week(
    session: Session, school_id: int, start: date, end: date, exclude_id, exclude_case_id=None
) -> list[Warning]:
    """Any other visit to the school in the same week(s), whatever its programme or kind."""
    week_start = start - timedelta(days=start.weekday())
    week_end = end + timedelta(days=6 - end.weekday())
    found = []
    visits = session.scalars(
        select(Visit).where(Visit.school_id == school_id, *_other_than(exclude_id, exclude_case_id),
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
        _scheduled_tasks(week_start, week_end, exclude_case_id)
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


def _scheduled_tasks(start: date, end: date, exclude_case_id=None):
    """Widyaprada tasks given a visit date (``Jadwalkan``) in ``start``..``end``, not cancelled, and
    without a visit of their own on the calendar (that one is counted as a visit)."""
    has_visit = (
        select(Visit.id).where(Visit.case_id == WidyapradaTask.case_id, Visit.cancelled_at.is_(None)).exists()
    )
    query = (
        select(WidyapradaTask.visit_date)
        .join(CaseRecord, CaseRecord.id == WidyapradaTask.case_id)
        .where(WidyapradaTask.visit_date.between(start, end), CaseRecord.state != "dibatalkan", ~has_visit)
    )
    return query if exclude_case_id is None else query.where(WidyapradaTask.case_id != exclude_case_id)


def _widyaprada_booked(
    session: Session, widyaprada_id: int, start: date, end: date, exclude_id, exclude_case_id=None
) -> list[Warning]:
    visits = session.scalars(
        select(Visit).where(Visit.widyaprada_id == widyaprada_id, *_other_than(exclude_id, exclude_case_id),
                            *_overlapping(start, end)).order_by(Visit.planned_start)
    )  # fmt: skip
    tasks = session.execute(_scheduled_tasks(start, end, exclude_case_id)
                            .where(CaseRecord.assignee_user_id == widyaprada_id)
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
    school: School | None,
    widyaprada_id: int,
    start: date,
    end: date,
    exclude_id: int | None = None,
    exclude_case_id: int | None = None,
    province_code: str | None = None,
) -> list[Warning]:
    """Every reason against visiting ``school`` from ``start`` to ``end`` (inclusive). Without a school (a
    regency's mapping) only the Widyaprada's bookings and the holidays of ``province_code`` count."""
    same_school = (
        _same_school_week(session, school.id, start, end, exclude_id, exclude_case_id) if school else []
    )
    province_code = school.province_code if school else province_code
    return [
        *same_school,
        *_widyaprada_booked(session, widyaprada_id, start, end, exclude_id, exclude_case_id),
        *_holidays(start, end),
        *(_school_holidays(session, province_code, start, end) if province_code else []),
    ]


def case_visit_warnings(
    session: Session,
    *,
    case_id: int,
    schools: list[School],
    province_code: str | None,
    widyaprada_id: int,
    day: date,
) -> list[Warning]:
    """The warnings against visiting the schools of a case (a Widyaprada task) on ``day``; the case's own
    visits and booking do not count against it. Each message once."""
    found: dict[str, Warning] = {}
    for school in schools or [None]:
        for warning in visit_warnings(session, school=school, widyaprada_id=widyaprada_id, start=day, end=day,
                                      exclude_case_id=case_id, province_code=province_code):  # fmt: skip
            found.setdefault(warning.message, warning)
    return list(found.values())


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
    override_reason = _override(warnings, override_reason)
    visit = Visit(school_id=school.id, widyaprada_id=widyaprada.id, unit_id=widyaprada.unit_id, case_id=case_id,
                  purpose=purpose, created_by_id=actor.id, created_at=clock.now())  # fmt: skip
    session.add(visit)
    return _book(session, actor, visit, start, end, warnings, override_reason)


def _override(warnings: list[Warning], reason: str | None) -> str | None:
    """The reason to go ahead despite ``warnings`` (VisitClash when there are warnings and no reason)."""
    reason = (reason or "").strip() or None
    if warnings and not reason:
        raise VisitClash(warnings)
    if reason and len(reason) > MAX_REASON:
        raise VisitRefused(f"Alasan paling banyak {MAX_REASON} karakter.")
    return reason if warnings else None


def _book(session: Session, actor: User, visit: Visit, start: date, end: date, warnings, reason) -> Visit:
    """Put ``visit`` on ``start``..``end`` with the warnings overridden (if any), and audit it: planned,
    planned over warnings, or moved."""
    moved = visit.id is not None
    before = {"planned_start": visit.planned_start, "planned_end": visit.planned_end} if moved else None
    visit.planned_start, visit.planned_end = start, end
    visit.warnings = json.dumps([asdict(w) for w in warnings], ensure_ascii=False) if warnings else None
    visit.override_reason = reason
    session.flush()
    changes = {"visit_id": visit.id, "school_id": visit.school_id, "widyaprada_id": visit.widyaprada_id,
               "planned_start": start, "planned_end": end}  # fmt: skip
    if before:
        changes["before"] = before
    if warnings:
        changes["warnings"] = [w.code for w in warnings]
    action = "visit_override" if warnings else ("visit_move" if moved else "visit_plan")
    audit.append(
        session, action=action, actor_id=actor.id, case_id=visit.case_id, reason=reason, changes=changes
    )
    return visit


def case_visits(session: Session, case_id: int) -> list[Visit]:
    """The visits on the calendar (not cancelled) that serve a case, by school."""
    query = select(Visit).where(Visit.case_id == case_id, Visit.cancelled_at.is_(None))
    return list(session.scalars(query.order_by(Visit.school_id, Visit.id)))


def book_case_visits(
    session: Session, actor: User, *, case_id: int, widyaprada: User, schools: list[School],
    province_code: str | None, day: date, purpose: str, override_reason: str | None = None,
) -> list[Visit]:  # fmt: skip
    """Put a case's visit (one per school; none for a regency) on the calendar on ``day``, or move the ones
    it has: the same warnings as planning a visit (the case's own visits aside), overridden only with a
    reason (VisitClash otherwise), stored on each visit and audited."""
    warnings = case_visit_warnings(session, case_id=case_id, schools=schools, province_code=province_code,
                                   widyaprada_id=widyaprada.id, day=day)  # fmt: skip
    reason = _override(warnings, override_reason)
    existing = {v.school_id: v for v in case_visits(session, case_id)}
    booked = []
    for school in schools:
        if not can_plan_visit(session, actor, widyaprada, school.id):
            raise VisitRefused(f"Anda tidak dapat merencanakan kunjungan Widyaprada ini ke {school.name}.")
        visit = existing.get(school.id)
        if visit is None or visit.widyaprada_id != widyaprada.id:
            if visit is not None:  # the task changed hands: the old person's trip is off
                _cancel(session, actor, visit, "Tugas dialihkan ke Widyaprada lain")
            visit = Visit(school_id=school.id, widyaprada_id=widyaprada.id, unit_id=widyaprada.unit_id,
                          case_id=case_id, purpose=purpose[:300], created_by_id=actor.id, created_at=clock.now())  # fmt: skip
            session.add(visit)
        booked.append(_book(session, actor, visit, day, day, warnings, reason))
    return booked


def _cancel(session: Session, actor: User, visit: Visit, reason: str) -> None:
    visit.cancelled_at, visit.cancelled_by_id, visit.cancel_reason = clock.now(), actor.id, reason
    session.flush()
    audit.append(session, action="visit_cancel", actor_id=actor.id, case_id=visit.case_id, reason=reason,
                 changes={"visit_id": visit.id, "school_id": visit.school_id, "widyaprada_id": visit.widyaprada_id,
                          "planned_start": visit.planned_start, "planned_end": visit.planned_end})  # fmt: skip


def cancel_case_visits(session: Session, actor: User, case_id: int, reason: str) -> int:
    """Take a cancelled case's visits off the calendar. The case's own notice tells its assignee and its
    school; the other schools of a group task are told here."""
    case_school = session.scalar(select(CaseRecord.school_id).where(CaseRecord.id == case_id))
    visits = case_visits(session, case_id)
    for visit in visits:
        _cancel(session, actor, visit, reason)
        if visit.school_id != case_school:
            _tell_cancelled(session, actor, visit, widyaprada_too=False)
    return len(visits)


def cancel_visit(session: Session, actor: User, visit: Visit, reason: str) -> Visit:
    """Cancel a planned visit with a reason (audited); the Widyaprada (when someone else cancels) and the
    school's operator and principal are told. A task's visit is cancelled or moved from its task."""
    if not can_cancel_visit(actor, visit):
        raise VisitRefused("Anda tidak dapat membatalkan kunjungan ini.")
    if visit.is_cancelled:
        raise VisitRefused("Kunjungan ini sudah dibatalkan.")
    if visit.case_id is not None and session.scalar(
        select(WidyapradaTask.id).where(WidyapradaTask.case_id == visit.case_id)
    ):
        raise VisitRefused(
            "Kunjungan ini bagian dari tugas Widyaprada: batalkan tugasnya atau ubah jadwalnya di halaman tugas."
        )
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise VisitRefused(f"Alasan pembatalan wajib diisi (paling banyak {MAX_REASON} karakter).")
    _cancel(session, actor, visit, reason)
    _tell_cancelled(session, actor, visit)
    return visit


def _tell_cancelled(session: Session, actor: User, visit: Visit, widyaprada_too: bool = True) -> None:
    from spmp.notifications.operations import notify

    school = visit.school
    title = f"Kunjungan dibatalkan: {school.name} {_fmt(visit.planned_start)}"[:200]
    body = (
        f"{actor.full_name} membatalkan kunjungan Widyaprada {visit.widyaprada.full_name} ke {school.name} "
        f"(NPSN {school.npsn}) pada {_fmt(visit.planned_start)} s.d. {_fmt(visit.planned_end)}.\n"
        f"Alasan: {visit.cancel_reason}"
    )
    people = session.scalars(
        select(User).where(User.school_id == school.id, User.is_active.is_(True),
                           User.role.in_([Role.SCHOOL_OPERATOR.value, Role.PRINCIPAL.value]))
    ).all()  # fmt: skip
    if widyaprada_too and visit.widyaprada_id != actor.id:
        people = [visit.widyaprada, *people]
    for person in people:
        notify(session, person, "info", title, body, visit.cancelled_at, case_id=visit.case_id)


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
    query = select(Visit).where(*_overlapping(start, end))  # cancelled visits are off the calendar
    if widyaprada_id is not None:
        query = query.where(Visit.widyaprada_id == widyaprada_id)
    if unit_id is not None:
        query = query.where(Visit.unit_id == unit_id)
    return list(session.scalars(query.order_by(Visit.planned_start, Visit.id)))
