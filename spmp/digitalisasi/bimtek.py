"""Bimtek (technical guidance) for Digitalisasi: a B/BPMP plans a session (in person or online) for the
schools it invites; the schools name their teachers; the unit records who attended; each attendee gets
a certificate (``web/digitalisasi`` renders it to PDF with WeasyPrint from the same HTML as the page).
Each operation takes the session and the acting user, writes its audit event, flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, or_, select, true
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.access import school_scope
from spmp.accounts.models import NATIONAL_ROLES, Role, User
from spmp.digitalisasi import permissions
from spmp.digitalisasi.models import (
    BIMTEK_MODES,
    PARTICIPANT_POSITIONS,
    BimtekInvite,
    BimtekParticipant,
    BimtekSession,
)
from spmp.digitalisasi.operations import DigitalisasiRefused
from spmp.regions.timezones import TimeZone, localize, zone_for_province
from spmp.schools.models import School
from spmp.tabular import is_ascii_digits

UNIT_ROLES = (Role.BPMP_STAFF, Role.BPMP_HEAD)
MAX_SCHOOLS = 500
PARTICIPANT_HEADER = ["NPSN", "Sekolah", "Nama", "Jabatan", "Hadir"]
SESSION_HEADER = [
    "Judul",
    "Bentuk",
    "Mulai",
    "Selesai",
    "Tempat/tautan",
    "Sekolah diundang",
    "Peserta",
    "Hadir",
]


@dataclass(frozen=True)
class SessionInput:
    year: int
    title: str
    mode: str
    starts_at: datetime
    ends_at: datetime
    place: str
    npsns: tuple[str, ...]


def visible_sessions(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``BimtekSession``: national roles all; the unit's staff its own; everyone else
    (Dinas, schools, Widyaprada) the sessions that invite a school in their area."""
    if user.role in NATIONAL_ROLES:
        return true()
    invited = exists().where(
        BimtekInvite.session_id == BimtekSession.id, BimtekInvite.school_id == School.id, school_scope(user)
    )
    if user.role in UNIT_ROLES:
        return or_(BimtekSession.unit_id == user.unit_id, invited)
    return invited


def get_session_for(session: Session, user: User, session_id: int) -> BimtekSession | None:
    return session.scalar(select(BimtekSession).where(BimtekSession.id == session_id, visible_sessions(user)))


def can_run(user: User, bimtek: BimtekSession | None = None) -> bool:
    """Plan sessions and record attendance: the staff and head of the B/BPMP (of this session's unit)."""
    return user.role in UNIT_ROLES and (bimtek is None or bimtek.unit_id == user.unit_id)


def _check_input(data: SessionInput) -> None:
    if not data.title.strip() or len(data.title) > 200:
        raise DigitalisasiRefused("Judul wajib diisi (paling banyak 200 karakter).")
    if data.mode not in BIMTEK_MODES:
        raise DigitalisasiRefused("Pilih bentuk Bimtek: tatap muka atau daring.")
    if data.ends_at < data.starts_at:
        raise DigitalisasiRefused("Waktu selesai tidak boleh sebelum waktu mulai.")
    if not data.place.strip() or len(data.place) > 300:
        what = "Tautan pertemuan" if data.mode == "daring" else "Tempat"
        raise DigitalisasiRefused(f"{what} wajib diisi (paling banyak 300 karakter).")
    if not data.npsns:
        raise DigitalisasiRefused("Undang paling sedikit satu sekolah (NPSN).")
    if len(data.npsns) > MAX_SCHOOLS:
        raise DigitalisasiRefused(f"Paling banyak {MAX_SCHOOLS} sekolah per sesi.")


def create_session(session: Session, user: User, data: SessionInput) -> BimtekSession:
    """Plan a session for the unit and invite the schools (by NPSN, within the unit's area)."""
    if not can_run(user):
        raise DigitalisasiRefused("Hanya staf atau kepala B/BPMP yang dapat merencanakan Bimtek.")
    _check_input(data)
    bad = [n for n in data.npsns if not is_ascii_digits(n, 8)]
    if bad:
        raise DigitalisasiRefused(f"NPSN tidak sah: {', '.join(bad[:10])}")
    found = dict(
        session.execute(
            select(School.npsn, School.id).where(School.npsn.in_(data.npsns), school_scope(user))
        ).all()
    )
    missing = [n for n in data.npsns if n not in found]
    if missing:
        raise DigitalisasiRefused(f"NPSN tidak ditemukan di wilayah Anda: {', '.join(missing[:10])}")
    bimtek = BimtekSession(year=data.year, unit_id=user.unit_id, title=data.title.strip(), mode=data.mode,
                           starts_at=data.starts_at, ends_at=data.ends_at, place=data.place.strip(),
                           created_by_id=user.id, created_at=clock.now())  # fmt: skip
    bimtek.invites = [BimtekInvite(school_id=found[n]) for n in dict.fromkeys(data.npsns)]
    session.add(bimtek)
    session.flush()
    audit.append(session, action="digitalisasi.bimtek_created", actor_id=user.id,
                 changes={"bimtek_id": bimtek.id, "schools": len(bimtek.invites)})  # fmt: skip
    return bimtek


