"""Digitalisasi in the field: sosialisasi and coordination events with the Pemda (per regency, with their
attendance and materials), the verval case of each target school, and the schools' monthly usage reports
(with the reminders sent and the obstacles opened from a flagged school)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spmp.accounts.models import User
from spmp.db import Base, UTCDateTime
from spmp.engine.cases import CaseRecord
from spmp.kendala.models import CATEGORIES as OBSTACLE_CATEGORIES
from spmp.regions.models import Regency, Unit
from spmp.schools.models import School

EVENT_KINDS = {"sosialisasi": "Sosialisasi", "koordinasi": "Rapat koordinasi"}
ATTENDEE_KINDS = {"dinas": "Dinas Pendidikan / Pemda", "sekolah": "Sekolah", "lainnya": "Lainnya"}
# The reason codes of a verval decision (workflows/digitalisasi_verval.yaml), as pages and mails show them.
VERVAL_REASONS = {
    "daya_listrik_tidak_sesuai": "Daya listrik tidak sesuai data",
    "akses_internet_tidak_sesuai": "Akses internet tidak sesuai data",
    "ruang_tidak_aman": "Ruang penempatan tidak aman",
    "data_sekolah_salah": "Data sekolah salah",
    "lainnya": "Lainnya (lihat catatan)",
}
USAGE_CONDITIONS = {"baik": "Baik, dipakai", "bermasalah": "Ada masalah"}
# A problem is one of the obstacle categories that fit a device, so "jadikan kendala" keeps it as it is.
USAGE_PROBLEMS = {
    key: OBSTACLE_CATEGORIES[key]
    for key in ("listrik", "internet", "perangkat_rusak", "perangkat_hilang", "lainnya")
}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class SosialisasiEvent(Base):
    """A sosialisasi or coordination meeting of a B/BPMP with the Pemda of one regency."""

    __tablename__ = "digital_sosialisasi"
    __table_args__ = (
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),
        Index("ix_digital_sosialisasi_region", "province_code", "regency_code", "held_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    regency_code: Mapped[str] = mapped_column(ForeignKey("regency.code"))
    kind: Mapped[str] = mapped_column(String(12))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()
    regency: Mapped[Regency] = relationship()
    created_by: Mapped[User] = relationship()
    attendees: Mapped[list[SosialisasiAttendee]] = relationship(
        back_populates="event", order_by="SosialisasiAttendee.id", cascade="all, delete-orphan"
    )
    materials: Mapped[list[SosialisasiMaterial]] = relationship(
        back_populates="event", order_by="SosialisasiMaterial.id", cascade="all, delete-orphan"
    )

    @property
    def kind_label(self) -> str:
        return EVENT_KINDS[self.kind]

    @property
    def people(self) -> int:
        return sum(a.people for a in self.attendees)


class SosialisasiAttendee(Base):
    """Who attended: a Dinas office (or another party) by name, or a school by NPSN, with how many people."""

    __tablename__ = "digital_sosialisasi_attendee"
    __table_args__ = (
        CheckConstraint(_in("kind", ATTENDEE_KINDS), name="kind"),
        CheckConstraint("(kind = 'sekolah') = (school_id IS NOT NULL)", name="school_when_school"),
        CheckConstraint("people >= 1 AND people <= 10000", name="people"),
        UniqueConstraint("event_id", "school_id", name="uq_digital_sosialisasi_attendee_school"),
        Index("ix_digital_sosialisasi_attendee_event", "event_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("digital_sosialisasi.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    name: Mapped[str] = mapped_column(String(200))  # the office, the school's name, or who
    people: Mapped[int] = mapped_column(Integer)

    event: Mapped[SosialisasiEvent] = relationship(back_populates="attendees")
    school: Mapped[School | None] = relationship()

    @property
    def kind_label(self) -> str:
        return ATTENDEE_KINDS[self.kind]


class SosialisasiMaterial(Base):
    """A file presented or handed out (slides, guide, minutes), stored content-addressed."""

    __tablename__ = "digital_sosialisasi_material"
    __table_args__ = (UniqueConstraint("event_id", "sha256", name="uq_digital_sosialisasi_material_file"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("digital_sosialisasi.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    event: Mapped[SosialisasiEvent] = relationship(back_populates="materials")


class VervalCase(Base):
    """The verval case (``digitalisasi_verval``) of one target school of a programme year."""

    __tablename__ = "digital_verval"
    __table_args__ = (Index("ix_digital_verval_school", "school_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), unique=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("digital_target.id"), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))

    case: Mapped[CaseRecord] = relationship()
    school: Mapped[School] = relationship()


class UsageReport(Base):
    """A school's short report on how its devices were used in one month (``period``: the month's first
    day). One per school and month; filing again corrects it."""

    __tablename__ = "digital_usage_report"
    __table_args__ = (
        UniqueConstraint("school_id", "period", name="uq_digital_usage_report_month"),
        CheckConstraint(_in("condition", USAGE_CONDITIONS), name="condition"),
        CheckConstraint("problem IS NULL OR " + _in("problem", USAGE_PROBLEMS), name="problem"),
        CheckConstraint("(condition = 'bermasalah') = (problem IS NOT NULL)", name="problem_when_problem"),
        CheckConstraint("hours_per_week >= 0 AND hours_per_week <= 80", name="hours"),
        CheckConstraint("classes_using >= 0 AND teachers_using >= 0", name="counts"),
        Index("ix_digital_usage_report_period", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    period: Mapped[date] = mapped_column(Date)
    hours_per_week: Mapped[int] = mapped_column(Integer)
    classes_using: Mapped[int] = mapped_column(Integer)
    teachers_using: Mapped[int] = mapped_column(Integer)
    condition: Mapped[str] = mapped_column(String(12))
    problem: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    photo_filename: Mapped[str | None] = mapped_column(String(255))
    photo_media_type: Mapped[str | None] = mapped_column(String(100))
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())

    school: Mapped[School] = relationship()
    reported_by: Mapped[User] = relationship()

    @property
    def condition_label(self) -> str:
        return USAGE_CONDITIONS[self.condition]

    @property
    def problem_label(self) -> str:
        return USAGE_PROBLEMS.get(self.problem or "", "")


class UsageReminder(Base):
    """The reminder sent to a school that has not reported a month (at most one per school and month)."""

    __tablename__ = "digital_usage_reminder"

    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UsageObstacle(Base):
    """The obstacle (``kendala`` case) opened from a school's flag of one month: a problem it reported, or
    its missing report. One per school and month, so a second click does not open a second case."""

    __tablename__ = "digital_usage_obstacle"

    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    obstacle_id: Mapped[int] = mapped_column(ForeignKey("kendala.id"), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
