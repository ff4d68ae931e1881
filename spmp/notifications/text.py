"""How times and notices read to users (Bahasa Indonesia, Western Indonesian Time)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

# Dates in messages are shown in Western Indonesian Time (WIB, UTC+7), where most users are.
WIB = timezone(timedelta(hours=7), "WIB")


def format_time(moment: datetime) -> str:
    """A timestamp as users read it, e.g. ``05-12-2026 09:00 WIB``."""
    return moment.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB")


def start_of_day(now: datetime) -> datetime:
    """Midnight (WIB) of the day ``now`` falls on, as an aware datetime."""
    return datetime.combine(now.astimezone(WIB).date(), time(0), tzinfo=WIB)
