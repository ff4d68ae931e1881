"""Names for region codes: monitoring pages and downloads show "Kota Kupang", never "53.71"."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp.regions.models import Province, Regency


@dataclass(frozen=True)
class RegionNames:
    """Every regency and province name, looked up once (~550 rows) rather than joined per listed row."""

    regencies: dict[str, str]
    provinces: dict[str, str]

    def regency(self, code: str | None) -> str:
        return self.regencies.get(code, code or "—") if code else "—"

    def province(self, code: str | None) -> str:
        return self.provinces.get(code, code or "—") if code else "—"


def region_names(session: Session) -> RegionNames:
    return RegionNames(
        dict(session.execute(select(Regency.code, Regency.name)).all()),
        dict(session.execute(select(Province.code, Province.name)).all()),
    )


def regency_with_province(session: Session, regency_code: str) -> tuple[str, str] | None:
    """("Kota Kupang", "Nusa Tenggara Timur") for "53.71"; None for a code that is not a regency."""
    row = session.execute(
        select(Regency.name, Province.name)
        .join(Province, Province.code == Regency.province_code)
        .where(Regency.code == regency_code)
    ).first()
    return (row[0], row[1]) if row else None
