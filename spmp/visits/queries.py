"""The visit calendar: the days of a month or week, the visits (scoped to the reader) on each day, the
holidays, and the rows of its download."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from spmp.accounts.models import NATIONAL_ROLES, Role, User
from spmp.engine.calendar import holiday_name, is_cuti_bersama
from spmp.schools.models import School
from spmp.visits.models import SchoolHoliday, Visit

MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember"]  # fmt: skip
WEEKDAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
EXPORT_HEADER = ["Mulai", "Selesai", "Hari", "Realisasi", "Widyaprada", "NPSN", "Sekolah", "Tujuan",
                 "Peringatan diabaikan", "Alasan"]  # fmt: skip


def calendar_period(anchor: date, view: str) -> tuple[date, date]:
    """Monday..Sunday around ``anchor`` for a week; the whole weeks covering its month for a month."""
    if view == "minggu":
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=6)
    first = anchor.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())


def visible_visits(user: User, *, widyaprada_id: int | None = None) -> Select:
    """Visits the user may see: a Widyaprada their own, unit staff and head their unit's, Pusat and admin
    all; narrowed to one Widyaprada when asked."""
    query = select(Visit).join(School, School.id == Visit.school_id)
    if user.role == Role.WIDYAPRADA:
        query = query.where(Visit.widyaprada_id == user.id)
    elif user.role in (Role.BPMP_STAFF, Role.BPMP_HEAD):
        query = query.where(Visit.unit_id == user.unit_id)
    elif user.role not in NATIONAL_ROLES:
        query = query.where(False)
    if widyaprada_id is not None:
        query = query.where(Visit.widyaprada_id == widyaprada_id)
    return query


def in_period(query: Select, start: date, end: date) -> Select:
    """The visits of ``query`` on the calendar in ``start``..``end`` (a cancelled visit is off it)."""
    return query.where(
        func.coalesce(Visit.actual_start, Visit.planned_start) <= end,
        func.coalesce(Visit.actual_end, Visit.planned_end) >= start,
        Visit.cancelled_at.is_(None),
    ).order_by(Visit.planned_start, Visit.id)


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    holiday: str | None
    is_cuti_bersama: bool
    entries: list[tuple[Visit, int]] = field(default_factory=list)  # (visit, day number of the trip)

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.day.weekday()]

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5


def calendar_days(visits: list[Visit], start: date, end: date, month: int | None) -> list[CalendarDay]:
    """One entry per day from ``start`` to ``end``; a multi-day trip appears on each of its days."""
    days, day = [], start
    while day <= end:
        days.append(
            CalendarDay(day, month is None or day.month == month, holiday_name(day), is_cuti_bersama(day))
        )
        day += timedelta(days=1)
    for visit in visits:
        for n in range(visit.days):
            index = (visit.start - start).days + n
            if 0 <= index < len(days):
                days[index].entries.append((visit, n + 1))
    return days


def school_holidays_between(session: Session, province_codes, start: date, end: date) -> list[SchoolHoliday]:
    query = select(SchoolHoliday).where(SchoolHoliday.start_date <= end, SchoolHoliday.end_date >= start)
    if province_codes is not None:
        query = query.where(SchoolHoliday.province_code.in_(province_codes))
    return list(session.scalars(query.order_by(SchoolHoliday.start_date, SchoolHoliday.province_code)))


def unit_widyaprada(session: Session, unit_id: int | None) -> list[User]:
    query = select(User).where(User.role == Role.WIDYAPRADA, User.is_active.is_(True))
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return list(session.scalars(query.order_by(User.full_name)))


def export_rows(session: Session, statement: Select):
    for visit in session.scalars(statement):
        actual = (
            f"{visit.actual_start:%d-%m-%Y} s.d. {visit.actual_end:%d-%m-%Y}" if visit.actual_start else ""
        )
        yield [visit.planned_start, visit.planned_end, visit.days, actual, visit.widyaprada.full_name,
               visit.school.npsn, visit.school.name, visit.purpose, "ya" if visit.override_reason else "",
               visit.override_reason or ""]  # fmt: skip


SCHOOL_HOLIDAY_HEADER = ["Provinsi", "Nama libur", "Mulai", "Selesai", "Sumber"]


def school_holiday_rows(session: Session, statement: Select):
    for period in session.scalars(statement):
        yield [period.province.name, period.name, period.start_date, period.end_date, period.source or ""]


def month_label(anchor: date) -> str:
    return f"{MONTHS[anchor.month - 1]} {anchor.year}"
