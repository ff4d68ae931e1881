"""Indicator import (issue 9 §1 and §4): the Rapor Pendidikan report as a school downloads it, and
malformed files that crashed the importer (superscript years, nan/inf, NUL, huge fields, corrupt XLSX).
Every case ends in a clean message naming line and field, identical on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from spmp.schools.importer import ImportFileError
from spmp.spmi import indicator_template
from spmp.spmi.importer import DIMENSIONS, import_indicators
from spmp.spmi.models import RaporIndicator


def rapor_rows(npsn: str, year: int = 2025) -> list[list[object]]:
    """A school's report as downloaded: title rows, then No / Indikator / Capaian / Skor Rapor / …"""
    return [
        [f"Rapor Pendidikan Tahun {year}"],
        ["Satuan Pendidikan: SD Negeri 2 Kupang", None, None, "Tanggal unduh: 12-05-2025"],
        [f"NPSN: {npsn}"],
        [],
        ["No", "Indikator", "Capaian", "Skor Rapor", "Keterangan"],
        [None, "A. Mutu dan Relevansi Hasil Belajar Murid", None, None, None],  # a group heading
        [1, "A.1 Kemampuan literasi", "Sedang (44,44% siswa mencapai kompetensi minimum)", None, "turun"],
        [2, "A.2 Kemampuan numerasi", "Kurang (30,5% siswa mencapai kompetensi minimum)", "30,5", None],
        [3, "D.4 Iklim keamanan sekolah", "Baik", 71.25, None],
    ]


def xlsx(rows) -> io.BytesIO:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def csv_bytes(rows, delimiter=";") -> io.BytesIO:
    lines = [delimiter.join("" if c is None else str(c) for c in row) for row in rows]
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def stored(session, school_id: int, year: int):
    query = select(RaporIndicator).where(RaporIndicator.school_id == school_id, RaporIndicator.year == year)
    return {i.code: (i.name, i.dimension, i.value, i.band) for i in session.scalars(query)}


@pytest.mark.parametrize("shape", ["xlsx", "csv"])
def test_rapor_as_downloaded_for_one_school(session, spmi_world, shape):
    w = spmi_world
    rows = rapor_rows(w["school"].npsn)
    source = xlsx(rows) if shape == "xlsx" else csv_bytes(rows)
    report = import_indicators(
        session, w["operator"], source, filename=f"rapor.{shape}", school_id=w["school"].id
    )
    assert report.ok, report.errors
    assert (report.rows, report.written, report.skipped) == (4, 3, 1)
    assert report.ignored_columns == ["no", "keterangan"]
    assert "kolom diabaikan: no, keterangan" in report.summary()
    assert stored(session, w["school"].id, 2025) == {
        "A.1": ("Kemampuan literasi", DIMENSIONS["A"], pytest.approx(44.44), "sedang"),
        "A.2": ("Kemampuan numerasi", DIMENSIONS["A"], pytest.approx(30.5), "kurang"),
        "D.4": ("Iklim keamanan sekolah", DIMENSIONS["D"], pytest.approx(71.25), "baik"),
    }


def test_the_title_names_the_school_when_none_is_chosen(session, spmi_world):
    w = spmi_world
    report = import_indicators(session, w["staff"], xlsx(rapor_rows(w["other"].npsn)), filename="r.xlsx")
    assert report.ok and report.written == 3
    assert set(stored(session, w["other"].id, 2025)) == {"A.1", "A.2", "D.4"}


def test_title_npsn_and_year_must_agree_with_the_choice(session, spmi_world):
    w = spmi_world
    with pytest.raises(ImportFileError, match=f"NPSN {w['other'].npsn}, bukan NPSN sekolah yang dipilih"):
        import_indicators(session, w["staff"], xlsx(rapor_rows(w["other"].npsn)), school_id=w["school"].id)
    with pytest.raises(ImportFileError, match="tahun 2025, tetapi yang dipilih tahun 2026"):
        import_indicators(
            session, w["staff"], xlsx(rapor_rows(w["school"].npsn)), school_id=w["school"].id, year=2026
        )
    with pytest.raises(ImportFileError, match="di luar wilayah Anda"):  # another school's operator
        import_indicators(session, w["other_operator"], xlsx(rapor_rows(w["school"].npsn)))


def test_rapor_row_errors_name_the_file_column(session, spmi_world):
    w = spmi_world
    rows = rapor_rows(w["school"].npsn)[:5] + [
        [1, "Kemampuan literasi tanpa kode", "Sedang (40%)", None],
        [2, "A.2 Numerasi", "Ungu (40%)", None],
        [3, "A.3 Karakter", "Baik", "nan"],
        [4, "F.1 Indikator lain", "Baik", "1e999"],
        [5, "A.1 Literasi lagi", "Baik", "٤٥"],
    ]
    report = import_indicators(
        session, w["operator"], csv_bytes(rows), filename="r.csv", school_id=w["school"].id
    )
    found = {(e.row, e.field): e.message for e in report.errors}
    assert not report.ok and report.written == 0 and report.rejected == 5
    assert found[(6, "kode_indikator")].startswith("wajib diisi (atau tulis kode di awal indikator")
    assert found[(7, "capaian")] == 'harus Baik, Sedang atau Kurang (ditemukan "Ungu (40%)")'
    assert found[(8, "skor_rapor")] == 'harus angka (ditemukan "nan")'
    assert found[(9, "skor_rapor")] == 'harus angka (ditemukan "1e999")'
    assert found[(9, "dimensi")].startswith('wajib diisi (tidak dapat ditentukan dari kode "F.1"')
    assert found[(10, "skor_rapor")] == 'harus angka (ditemukan "٤٥")'


