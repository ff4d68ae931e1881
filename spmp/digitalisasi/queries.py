"""Lists of Digitalisasi Pembelajaran, scoped to the reader's area: the target schools of a year with
their readiness (filtered by regency, readiness and kit), and the rows of their downloads."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, joinedload

from spmp.access import school_scope
from spmp.accounts.models import User
from spmp.digitalisasi.models import KITS, DigitalTarget
from spmp.digitalisasi.readiness import REASONS
from spmp.regions.models import Regency
from spmp.schools.models import INTERNET_LABELS, School

PAGE_SIZE = 50
REASON_LABELS = {
    "internet_unknown": "Internet belum tercatat",
    "power_unknown": "Daya belum tercatat",
    "power_low": "Daya kurang",
    "no_safe_room": "Ruang aman belum dikonfirmasi",
}
assert REASON_LABELS.keys() == REASONS.keys()
TARGET_HEADER = ["NPSN", "Sekolah", "Jenjang", "Kabupaten/Kota", "Provinsi", "Daya listrik (W)", "Batas daya (W)",
                 "Internet", "Paket", "Ruang aman", "Siap", "Alasan belum siap"]  # fmt: skip


@dataclass(frozen=True)
class TargetFilters:
    year: int
    province_code: str | None = None
    regency_code: str | None = None
    ready: bool | None = None
    kit: str | None = None


def targets(user: User, filters: TargetFilters) -> Select:
    """The target schools of ``filters.year`` the user may see, filtered; ordered by regency and name."""
    query = (
        select(DigitalTarget)
        .join(School, School.id == DigitalTarget.school_id)
        .where(DigitalTarget.year == filters.year, school_scope(user))
    )
    if filters.province_code:
        query = query.where(School.province_code == filters.province_code)
    if filters.regency_code:
        query = query.where(School.regency_code == filters.regency_code)
    if filters.ready is not None:
        query = query.where(DigitalTarget.is_ready == filters.ready)
    if filters.kit in KITS:
        query = query.where(DigitalTarget.kit == filters.kit)
    return query


@dataclass(frozen=True)
class Counts:
    total: int
    ready: int

    @property
    def not_ready(self) -> int:
        return self.total - self.ready


def counts(session: Session, statement: Select) -> Counts:
    sub = statement.with_only_columns(DigitalTarget.is_ready).order_by(None).subquery()
    total, ready = session.execute(
        select(func.count(), func.coalesce(func.sum(case((sub.c.is_ready, 1), else_=0)), 0))
    ).one()
    return Counts(total, ready)


def page(session: Session, statement: Select, number: int) -> list[DigitalTarget]:
    ordered = statement.order_by(School.regency_code, School.name_key, School.id)
    return list(
        session.scalars(
            ordered.options(joinedload(DigitalTarget.school).joinedload(School.regency))
            .limit(PAGE_SIZE)
            .offset((number - 1) * PAGE_SIZE)
        )
    )


def export_rows(session: Session, statement: Select):
    rows = session.execute(
        statement.with_only_columns(
            School.npsn,
            School.name,
            School.bentuk,
            Regency.name,
            School.province_code,
            DigitalTarget.electricity_watts,
            DigitalTarget.threshold_watts,
            DigitalTarget.internet_access,
            DigitalTarget.kit,
            DigitalTarget.has_safe_room,
            DigitalTarget.is_ready,
            DigitalTarget.reasons,
        )  # fmt: skip
        .join(Regency, Regency.code == School.regency_code)
        .order_by(School.regency_code, School.name_key, School.id)
        .execution_options(yield_per=2000)
    )
    for npsn, name, bentuk, regency, province, watts, threshold, internet, kit, room, ready, reasons in rows:
        yield [npsn, name, bentuk, regency, province, watts, threshold, INTERNET_LABELS.get(internet, ""),
               KITS.get(kit, ""), bool(room), bool(ready),
               "; ".join(REASON_LABELS[c] for c in reasons.split(",") if c in REASON_LABELS)]  # fmt: skip


def school_targets(session: Session, school_id: int) -> list[DigitalTarget]:
    """The school's target rows, newest year first (the caller checked the school is visible)."""
    return list(
        session.scalars(
            select(DigitalTarget)
            .where(DigitalTarget.school_id == school_id)
            .order_by(DigitalTarget.year.desc())
        )
    )
