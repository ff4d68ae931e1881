"""The handover record (BAST): the school confirms a shipment with photos and the serial numbers it
received. Each serial must have been shipped in this shipment and not be received yet; a serial that was
not shipped, shipped to another school or already received by a school is refused with the reason. The
devices received become the school's assets; the case moves on (``confirm_receipt``) in the same
transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.accounts.models import User
from spmp.digitalisasi import permissions
from spmp.digitalisasi.models import Device, Handover, Shipment
from spmp.digitalisasi.operations import DigitalisasiRefused
from spmp.digitalisasi.shipments import normal_serial
from spmp.engine import fire, get_case, store_evidence
from spmp.engine.evidence import EvidencePolicy, check_file
from spmp.schools.models import School
from spmp.tabular import quoted

IMAGE_TYPES = ("image/jpeg", "image/png")
MAX_PHOTOS = 10


@dataclass(frozen=True)
class HandoverInput:
    received_on: date
    receiver_name: str
    serials: tuple[str, ...]
    photos: tuple[tuple[str, bytes], ...]  # (filename, content)
    note: str = ""


def parse_serials(text: str) -> tuple[str, ...]:
    """One serial per line (or separated by commas/semicolons), as scanned or typed; normalised."""
    parts = text.replace(",", "\n").replace(";", "\n").splitlines()
    return tuple(dict.fromkeys(s for s in map(normal_serial, parts) if s))


def serial_refusals(session: Session, shipment: Shipment, serials: tuple[str, ...]) -> list[str]:
    """Why each serial may not be received on this shipment's BAST (empty when all may)."""
    known = {
        d.serial: d
        for start in range(0, len(serials), 500)
        for d in session.scalars(select(Device).where(Device.serial.in_(serials[start : start + 500])))
    }
    reasons = []
    for serial in serials:
        device = known.get(serial)
        if device is None:
            reasons.append(f"nomor seri {serial} tidak pernah dikirim")
        elif device.handover_id is not None:
            owner = session.get(School, device.asset_school_id)
            reasons.append(f"nomor seri {serial} sudah diterima oleh {owner.name} (NPSN {owner.npsn})")
        elif device.shipment.school_id != shipment.school_id:
            reasons.append(
                f"nomor seri {serial} dikirim ke sekolah lain (NPSN {device.shipment.school.npsn})"
            )
        elif device.shipment_id != shipment.id:
            reasons.append(f"nomor seri {serial} termasuk pengiriman lain ({device.shipment.reference})")
    return reasons


def _check(user: User, shipment: Shipment, data: HandoverInput) -> None:
    if not permissions.acts_for_school(user, shipment.school_id):
        raise DigitalisasiRefused("Hanya operator atau kepala sekolah penerima yang dapat mengisi BAST.")
    if shipment.handover is not None or shipment.case.state != "dikirim":
        raise DigitalisasiRefused("BAST pengiriman ini sudah diisi.")
    if not data.receiver_name.strip() or len(data.receiver_name) > 150:
        raise DigitalisasiRefused("Nama penerima wajib diisi (paling banyak 150 karakter).")
    if data.received_on > clock.now().date() or data.received_on < shipment.shipped_on:
        raise DigitalisasiRefused("Tanggal terima harus antara tanggal kirim dan hari ini.")
    if not data.serials:
        raise DigitalisasiRefused("Tulis nomor seri perangkat yang diterima (satu per baris).")
    if not data.photos:
        raise DigitalisasiRefused("Lampirkan paling sedikit satu foto serah terima (JPEG atau PNG).")
    if len(data.photos) > MAX_PHOTOS:
        raise DigitalisasiRefused(f"Paling banyak {MAX_PHOTOS} foto.")


def record_handover(
    session: Session,
    user: User,
    shipment: Shipment,
    data: HandoverInput,
    evidence_root: Path,
    policy: EvidencePolicy | None = None,
) -> Handover:
    """Write the BAST, its photos (the case's evidence), the devices received as school assets, and
    fire ``confirm_receipt``. Refuses the whole BAST, writing nothing, if any serial may not be received."""
    _check(user, shipment, data)
    policy = policy or EvidencePolicy()
    refusals = serial_refusals(session, shipment, data.serials)
    if refusals:
        raise DigitalisasiRefused("BAST ditolak: " + "; ".join(refusals[:20]))
    case = get_case(session, user, shipment.case_id)
    for filename, content in data.photos:
        if check_file(filename, content, policy) not in IMAGE_TYPES:
            raise DigitalisasiRefused(f"{quoted(filename)}: foto harus berupa JPEG atau PNG.")
    for filename, content in data.photos:
        store_evidence(session, user, case.id, filename, content, evidence_root, policy)
    handover = Handover(shipment_id=shipment.id, school_id=shipment.school_id, received_on=data.received_on,
                        receiver_name=data.receiver_name.strip(), note=data.note.strip() or None,
                        created_by_id=user.id, created_at=clock.now())  # fmt: skip
    session.add(handover)
    session.flush()
    for device in session.scalars(select(Device).where(Device.serial.in_(data.serials))):
        device.handover_id, device.asset_school_id = handover.id, shipment.school_id
    session.flush()
    shipped = session.scalar(select(func.count()).where(Device.shipment_id == shipment.id))
    missing = shipped - len(data.serials)
    note = f"{len(data.serials)} dari {shipped} perangkat diterima" + (
        f"; {missing} belum diterima" if missing else ""
    )
    audit.append(session, action="digitalisasi.handover", actor_id=user.id, case_id=case.id,
                 changes={"handover_id": handover.id, "serials": list(data.serials), "missing": missing})  # fmt: skip
    fire(session, case.id, "confirm_receipt", user, case.version, reason=note)
    return handover
