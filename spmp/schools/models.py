"""Schools (satuan pendidikan) as imported from Dapodik exports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spmp.db import Base, UTCDateTime
from spmp.regions.models import Province, Regency

STATUS = ("negeri", "swasta")
INTERNET = ("stabil", "terbatas", "tidak_ada")
ACCREDITATION = ("A", "B", "C", "TT")

INTERNET_LABELS = {"stabil": "Stabil", "terbatas": "Terbatas", "tidak_ada": "Tidak ada"}
ACCREDITATION_LABELS = {"A": "A (Unggul)", "B": "B (Baik)", "C": "C (Cukup)", "TT": "Tidak Terakreditasi"}


class BentukPendidikan(Base):
    """A form of education unit as Dapodik names it (``SD``, ``SMPLB``, ``SPK SMA``, ``PKBM`` ...), with the
    jenjang it belongs to. Reference data (``spmp/regions/data/bentuk_pendidikan.csv``), not an enum."""

    __tablename__ = "bentuk_pendidikan"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    jenjang: Mapped[str] = mapped_column(String(30))
    # Other spellings accepted on import, separated by "|" (e.g. "SMALB" for SMLB).
    aliases: Mapped[str] = mapped_column(String(100), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class School(Base):
    __tablename__ = "school"
    __table_args__ = (
        CheckConstraint("length(npsn) = 8", name="npsn_length"),
        CheckConstraint(_in("status", STATUS), name="status"),
        CheckConstraint(_in("internet_access", INTERNET), name="internet_access"),
        CheckConstraint(_in("accreditation_rank", ACCREDITATION), name="accreditation_rank"),
        CheckConstraint("latitude BETWEEN -11.5 AND 6.5", name="latitude"),
        CheckConstraint("longitude BETWEEN 94.5 AND 141.5", name="longitude"),
        CheckConstraint("electricity_watts >= 0", name="electricity_watts"),
        # Keyset pagination of the directory: (name_key, id) within each filter.
        Index("ix_school_directory_name", "name_key", "id"),
        Index("ix_school_directory_province", "province_code", "name_key", "id"),
        Index("ix_school_directory_regency", "regency_code", "name_key", "id"),
        # Substring name search on PostgreSQL: a pg_trgm GIN index (spmp.schools.queries explains why).
        # SQLite has no trigram index; there the same name is an always-empty partial index (WHERE 0,
        # no write cost), so that both backends carry the index the metadata declares and Alembic's
        # autogenerate sees no difference on either.
        Index(
            "ix_school_name_trgm",
            "name_key",
            postgresql_using="gin",
            postgresql_ops={"name_key": "gin_trgm_ops"},
            sqlite_where=text("0"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    npsn: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lower-cased name used for ordering and prefix search (same collation on SQLite and PostgreSQL).
    name_key: Mapped[str] = mapped_column(String(200))
    bentuk: Mapped[str] = mapped_column(ForeignKey("bentuk_pendidikan.code"), index=True)
    status: Mapped[str] = mapped_column(String(6))
    regency_code: Mapped[str] = mapped_column(ForeignKey("regency.code"))
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    address: Mapped[str | None] = mapped_column(String(300))
    village: Mapped[str | None] = mapped_column(String(100))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    electricity_watts: Mapped[int | None] = mapped_column(Integer)
    internet_access: Mapped[str | None] = mapped_column(String(10))
    is_remote: Mapped[bool] = mapped_column(default=False)
    is_border: Mapped[bool] = mapped_column(default=False)
    is_disaster_area: Mapped[bool] = mapped_column(default=False)
    accreditation_rank: Mapped[str | None] = mapped_column(String(2))
    accreditation_decree: Mapped[str | None] = mapped_column(String(100))
    accreditation_start: Mapped[date | None] = mapped_column(Date)
    accreditation_end: Mapped[date | None] = mapped_column(Date)
    last_rehab_year: Mapped[int | None] = mapped_column(Integer)
    # Hash of the imported fields: a re-import of an unchanged row writes nothing.
    row_hash: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    bentuk_ref: Mapped[BentukPendidikan] = relationship()
    regency: Mapped[Regency] = relationship()
    province: Mapped[Province] = relationship()

    @property
    def bentuk_label(self) -> str:
        return self.bentuk_ref.name
