"""Times on pages in the reader's own zone: ``{{ case.opened_at|localtime }}`` -> "06-12-2026 08:31 WITA".

The zone comes from the logged-in user's province (``spmp.regions.timezones``); a format with an hour
gets the zone's label appended, a date-only format does not. ``tz_label()`` names the zone, e.g. for a
table header "Waktu (WITA)".
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g
from flask_login import current_user

from spmp.regions.timezones import TimeZone, localize, zone_for_user

DEFAULT_FORMAT = "%d-%m-%Y %H:%M"


def user_zone() -> TimeZone:
    """The current reader's zone, looked up once per request."""
    if "spmp_zone" not in g:
        g.spmp_zone = zone_for_user(current_user)
    return g.spmp_zone


def localtime(value, fmt: str = DEFAULT_FORMAT, label: bool | None = None) -> str:
    """A stored UTC time in the reader's zone; ``label`` (default: when the format shows the hour)."""
    if value is None:
        return "—"
    if not isinstance(value, datetime):
        return value.strftime(fmt) if isinstance(value, date) else str(value)
    zone = user_zone()
    text = localize(value, zone).strftime(fmt)
    if label if label is not None else "%H" in fmt:
        text = f"{text} {zone.label}"
    return text


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")
    app.add_template_global(lambda: user_zone().label, "tz_label")