def test_cli_npsn_option_for_a_report_without_npsn_in_its_title(cli_spmi, tmp_path):
    db, npsn, school_id = cli_spmi
    rows = [r for r in rapor_rows(npsn) if not (r and str(r[0]).startswith("NPSN"))]
    path = tmp_path / "rapor.xlsx"
    path.write_bytes(xlsx(rows).getvalue())
    from spmp.cli import cli

    without = CliRunner().invoke(cli, ["spmi", "import-indicators", str(path), "--as", "staf_cli"])
    assert without.exit_code == 1 and "Kolom npsn wajib ada" in without.output and "--npsn" in without.output
    bad = CliRunner().invoke(
        cli, ["spmi", "import-indicators", str(path), "--as", "staf_cli", "--npsn", "２０１０００１０"]
    )
    assert bad.exit_code == 1 and "NPSN harus 8 angka" in bad.output
    result = CliRunner().invoke(
        cli, ["spmi", "import-indicators", str(path), "--as", "staf_cli", "--npsn", npsn]
    )
    assert result.exit_code == 0, result.output
    assert "3 indikator disimpan untuk 1 sekolah, 0 ditolak, 1 dilewati" in result.output
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(RaporIndicator)) == 3


@pytest.fixture
def cli_spmi(make_database, tmp_path, monkeypatch):
    from spmp import migrate
    from spmp.accounts import operations as accounts
    from spmp.db import Database
    from spmp.regions.reference import load_reference
    from tests.factories import make_school

    url = make_database("spmiimport")
    database = Database(url)
    migrate.upgrade(database)
    with database.transaction() as s:
        load_reference(s)
        school = make_school(s, regency_code="53.71")
        accounts.create_user(s, username="staf_cli", full_name="Staf", password="kata-sandi-uji-123",
                             role="bpmp_staff", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip
        npsn, school_id = school.npsn, school.id
    monkeypatch.setenv("SPMP_DATABASE_URL", url)
    monkeypatch.setenv("SPMP_INSTANCE_PATH", str(tmp_path))
    yield database, npsn, school_id
    database.dispose()


def test_templates_import_unchanged_without_writing(session, spmi_world):
    w = spmi_world
    data = indicator_template.school_template(w["school"], 2027)
    report = import_indicators(
        session, w["operator"], data, filename="t.xlsx", school_id=w["school"].id, year=2027
    )
    assert report.ok and report.written == 0 and report.skipped == len(indicator_template.EXAMPLE_INDICATORS)
    with pytest.raises(ImportFileError, match="hanya header"):
        import_indicators(
            session, w["staff"], indicator_template.bulk_template(), filename="b.xlsx", year=2027
        )


# --- §4: the malformed files that crashed the importer ------------------------------------------------
HEADER = "npsn,tahun,kode_indikator,nama_indikator,dimensi,nilai,capaian\n"


def _bulk(session, w, body: str | bytes, **options):
    data = body if isinstance(body, bytes) else (HEADER + body).encode("utf-8", "surrogatepass")
    return import_indicators(session, w["staff"], io.BytesIO(data), filename="b.csv", **options)


def test_superscript_year_and_foreign_digits_are_row_errors(session, spmi_world):
    w = spmi_world
    npsn = w["school"].npsn
    report = _bulk(session, w, f"{npsn},²⁰²⁶,A.1,Literasi,,50,Baik\n{npsn},2026,A.2,Numerasi,,٥٠,Baik\n"
                               f"２０１０００１０,2026,A.3,Karakter,,50,Baik\n")  # fmt: skip
    found = {(e.row, e.field): e.message for e in report.errors}
    assert found == {
        (2, "tahun"): 'harus tahun 2000–2100 (ditemukan "²⁰²⁶")',
        (3, "nilai"): 'harus angka (ditemukan "٥٠")',
        (4, "npsn"): 'harus 8 angka (ditemukan "２０１０００１０")',
    }


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity", "1e400"])
def test_nilai_nan_inf_is_refused(session, spmi_world, value):
    w = spmi_world
    report = _bulk(session, w, f"{w['school'].npsn},2026,A.1,Literasi,,{value},Baik\n")
    assert [(e.row, e.field) for e in report.errors] == [(2, "nilai")] and report.written == 0


def test_nul_in_a_name_names_line_and_field(session, spmi_world):
    w = spmi_world
    with pytest.raises(ImportFileError, match=r"baris 3, nama_indikator: berisi karakter NUL"):
        _bulk(
            session,
            w,
            f"{w['school'].npsn},2026,A.1,Literasi,,50,Baik\n{w['school'].npsn},2026,A.2,Nu\x00m,,5,Baik\n",
        )
    assert (
        session.scalar(select(func.count()).select_from(RaporIndicator).where(RaporIndicator.year == 2026))
        == 3
    )


def test_a_field_over_131072_characters_is_a_clean_error(session, spmi_world):
    w = spmi_world
    with pytest.raises(ImportFileError, match=r"baris 2: sebuah isian lebih dari 131,072 karakter") as caught:
        _bulk(session, w, f"{w['school'].npsn},2026,A.1,{'L' * 200_000},,50,Baik\n")
    assert len(str(caught.value)) < 300


def test_unknown_columns_are_listed_briefly(session, spmi_world):
    w = spmi_world
    wide = ",".join(f"kolom_tambahan_{i}" for i in range(900))
    data = f"{HEADER.strip()},{wide}\n{w['school'].npsn},2027,A.1,Literasi,,50,Baik\n".encode()
    report = _bulk(session, w, data)
    assert report.ok and report.written == 1
    assert len(report.summary()) < 600 and "(+890 lainnya)" in report.summary()
    with pytest.raises(ImportFileError, match="1,000,001 kolom") as caught:
        _bulk(session, w, ("a," * 1_000_000 + "kode_indikator\n").encode())
    assert len(str(caught.value)) < 300


def test_corrupt_xlsx_sheet_is_a_clean_error(session, spmi_world):
    w = spmi_world
    good = xlsx(rapor_rows(w["school"].npsn)).getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item)
            target.writestr(
                item, body[: len(body) // 2] if item.filename == "xl/worksheets/sheet1.xml" else body
            )
    with pytest.raises(ImportFileError, match="XLSX rusak"):
        import_indicators(session, w["operator"], out.getvalue(), filename="r.xlsx", school_id=w["school"].id)


# --- fuzz: whatever the bytes, a report or an ImportFileError; nothing half-written --------------------
ODD = st.sampled_from(
    ["\x00", "²⁰²⁶", "٢٠٢٦", "２０２６", "nan", "inf", "-inf", "1e999", "\ud800", '"', ";", ",", "\r", "\u202e",
     "x" * 140_000, "Sedang (44,44% siswa)", "Baik", "A.1 Literasi", "NPSN: 20100001", "2026", "50,5"]
)  # fmt: skip
CELL = st.one_of(st.text(max_size=10), ODD)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def _clean_answer(session, w, data: bytes, filename: str, school: bool) -> None:
    before = session.scalar(select(func.count()).select_from(RaporIndicator))
    options = {"school_id": w["school"].id, "year": 2030} if school else {}
    try:
        with session.begin_nested():
            report = import_indicators(session, w["staff"], io.BytesIO(data), filename=filename, **options)
            session.flush()
    except ImportFileError as exc:
        assert len(str(exc)) < 1000
        assert session.scalar(select(func.count()).select_from(RaporIndicator)) == before
        return
    assert len(report.summary()) < 1000 and all(len(str(e)) < 400 for e in report.errors)
    if not report.ok:
        assert (
            report.written == 0 and session.scalar(select(func.count()).select_from(RaporIndicator)) == before
        )


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(["r.csv", "r.xlsx", "r.json"]), st.booleans())
def test_fuzz_random_bytes(session, spmi_world, data, filename, school):
    _clean_answer(session, spmi_world, data, filename, school)


