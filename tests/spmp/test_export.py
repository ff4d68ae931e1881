"""spmp.export: rows -> CSV / XLSX streams, with formula injection neutralised in both formats."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import openpyxl
import pytest

from spmp import export

DANGEROUS = ['=HYPERLINK("http://x","klik")', "+62 812", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def _csv(header, rows) -> list[list[str]]:
    data = b"".join(export.csv_stream(header, rows)).decode("utf-8")
    assert data.startswith("\ufeff")
    return list(csv.reader(io.StringIO(data[1:])))


def _xlsx(header, rows) -> list[tuple]:
    data = b"".join(export.xlsx_stream(header, rows, title="Uji"))
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet.title == "Uji"
    return list(sheet.iter_rows(values_only=True)), sheet


@pytest.mark.parametrize("value", DANGEROUS)
def test_neutralise_prefixes_formula_characters(value):
    assert export.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["SD Negeri 1 Kupang", "", "Kota Kupang = ibu kota", "5+5"])
def test_neutralise_leaves_plain_text_alone(value):
    assert export.neutralise(value) == value


def test_numbers_dates_none_and_booleans():
    assert export.neutralise(-5) == -5
    assert export.neutralise(None) == ""
    assert export.neutralise(True) == "Ya" and export.neutralise(False) == "Tidak"
    assert export.neutralise(date(2026, 1, 2)) == date(2026, 1, 2)


def test_csv_neutralises_every_dangerous_cell_and_keeps_the_rest():
    rows = [(v, 7, "aman") for v in DANGEROUS]
    parsed = _csv(("Nama", "Jumlah", "Catatan"), rows)
    assert parsed[0] == ["Nama", "Jumlah", "Catatan"]
    assert [r[0] for r in parsed[1:]] == ["'" + v for v in DANGEROUS]
    assert all(r[1:] == ["7", "aman"] for r in parsed[1:])


def test_xlsx_neutralises_so_no_cell_is_a_formula():
    rows = [(v, -7, date(2026, 7, 1)) for v in DANGEROUS]
    values, sheet = _xlsx(("Nama", "Selisih", "Tanggal"), rows)
    assert values[0] == ("Nama", "Selisih", "Tanggal")
    # (an XML reader may hand a carriage return back as a line feed: compare without that difference)
    assert [r[0].replace("\r", "\n") for r in values[1:]] == ["'" + v.replace("\r", "\n") for v in DANGEROUS]
    assert all(r[1] == -7 for r in values[1:])  # numbers stay numbers
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_csv_is_streamed_in_chunks_and_consumes_rows_lazily():
    consumed = []

    def rows():
        for i in range(20_000):
            consumed.append(i)
            yield (f"Sekolah {i}", i)

    chunks = export.csv_stream(("Nama", "No"), rows())
    first = next(chunks)
    assert first.startswith("\ufeff".encode()) and len(consumed) < 20_000  # not all rows read for chunk 1
    rest = b"".join(chunks)
    assert len(consumed) == 20_000
    text = (first + rest).decode("utf-8")
    assert text.count("\r\n") == 20_001


def test_csv_quotes_commas_quotes_and_newlines_and_keeps_unicode():
    parsed = _csv(("a", "b"), [('SD "Bintang", Kupang', "baris\nkedua"), ("Ñusa Ĺembata", None)])
    assert parsed[1] == ['SD "Bintang", Kupang', "baris\nkedua"]
    assert parsed[2] == ["Ñusa Ĺembata", ""]


def test_xlsx_datetimes_without_zone_and_long_text_is_capped():
    aware = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)
    values, _ = _xlsx(("t", "teks"), [(aware, "x" * 40_000)])
    assert values[1][0] == datetime(2026, 7, 1, 8, 30)
    assert len(values[1][1]) == 32767


def test_xlsx_drops_control_characters_instead_of_failing():
    values, _ = _xlsx(("a",), [("SD\x00 Negeri\x07 1",)])
    assert values[1][0] == "SD Negeri 1"


def test_sheet_title_is_made_valid():
    _, sheet = _xlsx(("a",), [])
    assert export._sheet_title("Progres SPMI 2026/2027: [semua]") == "Progres SPMI 2026 2027   semua"
    assert len(export._sheet_title("x" * 50)) == 31


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        export.stream("pdf", ("a",), [])


def test_xlsx_is_a_well_formed_package_and_streams_before_the_last_row():
    import zipfile
    from xml.etree import ElementTree

    consumed = []

    def rows():
        for i in range(30_000):
            consumed.append(i)
            yield (f"Sekolah {i} & <cabang>", i, date(2026, 7, 1), datetime(2026, 7, 1, 8, 30), 1.5)

    chunks = export.xlsx_stream(("Nama", "No", "Tanggal", "Waktu", "Nilai"), rows(), title="Uji & <x>")
    received = [next(chunks)]
    while len(consumed) == 0 or len(received) < 3:
        received.append(next(chunks))
    assert len(consumed) < 30_000  # bytes were handed on before the last row was read
    data = b"".join(received) + b"".join(chunks)
    package = zipfile.ZipFile(io.BytesIO(data))
    assert package.testzip() is None
    for name in package.namelist():
        if name.endswith((".xml", ".rels")):
            ElementTree.fromstring(package.read(name))  # every part is well-formed XML
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Uji & <x>" and sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert [c.value for c in sheet[30_001]] == [
        "Sekolah 29999 & <cabang>",
        29999,
        datetime(2026, 7, 1),
        datetime(2026, 7, 1, 8, 30),
        1.5,
    ]
    assert sheet.max_row == 30_001


def test_xlsx_keeps_leading_and_trailing_spaces_and_skips_empty_cells():
    values, _ = _xlsx(("a", "b", "c"), [(" spasi ", "", None)])
    assert values[1] == (" spasi ", None, None)
