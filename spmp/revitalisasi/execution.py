"""The execution of a selected Revitalisasi proposal (``revitalisasi`` workflow version 2, after *terpilih*):
the school's P2SP committee, the pre-construction documents (RAB, drawings, schedule, PBG) and the
accountability report, the two tranches of the approved budget, and the physical progress reports with
their geotagged photos, verified by the university facilitator assigned to the school.

Rules kept here (pure, beside the tables they govern):
- one person (one NIK) holds at most one P2SP role on a committee (an inspectorate finding): a unique
  constraint on (proposal, NIK), and the operation names the person and the role already held;
- tranche I is 70 % and tranche II 30 % of the approved budget (the proposal's requested budget, as the
  selection priced it);
- tranche II needs the latest facilitator-verified physical progress at or above a threshold
  (``SPMP_REVIT_TRANCHE2_MIN_PROGRESS``, 50 by default; the programme uses 50 or 70).
"""

from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
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
from spmp.revitalisasi.models import GeotaggedPhoto, RevitalisasiProposal, _in

P2SP_ROLES = {
    "ketua": "Ketua",
    "sekretaris": "Sekretaris",
    "bendahara": "Bendahara",
    "anggota_teknis": "Anggota teknis",
    "anggota": "Anggota",
}
# Roles a complete committee must have; the first three are held by one person each.
P2SP_REQUIRED = ("ketua", "sekretaris", "bendahara", "anggota_teknis")
P2SP_SINGLE = ("ketua", "sekretaris", "bendahara")

# Pre-construction documents (all four before tranche I), then the handover record and the LPJ.
DOCUMENT_KINDS = {
    "rab": "Rencana Anggaran Biaya (RAB)",
    "gambar": "Gambar kerja",
    "jadwal": "Jadwal pelaksanaan",
    "pbg": "Persetujuan Bangunan Gedung (PBG)",
    "ba_serah_terima": "Berita acara serah terima",
    "lpj": "Laporan pertanggungjawaban (LPJ)",
}
PRE_CONSTRUCTION = ("rab", "gambar", "jadwal", "pbg")

TRANCHE_PERCENT = {1: 70, 2: 30}
# A school's progress report is one of the programme's milestones; a facilitator's visit records the
# whole percentage they saw on site.
MILESTONES = (0, 25, 50, 75, 100)
REPORT_SOURCES = {"sekolah": "Laporan sekolah", "fasilitator": "Kunjungan fasilitator"}

TRANCHE2_ENV = "SPMP_REVIT_TRANCHE2_MIN_PROGRESS"
TRANCHE2_DEFAULT = 50


def tranche2_min_progress() -> int:
    """The verified physical progress (percent) tranche II needs: ``SPMP_REVIT_TRANCHE2_MIN_PROGRESS``
    (default 50). Read on each check, so a changed setting applies to the next decision; a value that is
    not a whole number from 1 to 100 is refused loudly rather than silently replaced."""
    raw = os.environ.get(TRANCHE2_ENV, "").strip()
    if not raw:
        return TRANCHE2_DEFAULT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 100:
        raise ValueError(f"{TRANCHE2_ENV} harus bilangan bulat 1-100, bukan {raw!r}")
    return int(raw)


def tranche_amount(budget: int, number: int) -> int:
    """Tranche ``number``'s amount in rupiah: 70 % / 30 % of ``budget``; the second takes the remainder so
    the two add up to the budget exactly."""
    first = budget * TRANCHE_PERCENT[1] // 100
    return first if number == 1 else budget - first


def is_valid_nik(nik: str) -> bool:
    """A NIK is 16 ASCII digits (``str.isdigit`` alone would accept other scripts' digits)."""
    return len(nik) == 16 and nik.isascii() and nik.isdigit()


class P2spMember(Base):
    """A member of the school's P2SP committee (Panitia Pembangunan Satuan Pendidikan)."""

    __tablename__ = "revitalisasi_p2sp_member"
    __table_args__ = (
        # One person may not hold two roles on one committee.
        UniqueConstraint("proposal_id", "nik", name="uq_revitalisasi_p2sp_member_proposal_nik"),
        CheckConstraint(_in("role", P2SP_ROLES), name="role"),
        CheckConstraint("length(nik) = 16", name="nik_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("revitalisasi_proposal.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(150))
    nik: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(30))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())

    proposal: Mapped[RevitalisasiProposal] = relationship()

    @property
    def role_label(self) -> str:
        return P2SP_ROLES.get(self.role, self.role)

    @property
    def masked_nik(self) -> str:
        """The NIK as pages and downloads show it: the middle eight digits hidden (a NIK is personal data;
        the full number stays in the database for the one-role check)."""
        return f"{self.nik[:4]}••••••••{self.nik[-4:]}"