@FUZZ
@given(
    st.lists(st.lists(CELL, min_size=1, max_size=8), max_size=6),
    st.sampled_from([",", ";", "\t"]),
    st.booleans(),
    st.integers(min_value=0, max_value=1200),
)
def test_fuzz_odd_cells_under_both_headers(session, spmi_world, rows, delimiter, school, width):
    w = spmi_world
    header = ["npsn", "tahun", "kode_indikator", "nama_indikator", "dimensi", "nilai", "capaian"]
    if school:
        header = ["No", "Indikator", "Capaian", "Skor Rapor"]
    header += [f"extra{i}" for i in range(width)]
    cells = [[f"NPSN: {w['school'].npsn}"], header, *rows] if school else [header, *rows]
    text = "\n".join(delimiter.join(row) for row in cells)
    _clean_answer(session, w, text.encode("utf-8", "surrogatepass"), "r.csv", school)


@FUZZ
@given(st.binary(min_size=1, max_size=48), st.integers(min_value=0, max_value=3000))
def test_fuzz_corrupt_xlsx(session, spmi_world, garbage, position):
    w = spmi_world
    good = xlsx(rapor_rows(w["school"].npsn, 2030)).getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                at = min(position, len(body))
                body = body[:at] + garbage + body[at + len(garbage) :]
            target.writestr(item, body)
    _clean_answer(session, w, out.getvalue(), "r.xlsx", True)
