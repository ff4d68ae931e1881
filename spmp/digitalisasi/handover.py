"""The handover record (BAST): the school confirms a shipment with photos and the serial numbers it
received. Each serial must have been shipped in this shipment and not be received yet; a serial that was
not shipped, shipped to another school or already received by a school is refused with the reason. The
devices received become the school's assets; the case moves on (``confirm_receipt``) in the same
transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.access import can_see_school
from spmp.accounts.models import User
from spmp.digitalisasi import permissions
from spmp.digitalisasi.models import DEVICE_KINDS, RETURN_REASONS, Device, Handover, Shipment, ShipmentReturn
from spmp.digitalisasi.operations import DigitalisasiRefused
from spmp.digitalisasi.shipments import MAX_SERIAL, device_kind, normal_serial
from spmp.engine import fire, get_case, store_evidence
from spmp.engine.cases import CaseEvidence
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
    # A new BAST after a return may carry a photo of the first one again: the case keeps it once.
    kept = set(session.scalars(select(CaseEvidence.sha256).where(CaseEvidence.case_id == case.id)))
    for filename, content in data.photos:
        if hashlib.sha256(content).hexdigest() not in kept:
            store_evidence(session, user, case.id, filename, content, evidence_root, policy)
            kept.add(hashlib.sha256(content).hexdigest())
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


# --- the school refuses or returns the BAST; the B/BPMP corrects the shipment ----------------------------
MAX_RETURN_NOTE = 2000
RETURNABLE_STATES = ("dikirim", "diterima")


def _bast_text(handover: Handover) -> str:
    serials = ", ".join(d.serial for d in handover.devices)
    return (f"Diterima {handover.received_on.strftime('%d-%m-%Y')} oleh {handover.receiver_name}; "
            f"nomor seri: {serials}" + (f"; catatan: {handover.note}" if handover.note else ""))  # fmt: skip


def return_delivery(session: Session, user: User, shipment: Shipment, reason: str, note: str,
                    serials: tuple[str, ...] = ()) -> ShipmentReturn:  # fmt: skip
    """The school refuses the delivery (before its BAST) or returns its BAST (after) with a reason and
    the serials concerned. A returned BAST is kept on the return row and removed, so its devices are no
    longer the school's assets; the case goes to ``dikembalikan`` and the B/BPMP is told."""
    if not permissions.acts_for_school(user, shipment.school_id):
        raise DigitalisasiRefused(
            "Hanya operator atau kepala sekolah penerima yang dapat mengembalikan BAST."
        )
    if shipment.case.state not in RETURNABLE_STATES:
        raise DigitalisasiRefused(
            "BAST hanya dapat dikembalikan selama pengiriman atau sebelum diverifikasi."
        )
    if reason not in RETURN_REASONS:
        raise DigitalisasiRefused("Pilih alasan pengembalian.")
    note = note.strip()
    if not note or len(note) > MAX_RETURN_NOTE:
        raise DigitalisasiRefused(
            f"Tulis keterangan pengembalian (paling banyak {MAX_RETURN_NOTE} karakter)."
        )
    shipped = {d.serial for d in shipment.devices}
    foreign = [s for s in serials if s not in shipped]
    if foreign:
        raise DigitalisasiRefused("Nomor seri bukan bagian pengiriman ini: " + ", ".join(foreign[:20]))
    case = get_case(session, user, shipment.case_id)
    returned = ShipmentReturn(shipment_id=shipment.id, reason=reason, note=note, serials="\n".join(serials),
                              returned_by_id=user.id, returned_at=clock.now())  # fmt: skip
    bast = session.scalar(select(Handover).where(Handover.shipment_id == shipment.id))
    if bast is not None:
        returned.returned_bast = _bast_text(bast)
        for device in bast.devices:
            device.handover_id, device.asset_school_id = None, None
        session.flush()
        session.delete(bast)
    session.add(returned)
    session.flush()
    session.expire(shipment, ["handover", "devices"])
    audit.append(session, action="digitalisasi.bast_returned", actor_id=user.id, case_id=case.id,
                 changes={"return_id": returned.id, "reason": reason, "serials": list(serials),
                          "returned_bast": returned.returned_bast})  # fmt: skip
    fire(
        session, case.id, "return_delivery", user, case.version, inputs={"return_reason": reason}, reason=note
    )
    return returned


