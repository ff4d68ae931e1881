"""Usage of the delivered devices: each school's short monthly report (what an operator fills on a phone in
two minutes), the flags of a month (a school with devices received before the month ended that did not
report it, or reported a problem), the one-click obstacle (``kendala``) from a flag, and the reminder to
schools that have not reported (a scheduler job, once per school and month).

The flags are computed when the list is read (one query), not stored: a late report clears its flag at once.
Operations take the session and the acting user, flush and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from spmp import audit, clock
from spmp.access import school_scope
from spmp.accounts.models import SCHOOL_ROLES, User
from spmp.digitalisasi import permissions
from spmp.digitalisasi.field_models import (
    USAGE_CONDITIONS,
    USAGE_PROBLEMS,
    UsageObstacle,
    UsageReminder,
    UsageReport,
)
from spmp.digitalisasi.models import Device, Handover, Shipment
from spmp.engine.calendar import WIB
from spmp.engine.errors import ActionRefused
from spmp.engine.evidence import EvidencePolicy, blob_path, check_file, write_blob
from spmp.errors import Refusal
from spmp.export import stream_rows
from spmp.kendala.models import Obstacle
from spmp.regions.names import region_names
from spmp.schools.models import School

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")  # fmt: skip
MAX_HOURS = 80  # hours a week: more than 16 a school day is a typing error
MAX_COUNT = 500
MAX_NOTE = 1000
PHOTO_POLICY = EvidencePolicy()
PHOTO_TYPES = ("image/jpeg", "image/png")
FLAGS = {
    "belum": "Belum melapor",
    "masalah": "Melaporkan masalah",
    "ditandai": "Belum melapor atau bermasalah",
}


class UsageRefused(Refusal):
    """A usage report or its obstacle refused; ``field`` names the form field when there is one."""

    def __init__(self, message: str, field_name: str | None = None) -> None:
        super().__init__(message)
        self.field = field_name


# --- months ---------------------------------------------------------------------------------------------
def today_wib(now: datetime | None = None) -> date:
    """The date in Jakarta, where the ministry's months begin."""
    return (now or clock.now()).astimezone(WIB).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(period: date) -> date:
    return (period.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(period: date) -> date:
    return (period.replace(day=1) - timedelta(days=1)).replace(day=1)


def last_period(now: datetime | None = None) -> date:
    """The month a school should have reported by now: the month just ended."""
    return previous_month(today_wib(now))


def reportable_periods(now: datetime | None = None) -> list[date]:
    """The months a school may report (or correct): this month and the one just ended."""
    this = month_start(today_wib(now))
    return [this, previous_month(this)]


def period_label(period: date) -> str:
    return f"{MONTHS[period.month - 1]} {period.year}"


def parse_period(text: str | None) -> date | None:
    """``2026-11`` → 1 November 2026; None for anything else."""
    text = (text or "").strip()
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isascii():
        return None
    if not (text[:4].isdigit() and text[5:].isdigit()) or not (2020 <= int(text[:4]) <= 2100):
        return None
    month = int(text[5:])
    return date(int(text[:4]), month, 1) if 1 <= month <= 12 else None


def received_before(end: date):
    """WHERE clause on ``School``: the school received devices (a BAST) before ``end``."""
    return exists(
        select(Device.id)
        .join(Handover, Handover.id == Device.handover_id)
        .where(Device.asset_school_id == School.id, Handover.received_on < end)
    )


def has_devices(session: Session, school_id: int) -> bool:
    return bool(session.scalar(select(func.count(Device.id)).where(Device.asset_school_id == school_id)))


# --- the report -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UsageInput:
    period: date | None
    hours_per_week: int | None
    classes_using: int | None
    teachers_using: int | None
    condition: str
    problem: str | None = None
    note: str = ""
    photo: tuple[str, bytes] | None = None  # (file name, content)


def _count(value: int | None, field_name: str, label: str, top: int) -> int:
    if value is None:
        raise UsageRefused(f"{label}: isi dengan angka (0 bila tidak ada).", field_name)
    if not 0 <= value <= top:
        raise UsageRefused(f"{label}: antara 0 dan {top}.", field_name)
    return value


def _checked(data: UsageInput, now: datetime) -> dict:
    allowed = reportable_periods(now)
    if data.period not in allowed:
        names = " atau ".join(period_label(p) for p in allowed)
        raise UsageRefused(f"Bulan laporan: pilih {names}.", "period")
    values = {
        "hours_per_week": _count(
            data.hours_per_week, "hours_per_week", "Jam pemakaian per minggu", MAX_HOURS
        ),
        "classes_using": _count(data.classes_using, "classes_using", "Jumlah kelas", MAX_COUNT),
        "teachers_using": _count(data.teachers_using, "teachers_using", "Jumlah guru", MAX_COUNT),
    }
    if data.condition not in USAGE_CONDITIONS:
        raise UsageRefused("Kondisi perangkat: pilih baik atau ada masalah.", "condition")
    problem = data.problem or None
    if data.condition == "bermasalah" and problem not in USAGE_PROBLEMS:
        raise UsageRefused("Jenis masalah: pilih salah satu.", "problem")
    note = (data.note or "").strip()
    if len(note) > MAX_NOTE:
        raise UsageRefused(f"Catatan: paling banyak {MAX_NOTE} karakter (terisi {len(note)}).", "note")
    if data.condition == "bermasalah" and problem == "lainnya" and not note:
        raise UsageRefused("Catatan: jelaskan masalahnya.", "note")
    return {**values, "condition": data.condition, "note": note or None,
            "problem": problem if data.condition == "bermasalah" else None}  # fmt: skip


def _photo(photo: tuple[str, bytes] | None, root: Path | None) -> dict:
    if not photo:
        return {}
    name, content = photo
    try:
        media_type = check_file(name, content, PHOTO_POLICY)
    except ActionRefused as exc:
        raise UsageRefused(f"Foto {name}: {exc}", "photo") from None
    if media_type not in PHOTO_TYPES:
        raise UsageRefused(f"Foto {name}: harus berupa gambar JPEG atau PNG.", "photo")
    if root is None:
        raise UsageRefused("Penyimpanan foto tidak tersedia.", "photo")
    return {"photo_sha256": write_blob(root, content), "photo_filename": Path(name).name[-255:],
            "photo_media_type": media_type}  # fmt: skip


def submit_report(
    session: Session, user: User, school_id: int, data: UsageInput, evidence_root: Path | None = None
) -> UsageReport:
    """The school's operator or principal reports (or corrects) a month's usage of its devices."""
    if not permissions.acts_for_school(user, school_id):
        raise UsageRefused("Hanya operator atau kepala sekolah ini yang dapat mengisi laporan penggunaan.")
    if not has_devices(session, school_id):
        raise UsageRefused("Sekolah belum menerima perangkat (BAST): belum ada yang dilaporkan.")
    now = clock.now()
    values = {**_checked(data, now), **_photo(data.photo, evidence_root)}
    report = session.scalar(
        select(UsageReport).where(UsageReport.school_id == school_id, UsageReport.period == data.period)
    )
    before = None
    if report is None:
        report = UsageReport(school_id=school_id, period=data.period)
        session.add(report)
    else:
        before = {k: getattr(report, k) for k in values}
    for key, value in values.items():
        setattr(report, key, value)
    report.reported_by_id, report.reported_at = user.id, now
    session.flush()
    audit.append(session, action="digitalisasi.usage_report", actor_id=user.id, occurred_at=now,
                 changes={"school_id": school_id, "period": data.period.isoformat(), "report_id": report.id,
                          "before": before, "after": values})  # fmt: skip
    return report


def school_reports(session: Session, school_id: int, limit: int = 24) -> list[UsageReport]:
    """The school's reports, newest month first."""
    query = select(UsageReport).where(UsageReport.school_id == school_id).order_by(UsageReport.period.desc())
    return list(session.scalars(query.limit(limit)))


SCHOOL_HEADER = ("Bulan", "Jam/minggu", "Kelas", "Guru", "Kondisi", "Jenis masalah", "Catatan", "Diisi oleh",
                 "Diisi (UTC)")  # fmt: skip


def school_report_rows(session: Session, school_id: int):
    """The school's own reports as download rows, newest month first."""
    for r in school_reports(session, school_id, limit=240):
        yield (period_label(r.period), r.hours_per_week, r.classes_using, r.teachers_using, r.condition_label,
               r.problem_label or None, r.note, r.reported_by.full_name, r.reported_at.strftime("%Y-%m-%d %H:%M"))  # fmt: skip


def report_of(session: Session, school_id: int, period: date) -> UsageReport | None:
    return session.scalar(
        select(UsageReport).where(UsageReport.school_id == school_id, UsageReport.period == period)
    )


# --- flags of a month -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class UsageFilters:
    period: date
    flag: str | None = None  # a key of FLAGS, or None: every school with devices
    regency_code: str | None = None


def _joined(user: User, filters: UsageFilters, report) -> Select:
    query = (
        select(School)
        .outerjoin(report, and_(report.school_id == School.id, report.period == filters.period))
        .where(school_scope(user), received_before(next_month(filters.period)))
    )
    if filters.flag == "belum":
        query = query.where(report.id.is_(None))
    elif filters.flag == "masalah":
        query = query.where(report.condition == "bermasalah")
    elif filters.flag == "ditandai":
        query = query.where((report.id.is_(None)) | (report.condition == "bermasalah"))
    if filters.regency_code:
        query = query.where(School.regency_code == filters.regency_code)
    return query


def schools_query(user: User, filters: UsageFilters) -> Select:
    """``select(School, UsageReport | None, obstacle case id | None)``: the schools in the user's area that had
    received devices before the month ended, with their report of the month and the obstacle opened from
    its flag; filtered, by regency and name."""
    report = aliased(UsageReport)
    return (
        _joined(user, filters, report)
        .add_columns(report, Obstacle.case_id)
        .outerjoin(UsageObstacle, and_(UsageObstacle.school_id == School.id, UsageObstacle.period == filters.period))
        .outerjoin(Obstacle, Obstacle.id == UsageObstacle.obstacle_id)
        .order_by(School.regency_code, School.name_key, School.id)
    )  # fmt: skip


@dataclass(frozen=True)
class UsageCounts:
    schools: int
    reported: int
    problems: int

    @property
    def missing(self) -> int:
        return self.schools - self.reported


def counts(session: Session, user: User, filters: UsageFilters) -> UsageCounts:
    """How many schools of the list, how many reported the month and how many reported a problem."""
    report = aliased(UsageReport)
    problem = func.coalesce(func.sum(case((report.condition == "bermasalah", 1), else_=0)), 0)
    query = _joined(user, filters, report).with_only_columns(func.count(), func.count(report.id), problem)
    return UsageCounts(*session.execute(query).one())


def flag_of(report: UsageReport | None) -> str | None:
    if report is None:
        return "belum"
    return "masalah" if report.condition == "bermasalah" else None


EXPORT_HEADER = ("NPSN", "Sekolah", "Bentuk", "Kabupaten/Kota", "Provinsi", "Bulan", "Status", "Jam/minggu",
                 "Kelas", "Guru", "Kondisi", "Jenis masalah", "Catatan", "Dilaporkan (UTC)", "No. kasus kendala")  # fmt: skip


def export_rows(session: Session, statement: Select, period: date):
    names = region_names(session)
    for school, report, obstacle_case in stream_rows(session, statement):
        flag = flag_of(report)
        yield (school.npsn, school.name, school.bentuk, names.regency(school.regency_code),
               names.province(school.province_code), period_label(period), FLAGS[flag] if flag else "Baik",
               report.hours_per_week if report else None, report.classes_using if report else None,
               report.teachers_using if report else None, report.condition_label if report else None,
               report.problem_label if report else None, report.note if report else None,
               report.reported_at.strftime("%Y-%m-%d %H:%M") if report else None, obstacle_case)  # fmt: skip


# --- obstacle from a flag -------------------------------------------------------------------------------
def _visible_school(session: Session, user: User, school_id: int) -> School:
    school = session.scalar(select(School).where(School.id == school_id, school_scope(user)))
    if school is None:
        raise UsageRefused("Sekolah tidak ditemukan di wilayah Anda.")
    return school


def _obstacle_text(school: School, period: date, report: UsageReport | None) -> tuple[str, str]:
    """(category, description) of the obstacle, from the report's problem or from the missing report."""
    label = period_label(period)
    if report is None:
        return "lainnya", (f"Sekolah {school.name} (NPSN {school.npsn}) belum mengirim laporan penggunaan perangkat "
                           f"Digitalisasi bulan {label}. Perlu dipastikan perangkat terpasang dan dipakai.")  # fmt: skip
    parts = [f"Laporan penggunaan perangkat bulan {label}: {report.problem_label}.",
             f"Pemakaian {report.hours_per_week} jam/minggu, {report.classes_using} kelas, {report.teachers_using} guru."]  # fmt: skip
    if report.note:
        parts.append(f"Catatan sekolah: {report.note}")
    return report.problem, " ".join(parts)


def _shipment_case(session: Session, user: User, school_id: int) -> int | None:
    """The school's latest shipment case the user may see (the obstacle is about it), or None."""
    from spmp.engine.cases import CaseRecord
    from spmp.engine.permissions import case_scope

    return session.scalar(
        select(Shipment.case_id).join(CaseRecord, CaseRecord.id == Shipment.case_id)
        .where(Shipment.school_id == school_id, case_scope(user)).order_by(Shipment.id.desc()).limit(1)
    )  # fmt: skip


def open_obstacle(
    session: Session, user: User, school_id: int, period: date, evidence_root: Path | None = None
):
    """ "Jadikan kendala": open a ``kendala`` case (through ``spmp.kendala.operations.report_obstacle``)
    from a school's flag of a month, prefilled from its report (problem, figures, note, photo) or from the
    missing report. Once per school and month."""
    from spmp.kendala.operations import ObstacleInput, ObstacleInputError, report_obstacle

    if not permissions.can_open_usage_obstacle(user):
        raise UsageRefused("Peran Anda tidak dapat membuka kendala dari laporan penggunaan.")
    school = _visible_school(session, user, school_id)
    done = session.get(UsageObstacle, (school_id, period))
    if done is not None:
        raise UsageRefused(f"Tanda bulan {period_label(period)} sudah menjadi kendala #{done.obstacle_id}.")
    report = report_of(session, school_id, period)
    if report is not None and report.condition != "bermasalah":
        raise UsageRefused(f"Laporan bulan {period_label(period)} tidak melaporkan masalah.")
    if report is None and period >= month_start(today_wib()):
        raise UsageRefused("Bulan ini belum berakhir: sekolah masih dapat melapor.")
    if not session.scalar(select(received_before(next_month(period))).where(School.id == school_id)):
        raise UsageRefused(f"Sekolah belum menerima perangkat sebelum akhir {period_label(period)}.")
    category, description = _obstacle_text(school, period, report)
    photos = []
    if report is not None and report.photo_sha256 and evidence_root is not None:
        path = blob_path(evidence_root, report.photo_sha256)
        if path.exists():
            photos.append((report.photo_filename or "foto.jpg", path.read_bytes()))
    data = ObstacleInput(school_id=school_id, category=category, description=description, programme="digitalisasi",
                         about_case_id=_shipment_case(session, user, school_id), photos=photos)  # fmt: skip
    try:
        obstacle = report_obstacle(session, user, data, evidence_root)
    except ObstacleInputError as exc:
        raise UsageRefused(f"Kendala tidak dapat dibuka: {exc}") from None
    now = clock.now()
    session.add(UsageObstacle(school_id=school_id, period=period, obstacle_id=obstacle.id, created_by_id=user.id,
                              created_at=now))  # fmt: skip
    session.flush()
    audit.append(session, action="digitalisasi.usage_obstacle", actor_id=user.id, case_id=obstacle.case_id,
                 occurred_at=now, changes={"school_id": school_id, "period": period.isoformat(),
                                           "report_id": report.id if report else None})  # fmt: skip
    return obstacle


# --- reminders (scheduler) ------------------------------------------------------------------------------
def send_usage_reminders(session: Session, now: datetime | None = None) -> int:
    """Remind every school that received devices before last month ended and has not reported that month:
    an in-app notification and a mail (outbox) to its operators and principal. Once per school and month
    (``digital_usage_reminder``), so running it again, or daily, tells nobody twice. Returns how many schools
    were reminded. A system job: the scheduler's transaction."""
    from spmp.notifications.operations import notify

    now = now or clock.now()
    period = last_period(now)
    reported = select(UsageReport.id).where(UsageReport.school_id == School.id, UsageReport.period == period)
    reminded = select(UsageReminder.school_id).where(
        UsageReminder.school_id == School.id, UsageReminder.period == period
    )
    due = select(School.id).where(received_before(next_month(period)), ~exists(reported), ~exists(reminded))
    school_ids = list(session.scalars(due.order_by(School.id)))
    title = f"Isi laporan penggunaan perangkat Digitalisasi bulan {period_label(period)}"
    body = (f"Sekolah Anda belum mengirim laporan penggunaan panel interaktif dan laptop bulan {period_label(period)}.\n"
            "Isi di SPMP, menu Digitalisasi › Penggunaan (/digitalisasi/penggunaan/lapor): cukup dua menit.")  # fmt: skip
    for start in range(0, len(school_ids), 1000):
        batch = school_ids[start : start + 1000]
        people = session.scalars(
            select(User).where(
                User.school_id.in_(batch), User.role.in_(SCHOOL_ROLES), User.is_active.is_(True)
            )
        )
        for person in people:
            notify(session, person, "reminder", title, body, now)
        session.add_all(UsageReminder(school_id=school_id, period=period, sent_at=now) for school_id in batch)
        session.flush()
    return len(school_ids)
