"""Monitoring of Digitalisasi Pembelajaran for one programme year, per B/BPMP unit → province → regency →
school: targets and readiness (with the count of each reason a school is not ready), shipments in transit /
received / returned and their devices, Bimtek (sessions, invited schools, teachers registered and
attended), open obstacles (``kendala`` cases of the programme) and the usage reports of the month just
ended (received, missing, with a problem; obstacles and usage belong to no programme year).

Every figure is one grouped query over the schools the reader may see (``spmp.access.school_scope``):
a B/BPMP its provinces, a Dinas its region. Rows come back in a fixed order with the same columns at every
level, so the page and its XLSX are one list."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, select
from sqlalchemy.orm import Session, aliased

from spmp.access import school_scope
from spmp.accounts.models import NATIONAL_ROLES, Role, User
from spmp.digitalisasi import usage
from spmp.digitalisasi.field_models import UsageReport
from spmp.digitalisasi.models import (
    BimtekInvite,
    BimtekParticipant,
    BimtekSession,
    Device,
    DigitalTarget,
    Shipment,
)
from spmp.digitalisasi.readiness import REASONS
from spmp.engine.cases import CaseRecord
from spmp.kendala.models import Obstacle
from spmp.regions.models import Province, Regency, Unit, UnitCoverage
from spmp.schools.models import School

LEVELS = ("unit", "province", "regency", "school")
LEVEL_LABELS = {"unit": "B/BPMP", "province": "Provinsi", "regency": "Kabupaten/Kota", "school": "Sekolah"}
FIGURES = {  # key -> column header (the page shows them grouped, the XLSX in this order)
    "targets": "Sasaran",
    "ready": "Siap",
    "not_ready": "Belum siap",
    **{f"reason_{code}": label for code, label in {
        "internet_unknown": "Internet belum tercatat",
        "power_unknown": "Daya belum tercatat",
        "power_low": "Daya kurang",
        "no_safe_room": "Ruang aman belum dikonfirmasi",
    }.items()},
    "shipments": "Pengiriman",
    "in_transit": "Dalam pengiriman",
    "received": "Diterima (BAST)",
    "returned": "Dikembalikan sekolah",
    "devices": "Perangkat dikirim",
    "devices_received": "Perangkat diterima",
    "bimtek_sessions": "Sesi Bimtek",
    "bimtek_schools": "Sekolah diundang Bimtek",
    "bimtek_participants": "Peserta Bimtek",
    "bimtek_attended": "Peserta hadir",
    "open_obstacles": "Kendala terbuka",
    "usage_expected": "Wajib lapor pemakaian",
    "usage_received": "Laporan pemakaian masuk",
    "usage_missing": "Belum melapor",
    "usage_problems": "Melaporkan masalah",
}  # fmt: skip
assert {k[len("reason_") :] for k in FIGURES if k.startswith("reason_")} == set(REASONS)
PAGE_SIZE = 100


@dataclass(frozen=True)
class Scope:
    """Where the reader is in the drill-down: the level of the rows and the parent they belong to."""

    year: int
    level: str
    unit_id: int | None = None
    province_code: str | None = None
    regency_code: str | None = None


@dataclass
class Row:
    key: str
    code: str
    name: str
    figures: dict[str, int] = field(default_factory=dict)

    def get(self, name: str) -> int:
        return self.figures.get(name, 0)

    def cells(self) -> list:
        return [self.code, self.name, *(self.get(name) for name in FIGURES)]


def header(level: str) -> list[str]:
    first = "NPSN" if level == "school" else "Kode"
    return [first, LEVEL_LABELS[level], *FIGURES.values()]


def top_level(user: User) -> str:
    """Where a reader starts: the nation by unit, a B/BPMP by its provinces, a provincial Dinas by its
    regencies, a regency's Dinas by its schools."""
    if user.role in NATIONAL_ROLES:
        return "unit"
    if user.role in (Role.BPMP_STAFF, Role.BPMP_HEAD):
        return "province"
    return "regency" if user.role == Role.DINAS_PROVINCE else "school"


