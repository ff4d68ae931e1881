"""A Revitalisasi proposal (the data of a ``revitalisasi`` case): the school's rooms with their damage per
component (PUPR form), the resulting percentage and band, the rooms requested, the land, the geotagged
photos and the surveyor-signed damage form, the requested budget.

Damage of a room = sum over the components of (component weight x share of the component damaged). The
bands are the PUPR form's: ringan <= 30 %, sedang > 30-45 %, berat > 45 %. Only rooms of at least sedang
damage may be requested."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
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
from spmp.schools.models import School

# Components of a room or building on the PUPR damage form, with their weight (percent of the whole; the
# sum is 100). No weights are published with the 2026 brief: these are SPMP's defaults, after the usual
# split of a single-storey school building (structure about half, roof a quarter, finishes the rest).
COMPONENTS = {
    "pondasi": ("Pondasi", 12),
    "kolom_balok": ("Kolom/balok", 25),
    "kuda_kuda_atap": ("Kuda-kuda atap", 15),
    "tutup_atap": ("Tutup atap", 10),
    "plafon": ("Plafon", 8),
    "dinding": ("Dinding", 10),
    "kusen": ("Kusen pintu/jendela", 8),
    "instalasi": ("Instalasi listrik/air", 7),
    "drainase": ("Drainase", 5),
}

BANDS = {"ringan": "Rusak ringan", "sedang": "Rusak sedang", "berat": "Rusak berat"}
REQUESTABLE_BANDS = ("sedang", "berat")
LIGHT_MAX = 30.0  # ringan: damage <= 30 %
MEDIUM_MAX = 45.0  # sedang: 30 % < damage <= 45 %; berat above

ROOM_KINDS = {
    "ruang_kelas": "Ruang kelas",
    "perpustakaan": "Perpustakaan",
    "laboratorium": "Laboratorium",
    "ruang_guru": "Ruang guru",
    "toilet": "Toilet",
    "ruang_lain": "Ruang lain",
}
SOURCES = {"form": "Formulir Pemda", "import": "Impor berkas", "rekomendasi": "Rekomendasi data sekolah"}

# A photo whose EXIF position is farther than this from the school's coordinates is flagged for the
# verifier (Dapodik coordinates are often off by a few hundred metres, so not tighter).
PHOTO_MAX_DISTANCE_M = 1_000
REQUIRED_PHOTOS = 6
THUMBNAIL_PX = 480  # the 2026 proposal documents: 6 geotagged photos of the damage


def damage_percent(damages: dict[str, float]) -> float:
    """A room's damage: each component's damaged share (0-100) times its weight, summed (0-100)."""
    total = sum(COMPONENTS[name][1] * float(share) for name, share in damages.items())
    return round(total / 100, 2)


def damage_band(percent: float) -> str:
    """The PUPR band of a damage percentage."""
    if percent <= LIGHT_MAX:
        return "ringan"
    if percent <= MEDIUM_MAX:
        return "sedang"
    return "berat"


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class RevitalisasiProposal(Base):
    """One school's proposal for one programme year; its state, unit and region live on its case row."""

    __tablename__ = "revitalisasi_proposal"
    __table_args__ = (
        UniqueConstraint("school_id", "year", name="school_year"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint(_in("band", BANDS), name="band"),
        CheckConstraint("damage_percent BETWEEN 0 AND 100", name="damage_percent"),
        CheckConstraint("requested_budget >= 0", name="requested_budget"),
        CheckConstraint("year BETWEEN 2025 AND 2100", name="year"),
        CheckConstraint("pupils_affected IS NULL OR pupils_affected >= 0", name="pupils_affected"),
        Index("ix_revitalisasi_proposal_year", "year", "school_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    year: Mapped[int] = mapped_column(Integer)  # programme year (tahun anggaran)
    source: Mapped[str] = mapped_column(String(12), default="form")
    # Over the rooms requested (all rooms when none is): mean damage and its band, kept for lists and
    # the selection; the rooms hold the breakdown.
    damage_percent: Mapped[float] = mapped_column(Float, default=0.0)
    band: Mapped[str] = mapped_column(String(6), default="ringan")
    rooms_requested: Mapped[int] = mapped_column(Integer, default=0)
    requested_budget: Mapped[int] = mapped_column(BigInteger)  # rupiah
    pupils_affected: Mapped[int | None] = mapped_column(Integer)
    # The year of the last rehabilitation (from the school's data unless the proposal says otherwise).
    last_rehab_year: Mapped[int | None] = mapped_column(Integer)
    # First year the school's Dapodik data was filled in (eligibility: 2 years).
    dapodik_since_year: Mapped[int | None] = mapped_column(Integer)
    is_3t: Mapped[bool] = mapped_column(Boolean, default=False)  # the regency is on the current 3T list
    # Land ready to build, with its proof (a certificate or letter number, and optionally the scan).
    land_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    land_proof: Mapped[str | None] = mapped_column(String(300))
    land_proof_sha256: Mapped[str | None] = mapped_column(String(64))
    land_proof_filename: Mapped[str | None] = mapped_column(String(255))
    # The PUPR damage form, signed by a surveyor.
    surveyor_name: Mapped[str | None] = mapped_column(String(150))
    damage_form_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    damage_form_sha256: Mapped[str | None] = mapped_column(String(64))
    damage_form_filename: Mapped[str | None] = mapped_column(String(255))
    # Eligibility as last checked (spmp.revitalisasi.eligibility); the reasons are recomputed for display.
    is_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[CaseRecord] = relationship()
    school: Mapped[School] = relationship()
    created_by: Mapped[User] = relationship()
    rooms: Mapped[list[RevitalisasiRoom]] = relationship(
        back_populates="proposal", order_by="RevitalisasiRoom.position", cascade="all, delete-orphan"
    )
    photos: Mapped[list[RevitalisasiPhoto]] = relationship(
        back_populates="proposal", order_by="RevitalisasiPhoto.id", cascade="all, delete-orphan"
    )

    @property
    def band_label(self) -> str:
        return BANDS.get(self.band, self.band)

    def years_since_rehab(self) -> int | None:
        return None if self.last_rehab_year is None else self.year - self.last_rehab_year


class RevitalisasiRoom(Base):
    """A room or building of the proposal with its damage percentage and band (from its components)."""

    __tablename__ = "revitalisasi_room"
    __table_args__ = (
        UniqueConstraint("proposal_id", "position", name="position"),
        CheckConstraint(_in("kind", ROOM_KINDS), name="kind"),
        CheckConstraint(_in("band", BANDS), name="band"),
        CheckConstraint("damage_percent BETWEEN 0 AND 100", name="damage_percent"),
        # Only rooms of at least medium damage are rehabilitated.
        CheckConstraint(f"NOT is_requested OR {_in('band', REQUESTABLE_BANDS)}", name="requested_band"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("revitalisasi_proposal.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(20), default="ruang_kelas")
    damage_percent: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(6))
    is_requested: Mapped[bool] = mapped_column(Boolean, default=False)

    proposal: Mapped[RevitalisasiProposal] = relationship(back_populates="rooms")
    damages: Mapped[list[RevitalisasiDamage]] = relationship(
        back_populates="room", cascade="all, delete-orphan", order_by="RevitalisasiDamage.component"
    )

    @property
    def band_label(self) -> str:
        return BANDS.get(self.band, self.band)

    @property
    def kind_label(self) -> str:
        return ROOM_KINDS.get(self.kind, self.kind)

    def breakdown(self) -> list[tuple[str, int, float, float]]:
        """(component label, weight, damaged share, contribution) in the form's order."""
        shares = {d.component: d.percent for d in self.damages}
        return [
            (label, weight, shares.get(key, 0.0), round(weight * shares.get(key, 0.0) / 100, 2))
            for key, (label, weight) in COMPONENTS.items()
        ]


class RevitalisasiDamage(Base):
    """The damaged share (0-100 %) of one component of a room, as the surveyor recorded it."""

    __tablename__ = "revitalisasi_damage"
    __table_args__ = (
        CheckConstraint(_in("component", COMPONENTS), name="component"),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent"),
    )

    room_id: Mapped[int] = mapped_column(
        ForeignKey("revitalisasi_room.id", ondelete="CASCADE"), primary_key=True
    )
    component: Mapped[str] = mapped_column(String(20), primary_key=True)
    percent: Mapped[float] = mapped_column(Float)

    room: Mapped[RevitalisasiRoom] = relationship(back_populates="damages")


class GeotaggedPhoto:
    """The columns and checks shared by the geotagged photos (a proposal's, a progress report's): the file,
    its thumbnail, the position read from its EXIF GPS tags (never typed) and its distance to the school's
    coordinates; ``is_far`` flags it for the verifier (``spmp.revitalisasi.photos`` reads the tags). The
    photo's owner (its foreign key and the unique digest per owner) stays on each table."""

    # Only the order of the columns in the metadata (the migrations made the tables): the key first.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    # A small JPEG (at most THUMBNAIL_PX on its long side) for pages read on phones over slow links.
    thumb_sha256: Mapped[str | None] = mapped_column(String(64))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    taken_at: Mapped[str | None] = mapped_column(String(20))  # EXIF DateTimeOriginal as written
    # Metres from the school's coordinates; null when the photo or the school has no position.
    distance_m: Mapped[float | None] = mapped_column(Float)
    is_far: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @staticmethod
    def position_checks() -> tuple[CheckConstraint, ...]:
        """The position's CHECK constraints, new objects for each table (named ``ck_<table>_latitude``,
        ``_longitude``, ``_position`` by the naming convention)."""
        return (
            CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude"),
            CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude"),
            CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="position"),
        )

    @property
    def has_position(self) -> bool:
        return self.latitude is not None


class RevitalisasiPhoto(GeotaggedPhoto, Base):
    """A photo of the damage, with a caption."""

    __tablename__ = "revitalisasi_photo"
    __table_args__ = (
        UniqueConstraint("proposal_id", "sha256", name="proposal_sha256"),
        *GeotaggedPhoto.position_checks(),
    )

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("revitalisasi_proposal.id", ondelete="CASCADE"), index=True
    )
    caption: Mapped[str | None] = mapped_column(String(300))

    proposal: Mapped[RevitalisasiProposal] = relationship(back_populates="photos")


# The reason codes of the verval decisions (workflows/revitalisasi.yaml), as the pages and mails show them.
REASON_LABELS = {
    "dokumen_kurang": "Dokumen kurang",
    "foto_tidak_sesuai": "Foto tidak sesuai",
    "foto_jauh_dari_sekolah": "Foto diambil jauh dari sekolah",
    "data_kerusakan_tidak_wajar": "Data kerusakan tidak wajar",
    "anggaran_tidak_wajar": "Anggaran tidak wajar",
    "tidak_memenuhi_syarat": "Tidak memenuhi syarat",
    "data_tidak_valid": "Data sekolah tidak valid",
    "lahan_belum_siap": "Lahan belum siap",
    "kerusakan_ringan": "Kerusakan hanya ringan",
    "sudah_direhabilitasi": "Sudah direhabilitasi (≤ 5 tahun)",
    "usulan_ganda": "Usulan ganda",
    "lainnya": "Lainnya (lihat catatan)",
}
