"""A planned (and later actual) visit of a Widyaprada to a school, and school holiday periods per province."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spmp.accounts.models import User
from spmp.db import Base, UTCDateTime
from spmp.regions.models import Province
from spmp.schools.models import School


class Visit(Base):
    """One trip to one school. ``planned_start``..``planned_end`` may span several days: in 3T regions
    the travel is part of the visit. The actual dates are recorded afterwards."""

    __tablename__ = "visit"
    __table_args__ = (
        CheckConstraint("planned_end >= planned_start", name="planned_period"),
        CheckConstraint(
            "(actual_start IS NULL) = (actual_end IS NULL) AND (actual_end IS NULL OR actual_end >= actual_start)",
            name="actual_period",
        ),
        CheckConstraint("(cancelled_at IS NULL) = (cancel_reason IS NULL)", name="cancelled"),
        Index("ix_visit_widyaprada", "widyaprada_id", "planned_start"),
        Index("ix_visit_school", "school_id", "planned_start"),
        Index("ix_visit_unit", "unit_id", "planned_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    widyaprada_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    # The case the visit serves, when there is one (a Widyaprada task, an SPMI cycle's case...).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(300))
    planned_start: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date] = mapped_column(Date)
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)
    # The warnings the planner saw and overrode, and why (also in the audit trail).
    warnings: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A cancelled visit stays on record (with who, when and why) but leaves the calendar and its warnings.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    school: Mapped[School] = relationship()
    widyaprada: Mapped[User] = relationship(foreign_keys=[widyaprada_id])

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def start(self) -> date:
        return self.actual_start or self.planned_start

    @property
    def end(self) -> date:
        return self.actual_end or self.planned_end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class SchoolHoliday(Base):
    """A school holiday period (libur semester, libur Ramadan...) set by a province's calendar of
    education (kalender pendidikan)."""

    __tablename__ = "school_holiday"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="period"),
        Index("ix_school_holiday_province", "province_code", "start_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    name: Mapped[str] = mapped_column(String(150))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    province: Mapped[Province] = relationship()
