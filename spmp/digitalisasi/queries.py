"""Lists of Digitalisasi Pembelajaran, scoped to the reader's area: the target schools of a year with
their readiness (filtered by regency, readiness and kit), and the rows of their downloads."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, joinedload

from spmp.access import school_scope
from spmp.accounts.models import User
from spmp.digitalisasi.models import KITS, Device, DigitalTarget, Shipment
from spmp.digitalisasi.readiness import REASONS
from spmp.engine.cases import CaseRecord
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


# --- delivery and receipt ------------------------------------------------------------------------------
RECEIVED_STATES = ("diterima", "terverifikasi")
DELIVERY_HEADER = ["Kode", "Kabupaten/Kota", "Pengiriman", "Dalam pengiriman", "Diterima (BAST)",
                   "BAST terverifikasi", "Perangkat dikirim", "Perangkat diterima", "Dikembalikan sekolah"]  # fmt: skip
SHIPMENT_HEADER = ["Nomor pengiriman", "Tanggal kirim", "Pemasok", "NPSN", "Sekolah", "Kabupaten/Kota", "Status",
                   "Perangkat", "Diterima"]  # fmt: skip


@dataclass(frozen=True)
class DeliveryRow:
    regency_code: str
    regency: str
    shipments: int
    in_transit: int
    received: int
    verified: int
    devices: int
    devices_received: int
    returned: int = 0  # returned by the school for correction (workflow version 2)

    def cells(self) -> list:
        return [self.regency_code, self.regency, self.shipments, self.in_transit, self.received, self.verified,
                self.devices, self.devices_received, self.returned]  # fmt: skip


def _device_counts():
    return (
        select(
            Device.shipment_id,
            func.count().label("devices"),
            func.count(Device.handover_id).label("received"),
        )
        .group_by(Device.shipment_id)
        .subquery()
    )


def delivery_by_regency(
    session: Session, user: User, year: int, province_code: str | None = None
) -> list[DeliveryRow]:
    """Shipments of ``year`` in the user's area, counted per regency: in transit, received, verified."""
    devices = _device_counts()
    state = CaseRecord.state
    query = (
        select(
            Regency.code,
            Regency.name,
            func.count(Shipment.id),
            func.sum(case((state == "dikirim", 1), else_=0)),
            func.sum(case((state.in_(RECEIVED_STATES), 1), else_=0)),
            func.sum(case((state == "terverifikasi", 1), else_=0)),
            func.coalesce(func.sum(devices.c.devices), 0),
            func.coalesce(func.sum(devices.c.received), 0),
            func.sum(case((state == "dikembalikan", 1), else_=0)),
        )  # fmt: skip
        .select_from(Shipment)
        .join(School, School.id == Shipment.school_id)
        .join(Regency, Regency.code == School.regency_code)
        .join(CaseRecord, CaseRecord.id == Shipment.case_id)
        .outerjoin(devices, devices.c.shipment_id == Shipment.id)
        .where(Shipment.year == year, school_scope(user))
        .group_by(Regency.code, Regency.name)
        .order_by(Regency.code)
    )
    if province_code:
        query = query.where(School.province_code == province_code)
    return [DeliveryRow(*row) for row in session.execute(query)]


def shipments(user: User, year: int, regency_code: str | None = None, state: str | None = None) -> Select:
    query = (
        select(Shipment)
        .join(School, School.id == Shipment.school_id)
        .join(CaseRecord, CaseRecord.id == Shipment.case_id)
        .where(Shipment.year == year, school_scope(user))
        .order_by(Shipment.shipped_on.desc(), Shipment.id.desc())
    )
    if regency_code:
        query = query.where(School.regency_code == regency_code)
    if state:
        query = query.where(CaseRecord.state == state)
    return query


def shipment_rows(session: Session, statement: Select, state_label):
    devices = _device_counts()
    rows = session.execute(
        statement.with_only_columns(
            Shipment.reference,
            Shipment.shipped_on,
            Shipment.supplier,
            School.npsn,
            School.name,
            School.regency_code,
            CaseRecord.state,
            func.coalesce(devices.c.devices, 0),
            func.coalesce(devices.c.received, 0),
        )  # fmt: skip
        .outerjoin(devices, devices.c.shipment_id == Shipment.id)
        .execution_options(yield_per=2000)
    )
    for reference, shipped_on, supplier, npsn, name, regency, state, count, received in rows:
        yield [reference, shipped_on, supplier, npsn, name, regency, state_label(state), count, received]


def school_shipments(session: Session, school_id: int) -> list[Shipment]:
    return list(
        session.scalars(
            select(Shipment).where(Shipment.school_id == school_id).order_by(Shipment.shipped_on.desc())
        )
    )


def school_assets(session: Session, school_id: int) -> list[Device]:
    return list(
        session.scalars(
            select(Device).where(Device.asset_school_id == school_id).order_by(Device.kind, Device.serial)
        )
    )
