"""Sosialisasi and coordination of Digitalisasi Pembelajaran with the Pemda, recorded per regency by the
B/BPMP: the event (date, place, kind, notes), who attended (Dinas officials and other parties by name,
schools by NPSN, each with how many people) and the materials (files, stored content-addressed).

A B/BPMP sees and records the events of its provinces, a Dinas sees its region's, Pusat and admin all.
Operations take the session and the acting user, write their audit event, flush and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import ColumnElement, Select, false, func, select, true
from sqlalchemy.orm import Session, selectinload

from spmp import audit, clock
from spmp.access import unit_provinces
from spmp.accounts.models import NATIONAL_ROLES, Role, User
from spmp.digitalisasi import permissions
from spmp.digitalisasi.field_models import (
    ATTENDEE_KINDS,
    EVENT_KINDS,
    SosialisasiAttendee,
    SosialisasiEvent,
    SosialisasiMaterial,
)
from spmp.engine.errors import ActionRefused
from spmp.engine.evidence import EvidencePolicy, check_file, write_blob
from spmp.errors import Refusal
from spmp.export import stream_rows
from spmp.regions.models import Regency
from spmp.regions.names import region_names
from spmp.schools.models import School

MAX_PLACE = 300
MAX_NOTES = 5000
MAX_MATERIALS = 30
MATERIAL_POLICY = EvidencePolicy()


class SosialisasiRefused(Refusal):
    """A sosialisasi record refused; ``field`` names the form field when there is one."""

    def __init__(self, message: str, field_name: str | None = None) -> None:
        super().__init__(message)
        self.field = field_name


def event_scope(user: User) -> ColumnElement[bool]:
    """WHERE clause on ``SosialisasiEvent``: the events of the user's area."""
    role = Role(user.role)
    if role in NATIONAL_ROLES:
        return true()
    if role in (Role.BPMP_STAFF, Role.BPMP_HEAD):
        return SosialisasiEvent.province_code.in_(unit_provinces(user.unit_id))
    if role == Role.DINAS_PROVINCE:
        return SosialisasiEvent.province_code == user.province_code
    if role == Role.DINAS_REGENCY:
        return SosialisasiEvent.regency_code == user.regency_code
    return false()


@dataclass(frozen=True)
class EventInput:
    year: int
    kind: str
    regency_code: str
    held_on: date | None
    place: str
    notes: str = ""


def _regency(session: Session, user: User, code: str) -> Regency:
    regency = session.get(Regency, code or "")
    covered = regency is not None and session.scalar(
        select(func.count()).where(
            Regency.code == code, Regency.province_code.in_(unit_provinces(user.unit_id))
        )
    )
    if not covered:
        raise SosialisasiRefused("Kabupaten/kota tidak ditemukan di wilayah unit Anda.", "regency_code")
    return regency


def create_event(session: Session, user: User, data: EventInput) -> SosialisasiEvent:
    """The B/BPMP records a sosialisasi or coordination event in a regency of its provinces."""
    if not permissions.can_record_sosialisasi(user):
        raise SosialisasiRefused("Hanya staf atau kepala B/BPMP yang mencatat sosialisasi.")
    if data.kind not in EVENT_KINDS:
        raise SosialisasiRefused("Pilih jenis kegiatan.", "kind")
    if not 2020 <= data.year <= 2100:
        raise SosialisasiRefused("Tahun program tidak valid (2020-2100).", "year")
    if data.held_on is None or not 2020 <= data.held_on.year <= 2100:
        raise SosialisasiRefused("Isi tanggal kegiatan.", "held_on")
    place, notes = (data.place or "").strip(), (data.notes or "").strip()
    if not place or len(place) > MAX_PLACE:
        raise SosialisasiRefused(f"Isi tempat (paling banyak {MAX_PLACE} karakter).", "place")
    if len(notes) > MAX_NOTES:
        raise SosialisasiRefused(
            f"Catatan paling banyak {MAX_NOTES} karakter (terisi {len(notes)}).", "notes"
        )
    regency = _regency(session, user, data.regency_code)
    event = SosialisasiEvent(
        year=data.year, unit_id=user.unit_id, province_code=regency.province_code, regency_code=regency.code,
        kind=data.kind, held_on=data.held_on, place=place, notes=notes or None, created_by_id=user.id,
        created_at=clock.now(),
    )  # fmt: skip
    session.add(event)
    session.flush()
    _audit(session, user, event, "digitalisasi.sosialisasi", {"kind": data.kind, "regency": regency.code,
           "held_on": data.held_on.isoformat(), "place": place})  # fmt: skip
    return event


def _audit(session: Session, user: User, event: SosialisasiEvent, action: str, changes: dict) -> None:
    audit.append(session, action=action, actor_id=user.id, changes={"event_id": event.id, **changes})


def get_event(session: Session, user: User, event_id: int) -> SosialisasiEvent | None:
    """The event, if it is in the user's area."""
    return session.scalar(select(SosialisasiEvent).where(SosialisasiEvent.id == event_id, event_scope(user)))


def may_record(session: Session, user: User, event: SosialisasiEvent) -> bool:
    """Whether the user records this event's attendance and materials (a B/BPMP of its province)."""
    return permissions.can_record_sosialisasi(user) and get_event(session, user, event.id) is not None