@dataclass(frozen=True)
class CorrectionInput:
    note: str
    remove: tuple[str, ...] = ()  # serials taken back by the supplier
    add: tuple[tuple[str, str], ...] = ()  # (serial, kind) of the replacement devices


def parse_devices(text: str) -> tuple[tuple[str, str], ...]:
    """Replacement devices, one a line: ``SERIAL jenis`` or ``SERIAL,jenis`` (panel, laptop, ...).
    A line whose kind is not known keeps an empty kind (refused by ``correct_shipment``, naming it)."""
    items = []
    for line in text.splitlines():
        parts = line.replace(",", " ").replace(";", " ").split()
        if parts:
            items.append((normal_serial(parts[0]), device_kind(" ".join(parts[1:])) or ""))
    return tuple(items)


def _correction_refusals(session: Session, shipment: Shipment, data: CorrectionInput) -> list[str]:
    shipped = {d.serial for d in shipment.devices}
    reasons = [f"nomor seri {s} bukan bagian pengiriman ini" for s in data.remove if s not in shipped]
    new = [serial for serial, _ in data.add]
    known = set(session.scalars(select(Device.serial).where(Device.serial.in_(new)))) if new else set()
    for line, (serial, kind) in enumerate(data.add, 1):
        if not serial or len(serial) > MAX_SERIAL:
            reasons.append(
                f"perangkat pengganti baris {line}: nomor seri wajib, paling banyak {MAX_SERIAL} karakter"
            )
        elif not kind:
            reasons.append(f"perangkat pengganti baris {line} ({serial}): jenis tidak dikenal "
                           f"(pilih {', '.join(DEVICE_KINDS)})")  # fmt: skip
        elif serial in known or new.count(serial) > 1:
            reasons.append(f"nomor seri {serial} sudah tercatat (dikirim ke sekolah lain atau ganda)")
    if not shipped - set(data.remove) and not data.add:
        reasons.append("pengiriman harus tetap berisi paling sedikit satu perangkat")
    return reasons


def correct_shipment(
    session: Session, user: User, shipment: Shipment, data: CorrectionInput
) -> ShipmentReturn:
    """The B/BPMP writes the correction of a returned shipment (serials taken back, replacement devices),
    then sends it back to the school (``correct``), which is told and writes a new BAST."""
    if not (permissions.can_manage(user) and can_see_school(session, user, shipment.school_id)):
        raise DigitalisasiRefused("Koreksi pengiriman dicatat oleh staf atau kepala B/BPMP wilayah sekolah.")
    returned = session.scalar(
        select(ShipmentReturn).where(
            ShipmentReturn.shipment_id == shipment.id, ShipmentReturn.corrected_at.is_(None)
        )
    )
    if returned is None or shipment.case.state != "dikembalikan":
        raise DigitalisasiRefused("Pengiriman ini tidak sedang dikembalikan sekolah.")
    note = data.note.strip()
    if not note or len(note) > MAX_RETURN_NOTE:
        raise DigitalisasiRefused(f"Tulis keterangan koreksi (paling banyak {MAX_RETURN_NOTE} karakter).")
    refusals = _correction_refusals(session, shipment, data)
    if refusals:
        raise DigitalisasiRefused("Koreksi ditolak: " + "; ".join(refusals[:20]))
    case = get_case(session, user, shipment.case_id)
    for device in [d for d in shipment.devices if d.serial in data.remove]:
        session.delete(device)
    for serial, kind in data.add:
        session.add(Device(serial=serial, kind=kind, shipment_id=shipment.id))
    returned.correction, returned.corrected_by_id, returned.corrected_at = note, user.id, clock.now()
    session.flush()
    session.expire(shipment, ["devices"])
    audit.append(session, action="digitalisasi.shipment_corrected", actor_id=user.id, case_id=case.id,
                 changes={"return_id": returned.id, "removed": list(data.remove),
                          "added": [list(item) for item in data.add]})  # fmt: skip
    fire(session, case.id, "correct", user, case.version, reason=note)
    return returned


def returns(session: Session, shipment: Shipment) -> list[ShipmentReturn]:
    return list(
        session.scalars(
            select(ShipmentReturn)
            .where(ShipmentReturn.shipment_id == shipment.id)
            .order_by(ShipmentReturn.id)
        )
    )
