"""The one place that tells the time, so tests and the scheduler can inject a clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def _system_now() -> datetime:
    return datetime.now(UTC)


_now: Callable[[], datetime] = _system_now


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return _now()


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests, simulations); ``None`` restores the system clock."""
    global _now
    _now = fn or _system_now
