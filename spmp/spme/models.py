"""Accreditation history, accreditation field visits (case type ``accreditation_visit``) and external
visits (Pemda supervision, development partners) recorded against a school."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spmp.accounts.models import User
from spmp.db import Base, UTCDateTime
from spmp.schools.models import ACCREDITATION, School

VISIT_KINDS = {"supervisi_pemda": "Supervisi Pemda", "mitra": "Fasilitasi Mitra Pembangunan"}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class AccreditationRecord(Base):
    """One BAN-PDM accreditation decision (or automatic extension) for a school; the latest is current."""

    __tablename__ = "accreditation_record"
    __table_args__ = (
        CheckConstraint(_in("rank", ACCREDITATION), name="rank"),
        CheckConstraint("end_date > start_date", name="validity"),
        Index("ix_accreditation_record_school", "school_id", "start_date"),
        Index("ix_accreditation_record_end", "end_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    rank: Mapped[str] = mapped_column(String(2))
    decree_number: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    is_automatic_extension: Mapped[bool] = mapped_column(Boolean, default=False)
    visit_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when the school was reminded of the coming expiry: each decision is reminded about once.
    expiry_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    school: Mapped[School] = relationship()


class ExternalVisit(Base):
    """A Pemda supervision visit or a development partner's facilitation at a school."""

    __tablename__ = "external_visit"
    __table_args__ = (
        CheckConstraint(_in("kind", VISIT_KINDS), name="kind"),
        Index("ix_external_visit_school", "school_id", "visit_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    kind: Mapped[str] = mapped_column(String(20))
    visit_date: Mapped[date] = mapped_column(Date)
    visitor: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    findings: Mapped[str] = mapped_column(Text)
    follow_ups: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    school: Mapped[School] = relationship()
    recorded_by: Mapped[User] = relationship()

    @property
    def kind_label(self) -> str:
        return VISIT_KINDS.get(self.kind, self.kind)


class AccreditationVisit(Base):
    """The data of an accreditation field-visit case (``accreditation_visit``): the visit and its result."""

    __tablename__ = "accreditation_visit"
    __table_args__ = (
        CheckConstraint(f"result_rank IS NULL OR {_in('result_rank', ACCREDITATION)}", name="result_rank"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    visit_date: Mapped[date | None] = mapped_column(Date)
    result_rank: Mapped[str | None] = mapped_column(String(2))
    decree_number: Mapped[str | None] = mapped_column(String(100))
    appeal: Mapped[str | None] = mapped_column(Text)