# --- the grouping ------------------------------------------------------------------------------------------
def _group_column(level: str):
    if level == "total":
        return literal("*")
    return {
        "unit": UnitCoverage.unit_id,
        "province": School.province_code,
        "regency": School.regency_code,
        "school": School.id,
    }[level]


def _school_filter(user: User, scope: Scope) -> ColumnElement[bool]:
    where = school_scope(user)
    if scope.unit_id is not None:
        covered = select(UnitCoverage.province_code).where(UnitCoverage.unit_id == scope.unit_id)
        where = and_(where, School.province_code.in_(covered))
    if scope.province_code:
        where = and_(where, School.province_code == scope.province_code)
    if scope.regency_code:
        where = and_(where, School.regency_code == scope.regency_code)
    return where


def _grouped(
    session: Session, user: User, scope: Scope, query, names: list[str]
) -> dict[object, dict[str, int]]:
    """Run ``query`` (its first column the group, then one column per name) with the school filter; the
    unit level joins the school's province to the unit that covers it."""
    if scope.level == "unit":
        query = query.join(UnitCoverage, UnitCoverage.province_code == School.province_code)
    query = query.where(_school_filter(user, scope))
    if scope.level != "total":
        query = query.group_by(_group_column(scope.level))
    return {
        row[0]: {n: int(v or 0) for n, v in zip(names, row[1:], strict=True)}
        for row in session.execute(query)
    }


def _sum(condition) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _readiness(session, user, scope) -> dict:
    group = _group_column(scope.level)
    reasons = [_sum(DigitalTarget.reasons.like(f"%{code}%")) for code in REASONS]
    query = (
        select(group, func.count(), _sum(DigitalTarget.is_ready), *reasons)
        .select_from(DigitalTarget)
        .join(School, School.id == DigitalTarget.school_id)
        .where(DigitalTarget.year == scope.year)
    )
    found = _grouped(session, user, scope, query, ["targets", "ready", *(f"reason_{c}" for c in REASONS)])
    for figures in found.values():
        figures["not_ready"] = figures["targets"] - figures["ready"]
    return found


def _deliveries(session, user, scope) -> dict:
    devices = (
        select(Device.shipment_id, func.count().label("n"), func.count(Device.handover_id).label("received"))
        .group_by(Device.shipment_id)
        .subquery()
    )
    state = CaseRecord.state
    query = (
        select(
            _group_column(scope.level),
            func.count(Shipment.id),
            _sum(state == "dikirim"),
            _sum(state.in_(("diterima", "terverifikasi"))),
            _sum(state == "dikembalikan"),
            func.sum(devices.c.n),
            func.sum(devices.c.received),
        )  # fmt: skip
        .select_from(Shipment)
        .join(School, School.id == Shipment.school_id)
        .join(CaseRecord, CaseRecord.id == Shipment.case_id)
        .outerjoin(devices, devices.c.shipment_id == Shipment.id)
        .where(Shipment.year == scope.year, state != "dibatalkan")
    )
    names = ["shipments", "in_transit", "received", "returned", "devices", "devices_received"]
    return _grouped(session, user, scope, query, names)


