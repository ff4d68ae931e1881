"""spmp.tabular: reading uploaded tables safely (issue 9 §4: huge fields, NUL, corrupt XLSX, odd digits,
NaN, wide headers, bounded error output)."""

from __future__ import annotations

import io
import json
import time
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spmp import tabular
from spmp.tabular import TableError, ascii_int, bounded_list, finite_number, iter_rows, read_table


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rows_of(data: bytes, filename: str | None = None) -> list[tuple[int, list[str]]]:
    return list(iter_rows(data, filename))


# --- numbers and digits ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["²⁰¹⁰", "２０１０", "٢٠١٠", "१२", "-5", "+5", "1_000", "", " ", "1.0", "9" * 40]
)
def test_ascii_int_refuses_anything_but_ascii_digits(text):
    assert ascii_int(text) is None


def test_ascii_int_bounds():
    assert ascii_int(" 2010 ", low=2000, high=2100) == 2010
    assert ascii_int("2101", low=2000, high=2100) is None
    assert ascii_int("2147483648", high=2**31 - 1) is None
    assert tabular.is_ascii_digits("20100001", 8) and not tabular.is_ascii_digits("２０１０００１０", 8)


@pytest.mark.parametrize(
    "text,value",
    [("44,44", 44.44), ("44.44", 44.44), ("-0,5", -0.5), ("1e3", 1000.0), (",5", 0.5), ("7", 7.0)],
)
def test_finite_number_reads_comma_and_point(text, value):
    assert finite_number(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    ["nan", "NaN", "inf", "-Infinity", "1e999", "1e99999", "١٢", "１２", "1_0", "1,2,3", "0x10", "", "abc"],
)
def test_finite_number_refuses_nan_inf_and_foreign_digits(text):
    assert finite_number(text) is None


def test_error_text_is_bounded():
    listed = bounded_list([f"kolom_{i}" * 100 for i in range(100_000)])
    assert len(listed) < 1000 and "(+99,990 lainnya)" in listed
    assert tabular.quoted("a\x00b") == '"a\\x00b"'
    assert len(tabular.quoted("x" * 1_000_000)) < 80


# --- CSV ----------------------------------------------------------------------------------------------
def test_csv_semicolon_with_comma_decimals_and_a_title_row():
    data = (
        "Rapor Pendidikan, SMP 1\nIndikator;Capaian;Skor\nA.1 Literasi;Sedang (44,44% siswa, cukup);44,44\n"
    )
    table = read_table(data.encode(), is_header=lambda names: "indikator" in names)
    assert table.header == ["indikator", "capaian", "skor"] and table.header_line == 2
    assert table.titles == [["Rapor Pendidikan, SMP 1"]]
    assert list(table.records()) == [
        (3, {"indikator": "A.1 Literasi", "capaian": "Sedang (44,44% siswa, cukup)", "skor": "44,44"})
    ]


def test_csv_line_numbers_count_multiline_fields():
    data = b'a,b\n"x\ny",1\n\n2,3\n'
    assert [line for line, _r in read_table(data).records()] == [2, 5]


def test_csv_field_over_limit_is_a_clean_error_naming_the_line():
    data = b"a,b\n1,2\n3," + b"x" * (tabular.MAX_FIELD_CHARS + 1) + b"\n"
    with pytest.raises(TableError, match=r"baris 3: sebuah isian lebih dari 131,072 karakter"):
        rows_of(data)


def test_csv_field_at_the_limit_is_accepted():
    data = b"a,b\n1," + b"x" * tabular.MAX_FIELD_CHARS + b"\n"
    assert len(rows_of(data)[1][1][1]) == tabular.MAX_FIELD_CHARS


def test_nul_is_refused_with_line_and_column():
    table = read_table(b"case_id,reason\n1,ok\n2,a\x00b\n")
    with pytest.raises(TableError, match=r"^baris 3, reason: berisi karakter NUL"):
        list(table.records())


def test_not_utf8_is_one_short_error():
    with pytest.raises(TableError, match="bukan teks UTF-8") as caught:
        rows_of(b"a,b\n\xff\xfe" * 50_000)
    assert len(str(caught.value)) < 200


def test_wide_header_is_refused_quickly_and_briefly():
    started = time.perf_counter()
    with pytest.raises(TableError, match="1,000,000 kolom") as caught:
        rows_of(",".join(f"c{i}" for i in range(1_000_000)).encode())
    assert time.perf_counter() - started < 10 and len(str(caught.value)) < 200


def test_duplicate_header_is_refused():
    with pytest.raises(TableError, match="kolom ganda: a"):
        read_table(b"a,b,A\n1,2,3\n")


def test_empty_and_title_only_files():
    with pytest.raises(TableError, match="kosong"):
        read_table(b"\n\n")
    with pytest.raises(TableError, match="header"):
        read_table(b"judul\n" * 60, is_header=lambda names: "npsn" in names)


