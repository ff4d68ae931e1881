"""SPME use cases: accreditation history (decisions, automatic extensions, expiry reminders), the
accreditation field-visit case, and Pemda supervision / development-partner visits. Each function takes the
session and the acting user, flushes and never commits."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from spmp import clock
from spmp.access import school_scope
from spmp.accounts.models import SCHOOL_ROLES, User
from spmp.engine import ActionRefused, CaseNotFound, open_case
from spmp.engine.cases import CaseEvidence
from spmp.schools.models import ACCREDITATION, School
from spmp.spme.models import VISIT_KINDS, AccreditationRecord, AccreditationVisit, ExternalVisit
from spmp.spme.permissions import (  # noqa: F401 (RECORD_ROLES, VISIT_ROLES: re-exported for callers)
    RECORD_ROLES,
    VISIT_ROLES,
    can_record_accreditation,
    can_record_visit,
    is_visited_school,
)

VALIDITY_YEARS = 5
DEFAULT_REMINDER_MONTHS = 12
# Who may record an external visit: B/BPMP, the Dinas of the region, Widyaprada and facilitators.


class SpmeInputError(ActionRefused):
    """A form field is invalid; ``field`` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def reminder_months() -> int:
    """Months before expiry at which schools are reminded (``SPMP_ACCREDITATION_REMINDER_MONTHS``)."""
    raw = os.environ.get("SPMP_ACCREDITATION_REMINDER_MONTHS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_REMINDER_MONTHS


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _school(session: Session, user: User, school_id: int) -> School:
    school = session.scalar(select(School).where(School.id == school_id, school_scope(user)))
    if school is None:
        raise CaseNotFound("Sekolah tidak ditemukan")
    return school


@dataclass(frozen=True)
class AccreditationInput:
    rank: str
    decree_number: str
    start_date: date | None
    end_date: date | None = None  # default: start + 5 years
    is_automatic_extension: bool = False


def record_accreditation(
    session: Session, user: User, school_id: int, data: AccreditationInput
) -> AccreditationRecord:
    """Record a BAN-PDM decision (or an automatic extension, without a visit) in the school's history."""
    if not can_record_accreditation(user):
        raise ActionRefused("Hanya B/BPMP atau Pusat yang dapat mencatat akreditasi")
    school = _school(session, user, school_id)
    if data.rank not in ACCREDITATION:
        raise SpmeInputError("rank", "Pilih peringkat akreditasi")
    if not (data.decree_number or "").strip():
        raise SpmeInputError("decree_number", "Nomor SK wajib diisi")
    if data.start_date is None:
        raise SpmeInputError("start_date", "Tanggal mulai berlaku wajib diisi")
    end = data.end_date or add_years(data.start_date, VALIDITY_YEARS)
    if end <= data.start_date:
        raise SpmeInputError("end_date", "Tanggal akhir harus setelah tanggal mulai")
    return _store(session, user, school, data.rank, data.decree_number.strip(), data.start_date, end,
                  data.is_automatic_extension, None)  # fmt: skip


def record_from_visit(
    session: Session, user: User, visit: AccreditationVisit, now: datetime | None
) -> AccreditationRecord:
    """The final result of a field visit enters the history (valid five years from the decision)."""
    school = session.get(School, visit.school_id)
    start = (now or clock.now()).date()
    return _store(session, user, school, visit.result_rank, visit.decree_number or "-", start,
                  add_years(start, VALIDITY_YEARS), False, visit.case_id)  # fmt: skip


def _store(session, user, school, rank, decree, start, end, automatic, case_id) -> AccreditationRecord:
    record = AccreditationRecord(
        school_id=school.id, rank=rank, decree_number=decree[:100], start_date=start, end_date=end,
        is_automatic_extension=automatic, visit_case_id=case_id, recorded_by_id=user.id, recorded_at=clock.now(),
    )  # fmt: skip
    session.add(record)
    # The school row mirrors the current accreditation (the directory and the Dapodik import show it).
    school.accreditation_rank, school.accreditation_decree = rank, decree[:100]
    school.accreditation_start, school.accreditation_end = start, end
    session.flush()
    return record


def accreditation_history(session: Session, user: User, school_id: int) -> list[AccreditationRecord]:
    """The school's accreditation decisions, newest first."""
    _school(session, user, school_id)
    return list(
        session.scalars(
            select(AccreditationRecord)
            .where(AccreditationRecord.school_id == school_id)
            .order_by(AccreditationRecord.start_date.desc(), AccreditationRecord.id.desc())
        )
    )


def expiring_accreditations(
    session: Session, user: User, *, today: date | None = None, months: int | None = None, limit: int = 500
):
    """Schools in scope whose current accreditation ends within ``months`` (default from settings):
    (school, end date), soonest first."""
    today = today or clock.now().date()
    horizon = add_months(today, months or reminder_months())
    query = (
        select(School, School.accreditation_end)
        .where(school_scope(user), School.accreditation_end.is_not(None))
        .where(School.accreditation_end >= today, School.accreditation_end <= horizon)
        .order_by(School.accreditation_end, School.id)
        .limit(limit)
    )
    return session.execute(query).all()


# --- field visit case ------------------------------------------------------------------------------
def open_visit_case(
    session: Session, user: User, school_id: int, *, assignee_user_id: int | None = None
) -> AccreditationVisit:
    """Select a school as an accreditation visit target (opens an ``accreditation_visit`` case)."""
    school = _school(session, user, school_id)
    case = open_case(session, user, "accreditation_visit", title=f"Visitasi Akreditasi — {school.name}"[:200],
                     school_id=school.id, assignee_user_id=assignee_user_id)  # fmt: skip
    visit = AccreditationVisit(case_id=case.id, school_id=school.id)
    session.add(visit)
    session.flush()
    return visit


def visit_cases(session: Session, user: User, school_id: int):
    """The school's accreditation field-visit cases the user may see: (visit, case), newest first."""
    from spmp.engine.cases import CaseRecord
    from spmp.engine.permissions import case_scope

    query = (
        select(AccreditationVisit, CaseRecord)
        .join(CaseRecord, CaseRecord.id == AccreditationVisit.case_id)
        .where(AccreditationVisit.school_id == school_id, case_scope(user))
        .order_by(CaseRecord.opened_at.desc(), CaseRecord.id.desc())
    )
    return [tuple(row) for row in session.execute(query).all()]


def copy_spmi_evidence(
    session: Session, user: User, visit_case_id: int, evidence_ids: list[int] | None = None
) -> int:
    """Pravisitasi in one click: attach the school's SPMI evidence files to the visit case.

    The files are content-addressed, so copying means a new ``case_evidence`` row with the same sha256
    (the bytes are not duplicated). Returns how many files were added."""
    from spmp.engine import get_case
    from spmp.engine.cases import CaseRecord

    case = get_case(session, user, visit_case_id)
    if not is_visited_school(user, case):
        raise ActionRefused("Hanya sekolah yang dapat mengirim bukti pravisitasi")
    if case.state != "terpilih":
        raise ActionRefused("Bukti pravisitasi hanya dapat ditambahkan sebelum dikirim")
    spmi = aliased(CaseRecord)
    query = (
        select(CaseEvidence)
        .join(spmi, spmi.id == CaseEvidence.case_id)
        .where(spmi.school_id == case.school_id, spmi.type_key == "spmi_cycle")
    )
    if evidence_ids is not None:
        query = query.where(CaseEvidence.id.in_(evidence_ids))
    existing = set(session.scalars(select(CaseEvidence.sha256).where(CaseEvidence.case_id == case.id)))
    now, added = clock.now(), 0
    for source in session.scalars(query.order_by(CaseEvidence.id)):
        if source.sha256 in existing:
            continue
        existing.add(source.sha256)
        session.add(CaseEvidence(
            case_id=case.id, sha256=source.sha256, filename=source.filename, media_type=source.media_type,
            size_bytes=source.size_bytes, state=case.state, uploaded_by_id=user.id, uploaded_at=now,
        ))  # fmt: skip
        added += 1
    session.flush()
    return added


# --- external visits ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class VisitInput:
    kind: str
    visit_date: date | None
    visitor: str
    organisation: str
    purpose: str
    findings: str
    follow_ups: str = ""


def record_external_visit(session: Session, user: User, school_id: int, data: VisitInput) -> ExternalVisit:
    """Record a Pemda supervision visit or a development partner's facilitation at a school."""
    if not can_record_visit(user):
        raise ActionRefused("Peran Anda tidak dapat mencatat kunjungan")
    school = _school(session, user, school_id)
    if data.kind not in VISIT_KINDS:
        raise SpmeInputError("kind", "Pilih jenis kunjungan")
    if data.visit_date is None:
        raise SpmeInputError("visit_date", "Tanggal kunjungan wajib diisi")
    if data.visit_date > clock.now().date():
        raise SpmeInputError("visit_date", "Tanggal kunjungan tidak boleh di masa depan")
    values = {}
    for name, label in (
        ("visitor", "Nama pengunjung"),
        ("organisation", "Instansi"),
        ("purpose", "Tujuan"),
        ("findings", "Temuan"),
    ):
        value = (getattr(data, name) or "").strip()
        if not value:
            raise SpmeInputError(name, f"{label} wajib diisi")
        limit = 200 if name in ("visitor", "organisation") else 5000
        if len(value) > limit:  # refused, never cut: the author shortens it
            raise SpmeInputError(name, f"{label} terlalu panjang (maksimal {limit} karakter)")
        values[name] = value
    visit = ExternalVisit(
        school_id=school.id, kind=data.kind, visit_date=data.visit_date, follow_ups=(data.follow_ups or "").strip() or None,
        recorded_by_id=user.id, recorded_at=clock.now(), **values,
    )  # fmt: skip
    session.add(visit)
    session.flush()
    return visit


def external_visits(session: Session, user: User, school_id: int) -> list[ExternalVisit]:
    _school(session, user, school_id)
    return list(
        session.scalars(
            select(ExternalVisit)
            .where(ExternalVisit.school_id == school_id)
            .order_by(ExternalVisit.visit_date.desc(), ExternalVisit.id.desc())
        )
    )


def count_history(session: Session, school_id: int) -> int:
    return session.scalar(select(func.count()).where(AccreditationRecord.school_id == school_id)) or 0


def send_expiry_reminders(session: Session, now: datetime | None = None, months: int | None = None) -> int:
    """Remind schools whose current accreditation ends within the window (default from settings):
    an in-app notification (plus mail via the outbox) to the school's operators and principal, once per
    accreditation decision. A system job (cron / scheduler); returns how many decisions were reminded."""
    from sqlalchemy import and_, exists

    from spmp.notifications.operations import notify

    now = now or clock.now()
    today = now.date()
    horizon = add_months(today, months or reminder_months())
    newer = aliased(AccreditationRecord)
    due = session.scalars(
        select(AccreditationRecord)
        .where(
            AccreditationRecord.expiry_reminded_at.is_(None),
            AccreditationRecord.end_date >= today,
            AccreditationRecord.end_date <= horizon,
            ~exists().where(
                and_(
                    newer.school_id == AccreditationRecord.school_id,
                    newer.end_date > AccreditationRecord.end_date,
                )
            ),
        )
        .order_by(AccreditationRecord.end_date)
        .with_for_update(skip_locked=True)
    ).all()
    for record in due:
        title = f"Akreditasi {record.school.name} berakhir {record.end_date:%d-%m-%Y}"
        body = (f"Akreditasi {record.rank} (SK {record.decree_number}) berakhir pada {record.end_date:%d-%m-%Y}. "
                "Siapkan pengajuan reakreditasi ke BAN-PDM.")  # fmt: skip
        for user in _school_people(session, record.school_id):
            notify(session, user, "reminder", title, body, now)
        record.expiry_reminded_at = now
    session.flush()
    return len(due)


def _school_people(session: Session, school_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User).where(
                User.school_id == school_id,
                User.role.in_(SCHOOL_ROLES),
                User.is_active,
            )
        )
    )