def add_attendee(
    session: Session, user: User, event: SosialisasiEvent, kind: str, npsn: str, name: str, people: int | None
) -> SosialisasiAttendee:
    """Who attended: a school by NPSN (of the event's regency), or a Dinas office/other party by name."""
    if not may_record(session, user, event):
        raise SosialisasiRefused("Hanya B/BPMP wilayah ini yang mencatat kehadiran.")
    if kind not in ATTENDEE_KINDS:
        raise SosialisasiRefused("Pilih asal peserta.", "kind")
    if people is None or not 1 <= people <= 10000:
        raise SosialisasiRefused("Jumlah orang hadir antara 1 dan 10.000.", "people")
    school = None
    if kind == "sekolah":
        npsn = (npsn or "").strip()
        school = session.scalar(
            select(School).where(School.npsn == npsn, School.regency_code == event.regency_code)
        )
        if school is None:
            raise SosialisasiRefused(
                f"NPSN {npsn or '(kosong)'}: bukan sekolah di kabupaten/kota kegiatan ini.", "npsn"
            )
        if any(a.school_id == school.id for a in event.attendees):
            raise SosialisasiRefused(
                f"{school.name} sudah tercatat hadir; ubah jumlahnya bila perlu.", "npsn"
            )
        name = school.name
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise SosialisasiRefused("Isi nama instansi atau pejabat (paling banyak 200 karakter).", "name")
    attendee = SosialisasiAttendee(event=event, kind=kind, school_id=school.id if school else None, name=name,
                                   people=people)  # fmt: skip
    session.add(attendee)
    session.flush()
    _audit(session, user, event, "digitalisasi.sosialisasi_attendee",
           {"kind": kind, "school_id": attendee.school_id, "name": name, "people": people})  # fmt: skip
    return attendee


def add_material(
    session: Session, user: User, event: SosialisasiEvent, filename: str, content: bytes, root: Path
) -> SosialisasiMaterial:
    """A file presented or handed out (PDF, DOCX, XLSX, JPEG or PNG), checked by its content."""
    if not may_record(session, user, event):
        raise SosialisasiRefused("Hanya B/BPMP wilayah ini yang mengunggah materi.")
    if len(event.materials) >= MAX_MATERIALS:
        raise SosialisasiRefused(f"Paling banyak {MAX_MATERIALS} materi per kegiatan.", "file")
    try:
        media_type = check_file(filename, content, MATERIAL_POLICY)
    except ActionRefused as exc:
        raise SosialisasiRefused(f"Materi {Path(filename).name}: {exc}", "file") from None
    digest = write_blob(root, content)
    if any(m.sha256 == digest for m in event.materials):
        raise SosialisasiRefused(f"Materi {Path(filename).name} sudah diunggah.", "file")
    material = SosialisasiMaterial(event=event, sha256=digest, filename=Path(filename).name[-255:] or "materi",
                                   media_type=media_type, size_bytes=len(content), uploaded_by_id=user.id,
                                   uploaded_at=clock.now())  # fmt: skip
    session.add(material)
    session.flush()
    _audit(
        session,
        user,
        event,
        "digitalisasi.sosialisasi_material",
        {"sha256": digest, "filename": material.filename},
    )
    return material


# --- the list ---------------------------------------------------------------------------------------------
def events_query(user: User, year: int | None = None, regency_code: str | None = None) -> Select:
    """The events of the user's area, newest first."""
    query = select(SosialisasiEvent).where(event_scope(user))
    if year:
        query = query.where(SosialisasiEvent.year == year)
    if regency_code:
        query = query.where(SosialisasiEvent.regency_code == regency_code)
    return query.order_by(SosialisasiEvent.held_on.desc(), SosialisasiEvent.id.desc())


EXPORT_HEADER = ("No.", "Tahun", "Tanggal", "Jenis", "Kabupaten/Kota", "Provinsi", "Tempat", "Dinas/Pemda (orang)",
                 "Sekolah hadir", "Orang dari sekolah", "Lainnya (orang)", "Jumlah orang", "Materi", "Catatan",
                 "Dicatat oleh")  # fmt: skip
ATTENDEE_HEADER = ("Asal", "NPSN", "Nama", "Jumlah orang")


def _people(event: SosialisasiEvent, kind: str) -> int:
    return sum(a.people for a in event.attendees if a.kind == kind)


def export_rows(session: Session, statement: Select):
    names = region_names(session)
    loaded = statement.options(selectinload(SosialisasiEvent.attendees), selectinload(SosialisasiEvent.materials),
                               selectinload(SosialisasiEvent.created_by))  # fmt: skip
    for (event,) in stream_rows(session, loaded):
        yield (event.id, event.year, event.held_on, event.kind_label, names.regency(event.regency_code),
               names.province(event.province_code), event.place, _people(event, "dinas"),
               sum(1 for a in event.attendees if a.kind == "sekolah"), _people(event, "sekolah"),
               _people(event, "lainnya"), event.people, len(event.materials), event.notes,
               event.created_by.full_name)  # fmt: skip


def attendee_rows(event: SosialisasiEvent):
    for a in event.attendees:
        yield (a.kind_label, a.school.npsn if a.school else None, a.name, a.people)
