"""Changing which B/BPMP unit covers a province (admin), and reading the coverage table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp import audit
from spmp.accounts.models import User
from spmp.errors import Refusal
from spmp.regions.models import Province, Unit, UnitCoverage


class CoverageError(Refusal, ValueError):
    """The change cannot be made; the message is for the user (Indonesian)."""


def coverage_table(session: Session) -> list[tuple[Province, Unit]]:
    """Every province with the unit that covers it, by province code."""
    return list(
        session.execute(
            select(Province, Unit)
            .join(UnitCoverage, UnitCoverage.province_code == Province.code)
            .join(Unit, Unit.id == UnitCoverage.unit_id)
            .order_by(Province.code)
        )
    )


def all_units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.name)))


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == code))


def move_province(session: Session, actor: User, province_code: str, unit_code: str) -> Unit | None:
    """Let ``unit_code`` cover the province (audited). None when the province has no coverage row."""
    coverage = session.get(UnitCoverage, province_code)
    if coverage is None:
        return None
    unit = unit_by_code(session, unit_code)
    if unit is None:
        raise CoverageError("Unit tidak dikenal.")
    before = coverage.unit_id
    coverage.unit_id = unit.id
    session.flush()
    audit.append(session, action="coverage.move", actor_id=actor.id,
                 changes={"province_code": province_code, "unit_id": [before, unit.id]})  # fmt: skip
    return unit
