"""Working days skip weekends and Indonesian national holidays; deadline rows from due rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from spmp.engine.calendar import (
    add_days,
    add_working_days,
    deadline_rows,
    is_working_day,
    shift_for_pause,
    working_days_between,
)
from spmp.engine.definitions import DueRule

FRI = datetime(2025, 12, 19, 3, 0, tzinfo=UTC)  # Friday 10:00 WIB


def test_weekends_and_national_holidays_are_not_working_days():
    assert is_working_day(date(2025, 12, 22))  # Monday
    assert not is_working_day(date(2025, 12, 20))  # Saturday
    assert not is_working_day(date(2025, 12, 25))  # Christmas (Thursday)
    assert not is_working_day(date(2026, 3, 19))  # Nyepi 2026 (Thursday)
    assert not is_working_day(date(2025, 12, 26))  # cuti bersama Natal (Friday)


def test_add_working_days_skips_weekend_and_christmas():
    # Fri 19 Dec + 5 working days: 22, 23, 24, (25 Christmas, 26 cuti bersama Natal), 29, 30 -> Tue 30 Dec,
    # same time of day.
    assert add_working_days(FRI, 5) == datetime(2025, 12, 30, 3, 0, tzinfo=UTC)
    assert add_working_days(datetime(2025, 12, 30, 3, 0, tzinfo=UTC), -5) == FRI
    assert add_days(FRI, 5, working_days=False) == FRI + timedelta(days=5)


def test_day_counting_uses_jakarta_dates():
    # 23:00 UTC on Friday is Saturday 06:00 WIB: one working day later is Monday (WIB) 06:00.
    late = datetime(2025, 12, 19, 23, 0, tzinfo=UTC)
    assert add_working_days(late, 1) == datetime(2025, 12, 21, 23, 0, tzinfo=UTC)


def test_deadline_rows_have_reminders_due_and_escalation():
    rule = DueRule(days=5, working_days=True, reminders=(2, 10), escalate_after=1, escalate_to="bpmp_head")
    rows = deadline_rows(rule, FRI)
    due = datetime(2025, 12, 30, 3, 0, tzinfo=UTC)  # 26 Dec is cuti bersama
    assert sorted((r["kind"], r["fire_at"]) for r in rows) == [
        ("due", due),
        ("escalation", datetime(2025, 12, 31, 3, 0, tzinfo=UTC)),
        (
            "reminder",
            datetime(2025, 12, 24, 3, 0, tzinfo=UTC),
        ),  # 2 working days before: 29, 24 (the 10-day one is past)
    ]
    assert all(r["due_at"] == due for r in rows)


def test_pause_shift():
    paused, resumed = FRI, FRI + timedelta(days=10)  # Fri 19 Dec -> Mon 29 Dec
    assert working_days_between(paused, resumed) == 4  # 22, 23, 24, 29 (25 Christmas, 26 cuti bersama)
    assert shift_for_pause(FRI, paused, resumed, working_days=False) == FRI + timedelta(days=10)
    assert shift_for_pause(FRI, paused, resumed, working_days=True) == add_working_days(FRI, 4)
