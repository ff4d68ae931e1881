"""SPMI cycle data: one cycle per school per tahun ajaran (a ``case_record`` of type ``spmi_cycle``) and
the PBD content the school writes into it. Rapor Pendidikan indicators are per school and year, outside
any cycle, so a later cycle can compare them (improved / held / declined)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spmp.db import Base, UTCDateTime
from spmp.engine.cases import CaseRecord
from spmp.schools.models import School

# The 8 Standar Nasional Pendidikan (PP 57/2021).
SNP = {
    "kompetensi_lulusan": "Standar Kompetensi Lulusan",
    "isi": "Standar Isi",
    "proses": "Standar Proses",
    "penilaian": "Standar Penilaian Pendidikan",
    "ptk": "Standar Pendidik dan Tenaga Kependidikan",
    "sarpras": "Standar Sarana dan Prasarana",
    "pengelolaan": "Standar Pengelolaan",
    "pembiayaan": "Standar Pembiayaan",
}
# Rapor Pendidikan achievement bands.
BANDS = {"baik": "Baik", "sedang": "Sedang", "kurang": "Kurang"}
# Items a Widyaprada's review note can be attached to.
NOTE_ITEMS = ("general", "priority", "root_cause", "activity", "standard", "progress", "evaluation", "plan")
NOTE_ITEM_LABELS = {
    "general": "Catatan umum", "priority": "Prioritas (Identifikasi)", "root_cause": "Akar masalah (Refleksi)",
    "activity": "Kegiatan (Benahi)", "standard": "Target standar", "progress": "Laporan kemajuan",
    "evaluation": "Evaluasi", "plan": "Rencana tindak lanjut",
}  # fmt: skip


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class RaporIndicator(Base):
    """One Rapor Pendidikan indicator value of a school for a year (imported)."""

    __tablename__ = "rapor_indicator"
    __table_args__ = (
        UniqueConstraint("school_id", "year", "code", name="uq_rapor_indicator_school_year_code"),
        CheckConstraint(_in("band", BANDS), name="band"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    year: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    dimension: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(10))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SpmiCycle(Base):
    """A school's SPMI cycle for one tahun ajaran (``year`` = its first calendar year, 2026 = 2026/2027)."""

    __tablename__ = "spmi_cycle"
    __table_args__ = (
        UniqueConstraint("school_id", "year", name="uq_spmi_cycle_school_year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("spmi_cycle.id"))
    # Written in the Perencanaan phase; copied into next year's ``carried_plan`` when the cycle closes.
    next_plan: Mapped[str | None] = mapped_column(Text)
    carried_plan: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[CaseRecord] = relationship()
    school: Mapped[School] = relationship()

    @property
    def label(self) -> str:
        return f"{self.year}/{self.year + 1}"


class SpmiStandard(Base):
    """A national-standard (SNP) target the school commits to in Penetapan Standar Mutu."""

    __tablename__ = "spmi_standard"
    __table_args__ = (
        UniqueConstraint("cycle_id", "snp", name="uq_spmi_standard_cycle_snp"),
        CheckConstraint(_in("snp", SNP), name="snp"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("spmi_cycle.id", ondelete="CASCADE"))
    snp: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(Text)


class SpmiPriority(Base):
    """Identifikasi: a priority indicator chosen by the school, with the reason."""

    __tablename__ = "spmi_priority"
    __table_args__ = (
        UniqueConstraint("cycle_id", "indicator_code", name="uq_spmi_priority_cycle_indicator"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("spmi_cycle.id", ondelete="CASCADE"))
    indicator_code: Mapped[str] = mapped_column(String(20))
    indicator_name: Mapped[str] = mapped_column(String(200))
    baseline_value: Mapped[float | None] = mapped_column(Float)
    baseline_band: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)

    root_causes: Mapped[list[SpmiRootCause]] = relationship(
        back_populates="priority", order_by="SpmiRootCause.id", cascade="all, delete-orphan"
    )


class SpmiRootCause(Base):
    """Refleksi: a root cause of a priority."""

    __tablename__ = "spmi_root_cause"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("spmi_priority.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)

    priority: Mapped[SpmiPriority] = relationship(back_populates="root_causes")
    activities: Mapped[list[SpmiActivity]] = relationship(
        back_populates="root_cause", order_by="SpmiActivity.id", cascade="all, delete-orphan"
    )


class SpmiActivity(Base):
    """Benahi: an improvement activity for a root cause, linked to one SNP."""

    __tablename__ = "spmi_activity"
    __table_args__ = (
        CheckConstraint(_in("snp", SNP), name="snp"),
        CheckConstraint("end_date >= start_date", name="timeline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("spmi_cycle.id", ondelete="CASCADE"), index=True)
    root_cause_id: Mapped[int] = mapped_column(
        ForeignKey("spmi_root_cause.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    snp: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(150))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    budget_ref: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(Text)

    root_cause: Mapped[SpmiRootCause] = relationship(back_populates="activities")
    progress: Mapped[list[SpmiProgress]] = relationship(
        order_by="SpmiProgress.id", cascade="all, delete-orphan"
    )

    @property
    def percent_done(self) -> int:
        return self.progress[-1].percent if self.progress else 0


class SpmiProgress(Base):
    """Pelaksanaan: a progress report on an activity, optionally with an evidence file of the case."""

    __tablename__ = "spmi_progress"
    __table_args__ = (CheckConstraint("percent BETWEEN 0 AND 100", name="percent"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("spmi_activity.id", ondelete="CASCADE"), index=True)
    percent: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("case_evidence.id"))
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SpmiEvaluation(Base):
    """Pemeriksaan/Evaluasi: what was achieved for one priority indicator."""

    __tablename__ = "spmi_evaluation"
    __table_args__ = (
        UniqueConstraint("cycle_id", "indicator_code", name="uq_spmi_evaluation_cycle_indicator"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("spmi_cycle.id", ondelete="CASCADE"))
    indicator_code: Mapped[str] = mapped_column(String(20))
    achievement: Mapped[str] = mapped_column(Text)


class SpmiReviewNote(Base):
    """A Widyaprada's note when returning a phase, attached to the item it concerns (or the phase)."""

    __tablename__ = "spmi_review_note"
    __table_args__ = (
        CheckConstraint(_in("item_kind", NOTE_ITEMS), name="item_kind"),
        Index("ix_spmi_review_note_cycle", "cycle_id", "phase"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("spmi_cycle.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(60))
    item_kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


CHANGE_ACTIONS = {"tambah": "ditambahkan", "ubah": "diubah", "pindah": "dipindah", "hapus": "dihapus"}


class SpmiChange(Base):
    """What the school added, edited, moved or removed in its cycle (so a re-review shows what changed since
    the phase was returned). Like review notes, it names an item by kind and id, without a foreign key: the
    record outlives a removed item."""

    __tablename__ = "spmi_change"
    __table_args__ = (
        CheckConstraint(_in("item_kind", NOTE_ITEMS), name="item_kind"),
        CheckConstraint(_in("action", CHANGE_ACTIONS), name="action"),
        Index("ix_spmi_change_cycle", "cycle_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("spmi_cycle.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(60))
    item_kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
