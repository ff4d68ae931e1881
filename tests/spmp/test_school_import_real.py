"""Issue 9 §1 and §4: real school files (the public listing's JSON, Dapodik codes, other layouts), errors
versus warnings, partial files, and files an attacker would send (fuzzed)."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from spmp.cli import cli
from spmp.schools.importer import ImportFileError, import_schools, parse_column_mapping
from spmp.schools.models import School
from tests.spmp.test_school_import import (
    by_npsn,
    school_count,
    school_row,
    write_csv,
)


@pytest.fixture
def cli_env(make_database, monkeypatch, tmp_path):
    url = make_database("import_real_cli")
    monkeypatch.setenv("SPMP_DATABASE_URL", url)
    monkeypatch.setenv("SPMP_INSTANCE_PATH", str(tmp_path / "instance"))
    runner = CliRunner()
    for command in (["db", "upgrade"], ["reference", "load"]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 0, result.output
    return runner, url


def listing_record(npsn: str, **overrides) -> dict:
    """A record as the public listing (suryavip/daftar-sekolah-indonesia result/246000.json) has it."""
    record = {
        "kode_prop": "240000  ",
        "propinsi": "Prov. Nusa Tenggara Timur",
        "kode_kab_kota": "246000  ",
        "kabupaten_kota": "Kota Kupang",
        "kode_kec": "246001  ",
        "kecamatan": "Kec. Alak",
        "id": "90C08A7C-8D18-E111-8038-77CC869C3190",
        "npsn": npsn,
        "sekolah": f"SD INPRES {npsn[-2:]} KUPANG",
        "bentuk": "SD",
        "status": "N",
        "alamat_jalan": "Jl. Alak",
        "lintang": "-10.1772000",
        "bujur": "123.5070000",
    }
    return record | overrides


def write_listing(path, records, key="246000"):
    path.write_text(json.dumps({key: records}), encoding="utf-8")
    return path


def test_public_listing_json_imports_in_its_own_layout(session, tmp_path):
    records = [
        listing_record("50100001"),
        listing_record("50100002", status="S", bentuk="SMPLB", lintang="-10.0423000"),
        listing_record(
            "50100003",
            kode_kab_kota="056000  ",
            kabupaten_kota="Kota Surabaya",
            bentuk="SMLB",
            lintang="-7.2932000",
            bujur="112.6968000",
        ),
    ]
    report = import_schools(session, write_listing(tmp_path / "246000.json", records))
    assert (report.added, report.rejected, report.warned) == (3, 0, 0), report.errors
    first, second, third = (by_npsn(session, n) for n in ("50100001", "50100002", "50100003"))
    assert (first.name, first.status, first.regency_code, first.province_code) == (
        "SD INPRES 01 KUPANG", "negeri", "53.71", "53",
    )  # fmt: skip
    assert (second.status, second.bentuk, second.latitude) == ("swasta", "SMPLB", -10.0423)
    assert (third.regency_code, third.bentuk) == ("35.78", "SMLB")
    # Columns SPMP does not use are listed once, not refused; kode_kec loses to kode_kab_kota.
    assert report.ignored_columns == [
        "kode_prop",
        "propinsi",
        "kabupaten_kota",
        "kode_kec",
        "kecamatan",
        "id",
    ]


def test_json_array_of_records_and_coordinates_without_leading_zero(session, tmp_path):
    path = tmp_path / "schools.json"
    path.write_text(json.dumps([listing_record("50100001", lintang="-.1772000", bujur="123.5070000")]))
    report = import_schools(session, path)
    assert report.added == 1 and by_npsn(session, "50100001").latitude == -0.1772


@pytest.mark.parametrize(
    ("code", "regency"),
    [
        ("246000", "53.71"),
        ("246001  ", "53.71"),
        ("2460010001", "53.71"),
        ("53.71.01", "53.71"),
        ("071600", "12.12"),
        ("330200", "76.01"),
        ("016000", "31.71"),
    ],
)
def test_kecamatan_and_dapodik_codes_resolve_through_the_crosswalk(session, tmp_path, code, regency):
    report = import_schools(
        session, write_csv(tmp_path / "s.csv", [school_row("50100001", kode_wilayah=code)])
    )
    assert report.ok, report.errors
    assert by_npsn(session, "50100001").regency_code == regency


@pytest.mark.parametrize("code", ["999900", "246000x", "24600", "٢٤٦٠٠٠", "050000"])
def test_a_code_not_in_the_crosswalk_is_an_error_naming_row_and_value(session, tmp_path, code):
    rows = [school_row("50100001"), school_row("50100002", kode_wilayah=code)]
    report = import_schools(session, write_csv(tmp_path / "s.csv", rows))
    assert not report.written and school_count(session) == 0
    [error] = report.errors
    assert (error.row, error.field) == (3, "kode_wilayah")
    assert "kode wilayah tidak dikenal" in error.message and code.strip() in error.message


def test_columns_option_maps_any_layout(session, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text(
        "Kode Sekolah;Nama Lembaga;Jenis;Negeri/Swasta;Wilayah;Catatan\n"
        "50100001;SD Tunas;SD;Swasta;53.71;apa saja\n",
        encoding="utf-8",
    )
    mapping = parse_column_mapping(
        "npsn=kode sekolah,nama=nama lembaga,bentuk_pendidikan=jenis,status_sekolah=negeri/swasta,"
        "kode_wilayah=wilayah"
    )
    report = import_schools(session, path, columns=mapping)
    assert report.added == 1 and report.ignored_columns == ["catatan"]
    assert by_npsn(session, "50100001").status == "swasta"
    with pytest.raises(ImportFileError, match='kolom SPMP "nam" tidak dikenal'):
        parse_column_mapping("nam=sekolah")
    with pytest.raises(ImportFileError, match="kolom wajib tidak ada: npsn"):
        import_schools(session, path)


# --- errors versus warnings -------------------------------------------------------------------------------
WARNED = [
    ({"lintang": "20.5"}, "lintang", "di luar wilayah Indonesia", "latitude"),
    ({"bujur": "150"}, "bujur", "di luar wilayah Indonesia", "longitude"),
    ({"lintang": "123.6070", "bujur": "-10.1772"}, "lintang", "di luar wilayah Indonesia", "latitude"),
    ({"lintang": "nan"}, "lintang", "bukan angka", "latitude"),
    ({"bujur": "inf"}, "bujur", "bukan angka", "longitude"),
    ({"lintang": "utara"}, "lintang", "bukan angka", "latitude"),
    ({"daya_listrik": "-450"}, "daya_listrik", "harus bilangan bulat 0 sampai", "electricity_watts"),
    ({"daya_listrik": "900.5"}, "daya_listrik", "harus bilangan bulat", "electricity_watts"),
    ({"daya_listrik": "99999999999"}, "daya_listrik", "harus bilangan bulat", "electricity_watts"),
    ({"daya_listrik": "9" * 25}, "daya_listrik", "harus bilangan bulat", "electricity_watts"),
    ({"daya_listrik": "NaN"}, "daya_listrik", "harus bilangan bulat", "electricity_watts"),
    ({"daya_listrik": "١٣٠٠"}, "daya_listrik", "harus bilangan bulat", "electricity_watts"),
    (
        {"akses_internet": "wifi"},
        "akses_internet",
        "harus stabil, terbatas atau tidak_ada",
        "internet_access",
    ),
    ({"akreditasi": "D"}, "akreditasi", "harus A, B, C atau TT", "accreditation_rank"),
    ({"tmt_akreditasi": "2022-02-30"}, "tmt_akreditasi", "tanggal tidak valid", "accreditation_start"),
    ({"tmt_akreditasi": "２０２２-03-01"}, "tmt_akreditasi", "tanggal tidak valid", "accreditation_start"),
    ({"tmt_akreditasi": "2027-03-02"}, "tst_akreditasi", "lebih awal dari TMT", "accreditation_end"),
    ({"wilayah_terpencil": "mungkin"}, "wilayah_terpencil", "harus 1/0", "is_remote"),
    (
        {"tahun_rehabilitasi_terakhir": "1900"},
        "tahun_rehabilitasi_terakhir",
        "harus tahun",
        "last_rehab_year",
    ),
    (
        {"tahun_rehabilitasi_terakhir": "²⁰¹⁰"},
        "tahun_rehabilitasi_terakhir",
        "harus tahun",
        "last_rehab_year",
    ),
    (
        {"tahun_rehabilitasi_terakhir": "٢٠١٠"},
        "tahun_rehabilitasi_terakhir",
        "harus tahun",
        "last_rehab_year",
    ),
    ({"alamat_jalan": "x" * 301}, "alamat_jalan", "terlalu panjang", "address"),
]


@pytest.mark.parametrize(("overrides", "column", "message", "attr"), WARNED)
def test_a_bad_optional_field_imports_the_school_without_it_and_warns(
    session, tmp_path, overrides, column, message, attr
):
    rows = [
        school_row("50100001"),
        school_row("50100002", daya_listrik="", tahun_rehabilitasi_terakhir="") | overrides,
    ]
    report = import_schools(session, write_csv(tmp_path / "w.csv", rows))
    assert report.written and (report.added, report.rejected, report.warned) == (2, 0, 1)
    warning = report.warnings[0]
    assert (warning.row, warning.field) == (3, column) and message in warning.message
    assert "tidak diimpor" in warning.message
    assert getattr(by_npsn(session, "50100002"), attr) in (None, False)
    assert "1 dengan peringatan" in report.summary()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"npsn": "٥٠١٠٠٠٠٢"}, "npsn", "harus 8 digit angka 0-9"),  # Arabic-Indic digits
        ({"npsn": "５０１０００２"}, "npsn", "harus 8 digit angka 0-9"),  # full-width digits
        ({"npsn": "5010000²"}, "npsn", "harus 8 digit angka 0-9"),
        ({"npsn": "5010000A"}, "npsn", "harus 8 digit angka 0-9"),
        ({"nama": "x" * 201}, "nama", "terlalu panjang"),
        ({"status_sekolah": "X"}, "status_sekolah", "negeri/swasta atau N/S"),
        ({"bentuk_pendidikan": "SMU"}, "bentuk_pendidikan", '(ditemukan "SMU")'),
    ],
)
def test_a_bad_required_field_rejects_the_row(session, tmp_path, overrides, field, message):
    rows = [school_row("50100001"), school_row("50100002") | overrides]
    report = import_schools(session, write_csv(tmp_path / "e.csv", rows), skip_invalid=True)
    assert (report.added, report.rejected) == (1, 1)
    [error] = report.errors
    assert (error.row, error.field) == (3, field) and message in error.message
    assert report.rejected_by_reason == {error.reason: 1}


def test_coordinates_far_from_the_regencys_schools_are_a_warning(session, tmp_path):
    rows = [school_row(f"501000{i:02d}", lintang=f"-10.1{i}", bujur=f"123.6{i}") for i in range(1, 9)]
    rows.append(school_row("50100009", lintang="-2.5", bujur="97.1"))  # a Kupang school in Sumatra
    report = import_schools(session, write_csv(tmp_path / "far.csv", rows))
    assert (report.added, report.warned) == (9, 1)
    [warning] = report.warnings
    assert (warning.row, warning.field) == (
        10,
        "lintang/bujur",
    ) and "jauh dari sekolah lain" in warning.message
    # Only a warning: the coordinates stay (a regency may have far islands), for someone to check.
    assert by_npsn(session, "50100009").longitude == 97.1


# --- partial files: no data loss ------------------------------------------------------------------------
def test_a_column_absent_from_the_file_keeps_the_stored_value(session, tmp_path):
    import_schools(session, write_csv(tmp_path / "full.csv", [school_row("50100001")]))
    required = ["npsn", "nama", "bentuk_pendidikan", "status_sekolah", "kode_wilayah"]
    renamed = school_row("50100001", nama="SD Negeri 1 Kupang Baru")
    report = import_schools(session, write_csv(tmp_path / "partial.csv", [renamed], header=required))
    assert (report.updated, report.rejected) == (1, 0)
    school = by_npsn(session, "50100001")
    assert school.name == "SD Negeri 1 Kupang Baru"
    assert (school.address, school.latitude, school.longitude, school.electricity_watts) == (
        "Jl. El Tari No. 5", -10.1772, 123.607, 1300,
    )  # fmt: skip
    assert (school.is_disaster_area, school.accreditation_rank) == (True, "B")
    again = import_schools(session, write_csv(tmp_path / "partial2.csv", [renamed], header=required))
    assert again.unchanged == 1


def test_an_empty_cell_keeps_the_stored_value_unless_clear_empty(session, tmp_path):
    import_schools(session, write_csv(tmp_path / "full.csv", [school_row("50100001")]))
    emptied = school_row(
        "50100001", alamat_jalan="", lintang="", bujur="", daya_listrik="", wilayah_bencana_alam=""
    )
    report = import_schools(session, write_csv(tmp_path / "empty.csv", [emptied]))
    assert report.unchanged == 1
    school = by_npsn(session, "50100001")
    assert (school.address, school.latitude, school.electricity_watts, school.is_disaster_area) == (
        "Jl. El Tari No. 5", -10.1772, 1300, True,
    )  # fmt: skip
    report = import_schools(session, write_csv(tmp_path / "empty.csv", [emptied]), clear_empty=True)
    assert report.updated == 1
    school = by_npsn(session, "50100001")
    assert (school.address, school.latitude, school.longitude, school.electricity_watts) == (None,) * 4
    assert school.is_disaster_area is None or school.is_disaster_area is False


# --- not a table, and what an attacker sends ---------------------------------------------------------------
def test_json_that_is_not_a_list_of_records_is_one_short_error(session, tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"data": "x" * 100_000, "n": 1}))
    with pytest.raises(ImportFileError) as caught:
        import_schools(session, path)
    assert "daftar rekaman" in str(caught.value) and len(str(caught.value)) < 200


def test_a_pdf_is_one_short_error(session, tmp_path):
    path = tmp_path / "laporan.pdf"
    path.write_bytes(
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"\x00\xff" * 50_000
    )
    with pytest.raises(ImportFileError) as caught:
        import_schools(session, path)
    assert len(str(caught.value)) < 200 and school_count(session) == 0


def test_a_field_over_131072_characters_is_a_clean_error(session, tmp_path):
    rows = [school_row("50100001", alamat_jalan="x" * 200_000)]
    with pytest.raises(ImportFileError, match="131,072") as caught:
        import_schools(session, write_csv(tmp_path / "huge.csv", rows))
    assert len(str(caught.value)) < 200


def test_a_nul_byte_is_a_clean_error_naming_row_and_column(session, tmp_path):
    rows = [school_row("50100001"), school_row("50100002", nama="SD\x00 Negeri")]
    with pytest.raises(ImportFileError, match="baris 3, nama: berisi karakter NUL"):
        import_schools(session, write_csv(tmp_path / "nul.csv", rows))
    assert school_count(session) == 0


def test_a_million_column_header_is_refused_quickly_with_a_short_message(session, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n" + "1," * 10 + "\n")
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as caught:
        import_schools(session, path)
    assert time.perf_counter() - started < 10
    assert "kolom" in str(caught.value) and len(str(caught.value)) < 300


def corrupt_xlsx(tmp_path) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(school_row().keys()))
    sheet.append(list(school_row().values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2] + b"<<<not xml"
            target.writestr(item, data)
    return out.getvalue()


def test_an_xlsx_with_corrupt_sheet_xml_is_a_clean_error(session, tmp_path):
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(corrupt_xlsx(tmp_path))
    with pytest.raises(ImportFileError, match="XLSX"):
        import_schools(session, path)
    assert school_count(session) == 0


# --- fuzz: whatever the bytes, a report or one clean ImportFileError --------------------------------------
def _csv_text(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


ODD_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "nan",
            "inf",
            "-inf",
            "1e999",
            "²⁰¹⁰",
            "٢٠١٠",
            "２０１０",
            "99999999999",
            "9" * 30,
            "\x00",
            "-.0423000",
            "N",
            "S",
            "246000  ",
            "056012",
            "",
            " ",
            "SMAg.K",
            "SMALB",
        ]
    ),
)
HEADER = [
    "npsn",
    "nama",
    "bentuk_pendidikan",
    "status_sekolah",
    "kode_wilayah",
    "lintang",
    "bujur",
    "daya_listrik",
    "tahun_rehabilitasi_terakhir",
    "tmt_akreditasi",
]


@st.composite
def hostile_files(draw) -> bytes:
    kind = draw(st.sampled_from(["bytes", "csv", "json", "wide", "huge", "xlsx"]))
    if kind == "bytes":
        return draw(st.binary(max_size=2000))
    if kind == "wide":
        return (
            ",".join(["npsn"] + [f"k{i}" for i in range(draw(st.integers(900, 5000)))]) + "\n1\n"
        ).encode()
    if kind == "huge":
        return _csv_text(
            [HEADER, ["50100001", "x" * draw(st.integers(131_000, 140_000)), "SD", "N", "53.71"]]
        )
    if kind == "xlsx":
        return corrupt_xlsx(None)
    rows = draw(st.lists(st.lists(ODD_TEXT, min_size=len(HEADER), max_size=len(HEADER) + 2), max_size=6))
    if kind == "json":
        records = [dict(zip(HEADER, row, strict=False)) for row in rows]
        shape = draw(st.sampled_from(["list", "listing", "scalar"]))
        document = {"list": records, "listing": {"246000": records}, "scalar": draw(ODD_TEXT)}[shape]
        return json.dumps(document).encode()
    return _csv_text([HEADER, *rows])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=hostile_files(), name=st.sampled_from(["f.csv", "f.json", "f.xlsx", "f"]))
def test_fuzz_school_import_gives_a_report_or_one_clean_error(session, tmp_path, data, name):
    """Issue 9 §4: random bytes, huge fields, odd Unicode digits, NaN, NUL, wide headers, corrupt XLSX:
    a report or one short ImportFileError every time, never another exception, on SQLite and PostgreSQL;
    nothing stored that the database would refuse or that is not ASCII-digit NPSN."""
    path = tmp_path / name
    path.write_bytes(data)
    savepoint = session.begin_nested()
    try:
        report = import_schools(session, path, skip_invalid=True)
    except ImportFileError as exc:
        assert len(str(exc)) < 600
    else:
        assert report.rows == report.added + report.updated + report.unchanged + report.rejected
        for npsn, lat in session.execute(select(School.npsn, School.latitude)):
            assert npsn.isascii() and npsn.isdigit()
            assert lat is None or -11.5 <= lat <= 6.5
    finally:
        savepoint.rollback()


# --- the CLI ----------------------------------------------------------------------------------------------
def test_cli_imports_several_listing_files_and_lists_ignored_columns_once(cli_env, tmp_path):
    runner, url = cli_env
    one = write_listing(tmp_path / "246000.json", [listing_record("50100001"), listing_record("50100002")])
    two = write_listing(
        tmp_path / "056000.json",
        [
            listing_record("50100003", kode_kab_kota="056000  ", lintang="-7.29", bujur="112.69"),
            listing_record("50100001"),
        ],
        key="056000",
    )
    result = runner.invoke(cli, ["schools", "import", str(one), str(two), "--skip-invalid"])
    assert result.exit_code == 1, result.output  # one duplicate NPSN rejected
    assert (
        result.output.count("Kolom diabaikan: kode_prop, propinsi, kabupaten_kota, kode_kec, kecamatan, id")
        == 1
    )
    assert (
        "056000.json: baris 3, npsn: NPSN ganda dalam file (sama dengan baris 2 di 246000.json)"
        in result.output
    )
    assert "3 ditambahkan" in result.output


def test_cli_columns_and_clear_empty(cli_env, tmp_path):
    runner, url = cli_env
    full = write_csv(tmp_path / "full.csv", [school_row("50100001")])
    assert runner.invoke(cli, ["schools", "import", str(full)]).exit_code == 0
    path = tmp_path / "mine.csv"
    path.write_text("kode,sekolah,jenis,st,wil,alamat\n50100001,SD Satu,SD,N,53.71,\n", encoding="utf-8")
    columns = "npsn=kode,nama=sekolah,bentuk_pendidikan=jenis,status_sekolah=st,kode_wilayah=wil,alamat_jalan=alamat"
    result = runner.invoke(cli, ["schools", "import", str(path), "--columns", columns])
    assert result.exit_code == 0, result.output
    assert "1 diperbarui" in result.output
    result = runner.invoke(cli, ["schools", "import", str(path), "--columns", columns, "--clear-empty"])
    assert result.exit_code == 0, result.output
    from spmp.db import Database

    db = Database(url)
    try:
        with db.session() as s:
            school = s.scalar(select(School).where(School.npsn == "50100001"))
            assert (school.name, school.address, school.latitude) == ("SD Satu", None, -10.1772)
    finally:
        db.dispose()
