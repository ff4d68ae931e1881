"""A Widyaprada task (the data of a ``widyaprada_task`` case), its target schools, its report and the
follow-up actions the report addresses to schools."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spmp.accounts.models import User
from spmp.db import Base, UTCDateTime
from spmp.engine.cases import CaseRecord
from spmp.regions.models import Regency
from spmp.schools.models import School

# The five duties of a Widyaprada (Permendikbud 37/2020), in the order the regulation lists them.
TASK_KINDS = {
    "pemetaan_mutu": "Pemetaan Mutu",
    "pendampingan": "Pendampingan",
    "pembimbingan": "Pembimbingan",
    "supervisi": "Supervisi",
    "pengembangan_model": "Pengembangan Model",
}
TASK_SCOPES = {"school": "Satu sekolah", "group": "Kelompok sekolah", "regency": "Kabupaten/kota"}

# Workload weight of a task by kind and scope (the unit is one supervision visit to one school). No
# national figure is published: these are the SPMP defaults, used to balance caseloads ("bobot").
KIND_WEIGHT = {
    "pemetaan_mutu": 2,
    "pendampingan": 2,
    "pembimbingan": 1,
    "supervisi": 1,
    "pengembangan_model": 3,
}
SCOPE_FACTOR = {"school": 1, "group": 2, "regency": 4}

FOLLOW_UP_STATUSES = {"open": "Belum selesai", "done": "Selesai"}


def task_weight(kind: str, scope: str) -> int:
    """The weight of a task of ``kind`` over ``scope``: mapping a regency (2 x 4 = 8) weighs eight visits."""
    return KIND_WEIGHT[kind] * SCOPE_FACTOR[scope]


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class WidyapradaTask(Base):
    """One task; its state, assignee, unit and region live on the case row (``case_record``)."""

    __tablename__ = "widyaprada_task"
    __table_args__ = (
        CheckConstraint(_in("kind", TASK_KINDS), name="kind"),
        CheckConstraint(_in("scope", TASK_SCOPES), name="scope"),
        CheckConstraint("planned_end >= planned_start", name="planned_period"),
        CheckConstraint("weight > 0", name="weight"),
        CheckConstraint("report_version >= 0", name="report_version"),
        CheckConstraint("(scope = 'regency') = (target_regency_code IS NOT NULL)", name="regency_target"),
        Index("ix_widyaprada_task_linked", "linked_case_id"),
        Index("ix_widyaprada_task_due", "due_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(10))
    purpose: Mapped[str] = mapped_column(Text)
    planned_start: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date] = mapped_column(Date)
    # When the report is due (reminders before it, escalation to the head after it).
    due_date: Mapped[date] = mapped_column(Date)
    weight: Mapped[int] = mapped_column(Integer)
    target_regency_code: Mapped[str | None] = mapped_column(ForeignKey("regency.code"))
    # The planned visit date (set by "Jadwalkan"); the visits helper adds actual dates and travel days.
    visit_date: Mapped[date | None] = mapped_column(Date)
    # The case this task serves (an SPMI cycle, an accreditation visit, a Revitalisasi/Digitalisasi case).
    linked_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    # Report: findings and recommendations; ``report_version`` rises with each save (stale saves refused).
    findings: Mapped[str | None] = mapped_column(Text)
    recommendations: Mapped[str | None] = mapped_column(Text)
    report_version: Mapped[int] = mapped_column(Integer, default=0)
    report_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    report_saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    case: Mapped[CaseRecord] = relationship(foreign_keys=[case_id])
    linked_case: Mapped[CaseRecord | None] = relationship(foreign_keys=[linked_case_id])
    target_regency: Mapped[Regency | None] = relationship()
    schools: Mapped[list[School]] = relationship(secondary="widyaprada_task_school", order_by="School.name")
    follow_ups: Mapped[list[FollowUpAction]] = relationship(
        back_populates="task", order_by="FollowUpAction.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[ReportPhoto]] = relationship(order_by="ReportPhoto.id", cascade="all, delete-orphan")

    @property
    def kind_label(self) -> str:
        return TASK_KINDS.get(self.kind, self.kind)

    @property
    def scope_label(self) -> str:
        return TASK_SCOPES.get(self.scope, self.scope)

    @property
    def has_report(self) -> bool:
        return bool((self.findings or "").strip() and (self.recommendations or "").strip())


class WidyapradaTaskSchool(Base):
    """A target school of a task (one for a school task, several for a group; none for a regency)."""

    __tablename__ = "widyaprada_task_school"
    __table_args__ = (Index("ix_widyaprada_task_school_school", "school_id"),)

    task_id: Mapped[int] = mapped_column(
        ForeignKey("widyaprada_task.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)


class FollowUpAction(Base):
    """A follow-up action the report addresses to one school. The school sees it once the head approved
    the report (``published_at``), and marks it done with a note and an evidence file."""

    __tablename__ = "widyaprada_follow_up"
    __table_args__ = (
        CheckConstraint(_in("status", FOLLOW_UP_STATUSES), name="status"),
        CheckConstraint("(status = 'done') = (done_at IS NOT NULL)", name="done_at"),
        Index("ix_widyaprada_follow_up_school", "school_id", "status"),
        Index("ix_widyaprada_follow_up_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("widyaprada_task.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    description: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    done_note: Mapped[str | None] = mapped_column(Text)
    # The evidence file, content-addressed like case evidence (settings.evidence_path).
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_filename: Mapped[str | None] = mapped_column(String(255))
    evidence_media_type: Mapped[str | None] = mapped_column(String(100))

    task: Mapped[WidyapradaTask] = relationship(back_populates="follow_ups")
    school: Mapped[School] = relationship()
    done_by: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return FOLLOW_UP_STATUSES.get(self.status, self.status)


class ReportPhoto(Base):
    """A photo taken for the report (at the school, often offline), stored content-addressed like evidence.
    Photos accumulate over the report's versions; ``report_version`` is the save that brought it."""

    __tablename__ = "widyaprada_report_photo"
    __table_args__ = (
        CheckConstraint("size_bytes > 0", name="size"),
        Index("ix_widyaprada_report_photo_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("widyaprada_task.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    report_version: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))


class ReportReceipt(Base):
    """One accepted report submission, by the key its draft carried (a draft made offline gets one key when
    it is queued): the same draft sent again finds its receipt and writes nothing."""

    __tablename__ = "widyaprada_report_receipt"
    __table_args__ = (
        UniqueConstraint("draft_key"),
        Index("ix_widyaprada_report_receipt_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("widyaprada_task.id", ondelete="CASCADE"))
    draft_key: Mapped[str] = mapped_column(String(64))
    report_version: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
