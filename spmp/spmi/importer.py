"""Import Rapor Pendidikan indicators (CSV or XLSX): per school (no ``npsn`` column: the caller names the
school) or in bulk (an ``npsn`` column). Columns: kode_indikator, nama_indikator, dimensi, nilai, capaian
(Baik / Sedang / Kurang), and ``tahun`` unless the caller gives the year.

Bad rows are reported with row, field and reason like the school import; by default any bad row means
nothing is written. A re-import replaces the value of an existing (school, year, code).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from spmp import clock
from spmp.access import school_scope
from spmp.accounts.models import User
from spmp.schools.importer import ImportFileError, RowError
from spmp.schools.models import School
from spmp.spmi.models import BANDS, RaporIndicator

COLUMNS = ("npsn", "tahun", "kode_indikator", "nama_indikator", "dimensi", "nilai", "capaian")
REQUIRED = ("kode_indikator", "nama_indikator", "dimensi", "nilai", "capaian")
KEPT_ERRORS = 1000
_BAND_BY_SPELLING = {b: b for b in BANDS} | {"hijau": "baik", "kuning": "sedang", "merah": "kurang"}


@dataclass
class IndicatorImportReport:
    rows: int = 0
    written: int = 0
    rejected: int = 0
    schools: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def summary(self) -> str:
        return f"{self.rows} baris dibaca: {self.written} indikator disimpan untuk {self.schools} sekolah, {self.rejected} ditolak"


def import_indicators(
    session: Session,
    user: User,
    source: str | Path | BinaryIO,
    *,
    filename: str | None = None,
    school_id: int | None = None,
    year: int | None = None,
    skip_invalid: bool = False,
) -> IndicatorImportReport:
    """Import a file of indicators. Schools must be in the user's scope. Raises ImportFileError when the
    file as a whole is unusable. Flushes; the caller commits."""
    records = list(_read(source, filename))
    header = set().union(*(r.keys() for _n, r in records)) if records else set()
    if school_id is None and "npsn" not in header:
        raise ImportFileError("Kolom npsn wajib ada untuk impor massal (atau impor dari halaman sekolah).")
    if year is None and "tahun" not in header:
        raise ImportFileError("Kolom tahun wajib ada (atau pilih tahun saat mengimpor).")
    schools = _schools_in_scope(session, user, school_id, {r.get("npsn", "").strip() for _n, r in records})
    report = IndicatorImportReport()
    values: dict[tuple[int, int, str], dict] = {}
    for row_number, raw in records:
        report.rows += 1
        parsed, errors = _parse(row_number, raw, schools, school_id, year)
        if errors:
            report.rejected += 1
            report.errors.extend(errors[: max(0, KEPT_ERRORS - len(report.errors))])
            continue
        key = (parsed["school_id"], parsed["year"], parsed["code"])
        if key in values:
            report.rejected += 1
            report.errors.append(
                RowError(row_number, "kode_indikator", "indikator ganda untuk sekolah dan tahun yang sama")
            )
            continue
        values[key] = parsed
    if report.rejected and not skip_invalid:
        return report
    _write(session, list(values.values()))
    report.written = len(values)
    report.schools = len({k[0] for k in values})
    return report


def _schools_in_scope(session, user, school_id, npsns) -> dict[str, int]:
    query = select(School.npsn, School.id).where(school_scope(user))
    if school_id is not None:
        rows = session.execute(query.where(School.id == school_id)).all()
        if not rows:
            raise ImportFileError("Sekolah tidak ditemukan atau di luar wilayah Anda.")
        return {"": rows[0][1], **dict(rows)}
    return dict(session.execute(query.where(School.npsn.in_(sorted(n for n in npsns if n)))).all())


def _parse(row_number: int, raw: dict, schools: dict[str, int], school_id: int | None, year: int | None):
    errors: list[RowError] = []

    def fail(field_name: str, message: str) -> None:
        errors.append(RowError(row_number, field_name, message))

    npsn = (raw.get("npsn") or "").strip()
    target = schools.get(npsn) if npsn else (school_id and schools.get(""))
    if school_id is not None and npsn and target != school_id:
        fail("npsn", f'bukan NPSN sekolah ini (ditemukan "{npsn}")')
    elif target is None:
        fail(
            "npsn",
            f'sekolah tidak ditemukan atau di luar wilayah Anda (ditemukan "{npsn}")'
            if npsn
            else "wajib diisi",
        )
    row_year = year
    if year is None:
        text = (raw.get("tahun") or "").strip()
        row_year = int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else None
        if row_year is None:
            fail("tahun", f'harus tahun 2000–2100 (ditemukan "{text}")')
    for name in REQUIRED:
        if not (raw.get(name) or "").strip():
            fail(name, "wajib diisi")
    code, name_text = (raw.get("kode_indikator") or "").strip(), (raw.get("nama_indikator") or "").strip()
    if len(code) > 20:
        fail("kode_indikator", "maksimal 20 karakter")
    value = _number(raw.get("nilai"))
    if (raw.get("nilai") or "").strip() and value is None:
        fail("nilai", f'harus angka (ditemukan "{raw.get("nilai")}")')
    band_text = (raw.get("capaian") or "").strip().lower()
    band = _BAND_BY_SPELLING.get(band_text)
    if band_text and band is None:
        fail("capaian", f'harus Baik, Sedang atau Kurang (ditemukan "{raw.get("capaian")}")')
    if errors:
        return None, errors
    return {"school_id": target, "year": row_year, "code": code, "name": name_text[:200],
            "dimension": raw["dimensi"].strip()[:100], "value": value, "band": band}, []  # fmt: skip


def _number(raw: str | None) -> float | None:
    text = (raw or "").strip().replace(",", ".")
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _write(session: Session, rows: list[dict]) -> None:
    """Replace the (school, year, code) values present in the file; Core statements in batches."""
    now = clock.now()
    for start in range(0, len(rows), 1000):
        batch = rows[start : start + 1000]
        keys = [(r["school_id"], r["year"], r["code"]) for r in batch]
        session.execute(
            delete(RaporIndicator).where(
                tuple_(RaporIndicator.school_id, RaporIndicator.year, RaporIndicator.code).in_(keys)
            )
        )
        session.execute(insert(RaporIndicator), [{**r, "imported_at": now} for r in batch])
    session.flush()


# --- reading -------------------------------------------------------------------------------------------
def _read(source, filename) -> Iterator[tuple[int, dict]]:
    if isinstance(source, str | Path):
        filename = filename or str(source)
        with open(source, "rb") as binary:
            yield from _read(binary, filename)
        return
    data = source.read()
    if (filename or "").lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data)
    else:
        rows = _csv_rows(data)
    header = next(rows, None)
    if header is None or not any(header):
        raise ImportFileError("File kosong: tidak ada header maupun data.")
    names = _header(header)
    count = 0
    for number, cells in enumerate(rows, start=2):
        if not any((c or "").strip() for c in cells):
            continue
        count += 1
        yield number, {n: (c or "") for n, c in zip(names, cells, strict=False) if n}
    if not count:
        raise ImportFileError("File tidak berisi baris data (hanya header).")


def _header(cells: list[str]) -> list[str | None]:
    names = [(c or "").strip().lower() for c in cells]
    unknown = [n for n in names if n and n not in COLUMNS]
    missing = [n for n in REQUIRED if n not in names]
    if unknown or missing:
        problems = ([f"kolom wajib tidak ada: {', '.join(missing)}"] if missing else []) + (
            [f"kolom tidak dikenal: {', '.join(unknown)}"] if unknown else []
        )
        raise ImportFileError(
            f"Header tidak sesuai ({'; '.join(problems)}). Kolom yang diterima: {', '.join(COLUMNS)}."
        )
    return [n or None for n in names]


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError('File CSV bukan teks UTF-8: simpan ulang sebagai "CSV UTF-8".') from exc
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    return iter(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a bad file raises one of many types
        raise ImportFileError(f"File XLSX tidak dapat dibaca: {exc.__class__.__name__}") from exc
    rows = [["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in row]
            for row in workbook.worksheets[0].iter_rows(values_only=True)]  # fmt: skip
    workbook.close()
    return iter(rows)