def add_participant(session: Session, user: User, bimtek: BimtekSession, school_id: int, name: str,
                    position: str) -> BimtekParticipant:  # fmt: skip
    """An invited school names a teacher (its own operator or principal, or the unit's staff for it)."""
    if not (permissions.acts_for_school(user, school_id) or can_run(user, bimtek)):
        raise DigitalisasiRefused(
            "Peserta didaftarkan oleh sekolah yang diundang atau staf B/BPMP penyelenggara."
        )
    if school_id not in {i.school_id for i in bimtek.invites}:
        raise DigitalisasiRefused("Sekolah ini tidak diundang ke sesi Bimtek ini.")
    name = " ".join(name.split())
    if not name or len(name) > 150:
        raise DigitalisasiRefused("Nama peserta wajib diisi (paling banyak 150 karakter).")
    if position not in PARTICIPANT_POSITIONS:
        raise DigitalisasiRefused("Pilih jabatan peserta.")
    if any(p.school_id == school_id and p.name.lower() == name.lower() for p in bimtek.participants):
        raise DigitalisasiRefused(f"{name} sudah terdaftar untuk sekolah ini.")
    participant = BimtekParticipant(session_id=bimtek.id, school_id=school_id, name=name, position=position)
    bimtek.participants.append(participant)
    session.flush()
    return participant


def record_attendance(session: Session, user: User, bimtek: BimtekSession, attended_ids: set[int]) -> int:
    """The unit marks who attended (the others are marked absent); returns how many attended."""
    if not can_run(user, bimtek):
        raise DigitalisasiRefused("Kehadiran dicatat oleh staf B/BPMP penyelenggara.")
    if bimtek.starts_at > clock.now():
        raise DigitalisasiRefused("Kehadiran dicatat setelah sesi dimulai.")
    now, changed = clock.now(), {}
    for participant in bimtek.participants:
        attended = participant.id in attended_ids
        if participant.attended != attended or participant.attendance_at is None:
            participant.attended, participant.attendance_by_id, participant.attendance_at = (
                attended,
                user.id,
                now,
            )
            changed[participant.id] = attended
    session.flush()
    audit.append(session, action="digitalisasi.bimtek_attendance", actor_id=user.id,
                 changes={"bimtek_id": bimtek.id, "attendance": changed})  # fmt: skip
    return sum(1 for p in bimtek.participants if p.attended)


def may_see_participant(session: Session, user: User, participant: BimtekParticipant) -> bool:
    """A certificate is for the participant's school, the organising unit and the national roles."""
    if user.role in NATIONAL_ROLES or can_run(user, participant.session):
        return True
    return permissions.acts_for_school(user, participant.school_id)


def certificate_number(participant: BimtekParticipant) -> str:
    bimtek = participant.session
    return f"BIMTEK-DIG/{bimtek.unit.code}/{bimtek.year}/{bimtek.id:04d}/{participant.id:05d}"


def session_zone(bimtek: BimtekSession) -> TimeZone:
    """A session's times are read in the zone of its unit's seat (WITA for BPMP NTT)."""
    return zone_for_province(bimtek.unit.seat_province_code)


def wall_clock(bimtek: BimtekSession, value: datetime) -> datetime:
    return localize(value, session_zone(bimtek)).replace(tzinfo=None)


def session_rows(session: Session, statement):
    for bimtek in session.scalars(statement):
        attended = sum(1 for p in bimtek.participants if p.attended)
        yield [bimtek.title, bimtek.mode_label, wall_clock(bimtek, bimtek.starts_at), wall_clock(bimtek, bimtek.ends_at),
               bimtek.place, len(bimtek.invites), len(bimtek.participants), attended]  # fmt: skip


def participant_rows(bimtek: BimtekSession):
    for p in bimtek.participants:
        yield [p.school.npsn, p.school.name, p.name, p.position_label, p.attended]
