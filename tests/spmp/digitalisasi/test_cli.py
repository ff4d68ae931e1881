"""``spmp digitalisasi ...`` through click's CliRunner against a real, committed test database: readiness
for one province (and its refusal of an unknown one), and the supplier's list imported all or nothing
(every bad row named on stderr with its row and column, exit status 1, nothing written)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from spmp.digitalisasi.models import Device, DigitalTarget, Shipment
from spmp.engine.cases import CaseRecord
from tests.factories import make_school

YEAR = "2026"


@pytest.fixture
def cli_db(make_database, tmp_path, monkeypatch):
    """A migrated database with reference data, three schools in Kota Kupang (one short of power), one in
    Surabaya, and a B/BPMP NTT user; the CLI is pointed at it."""
    from spmp import migrate
    from spmp.accounts import operations as accounts
    from spmp.db import Database
    from spmp.regions.reference import load_reference

    url = make_database("digicli")
    database = Database(url)
    migrate.upgrade(database)
    with database.transaction() as s:
        load_reference(s)
        schools = [make_school(s, regency_code="53.71", electricity_watts=3500, internet_access="stabil"),
                   make_school(s, regency_code="53.71", electricity_watts=900, internet_access="terbatas"),
                   make_school(s, regency_code="53.71", internet_access="tidak_ada"),
                   make_school(s, regency_code="35.78", electricity_watts=5000, internet_access="stabil")]  # fmt: skip
        accounts.create_user(s, username="staf_cli", full_name="Staf", password="kata-sandi-uji-123",
                             role="bpmp_staff", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip
        npsns = [school.npsn for school in schools]
    monkeypatch.setenv("SPMP_DATABASE_URL", url)
    monkeypatch.setenv("SPMP_INSTANCE_PATH", str(tmp_path))
    yield database, npsns
    database.dispose()


def _run(*args):
    from spmp.cli import cli

    return CliRunner().invoke(cli, ["digitalisasi", *args])


def _count(database, *what):
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(*what))


def test_readiness_for_one_province_then_unchanged(cli_db):
    database, _ = cli_db
    first = _run("readiness", "--year", YEAR, "--province", "53")
    assert first.exit_code == 0, first.output
    assert "Kesiapan 2026 (batas daya 2.200 W): 3 sekolah dihitung, 3 sasaran baru, 0 berubah" in first.output
    assert "0 siap, 3 belum siap" in first.output  # no safe room confirmed yet
    with database.session() as s:
        targets = s.scalars(select(DigitalTarget).order_by(DigitalTarget.school_id)).all()
        assert [t.kit for t in targets] == ["panel", "panel_modem", "offline_offgrid"]
        assert [t.reasons for t in targets] == ["no_safe_room", "power_low,no_safe_room", "no_safe_room"]
    again = _run("readiness", "--year", YEAR, "--province", "53")
    assert again.exit_code == 0 and "0 sasaran baru, 0 berubah" in again.output
    national = _run("readiness", "--year", YEAR)
    assert national.exit_code == 0 and "4 sekolah dihitung, 1 sasaran baru" in national.output


def test_readiness_refuses_bad_options(cli_db):
    database, _ = cli_db
    unknown = _run("readiness", "--year", YEAR, "--province", "99")
    assert unknown.exit_code == 1 and "Kode provinsi '99' tidak dikenal" in unknown.output
    assert _run("readiness", "--province", "53").exit_code == 2  # --year is required
    out_of_range = _run("readiness", "--year", "1999")
    assert out_of_range.exit_code == 2 and "1999" in out_of_range.output
    assert _count(database, DigitalTarget) == 0


def _csv(tmp_path, lines):
    path = tmp_path / "kiriman.csv"
    path.write_text(
        "npsn,nomor_pengiriman,tanggal_kirim,jenis_perangkat,nomor_seri\n" + "\n".join(lines) + "\n"
    )
    return str(path)


def test_import_shipments_with_row_errors_writes_nothing(cli_db, tmp_path):
    database, npsns = cli_db
    assert _run("readiness", "--year", YEAR).exit_code == 0
    lines = [f"{npsns[0]},SJ-1,2026-08-17,panel,IFP-1",
             f"{npsns[0]},SJ-1,2026-08-17,proyektor,PRJ-1",
             f"{npsns[1]},SJ-2,32-08-2026,panel,IFP-1",
             f"{npsns[3]},SJ-3,2026-08-17,panel,IFP-3"]  # fmt: skip
    result = _run("import-shipments", _csv(tmp_path, lines), "--year", YEAR, "--as", "staf_cli")
    assert result.exit_code == 1
    assert "Berkas ditolak: tidak ada yang disimpan" in result.output
    assert 'baris 3, kolom jenis_perangkat: "proyektor" tidak dikenal' in result.stderr
    assert 'baris 4, kolom tanggal_kirim: "32-08-2026" bukan tanggal' in result.stderr
    assert "baris 4, kolom nomor_seri: nomor seri IFP-1 ganda (sudah ada di baris 2)" in result.stderr
    assert f"baris 5, kolom npsn: NPSN {npsns[3]} tidak ditemukan di wilayah Anda" in result.stderr
    assert (
        _count(database, Shipment) == 0
        and _count(database, Device) == 0
        and _count(database, CaseRecord) == 0
    )


def test_import_shipments_opens_cases(cli_db, tmp_path):
    database, npsns = cli_db
    assert _run("readiness", "--year", YEAR, "--province", "53").exit_code == 0
    lines = [f"{npsns[0]},SJ-1,2026-08-17,panel,IFP-1", f"{npsns[0]},SJ-1,2026-08-17,laptop,LAP-1",
             f"{npsns[1]},SJ-2,17/08/2026,IFP,IFP-2"]  # fmt: skip
    path = _csv(tmp_path, lines)
    result = _run("import-shipments", path, "--year", YEAR, "--as", "staf_cli", "--supplier", "PT Contoh")
    assert result.exit_code == 0, result.output
    assert "2 pengiriman dengan 3 perangkat diimpor" in result.output
    with database.session() as s:
        assert s.scalars(select(Shipment.supplier).distinct()).all() == ["PT Contoh"]
        assert set(s.scalars(select(CaseRecord.state))) == {"dikirim"}
    again = _run("import-shipments", path, "--year", YEAR, "--as", "staf_cli")
    assert (
        again.exit_code == 1 and "sudah tercatat dikirim" in again.stderr and _count(database, Shipment) == 2
    )


def test_import_shipments_needs_a_known_user_and_a_file(cli_db, tmp_path):
    path = _csv(tmp_path, ["12345678,SJ-1,2026-08-17,panel,IFP-1"])
    nobody = _run("import-shipments", path, "--year", YEAR, "--as", "tidak_ada")
    assert nobody.exit_code == 1 and "tidak ditemukan atau tidak aktif" in nobody.output
    missing = _run("import-shipments", str(tmp_path / "tidak-ada.csv"), "--year", YEAR, "--as", "staf_cli")
    assert missing.exit_code == 2 and "does not exist" in missing.output