def _bimtek(session, user, scope) -> dict:
    people = (
        select(
            BimtekParticipant.session_id,
            BimtekParticipant.school_id,
            func.count().label("n"),
            func.sum(case((BimtekParticipant.attended, 1), else_=0)).label("attended"),
        )  # fmt: skip
        .group_by(BimtekParticipant.session_id, BimtekParticipant.school_id)
        .subquery()
    )
    query = (
        select(
            _group_column(scope.level),
            func.count(distinct(BimtekInvite.session_id)),
            func.count(distinct(BimtekInvite.school_id)),
            func.sum(people.c.n),
            func.sum(people.c.attended),
        )  # fmt: skip
        .select_from(BimtekInvite)
        .join(BimtekSession, BimtekSession.id == BimtekInvite.session_id)
        .join(School, School.id == BimtekInvite.school_id)
        .outerjoin(
            people, (people.c.session_id == BimtekInvite.session_id) & (people.c.school_id == School.id)
        )
        .where(BimtekSession.year == scope.year)
    )
    return _grouped(session, user, scope, query, ["bimtek_sessions", "bimtek_schools", "bimtek_participants",
                                                  "bimtek_attended"])  # fmt: skip


def _obstacles(session, user, scope) -> dict:
    query = (
        select(_group_column(scope.level), func.count())
        .select_from(Obstacle)
        .join(CaseRecord, CaseRecord.id == Obstacle.case_id)
        .join(School, School.id == CaseRecord.school_id)
        .where(Obstacle.programme == "digitalisasi", CaseRecord.closed_at.is_(None))
    )
    return _grouped(session, user, scope, query, ["open_obstacles"])


def _usage(session, user, scope) -> dict:
    """Usage reports of the month just ended (``spmp.digitalisasi.usage``): the schools that had received
    devices before it ended must report; how many did, and how many reported a problem."""
    period = usage.last_period()
    report = aliased(UsageReport)
    query = (
        select(
            _group_column(scope.level),
            func.count(),
            func.count(report.id),
            _sum(report.condition == "bermasalah"),
        )
        .select_from(School)
        .outerjoin(report, and_(report.school_id == School.id, report.period == period))
        .where(usage.received_before(usage.next_month(period)))
    )
    found = _grouped(session, user, scope, query, ["usage_expected", "usage_received", "usage_problems"])
    for figures in found.values():
        figures["usage_missing"] = figures["usage_expected"] - figures["usage_received"]
    return found


def usage_period() -> date:
    """The month whose usage reports the monitoring counts: the month just ended."""
    return usage.last_period()


def _collect(session: Session, user: User, scope: Scope) -> dict[object, dict[str, int]]:
    merged: dict[object, dict[str, int]] = {}
    for part in (_readiness, _deliveries, _bimtek, _obstacles, _usage):
        for key, figures in part(session, user, scope).items():
            merged.setdefault(key, {}).update(figures)
    return merged


def _labels(session: Session, level: str, keys) -> dict[object, tuple[str, str]]:
    keys = [k for k in keys if k is not None]
    if not keys:
        return {}
    if level == "unit":
        rows = session.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(keys)))
    elif level == "province":
        rows = session.execute(
            select(Province.code, Province.code, Province.name).where(Province.code.in_(keys))
        )
    elif level == "regency":
        rows = session.execute(select(Regency.code, Regency.code, Regency.name).where(Regency.code.in_(keys)))
    else:
        rows = (
            row
            for start in range(0, len(keys), 500)
            for row in session.execute(
                select(School.id, School.npsn, School.name).where(School.id.in_(keys[start : start + 500]))
            )
        )
    return {key: (code, name) for key, code, name in rows}


def rows(session: Session, user: User, scope: Scope) -> list[Row]:
    """The rows of the level, ordered by code (schools by name), each with every figure."""
    merged = _collect(session, user, scope)
    labels = _labels(session, scope.level, list(merged))
    found = [Row(str(key), *labels[key], figures) for key, figures in merged.items() if key in labels]
    return sorted(found, key=lambda r: (r.name, r.code) if scope.level == "school" else (r.code,))


def total(session: Session, user: User, scope: Scope) -> Row:
    """The figures of the whole level at once: a Bimtek session inviting schools of two regencies is one
    session here, not the sum of the rows."""
    merged = _collect(session, user, replace(scope, level="total"))
    return Row("", "", "Jumlah", merged.get("*", {}))


def child_level(level: str) -> str | None:
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None