class ExecutionDocument(Base):
    """One document of the execution (one per kind; a new upload replaces it, the audit keeps each)."""

    __tablename__ = "revitalisasi_document"
    __table_args__ = (
        UniqueConstraint("proposal_id", "kind", name="uq_revitalisasi_document_proposal_kind"),
        CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("revitalisasi_proposal.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def kind_label(self) -> str:
        return DOCUMENT_KINDS.get(self.kind, self.kind)


class Tranche(Base):
    """A disbursed tranche: number 1 (70 %) or 2 (30 %) of the approved budget. For tranche II the
    verified progress and the threshold it was checked against are kept with it."""

    __tablename__ = "revitalisasi_tranche"
    __table_args__ = (
        UniqueConstraint("proposal_id", "number", name="uq_revitalisasi_tranche_proposal_number"),
        CheckConstraint("number IN (1, 2)", name="number"),
        CheckConstraint("percent BETWEEN 1 AND 100", name="percent"),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint(
            "verified_progress IS NULL OR verified_progress BETWEEN 0 AND 100", name="verified_progress"
        ),
        CheckConstraint("min_progress IS NULL OR min_progress BETWEEN 1 AND 100", name="min_progress"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("revitalisasi_proposal.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    percent: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)  # rupiah
    disbursed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disbursed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    # Tranche II only: the facilitator-verified progress it rested on and the threshold then in force.
    verified_progress: Mapped[int | None] = mapped_column(Integer)
    min_progress: Mapped[int | None] = mapped_column(Integer)
    progress_id: Mapped[int | None] = mapped_column(ForeignKey("revitalisasi_progress.id"))
    note: Mapped[str | None] = mapped_column(Text)

    disbursed_by: Mapped[User] = relationship(foreign_keys=[disbursed_by_id])


class ProgressReport(Base):
    """A physical progress report: a school's at a milestone (0/25/50/75/100 %), or a facilitator's visit
    report (the whole percent seen on site). ``verified_by_id``/``verified_at`` are set when a facilitator
    verified it: at once for their own visit report, later for a school's."""

    __tablename__ = "revitalisasi_progress"
    __table_args__ = (
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent"),
        CheckConstraint(_in("source", REPORT_SOURCES), name="source"),
        CheckConstraint("(verified_by_id IS NULL) = (verified_at IS NULL)", name="verified_pair"),
        Index("ix_revitalisasi_progress_verified", "proposal_id", "verified_at"),
        Index("uq_revitalisasi_progress_draft_key", "draft_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("revitalisasi_proposal.id", ondelete="CASCADE"), index=True
    )
    percent: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(12))
    notes: Mapped[str | None] = mapped_column(Text)
    visit_date: Mapped[str | None] = mapped_column(String(10))  # ISO date of the facilitator's visit
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The key of the offline draft this visit report came from (spmp.drafts): sent again, it is not
    # recorded twice. None for reports sent without one.
    draft_key: Mapped[str | None] = mapped_column(String(64))

    reported_by: Mapped[User] = relationship(foreign_keys=[reported_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    photos: Mapped[list[ProgressPhoto]] = relationship(
        back_populates="report", order_by="ProgressPhoto.id", cascade="all, delete-orphan"
    )

    @property
    def is_verified(self) -> bool:
        return self.verified_by_id is not None

    @property
    def source_label(self) -> str:
        return REPORT_SOURCES.get(self.source, self.source)


class ProgressPhoto(GeotaggedPhoto, Base):
    """A photo of a progress report (position and distance to the school as the proposal's photos)."""

    __tablename__ = "revitalisasi_progress_photo"
    __table_args__ = (
        UniqueConstraint("progress_id", "sha256", name="uq_revitalisasi_progress_photo_progress_sha256"),
        *GeotaggedPhoto.position_checks(),
    )

    progress_id: Mapped[int] = mapped_column(
        ForeignKey("revitalisasi_progress.id", ondelete="CASCADE"), index=True
    )

    report: Mapped[ProgressReport] = relationship(back_populates="photos")