# --- XLSX ---------------------------------------------------------------------------------------------
def test_xlsx_values_as_text():
    data = xlsx_bytes(
        [["Kode", "Nilai", "Tahun"], ["A.1", 44.44, 2025.0], [None, None, None], ["B.2", 7, None]]
    )
    assert rows_of(data) == [
        (1, ["Kode", "Nilai", "Tahun"]),
        (2, ["A.1", "44.44", "2025"]),
        (3, []),
        (4, ["B.2", "7"]),
    ]


def _corrupt_sheet(data: bytes, sheet_xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = sheet_xml(body) if callable(sheet_xml) else sheet_xml
            target.writestr(item, body)
    return out.getvalue()


@pytest.mark.parametrize(
    "damage",
    [
        lambda body: body[: len(body) // 2],  # cut in the middle
        lambda body: body.replace(
            b"<sheetData>", b"<sheetData><row r='x'><c r='!!' t='s'><v>99</v></c></row>"
        ),
        lambda body: b"\x00\x01 not xml",
        lambda body: body.replace(
            b"</sheetData>", b"<row r='9'><c r='A9' t='s'><v>12345</v></c></row></sheetData>"
        ),
    ],
)
def test_corrupt_sheet_xml_is_a_clean_error(damage):
    data = _corrupt_sheet(xlsx_bytes([["a", "b"], ["1", "2"]]), damage)
    with pytest.raises(TableError, match="XLSX"):
        rows_of(data)


def test_not_a_workbook_is_a_clean_error():
    with pytest.raises(TableError, match="XLSX tidak dapat dibuka"):
        rows_of(b"PK\x03\x04" + b"\x00" * 100)


# --- JSON ---------------------------------------------------------------------------------------------
def test_json_records():
    data = json.dumps([{"npsn": "20100001", "nilai": 4.5}, {"npsn": "20100002", "x": None, "flag": True}])
    table = read_table(data.encode())
    assert table.header == ["npsn", "nilai", "x", "flag"]
    assert list(table.records()) == [
        (2, {"npsn": "20100001", "nilai": "4.5", "x": "", "flag": ""}),
        (3, {"npsn": "20100002", "nilai": "", "x": "", "flag": "1"}),
    ]


@pytest.mark.parametrize(
    "data,message",
    [
        (json.dumps({"sekolah": ["x" * 100_000]}), "daftar rekaman"),
        (json.dumps([1, 2, 3]), "daftar rekaman"),
        ('[{"a": NaN}]', "NaN bukan angka"),
        ('[{"a": 1e999}]', None),
        ('[{"a": [1]}]', "baris 2"),
        ("[" * 100_000 + "]" * 100_000, "JSON"),
        ('[{"a": 1' + "0" * 5000 + "}]", "JSON"),
        ('[{"a": "x"', "JSON tidak sah"),
        ('[{"a": "\\u0000"}]', "NUL"),
        ('[{"a": "\\ud800"}]', "surrogate"),
    ],
)
def test_bad_json_is_one_short_error(data, message):
    try:
        table = read_table(data.encode())
        records = list(table.records())
    except TableError as exc:
        assert message is None or message in str(exc)
        assert len(str(exc)) < 300 and "x" * 100 not in str(exc)
    else:  # 1e999 is a float (inf) as text: the importer's finite_number refuses it
        assert message is None and finite_number(records[0][1]["a"]) is None


# --- fuzz ---------------------------------------------------------------------------------------------
ODD = st.sampled_from(
    ["\x00", "²⁰¹⁰", "٢٠", "１２", "nan", "inf", "\ud800", '"', "\r", ";", ",", "\t", "x" * 140_000]
)
CELL = st.one_of(st.text(max_size=20), ODD)


def _read_everything(data: bytes, filename: str | None = None) -> None:
    try:
        table = read_table(data, filename)
        for _line, record in table.records():
            assert all(len(v) <= tabular.MAX_FIELD_CHARS and "\x00" not in v for v in record.values())
    except TableError as exc:
        assert len(str(exc)) < 400


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.binary(max_size=2000), st.sampled_from([None, "x.csv", "x.xlsx", "x.json"]))
def test_fuzz_random_bytes_give_rows_or_a_clean_error(data, filename):
    _read_everything(data, filename)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(st.lists(st.lists(CELL, max_size=6), min_size=1, max_size=6), st.sampled_from([",", ";", "\t"]))
def test_fuzz_odd_cells_in_csv_and_json(rows, delimiter):
    text = "\n".join(delimiter.join(row) for row in rows)
    _read_everything(text.encode("utf-8", "surrogatepass"))
    records = [{f"k{i}": cell for i, cell in enumerate(row)} for row in rows]
    _read_everything(json.dumps(records).encode())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=1, max_size=64), st.integers(min_value=0, max_value=4000))
def test_fuzz_corrupt_xlsx_sheet(garbage, position):
    def damage(body: bytes) -> bytes:
        at = min(position, len(body))
        return body[:at] + garbage + body[at + len(garbage) :]

    _read_everything(_corrupt_sheet(xlsx_bytes([["a", "b"], ["1", 2.5], ["x", None]]), damage), "x.xlsx")
