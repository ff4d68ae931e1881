"""``spmp schools import``: validation, all-or-nothing vs --skip-invalid, idempotent re-import, XLSX, the
synthetic data generator and the CLI end to end."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from spmp import clock
from spmp.cli import cli
from spmp.regions.models import Regency
from spmp.schools.demo import LEVEL_COUNTS, generate_rows
from spmp.schools.importer import COLUMNS, ImportFileError, import_rows, import_schools
from spmp.schools.models import School
from tests.factories import make_school


def school_row(npsn: str = "50100001", **overrides) -> dict[str, str]:
    row = {
        "npsn": npsn,
        "nama": f"SD Negeri {npsn[-2:]} Kupang",
        "bentuk_pendidikan": "SD",
        "status_sekolah": "Negeri",
        "kode_wilayah": "53.71",
        "alamat_jalan": "Jl. El Tari No. 5",
        "desa_kelurahan": "Oebobo",
        "lintang": "-10.1772",
        "bujur": "123.6070",
        "daya_listrik": "1300",
        "akses_internet": "terbatas",
        "wilayah_terpencil": "0",
        "wilayah_perbatasan": "tidak",
        "wilayah_bencana_alam": "ya",
        "akreditasi": "B",
        "sk_akreditasi": "123/BAN-PDM/SK/2022",
        "tmt_akreditasi": "2022-03-01",
        "tst_akreditasi": "01/03/2027",
        "tahun_rehabilitasi_terakhir": "2015",
    }
    return row | overrides


def write_csv(path, rows, header=COLUMNS, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(column, "") for column in header])
    return path


def school_count(session) -> int:
    return session.scalar(select(func.count()).select_from(School))


def by_npsn(session, npsn: str) -> School:
    session.expire_all()
    return session.scalar(select(School).where(School.npsn == npsn))


@pytest.fixture
def fixed_clock():
    moments = [datetime(2026, 11, 29, 8, 0, tzinfo=UTC)]
    clock.set_clock(lambda: moments[0])
    yield moments
    clock.set_clock(None)


def test_good_file_is_imported_with_normalised_values(session, tmp_path, fixed_clock):
    path = write_csv(
        tmp_path / "good.csv", [school_row("50100001"), school_row("50100002", kode_wilayah="5301")]
    )
    report = import_schools(session, path)
    assert (report.rows, report.added, report.updated, report.unchanged, report.rejected) == (2, 2, 0, 0, 0)
    assert report.written and report.ok
    school = by_npsn(session, "50100001")
    assert (school.name, school.name_key) == ("SD Negeri 01 Kupang", "sd negeri 01 kupang")
    assert (school.bentuk, school.status, school.regency_code, school.province_code) == (
        "SD",
        "negeri",
        "53.71",
        "53",
    )
    assert (school.latitude, school.longitude, school.electricity_watts) == (-10.1772, 123.607, 1300)
    assert (school.internet_access, school.is_remote, school.is_border, school.is_disaster_area) == (
        "terbatas", False, False, True,
    )  # fmt: skip
    assert (school.accreditation_start, school.accreditation_end) == (date(2022, 3, 1), date(2027, 3, 1))
    assert school.last_rehab_year == 2015
    assert school.created_at == school.updated_at == fixed_clock[0]
    assert by_npsn(session, "50100002").regency_code == "53.01"  # "5301" spelling


def test_reimport_changes_nothing_and_updated_file_updates_by_npsn(session, tmp_path, fixed_clock):
    rows = [school_row("50100001"), school_row("50100002"), school_row("50100003")]
    path = write_csv(tmp_path / "v1.csv", rows)
    import_schools(session, path)
    first_stamp = fixed_clock[0]
    fixed_clock[0] = first_stamp + timedelta(days=1)

    again = import_schools(session, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert by_npsn(session, "50100001").updated_at == first_stamp

    rows[1] = school_row("50100002", nama="SD Negeri 2 Kupang Baru", daya_listrik="2200")
    rows.append(school_row("50100004"))
    report = import_schools(session, write_csv(tmp_path / "v2.csv", rows))
    assert (report.added, report.updated, report.unchanged, report.rejected) == (1, 1, 2, 0)
    changed = by_npsn(session, "50100002")
    assert (changed.name, changed.name_key, changed.electricity_watts) == (
        "SD Negeri 2 Kupang Baru", "sd negeri 2 kupang baru", 2200,
    )  # fmt: skip
    assert changed.updated_at == fixed_clock[0] and changed.created_at == first_stamp
    assert by_npsn(session, "50100001").updated_at == first_stamp
    assert school_count(session) == 4


def test_import_into_a_non_empty_table_keeps_existing_schools(session, tmp_path):
    existing = make_school(session, npsn="50100009", regency_code="35.78", name="SD Negeri Lama")
    report = import_schools(session, write_csv(tmp_path / "s.csv", [school_row("50100001")]))
    assert (report.added, report.updated) == (1, 0)
    assert by_npsn(session, existing.npsn).name == "SD Negeri Lama"


# Required fields reject the row; bad optional fields are warnings (tests/spmp/test_school_import_real.py).
BAD_ROWS = [
    ({"npsn": "12345"}, "npsn", 'harus 8 digit angka 0-9 (ditemukan "12345")'),
    ({"npsn": "5010000A"}, "npsn", "harus 8 digit angka 0-9"),
    ({"nama": "  "}, "nama", "wajib diisi"),
    (
        {"kode_wilayah": "99.99"},
        "kode_wilayah",
        'kode wilayah tidak dikenal (Kemendagri atau Dapodik) (ditemukan "99.99")',
    ),
    ({"bentuk_pendidikan": "SMU"}, "bentuk_pendidikan", 'ditemukan "SMU"'),
    ({"status_sekolah": "semi"}, "status_sekolah", "harus negeri/swasta atau N/S"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_ROWS)
def test_each_kind_of_bad_row_is_reported_and_nothing_written(session, tmp_path, overrides, field, message):
    rows = [school_row("50100001"), school_row("50100002") | overrides, school_row("50100003")]
    before = school_count(session)
    report = import_schools(session, write_csv(tmp_path / "bad.csv", rows))
    assert not report.written and report.rejected == 1
    assert (report.added, report.updated, report.unchanged) == (0, 0, 0)
    [error] = report.errors
    assert (error.row, error.field) == (3, field)  # header is row 1, so the second data row is row 3
    assert message in error.message
    assert str(error).startswith(f"baris 3, {field}: ")
    assert school_count(session) == before


def test_duplicate_npsn_in_file_rejects_the_second_occurrence(session, tmp_path):
    rows = [school_row("50100001"), school_row("50100002"), school_row("50100001", nama="SD Lain")]
    report = import_schools(session, write_csv(tmp_path / "dup.csv", rows), skip_invalid=True)
    assert (report.added, report.rejected) == (2, 1)
    [error] = report.errors
    assert str(error) == "baris 4, npsn: NPSN ganda dalam file (sama dengan baris 2)"
    assert by_npsn(session, "50100001").name == "SD Negeri 01 Kupang"


def test_several_errors_in_one_row_are_all_listed(session, tmp_path):
    rows = [school_row("123", status_sekolah="x", bentuk_pendidikan="Z")]
    report = import_schools(session, write_csv(tmp_path / "bad.csv", rows))
    assert report.rejected == 1 and report.error_count == 3
    assert [e.field for e in report.errors] == ["npsn", "bentuk_pendidikan", "status_sekolah"]


def test_default_is_all_or_nothing_and_skip_invalid_keeps_valid_rows(session, tmp_path):
    rows = [school_row("50100001"), school_row("bad"), school_row("50100003")]
    path = write_csv(tmp_path / "mixed.csv", rows)
    strict = import_schools(session, path)
    assert not strict.written and school_count(session) == 0
    lenient = import_schools(session, path, skip_invalid=True)
    assert lenient.written and (lenient.added, lenient.rejected) == (2, 1)
    assert school_count(session) == 2


def test_nothing_is_half_written_when_a_late_row_is_bad(session, tmp_path):
    make_school(session, npsn="50100099", regency_code="53.71")
    rows = [school_row(f"501000{i:02d}") for i in range(1, 8)] + [school_row("50100008", status_sekolah="x")]
    before = school_count(session)
    # Batches of 2: three batches were already flushed when row 9 turns out bad.
    report = import_schools(session, write_csv(tmp_path / "late.csv", rows), batch_size=2)
    assert not report.written and report.errors[0].row == 9
    assert school_count(session) == before


def test_nothing_is_written_when_a_late_row_is_bad_on_the_empty_table_path(session, tmp_path):
    # Into an empty table the indexes are dropped and (PostgreSQL) one COPY stays open across batches.
    rows = [school_row(f"501000{i:02d}") for i in range(1, 8)] + [school_row("50100008", status_sekolah="x")]
    report = import_schools(session, write_csv(tmp_path / "late.csv", rows), batch_size=2)
    assert not report.written and school_count(session) == 0
    # The rolled-back import left the table and its indexes usable: the same rows now import fine.
    report = import_schools(session, write_csv(tmp_path / "fixed.csv", rows[:-1]), batch_size=2)
    assert report.added == 7 and school_count(session) == 7
    assert import_schools(session, write_csv(tmp_path / "again.csv", rows[:-1])).unchanged == 7


def test_accepted_spellings(session, tmp_path):
    session.get(Regency, "53.71").dapodik_code = "246000"
    session.flush()
    rows = [
        school_row(
            "50100001", status_sekolah="SWASTA", bentuk_pendidikan="sekolah dasar", kode_wilayah="246000 "
        ),
        school_row(
            "50100002", akses_internet="Tidak Ada", akreditasi="tt", wilayah_terpencil="TRUE", lintang="-10,5"
        ),
        school_row("50100003", lintang="", bujur="", daya_listrik="", tmt_akreditasi="", tst_akreditasi=""),
    ]
    report = import_schools(session, write_csv(tmp_path / "spell.csv", rows, delimiter=";"))
    assert report.ok, report.errors
    first, second, third = (by_npsn(session, n) for n in ("50100001", "50100002", "50100003"))
    assert (first.status, first.bentuk, first.regency_code) == ("swasta", "SD", "53.71")
    assert (second.internet_access, second.accreditation_rank, second.is_remote, second.latitude) == (
        "tidak_ada", "TT", True, -10.5,
    )  # fmt: skip
    assert (third.latitude, third.electricity_watts, third.accreditation_start) == (None, None, None)


def test_bom_and_header_case_and_spaces_are_accepted(session, tmp_path):
    header = [f" {column.upper()} " for column in COLUMNS]
    path = tmp_path / "bom.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow([school_row("50100001")[c] for c in COLUMNS])
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode())
    assert import_schools(session, path).added == 1


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (("nama", "bentuk_pendidikan", "status_sekolah", "kode_wilayah"), "kolom wajib tidak ada: npsn"),
        ((*COLUMNS, "nama"), "kolom ganda: nama"),
    ],
)
def test_wrong_headers_are_one_clear_error(session, tmp_path, header, message):
    path = write_csv(tmp_path / "header.csv", [school_row()], header=header)
    with pytest.raises(ImportFileError, match=message):
        import_schools(session, path)
    assert school_count(session) == 0


@pytest.mark.parametrize(("content", "message"), [(b"", "File kosong"), (b"\n\n", "File kosong")])
def test_empty_file(session, tmp_path, content, message):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        import_schools(session, path)


def test_header_only_file(session, tmp_path):
    with pytest.raises(ImportFileError, match="tidak berisi baris data"):
        import_schools(session, write_csv(tmp_path / "header.csv", []))


def test_non_utf8_csv_is_refused_not_guessed(session, tmp_path):
    path = tmp_path / "cp1252.csv"
    rows = [school_row(f"501000{i:02d}") for i in range(1, 40)] + [
        school_row("50100099", nama="SD Santa María")
    ]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row[c] for c in COLUMNS])
    path.write_bytes(text.getvalue().encode("cp1252"))
    with pytest.raises(ImportFileError, match="bukan teks UTF-8"):
        import_schools(session, path, batch_size=10)
    assert school_count(session) == 0


def write_xlsx(path, rows, header=COLUMNS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(column) for column in header])
    workbook.save(path)
    return path


def test_xlsx_good_file_with_native_cell_types(session, tmp_path):
    row = school_row("50100001") | {
        "npsn": 50100001,  # a number cell, as Excel makes of an NPSN
        "lintang": -10.1772,
        "daya_listrik": 900,
        "tmt_akreditasi": datetime(2022, 3, 1),
        "tst_akreditasi": date(2027, 3, 1),
        "wilayah_terpencil": True,
    }
    report = import_schools(session, write_xlsx(tmp_path / "good.xlsx", [row, school_row("50100002")]))
    assert (report.added, report.rejected) == (2, 0)
    school = by_npsn(session, "50100001")
    assert (school.latitude, school.electricity_watts, school.accreditation_start, school.is_remote) == (
        -10.1772, 900, date(2022, 3, 1), True,
    )  # fmt: skip


def test_xlsx_bad_row_reports_its_row_number(session, tmp_path):
    rows = [school_row("50100001"), school_row("50100002"), school_row("50100003", kode_wilayah="00.00")]
    report = import_schools(session, write_xlsx(tmp_path / "bad.xlsx", rows))
    assert not report.written
    assert (
        str(report.errors[0])
        == 'baris 4, kode_wilayah: kode wilayah tidak dikenal (Kemendagri atau Dapodik) (ditemukan "00.00")'
    )


def test_unreadable_xlsx_is_one_clear_error(session, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(ImportFileError, match="XLSX tidak dapat dibuka"):
        import_schools(session, path)


def test_stream_source_is_sniffed(session, tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", [school_row("50100001")])
    with open(path, "rb") as stream:
        assert import_schools(session, stream).added == 1


# --- the synthetic data generator -----------------------------------------------------------------------
def test_generator_is_deterministic_and_valid(session):
    first = [row for _, row in generate_rows(300, seed=7)]
    assert first == [row for _, row in generate_rows(300, seed=7)]
    assert first != [row for _, row in generate_rows(300, seed=8)]
    report = import_rows(session, generate_rows(300, seed=7))
    assert report.ok and report.added == 300


def test_generator_follows_the_national_mix():
    rows = [row for _, row in generate_rows(20_000, seed=1)]
    levels = {bentuk: sum(1 for r in rows if r["bentuk_pendidikan"] == bentuk) for bentuk in LEVEL_COUNTS}
    total = sum(LEVEL_COUNTS.values())
    for bentuk, national in LEVEL_COUNTS.items():
        assert abs(levels[bentuk] - 20_000 * national / total) <= 1  # largest-remainder split
    jatim = sum(1 for r in rows if r["kode_wilayah"].startswith("35.")) / len(rows)
    assert 0.13 < jatim < 0.17  # 67k of 439k
    low_power = sum(1 for r in rows if int(r["daya_listrik"]) < 2200) / len(rows)
    assert 0.70 < low_power < 0.82  # "76% of schools are below 2,200 W"
    assert len({r["npsn"] for r in rows}) == len(rows)
    assert len({r["kode_wilayah"] for r in rows}) == 514


# --- the CLI end to end ---------------------------------------------------------------------------------
@pytest.fixture
def cli_env(make_database, monkeypatch, tmp_path):
    url = make_database("import_cli")
    monkeypatch.setenv("SPMP_DATABASE_URL", url)
    monkeypatch.setenv("SPMP_INSTANCE_PATH", str(tmp_path / "instance"))
    runner = CliRunner()
    for command in (["db", "upgrade"], ["reference", "load"]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 0, result.output
    return runner, url


def cli_school_count(url: str) -> int:
    from spmp.db import Database

    db = Database(url)
    try:
        with db.session() as session:
            return school_count(session)
    finally:
        db.dispose()


def test_cli_import_end_to_end(cli_env, tmp_path):
    runner, url = cli_env
    good = write_csv(tmp_path / "good.csv", [school_row("50100001"), school_row("50100002")])
    result = runner.invoke(cli, ["schools", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 ditambahkan, 0 diperbarui, 0 tidak berubah, 0 ditolak" in result.output
    result = runner.invoke(cli, ["schools", "import", str(good)])
    assert "0 ditambahkan, 0 diperbarui, 2 tidak berubah" in result.output

    bad = write_csv(tmp_path / "bad.csv", [school_row("50100003"), school_row("1"), school_row("2")])
    errors_csv = tmp_path / "errors.csv"
    result = runner.invoke(cli, ["schools", "import", str(bad), "--errors-csv", str(errors_csv)])
    assert result.exit_code == 1
    assert "Tidak ada yang disimpan" in result.output
    assert 'baris 3, npsn: harus 8 digit angka 0-9 (ditemukan "1")' in result.output
    with open(errors_csv, encoding="utf-8") as f:
        assert list(csv.reader(f)) == [
            ["file", "baris", "kolom", "jenis", "pesan"],
            ["", "3", "npsn", "kesalahan", 'harus 8 digit angka 0-9 (ditemukan "1")'],
            ["", "4", "npsn", "kesalahan", 'harus 8 digit angka 0-9 (ditemukan "2")'],
        ]
    assert cli_school_count(url) == 2

    result = runner.invoke(cli, ["schools", "import", str(bad), "--skip-invalid"])
    assert result.exit_code == 1  # rows were rejected, even though the valid one was saved
    assert "1 ditambahkan, 0 diperbarui, 0 tidak berubah, 2 ditolak" in result.output
    assert cli_school_count(url) == 3


def test_cli_refuses_a_bad_file_with_one_message(cli_env, tmp_path):
    runner, url = cli_env
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        ",".join(COLUMNS).encode() + b"\n50100001,SD Santa Mar\xeda,SD,negeri,53.71" + b"," * 14 + b"\n"
    )
    result = runner.invoke(cli, ["schools", "import", str(path)])
    assert result.exit_code == 1
    assert "bukan teks UTF-8" in result.output
    assert cli_school_count(url) == 0


def test_cli_demo_generate_csv_then_import_and_straight_into_database(cli_env, tmp_path):
    runner, url = cli_env
    out = tmp_path / "demo.csv"
    result = runner.invoke(cli, ["demo", "generate", "--schools", "250", "--csv", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["schools", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert "250 ditambahkan" in result.output
    # Same seed straight into the database: the same 250 NPSNs, so nothing new.
    result = runner.invoke(cli, ["demo", "generate", "--schools", "250", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "0 ditambahkan, 0 diperbarui, 250 tidak berubah" in result.output
    assert cli_school_count(url) == 250


def test_cli_refreshes_statistics_after_a_large_import(cli_env, tmp_path, monkeypatch):
    import spmp.schools.cli as schools_cli

    monkeypatch.setattr(schools_cli, "STATISTICS_THRESHOLD", 2)
    runner, url = cli_env
    result = runner.invoke(
        cli, ["schools", "import", str(write_csv(tmp_path / "s.csv", [school_row("50100001")]))]
    )
    assert result.exit_code == 0 and "Memperbarui statistik" not in result.output
    rows = [school_row("50100002"), school_row("50100003")]
    result = runner.invoke(cli, ["schools", "import", str(write_csv(tmp_path / "t.csv", rows))])
    assert result.exit_code == 0, result.output
    assert "Memperbarui statistik tabel sekolah" in result.output
    assert cli_school_count(url) == 3
