"""The data of a ``kendala`` case: what the obstacle is, and the case it is about (if any). Its state,
school, region, assignee and deadlines live on the case row; its photos are the case's evidence."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spmp.db import Base
from spmp.engine.cases import CaseRecord

CATEGORIES = {
    "listrik": "Tidak ada listrik / daya kurang",
    "internet": "Tidak ada / buruk koneksi internet",
    "perangkat_rusak": "Perangkat rusak",
    "perangkat_hilang": "Perangkat hilang / tidak diterima",
    "konstruksi": "Pekerjaan konstruksi terhambat",
    "lahan": "Masalah lahan",
    "anggaran": "Masalah anggaran / pencairan",
    "data": "Data tidak sesuai",
    "lainnya": "Lainnya",
}
PROGRAMMES = {
    "revitalisasi": "Revitalisasi Sekolah",
    "digitalisasi": "Digitalisasi Pembelajaran",
    "umum": "Umum",
}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Obstacle(Base):
    __tablename__ = "kendala"
    __table_args__ = (
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint(_in("programme", PROGRAMMES), name="programme"),
        Index("ix_kendala_about_case", "about_case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), unique=True)
    programme: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    # The programme case (or any case) the obstacle is about, shown on both sides.
    about_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))

    case: Mapped[CaseRecord] = relationship(foreign_keys=[case_id])
    about_case: Mapped[CaseRecord | None] = relationship(foreign_keys=[about_case_id])

    @property
    def category_label(self) -> str:
        return CATEGORIES[self.category]

    @property
    def programme_label(self) -> str:
        return PROGRAMMES[self.programme]
