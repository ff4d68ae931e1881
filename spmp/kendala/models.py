"""A field obstacle (the data of a ``kendala`` case). Its state, assignee, unit, region and deadlines live on
the case; its photos are the case's evidence files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spmp.db import Base, UTCDateTime
from spmp.engine.cases import CaseRecord

CATEGORIES = {
    "konstruksi": "Konstruksi/bangunan",
    "lahan": "Lahan",
    "dana": "Dana/pencairan",
    "administrasi": "Administrasi/dokumen",
    "listrik": "Listrik",
    "internet": "Internet",
    "perangkat": "Perangkat rusak/hilang",
    "bencana": "Cuaca/bencana",
    "lainnya": "Lainnya",
}
PROGRAMMES = {
    "revitalisasi": "Revitalisasi Sekolah",
    "digitalisasi": "Digitalisasi Pembelajaran",
    "umum": "Umum",
}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Kendala(Base):
    __tablename__ = "kendala"
    __table_args__ = (
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint(_in("programme", PROGRAMMES), name="programme"),
        Index("ix_kendala_linked", "linked_case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), unique=True)
    programme: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    # The case the obstacle is about (a Revitalisasi proposal, a Digitalisasi delivery), if any.
    linked_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[CaseRecord] = relationship(foreign_keys=[case_id])
    linked_case: Mapped[CaseRecord | None] = relationship(foreign_keys=[linked_case_id])

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def programme_label(self) -> str:
        return PROGRAMMES.get(self.programme, self.programme)
