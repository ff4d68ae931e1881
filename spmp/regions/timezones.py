"""Indonesia's three time zones, by province, and the zone a user reads times in.

Times are stored in UTC. A school operator in Kupang reads them in WITA, a Widyaprada in Jayapura in WIT:
the zone comes from the province of the user's school, region or B/BPMP unit seat; national users (Pusat,
admin) read WIB, where the ministry sits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class TimeZone:
    label: str  # what users read after a time: "WIB", "WITA", "WIT"
    zone: ZoneInfo


WIB = TimeZone("WIB", ZoneInfo("Asia/Jakarta"))  # UTC+7
WITA = TimeZone("WITA", ZoneInfo("Asia/Makassar"))  # UTC+8
WIT = TimeZone("WIT", ZoneInfo("Asia/Jayapura"))  # UTC+9

# Kemendagri province codes. Sumatra, Java, West and Central Kalimantan: WIB; Bali, Nusa Tenggara, the
# rest of Kalimantan and Sulawesi: WITA; Maluku and Papua: WIT.
_WITA_PROVINCES = frozenset({"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"})
_WIT_PROVINCES = frozenset({"81", "82", "91", "92", "93", "94", "95", "96"})


def zone_for_province(province_code: str | None) -> TimeZone:
    """The zone of a province (WIB when unknown or national)."""
    if province_code in _WIT_PROVINCES:
        return WIT
    if province_code in _WITA_PROVINCES:
        return WITA
    return WIB


def province_of_user(user) -> str | None:
    """The province a user works in: their school's, their region's, or their B/BPMP unit's seat."""
    school = getattr(user, "school", None)
    if school is not None and school.regency_code:
        return school.regency_code[:2]
    if getattr(user, "province_code", None):
        return user.province_code
    if getattr(user, "regency_code", None):
        return user.regency_code[:2]
    unit = getattr(user, "unit", None)
    if unit is not None:
        return unit.seat_province_code
    return None


def zone_for_user(user) -> TimeZone:
    """The zone a user reads times in (WIB for national users and anonymous visitors)."""
    if user is None or not getattr(user, "is_authenticated", True):
        return WIB
    return zone_for_province(province_of_user(user))


def localize(value: datetime, zone: TimeZone) -> datetime:
    """A stored time (UTC; a naive value is taken as UTC) in ``zone``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone.zone)
