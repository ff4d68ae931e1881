"""Provinces, regencies (kabupaten/kota), B/BPMP units with their coverage, and the 3T lists."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spmp.db import Base


class Province(Base):
    __tablename__ = "province"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)  # Kemendagri, e.g. "32"
    name: Mapped[str] = mapped_column(String(100))
    # Kemendikbud's (Dapodik's) province code, e.g. "050000"; since the 2022 Papua split several
    # provinces share the Dapodik province they came from (spmp/regions/data/dapodik_provinces.csv).
    dapodik_code: Mapped[str | None] = mapped_column(String(6))

    regencies: Mapped[list[Regency]] = relationship(back_populates="province", order_by="Regency.code")


class Regency(Base):
    """Kabupaten or kota, keyed by its Kemendagri 2025 code (``32.76``)."""

    __tablename__ = "regency"
    __table_args__ = (CheckConstraint("kind IN ('kabupaten', 'kota')", name="kind"),)

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    # Dapodik's kode_wilayah is a different code system (``056000`` = Kota Surabaya); filled by
    # ``spmp reference load`` from spmp/regions/data/dapodik_regencies.csv.
    dapodik_code: Mapped[str | None] = mapped_column(String(12), unique=True)

    province: Mapped[Province] = relationship(back_populates="regencies")


class Unit(Base):
    """A B/BPMP: BBPMP (Balai Besar) or BPMP. It covers one or more provinces (``UnitCoverage``)."""

    __tablename__ = "unit"
    __table_args__ = (CheckConstraint("kind IN ('BBPMP', 'BPMP')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(5))
    seat_province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))

    coverage: Mapped[list[UnitCoverage]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="UnitCoverage.province_code"
    )

    @property
    def province_codes(self) -> list[str]:
        return [c.province_code for c in self.coverage]


class UnitCoverage(Base):
    """Which unit covers a province. Each province is covered by exactly one unit; admins may move it."""

    __tablename__ = "unit_coverage"

    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)

    unit: Mapped[Unit] = relationship(back_populates="coverage")
    province: Mapped[Province] = relationship()


class T3List(Base):
    """A versioned list of 3T (daerah tertinggal) regencies, e.g. Perpres 63/2020 for 2020-2024."""

    __tablename__ = "t3_list"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(default=False)

    entries: Mapped[list[T3Entry]] = relationship(back_populates="t3_list", cascade="all, delete-orphan")


class T3Entry(Base):
    """One name from the regulation; ``regency_code`` is null when the name could not be mapped."""

    __tablename__ = "t3_entry"
    __table_args__ = (UniqueConstraint("list_id", "source_province", "source_name", name="source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("t3_list.id"), index=True)
    source_province: Mapped[str] = mapped_column(String(100))
    source_name: Mapped[str] = mapped_column(String(100))
    regency_code: Mapped[str | None] = mapped_column(ForeignKey("regency.code"), index=True)
    note: Mapped[str | None] = mapped_column(String(300))

    t3_list: Mapped[T3List] = relationship(back_populates="entries")
    regency: Mapped[Regency | None] = relationship()
