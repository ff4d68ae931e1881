"""Digitalisasi Pembelajaran: target schools of a programme year with their readiness, the confirmed safe
room, shipments of devices (by serial number) and their handover record (BAST), and Bimtek sessions with
their invited schools and attendance."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
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
from spmp.regions.models import Unit
from spmp.schools.models import School

# Which kit a school gets follows from its internet class (DOMAIN.md, "Digitalisasi Pembelajaran").
KITS = {
    "panel": "Panel interaktif saja",
    "panel_modem": "Panel interaktif dengan modem",
    "offline_offgrid": "Konten luring dengan daya mandiri (off-grid)",
}
DEVICE_KINDS = {
    "panel": "Panel interaktif (IFP)",
    "laptop": "Laptop",
    "drive": "Media penyimpanan eksternal (konten)",
    "modem": "Modem/switch",
    "offgrid": "Unit daya mandiri (off-grid)",
}
BIMTEK_MODES = {"luring": "Tatap muka (luring)", "daring": "Daring"}
PARTICIPANT_POSITIONS = {"guru": "Guru", "kepala": "Kepala sekolah", "operator": "Operator sekolah"}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class SafeRoom(Base):
    """The school's confirmation that it has a safe room for the panel (lockable, dry, with a socket)."""

    __tablename__ = "digital_safe_room"

    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    note: Mapped[str | None] = mapped_column(String(500))
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigitalTarget(Base):
    """A target school of a programme year and its readiness, as last computed (``spmp.digitalisasi.
    readiness``): the inputs it saw, the threshold it used, the kit and the reasons it is not ready."""

    __tablename__ = "digital_target"
    __table_args__ = (
        UniqueConstraint("year", "school_id", name="uq_digital_target_year_school"),
        CheckConstraint("kit IS NULL OR " + _in("kit", KITS), name="kit"),
        CheckConstraint("threshold_watts > 0", name="threshold_watts"),
        Index("ix_digital_target_school", "school_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    electricity_watts: Mapped[int | None] = mapped_column(Integer)
    internet_access: Mapped[str | None] = mapped_column(String(10))
    has_safe_room: Mapped[bool] = mapped_column(Boolean, default=False)
    threshold_watts: Mapped[int] = mapped_column(Integer)
    kit: Mapped[str | None] = mapped_column(String(20))
    is_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    # Reason codes, comma-separated, in a fixed order (spmp.digitalisasi.readiness.REASONS); "" when ready.
    reasons: Mapped[str] = mapped_column(String(120), default="")
    # When the result last changed (a recompute that finds the same result leaves the row as it is).
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    school: Mapped[School] = relationship()

    @property
    def reason_codes(self) -> list[str]:
        return [code for code in self.reasons.split(",") if code]


class Shipment(Base):
    """One delivery of devices to one school (the supplier's delivery note), followed through the
    ``digitalisasi_pengiriman`` workflow: in transit, received (BAST), checked."""

    __tablename__ = "digital_shipment"
    __table_args__ = (
        UniqueConstraint("year", "reference", "school_id", name="uq_digital_shipment_reference"),
        Index("ix_digital_shipment_school", "school_id", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    reference: Mapped[str] = mapped_column(String(60))  # nomor surat jalan
    supplier: Mapped[str] = mapped_column(String(150))
    shipped_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    school: Mapped[School] = relationship()
    case: Mapped[CaseRecord] = relationship()
    devices: Mapped[list[Device]] = relationship(back_populates="shipment", order_by="Device.serial")
    handover: Mapped[Handover | None] = relationship(back_populates="shipment")


class Handover(Base):
    """The handover record (Berita Acara Serah Terima, BAST) a school confirms for a shipment: who
    received it, when, and (through ``Device.handover_id``) the serial numbers it received. Its photos
    are the shipment case's evidence files."""

    __tablename__ = "digital_handover"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("digital_shipment.id"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    receiver_name: Mapped[str] = mapped_column(String(150))
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    shipment: Mapped[Shipment] = relationship(back_populates="handover")
    devices: Mapped[list[Device]] = relationship(back_populates="handover", order_by="Device.serial")


class Device(Base):
    """One device by its serial number. Shipped to a school; once that school's BAST lists it, it is a
    school asset (``asset_school_id``)."""

    __tablename__ = "digital_device"
    __table_args__ = (
        CheckConstraint(_in("kind", DEVICE_KINDS), name="kind"),
        CheckConstraint("(handover_id IS NULL) = (asset_school_id IS NULL)", name="asset_when_received"),
        Index("ix_digital_device_shipment", "shipment_id"),
        Index("ix_digital_device_asset", "asset_school_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    shipment_id: Mapped[int] = mapped_column(ForeignKey("digital_shipment.id"))
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("digital_handover.id"))
    asset_school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))

    shipment: Mapped[Shipment] = relationship(back_populates="devices")
    handover: Mapped[Handover | None] = relationship(back_populates="devices")

    @property
    def kind_label(self) -> str:
        return DEVICE_KINDS[self.kind]


class BimtekSession(Base):
    """A technical guidance session (Bimtek) run by a B/BPMP: in person or online, with its invited
    schools and the teachers who attended."""

    __tablename__ = "bimtek_session"
    __table_args__ = (
        CheckConstraint(_in("mode", BIMTEK_MODES), name="mode"),
        CheckConstraint("ends_at >= starts_at", name="period"),
        Index("ix_bimtek_session_unit", "unit_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    title: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(300))  # a venue, or the meeting link when online
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()
    invites: Mapped[list[BimtekInvite]] = relationship(back_populates="session", cascade="all, delete-orphan")
    participants: Mapped[list[BimtekParticipant]] = relationship(
        back_populates="session", order_by="BimtekParticipant.id", cascade="all, delete-orphan"
    )

    @property
    def mode_label(self) -> str:
        return BIMTEK_MODES[self.mode]


class BimtekInvite(Base):
    __tablename__ = "bimtek_invite"

    session_id: Mapped[int] = mapped_column(ForeignKey("bimtek_session.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True, index=True)

    session: Mapped[BimtekSession] = relationship(back_populates="invites")
    school: Mapped[School] = relationship()


class BimtekParticipant(Base):
    """A teacher (or principal, operator) of an invited school, and whether they attended."""

    __tablename__ = "bimtek_participant"
    __table_args__ = (
        CheckConstraint(_in("position", PARTICIPANT_POSITIONS), name="position"),
        UniqueConstraint("session_id", "school_id", "name", name="uq_bimtek_participant_person"),
        Index("ix_bimtek_participant_school", "school_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("bimtek_session.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    name: Mapped[str] = mapped_column(String(150))
    position: Mapped[str] = mapped_column(String(10))
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    attendance_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    attendance_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    session: Mapped[BimtekSession] = relationship(back_populates="participants")
    school: Mapped[School] = relationship()
    attendance_by: Mapped[User | None] = relationship()

    @property
    def position_label(self) -> str:
        return PARTICIPANT_POSITIONS[self.position]


# --- Bimtek materials and follow-up questions (after the session) ---------------------------------------
MATERIAL_KINDS = {"file": "Berkas", "link": "Tautan"}


class BimtekMaterial(Base):
    """Material of a Bimtek session: an uploaded file (stored by its sha256 like evidence) or a link."""

    __tablename__ = "bimtek_material"
    __table_args__ = (
        CheckConstraint(_in("kind", MATERIAL_KINDS), name="kind"),
        CheckConstraint("(kind = 'link') = (url IS NOT NULL)", name="link_has_url"),
        CheckConstraint("(kind = 'file') = (sha256 IS NOT NULL)", name="file_has_blob"),
        Index("ix_bimtek_material_session", "session_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("bimtek_session.id"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    url: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())

    session: Mapped[BimtekSession] = relationship()

    @property
    def kind_label(self) -> str:
        return MATERIAL_KINDS[self.kind]


class BimtekQuestion(Base):
    """A follow-up question a school (for its teacher) asks after a Bimtek session, and its answer by the
    organising B/BPMP (staff, head or facilitator of the unit). Unanswered questions are listed with age."""

    __tablename__ = "bimtek_question"
    __table_args__ = (
        CheckConstraint("(answer IS NULL) = (answered_at IS NULL)", name="answered_when_answer"),
        Index("ix_bimtek_question_session", "session_id", "asked_at"),
        Index("ix_bimtek_question_open", "answered_at", "asked_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("bimtek_session.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    asker_name: Mapped[str] = mapped_column(String(150))  # the teacher who asks (as the school writes it)
    question: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    session: Mapped[BimtekSession] = relationship()
    school: Mapped[School] = relationship()
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])


# --- the school returns a delivery / its BAST for correction ---------------------------------------------
RETURN_REASONS = {
    "nomor_seri_salah": "Nomor seri tidak sesuai",
    "perangkat_rusak": "Perangkat rusak",
    "perangkat_kurang": "Perangkat kurang",
    "lainnya": "Lainnya",
}


class ShipmentReturn(Base):
    """The school refused or returned a shipment's BAST (wrong serials, a damaged device) with a reason;
    the B/BPMP (with the supplier) corrects the shipment and sends it back for a new BAST. A returned BAST
    is kept here (who received it, when, which serials) since its ``Handover`` row is removed."""

    __tablename__ = "digital_shipment_return"
    __table_args__ = (
        CheckConstraint(_in("reason", RETURN_REASONS), name="reason"),
        CheckConstraint("(corrected_at IS NULL) = (corrected_by_id IS NULL)", name="corrected_by"),
        Index("ix_digital_shipment_return_shipment", "shipment_id", "returned_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("digital_shipment.id"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    serials: Mapped[str] = mapped_column(Text, default="")  # the serials the school names, one per line
    # The BAST that was returned (none when the school refused before writing one).
    returned_bast: Mapped[str | None] = mapped_column(Text)
    returned_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    returned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    correction: Mapped[str | None] = mapped_column(Text)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    shipment: Mapped[Shipment] = relationship()

    @property
    def reason_label(self) -> str:
        return RETURN_REASONS[self.reason]

    @property
    def serial_list(self) -> list[str]:
        return [s for s in self.serials.splitlines() if s]
