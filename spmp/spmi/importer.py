"""Import Rapor Pendidikan indicators (CSV, XLSX or a JSON array of records) in two layouts:

* **SPMP's own columns**: ``kode_indikator, nama_indikator, dimensi, nilai, capaian`` (Baik / Sedang /
  Kurang), with ``npsn`` for a bulk file and ``tahun`` unless the caller gives the year (a year in a row
  wins over the caller's).
* **The report as a school downloads it**: title rows (``Rapor Pendidikan 2025``, ``NPSN: 20100001``)
  above a table ``No, Indikator, Capaian, Skor Rapor, …`` where the indicator carries its code
  (``A.1 Kemampuan literasi``) and capaian is text like ``Sedang (44,44% siswa …)``. The band and, when
  no score column gives it, the value are read from that text (decimal comma); the dimension comes from
  the code's letter (A–E) when no column gives it; the NPSN from the title when no school was chosen.

Columns SPMP does not use (``No``, ``Keterangan``, …) are ignored and named once in the summary. Rows
that name an indicator but have neither capaian nor score (a group heading, an unfilled template row)
are skipped and counted. Every other bad row is reported with line, column and reason; by default any
bad row means nothing is written. Values are checked completely before anything is written (ASCII
digits, finite numbers, no NUL), so SQLite and PostgreSQL give the same answer. A re-import replaces the
value of an existing (school, year, code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from spmp import clock, tabular
from spmp.access import school_scope
from spmp.accounts.models import User
from spmp.schools.importer import ImportFileError, RowError
from spmp.schools.models import School
from spmp.spmi.models import BANDS, RaporIndicator

COLUMNS = ("npsn", "tahun", "kode_indikator", "nama_indikator", "dimensi", "nilai", "capaian")
REQUIRED = ("kode_indikator", "nama_indikator", "dimensi", "nilai", "capaian")  # of SPMP's own layout
# A file's column name -> the field it fills (the report's names beside SPMP's own).
ALIASES = {
    "npsn": "npsn",
    "tahun": "tahun",
    "kode_indikator": "kode_indikator",
    "kode": "kode_indikator",
    "nama_indikator": "nama_indikator",
    "indikator": "indikator",
    "dimensi": "dimensi",
    "nilai": "nilai",
    "skor_rapor": "nilai",
    "skor": "nilai",
    "capaian": "capaian",
}
# Rapor Pendidikan dimensions of a school's report, by the letter of the indicator code.
DIMENSIONS = {
    "A": "Mutu dan relevansi hasil belajar murid",
    "B": "Pemerataan pendidikan yang bermutu",
    "C": "Kompetensi dan kinerja GTK",
    "D": "Mutu dan relevansi pembelajaran",
    "E": "Pengelolaan sekolah yang partisipatif, transparan, dan akuntabel",
}
KEPT_ERRORS = 1000
YEARS = (2000, 2100)
MAX_VALUE = 1e9
_BAND_BY_SPELLING = {b: b for b in BANDS} | {"hijau": "baik", "kuning": "sedang", "merah": "kurang"}
_BAND_TEXT = re.compile(r"\s*(baik|sedang|kurang|hijau|kuning|merah)\b(.*)", re.IGNORECASE | re.DOTALL)
_NUMBER_IN_TEXT = re.compile(r"[+-]?\d+(?:[.,]\d+)?", re.ASCII)
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}", re.ASCII)
_CODE_PREFIX = re.compile(r"\s*([A-Za-z]\.\d+(?:\.\d+)*)\.?\s+(\S.*)", re.ASCII | re.DOTALL)
_TITLE_NPSN = re.compile(r"\bNPSN\b\W{0,5}(\d{8})\b", re.ASCII | re.IGNORECASE)
_TITLE_YEAR = re.compile(r"\b(?:tahun|rapor pendidikan)\b\D{0,30}?\b(20\d\d)\b", re.ASCII | re.IGNORECASE)


@dataclass
class IndicatorImportReport:
    rows: int = 0
    written: int = 0
    rejected: int = 0
    skipped: int = 0
    schools: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def summary(self) -> str:
        text = (
            f"{self.rows} baris dibaca: {self.written} indikator disimpan untuk {self.schools} sekolah, "
            f"{self.rejected} ditolak"
        )
        if self.skipped:
            text += f", {self.skipped} dilewati (tanpa capaian dan skor)"
        if self.ignored_columns:
            text += f"; kolom diabaikan: {tabular.bounded_list(self.ignored_columns)}"
        return text


@dataclass
class _Layout:
    """Which file column fills which field, and what the title rows say."""

    columns: dict[str, str]  # field -> column name in the file
    ignored: list[str]
    title_npsn: str | None
    title_year: int | None


def import_indicators(
    session: Session,
    user: User,
    source: str | Path | BinaryIO | bytes,
    *,
    filename: str | None = None,
    school_id: int | None = None,
    npsn: str | None = None,
    year: int | None = None,
    skip_invalid: bool = False,
) -> IndicatorImportReport:
    """Import a file of indicators. Schools must be in the user's scope; ``school_id`` or ``npsn``
    names the one school of a per-school file. Raises ImportFileError when the file as a whole is
    unusable. Flushes; the caller commits."""
    try:
        table = tabular.read_table(source, filename, is_header=_looks_like_header)
        layout = _layout(table)
        records = list(table.records())
    except tabular.HeaderNotFound as exc:
        raise ImportFileError(
            "Header tidak ditemukan: kolom wajib tidak ada (kode_indikator atau indikator, dan capaian "
            f"atau nilai) dalam {tabular.MAX_TITLE_ROWS} baris pertama. Kolom yang diterima: "
            f"{', '.join(ALIASES)}."
        ) from exc
    except tabular.TableError as exc:
        raise ImportFileError(f"Berkas tidak dapat dibaca: {exc}") from exc
    if not records:
        raise ImportFileError("File tidak berisi baris data (hanya header).")
    school_id = _one_school(session, user, layout, school_id, npsn)
    year = _year(layout, year)
    npsns = {r[layout.columns["npsn"]].strip() for _n, r in records} if "npsn" in layout.columns else set()
    schools = _schools_in_scope(session, user, school_id, npsns)
    report = IndicatorImportReport(ignored_columns=layout.ignored)
    values = _parse_all(records, layout, schools, school_id, year, report)
    if report.rejected and not skip_invalid:
        return report
    _write(session, list(values.values()))
    report.written = len(values)
    report.schools = len({k[0] for k in values})
    return report


def _looks_like_header(names: list[str]) -> bool:
    fields = {ALIASES.get(n) for n in names}
    return bool(fields & {"kode_indikator", "indikator", "nama_indikator"}) and bool(
        fields & {"capaian", "nilai"}
    )


def _layout(table: tabular.Table) -> _Layout:
    columns: dict[str, str] = {}
    ignored = []
    for name in table.header:
        target = ALIASES.get(name)
        if target is None:
            if name:
                ignored.append(name)
        elif target in columns:
            raise ImportFileError(
                f"Baris {table.header_line}: kolom {columns[target]} dan {name} sama-sama berisi {target}; "
                "hapus salah satu."
            )
        else:
            columns[target] = name
    missing = []
    if not {"kode_indikator", "indikator"} & columns.keys():
        missing.append("kode_indikator (atau indikator berawalan kode, mis. A.1)")
    if not {"nama_indikator", "indikator"} & columns.keys():
        missing.append("nama_indikator (atau indikator)")
    if "capaian" not in columns:
        missing.append("capaian")
    if missing:
        raise ImportFileError(
            f"Header tidak sesuai (baris {table.header_line}): kolom wajib tidak ada: {'; '.join(missing)}. "
            f"Kolom yang diterima: {', '.join(ALIASES)}."
        )
    title = " ".join(" ".join(row) for row in table.titles)
    npsn_match, year_match = _TITLE_NPSN.search(title), _TITLE_YEAR.search(title)
    return _Layout(
        columns, ignored, npsn_match and npsn_match.group(1), year_match and int(year_match.group(1))
    )


def _one_school(session, user, layout: _Layout, school_id: int | None, npsn: str | None) -> int | None:
    """The school of a per-school file: chosen (id or ``--npsn``) or named in the title; None for bulk."""
    if npsn is not None:
        npsn = npsn.strip()
        if not tabular.is_ascii_digits(npsn, 8):
            raise ImportFileError(f"NPSN harus 8 angka (ditemukan {tabular.quoted(npsn, 20)}).")
        school_id = _school_id_by_npsn(session, user, npsn)
    elif school_id is None and "npsn" not in layout.columns:
        if layout.title_npsn is None:
            raise ImportFileError(
                "Kolom npsn wajib ada untuk impor massal (atau pilih sekolahnya: --npsn, atau impor dari "
                "halaman sekolah)."
            )
        return _school_id_by_npsn(session, user, layout.title_npsn)
    if school_id is not None and layout.title_npsn is not None:
        chosen = session.scalar(select(School.npsn).where(School.id == school_id))
        if chosen != layout.title_npsn:
            raise ImportFileError(
                f"Judul berkas menyebut NPSN {layout.title_npsn}, bukan NPSN sekolah yang dipilih ({chosen})."
            )
    return school_id


def _school_id_by_npsn(session, user, npsn: str) -> int:
    found = session.scalar(select(School.id).where(School.npsn == npsn, school_scope(user)))
    if found is None:
        raise ImportFileError(f"Sekolah dengan NPSN {npsn} tidak ditemukan atau di luar wilayah Anda.")
    return found


def _year(layout: _Layout, year: int | None) -> int | None:
    if year is not None and layout.title_year is not None and year != layout.title_year:
        raise ImportFileError(
            f"Judul berkas menyebut tahun {layout.title_year}, tetapi yang dipilih tahun {year}: "
            "pilih tahun yang sama."
        )
    year = year if year is not None else layout.title_year
    if year is None and "tahun" not in layout.columns:
        raise ImportFileError("Kolom tahun wajib ada (atau pilih tahun saat mengimpor).")
    return year


def _schools_in_scope(session, user, school_id, npsns) -> dict[str, int]:
    query = select(School.npsn, School.id).where(school_scope(user))
    if school_id is not None:
        rows = session.execute(query.where(School.id == school_id)).all()
        if not rows:
            raise ImportFileError("Sekolah tidak ditemukan atau di luar wilayah Anda.")
        return {"": rows[0][1], **dict(rows)}
    wanted = sorted(n for n in npsns if tabular.is_ascii_digits(n, 8))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):  # SQLite limits the number of bound parameters
        found.update(session.execute(query.where(School.npsn.in_(wanted[start : start + 500]))).all())
    return found


def _parse_all(records, layout, schools, school_id, year, report) -> dict[tuple[int, int, str], dict]:
    values: dict[tuple[int, int, str], dict] = {}
    for row_number, raw in records:
        report.rows += 1
        row = {target: raw.get(column, "").strip() for target, column in layout.columns.items()}
        if not row.get("capaian") and not row.get("nilai"):
            report.skipped += 1
            continue
        parsed, errors = _parse(row_number, row, layout.columns, schools, school_id, year)
        key = parsed and (parsed["school_id"], parsed["year"], parsed["code"])
        if key in values:
            errors = [
                RowError(row_number, "kode_indikator", "indikator ganda untuk sekolah dan tahun yang sama")
            ]
        if errors:
            report.rejected += 1
            report.errors.extend(errors[: max(0, KEPT_ERRORS - len(report.errors))])
            continue
        values[key] = parsed
    return values


def _parse(row_number: int, row: dict[str, str], columns, schools, school_id, year):
    errors: list[RowError] = []

    def fail(target: str, message: str) -> None:
        errors.append(RowError(row_number, columns.get(target, target), message))

    target = _row_school(row.get("npsn", ""), schools, school_id, fail)
    # A year in the row wins (a bulk file may hold several years); otherwise the chosen or title year.
    given = row.get("tahun", "")
    row_year = tabular.ascii_int(given, low=YEARS[0], high=YEARS[1]) if given else year
    if row_year is None:
        fail(
            "tahun",
            f"harus tahun {YEARS[0]}–{YEARS[1]} (ditemukan {tabular.quoted(row.get('tahun', ''), 20)})",
        )
    code, name = _code_and_name(row, fail)
    dimension = row.get("dimensi") or DIMENSIONS.get(code[:1].upper(), "")
    if not dimension and code:
        fail("dimensi", f"wajib diisi (tidak dapat ditentukan dari kode {tabular.quoted(code, 20)}: A–E)")
    band, value = _band_and_value(row, fail)
    if errors:
        return None, errors
    return {"school_id": target, "year": row_year, "code": code, "name": name[:200],
            "dimension": dimension[:100], "value": value, "band": band}, []  # fmt: skip


def _row_school(npsn: str, schools: dict[str, int], school_id: int | None, fail) -> int | None:
    if npsn and not tabular.is_ascii_digits(npsn, 8):
        fail("npsn", f"harus 8 angka (ditemukan {tabular.quoted(npsn, 20)})")
        return None
    target = schools.get(npsn) if npsn else (schools.get("") if school_id is not None else None)
    if school_id is not None and npsn and target != school_id:
        fail("npsn", f"bukan NPSN sekolah ini (ditemukan {tabular.quoted(npsn, 20)})")
    elif target is None:
        fail(
            "npsn",
            f'sekolah tidak ditemukan atau di luar wilayah Anda (ditemukan "{npsn}")'
            if npsn
            else "wajib diisi",
        )
    return target


def _code_and_name(row: dict[str, str], fail) -> tuple[str, str]:
    code, name = row.get("kode_indikator", ""), row.get("nama_indikator", "")
    text = row.get("indikator", "")
    prefix = _CODE_PREFIX.fullmatch(text)
    if prefix and (not code or code == prefix.group(1)):
        code, text = prefix.group(1), prefix.group(2).strip()
    name = name or text
    if not code:
        fail(
            "kode_indikator", 'wajib diisi (atau tulis kode di awal indikator, mis. "A.1 Kemampuan literasi")'
        )
    elif not _CODE.fullmatch(code):
        fail(
            "kode_indikator",
            f"hanya huruf, angka, titik, - dan _, paling banyak 20 (ditemukan {tabular.quoted(code, 30)})",
        )
    if not name:
        fail("nama_indikator", "wajib diisi")
    return code, name


def _band_and_value(row: dict[str, str], fail) -> tuple[str | None, float | None]:
    text = row.get("capaian", "")
    match = _BAND_TEXT.fullmatch(text)
    band = _BAND_BY_SPELLING[match.group(1).lower()] if match else None
    if not text:
        fail("capaian", "wajib diisi")
    elif band is None:
        fail("capaian", f"harus Baik, Sedang atau Kurang (ditemukan {tabular.quoted(text)})")
    raw_value = row.get("nilai", "")
    if not raw_value and match:
        number = _NUMBER_IN_TEXT.search(match.group(2))
        raw_value = number.group(0) if number else ""
    value = tabular.finite_number(raw_value)
    if not raw_value:
        fail("nilai", "wajib diisi (kolom nilai / Skor Rapor, atau angka dalam capaian)")
    elif value is None or abs(value) > MAX_VALUE:
        fail("nilai", f"harus angka (ditemukan {tabular.quoted(raw_value)})")
    return band, value


def _write(session: Session, rows: list[dict]) -> None:
    """Replace the (school, year, code) values present in the file: Core statements in batches on the
    session's connection (the ORM's bulk path costs more than the parsing), one delete per batch."""
    now = clock.now()
    table = RaporIndicator.__table__
    connection = session.connection()
    for start in range(0, len(rows), 500):
        batch = rows[start : start + 500]
        keys = [(r["school_id"], r["year"], r["code"]) for r in batch]
        connection.execute(
            delete(table).where(tuple_(table.c.school_id, table.c.year, table.c.code).in_(keys))
        )
        connection.execute(insert(table), [{**r, "imported_at": now} for r in batch])
