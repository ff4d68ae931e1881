"""Downloadable XLSX templates for the indicator import: a school's report in the layout of the Rapor
Pendidikan download (title rows with year and NPSN, then ``No, Indikator, Capaian, Skor Rapor,
Keterangan``), and SPMP's own columns for a bulk file. Both import unchanged without writing anything
(rows without capaian and score are skipped), so a template is never mistaken for data."""

from __future__ import annotations

import io

import openpyxl
from openpyxl.styles import Font

from spmp.schools.models import School
from spmp.spmi.importer import COLUMNS, DIMENSIONS

# Examples of a school's report; the school adjusts codes and names to its own report.
EXAMPLE_INDICATORS = (
    ("A.1", "Kemampuan literasi"),
    ("A.2", "Kemampuan numerasi"),
    ("A.3", "Indeks karakter"),
    ("D.1", "Kualitas pembelajaran"),
    ("D.4", "Iklim keamanan sekolah"),
    ("D.8", "Iklim kebinekaan"),
    ("E.1", "Partisipasi warga sekolah"),
)
HELP = (
    "Isi Capaian (Baik, Sedang atau Kurang; boleh dengan keterangan seperti \u201cSedang (44,44% siswa "
    "mencapai kompetensi minimum)\u201d) dan Skor Rapor (koma atau titik desimal). Sesuaikan kode dan nama "
    "indikator dengan rapor sekolah. Baris tanpa capaian dan skor dilewati."
)


def school_template(school: School, year: int) -> bytes:
    """The per-school template, its title naming the school's NPSN and the year."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Rapor"
    for row in (
        [f"Rapor Pendidikan Tahun {year}"],
        [f"Satuan pendidikan: {school.name}"],
        [f"NPSN: {school.npsn}"],
        [HELP],
        [],
        ["No", "Indikator", "Capaian", "Skor Rapor", "Keterangan"],
    ):
        sheet.append(row)
    for number, (code, name) in enumerate(EXAMPLE_INDICATORS, start=1):
        sheet.append([number, f"{code} {name}", None, None, None])
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[6]:
        cell.font = Font(bold=True)
    _widths(sheet, {"A": 6, "B": 42, "C": 48, "D": 12, "E": 30})
    _dimension_sheet(book)
    return _bytes(book)


def bulk_template() -> bytes:
    """SPMP's own columns, for many schools (one row per school and indicator)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Indikator"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    _widths(sheet, {"A": 12, "B": 8, "C": 16, "D": 36, "E": 36, "F": 10, "G": 12})
    notes = book.create_sheet("Petunjuk")
    for row in (
        ["Kolom", "Isi"],
        ["npsn", "NPSN sekolah (8 angka), sekolah di wilayah Anda"],
        ["tahun", "Tahun Rapor Pendidikan (boleh kosong bila tahun dipilih saat mengimpor)"],
        ["kode_indikator", "Kode indikator, mis. A.1"],
        ["nama_indikator", "Nama indikator"],
        ["dimensi", "Boleh kosong: diturunkan dari huruf kode (A–E), lihat lembar Dimensi"],
        ["nilai", "Skor Rapor (angka; koma atau titik desimal)"],
        ["capaian", "Baik, Sedang atau Kurang"],
    ):
        notes.append(row)
    _widths(notes, {"A": 16, "B": 70})
    _dimension_sheet(book)
    return _bytes(book)


def _dimension_sheet(book) -> None:
    sheet = book.create_sheet("Dimensi")
    sheet.append(["Huruf kode", "Dimensi"])
    for letter, name in DIMENSIONS.items():
        sheet.append([letter, name])
    _widths(sheet, {"A": 12, "B": 70})


def _widths(sheet, widths: dict[str, int]) -> None:
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width


def _bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
