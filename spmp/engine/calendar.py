"""Working days and deadline arithmetic.

Working days skip Saturdays, Sundays, Indonesian national holidays and *cuti bersama* (the collective
leave days set each year by the joint decree (SKB) of the Ministers of Religious Affairs, Manpower and
Administrative Reform), both from the maintained ``holidays`` package: its "public" category holds the
national holidays, its "government" category the cuti bersama of each year's SKB. Day counting happens on the calendar of Jakarta (WIB), where the ministry's deadlines are set;
times are stored in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from spmp.engine.definitions import DueRule

WIB = ZoneInfo("Asia/Jakarta")
# Both expand to a year on first lookup. Names in Bahasa Indonesia, as users see them.
_HOLIDAYS = holidays.country_holidays("ID", language="id")
_CUTI_BERSAMA = holidays.country_holidays("ID", categories=("government",), language="id")


@lru_cache(maxsize=8192)
def is_working_day(day: date) -> bool:
    """Monday to Friday, not an Indonesian national holiday and not a cuti bersama day."""
    return day.weekday() < 5 and day not in _HOLIDAYS and day not in _CUTI_BERSAMA


@lru_cache(maxsize=8192)
def _shift_working_date(day: date, days: int) -> date:
    step, left = (1 if days >= 0 else -1), abs(days)
    while left:
        day += timedelta(days=step)
        if is_working_day(day):
            left -= 1
    return day


def holiday_name(day: date) -> str | None:
    """The national holiday's name on ``day``, else the cuti bersama's, else None."""
    return _HOLIDAYS.get(day) or _CUTI_BERSAMA.get(day)


def is_cuti_bersama(day: date) -> bool:
    return day in _CUTI_BERSAMA and day not in _HOLIDAYS


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` moved by ``days`` working days (negative: backwards), keeping the WIB time of day."""
    local = start.astimezone(WIB)
    day = _shift_working_date(local.date(), days)
    return datetime.combine(day, local.timetz()).astimezone(UTC)


def add_days(start: datetime, days: int, working_days: bool) -> datetime:
    """``start`` plus ``days`` calendar or working days."""
    if working_days:
        return add_working_days(start, days)
    return (start.astimezone(WIB) + timedelta(days=days)).astimezone(UTC)


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days d with start's WIB date < d <= end's WIB date (what a pause from start to end costs)."""
    first, last = start.astimezone(WIB).date(), end.astimezone(WIB).date()
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def due_time(rule: DueRule, entered_at: datetime, programme_year: int | None = None) -> datetime:
    """When a state entered at ``entered_at`` is due: ``days`` after it, or the end (23:59 WIB) of the
    ``until`` day, whichever is earlier. The ``until`` day is the one of ``programme_year`` when given, even
    if already past (then the state is overdue on entry); without a programme year, the first one on or
    after the WIB day of ``entered_at``."""
    candidates = []
    if rule.days is not None:
        candidates.append(add_days(entered_at, rule.days, rule.working_days))
    if rule.until is not None:
        candidates.append(_until_time(rule.until, entered_at, programme_year))
    return min(candidates)


def _until_time(until: tuple[int, int], entered_at: datetime, programme_year: int | None) -> datetime:
    month, day = until
    if programme_year is None:
        entered_on = entered_at.astimezone(WIB).date()
        programme_year = entered_on.year + (date(entered_on.year, month, day) < entered_on)
    return datetime(programme_year, month, day, 23, 59, tzinfo=WIB).astimezone(UTC)


def deadline_rows(rule: DueRule, entered_at: datetime, programme_year: int | None = None) -> list[dict]:
    """The deadline rows for entering a state with ``rule`` at ``entered_at`` (in the case's
    ``programme_year``, if it has one): reminders ("due soon") before the due time, the due time itself,
    and the escalation after it. Reminders already in the past are dropped; a due time or escalation
    already past stays, and the next sweep fires it."""
    due_at = due_time(rule, entered_at, programme_year)
    rows = [{"kind": "due", "fire_at": due_at, "due_at": due_at, "escalate_to_role": None}]
    for offset in sorted(set(rule.reminders), reverse=True):
        fire_at = add_days(due_at, -offset, rule.working_days)
        if fire_at > entered_at:
            rows.append({"kind": "reminder", "fire_at": fire_at, "due_at": due_at, "escalate_to_role": None})
    if rule.escalate_after is not None:
        fire_at = add_days(due_at, rule.escalate_after, rule.working_days)
        rows.append(
            {"kind": "escalation", "fire_at": fire_at, "due_at": due_at, "escalate_to_role": rule.escalate_to}
        )
    for slot, row in enumerate(rows):
        row["slot"] = slot
        row["is_working_days"] = rule.working_days
    return rows


def shift_for_pause(
    moment: datetime, paused_at: datetime, resumed_at: datetime, working_days: bool
) -> datetime:
    """Move a deadline so that the paused period does not count: by the paused duration for calendar
    days, by the working days that passed during the pause for working-day rules."""
    if working_days:
        return add_working_days(moment, working_days_between(paused_at, resumed_at))
    return moment + (resumed_at - paused_at)
