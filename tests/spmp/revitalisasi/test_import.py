"""Bulk import of proposals: one row per room, rows of one NPSN make one proposal; every bad row named with
row, column and reason; one bad row writes nothing; progress; the CLI."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from spmp import clock
from spmp.engine import ActionRefused
from spmp.revitalisasi.importer import import_proposals
from spmp.revitalisasi.models import RevitalisasiProposal
from spmp.schools.importer import ImportFileError
from tests.spmp.engine.conftest import cli_env  # noqa: F401 (fixture)
from tests.spmp.engine.support import make_world

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
HEADER = ("npsn,nama_ruang,jenis_ruang,pondasi,kolom_balok,kuda_kuda_atap,tutup_atap,plafon,dinding,kusen,"
          "instalasi,drainase,diusulkan,anggaran,lahan_siap,bukti_lahan,surveyor,formulir_ditandatangani,"
          "dapodik_sejak,tahun_rehabilitasi_terakhir,jumlah_siswa,catatan")  # fmt: skip


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


@pytest.fixture
def world(session):
    return make_world(session)


def _csv(*rows: str) -> bytes:
    return ("\n".join((HEADER, *rows)) + "\n").encode()


def _good_rows(npsn: str) -> tuple[str, str, str]:
    return (
        f"{npsn},Ruang kelas 1,ruang_kelas,0,100,100,60,0,0,0,0,0,ya,1.250.000.000,ya,SHM 12/2019,Ir. Bria,ya,2015,2012,240,",
        f"{npsn},Ruang kelas 2,,100,100,0,0,0,0,0,0,20,ya,,,,,,,,,",
        f"{npsn},Perpustakaan,perpustakaan,0,0,0,0,100,100,0,0,0,tidak,1250000000,,,,,,,,",
    )


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(RevitalisasiProposal))


def test_rows_of_one_npsn_make_one_proposal(session, world):
    from tests.factories import make_school

    second = make_school(session, regency_code="53.71")
    seen = []
    report = import_proposals(
        session, world["dinas_regency"], _csv(*_good_rows(world.school.npsn), *_good_rows(second.npsn)),
        year=2026, progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    assert report.ok and (report.rows, report.proposals, report.written) == (6, 2, 2)
    assert seen == [(2, 2)]  # progress after each batch (of up to 1,000 proposals)
    proposal = session.scalar(
        select(RevitalisasiProposal).where(RevitalisasiProposal.school_id == world.school.id)
    )
    assert proposal.source == "import" and proposal.requested_budget == 1_250_000_000
    assert [(r.name, r.band, r.is_requested) for r in proposal.rooms] == [
        ("Ruang kelas 1", "berat", True), ("Ruang kelas 2", "sedang", True), ("Perpustakaan", "ringan", False),
    ]  # fmt: skip
    assert (proposal.dapodik_since_year, proposal.last_rehab_year, proposal.pupils_affected) == (
        2015,
        2012,
        240,
    )
    assert proposal.land_ready and proposal.damage_form_signed and proposal.case.state == "draf"


def test_every_bad_row_is_named_and_nothing_is_written(session, world):
    from tests.factories import make_school

    good = make_school(session, regency_code="53.71")
    rows = (
        *_good_rows(good.npsn),
        f"{world.school.npsn},Kelas 1,ruang_kelas,0,100,100,60,0,0,0,0,0,ya,abc,ya,SHM,Ir. Bria,ya,2015,2012,240,",
        f"{world.school.npsn},Kelas 2,gudang,120,0,0,0,0,0,0,0,0,mungkin,,,,,,,,,",
        f"{world.school.npsn},Kelas 3,,0,0,0,0,100,0,0,0,0,ya,,tidak,,,,,,,",
        f"{world.other_school.npsn},Kelas 1,,0,100,100,60,0,0,0,0,0,ya,900000000,ya,SHM,Bria,ya,2015,,,",
        "12AB,Kelas 1,,0,0,0,0,0,0,0,0,0,ya,1,,,,,,,,",
    )
    report = import_proposals(session, world["dinas_regency"], _csv(*rows), year=2026)
    found = [(e.row, e.field, e.message) for e in report.errors]
    assert (
        5,
        "anggaran",
        'wajib, rupiah dalam angka (mis. 1500000000 atau 1.500.000.000; ditemukan "abc")',
    ) in found
    assert (6, "jenis_ruang", next(m for r, f, m in found if (r, f) == (6, "jenis_ruang"))) in found
    assert (6, "pondasi", 'harus persen 0–100 (ditemukan "120")') in found
    assert (6, "diusulkan", 'harus ya/tidak (ditemukan "mungkin")') in found
    assert any(r == 7 and f == "diusulkan" and "rusak ringan" in m for r, f, m in found)
    assert any(r == 7 and f == "lahan_siap" and 'berbeda dengan baris 5 ("ya")' in m for r, f, m in found)
    assert (
        8,
        "npsn",
        f"sekolah {world.other_school.npsn} tidak ditemukan atau di luar wilayah Anda",
    ) in found
    assert (9, "npsn", 'harus 8 angka (ditemukan "12AB")') in found
    assert report.rejected_rows == 5 and report.written == 0 and not report.ok
    assert "tidak ada yang disimpan" in report.summary()
    assert _count(session) == 0  # all or nothing: the good school's rows are not written either


def test_an_existing_proposal_for_the_year_is_refused(session, world):
    import_proposals(session, world["dinas_regency"], _csv(*_good_rows(world.school.npsn)), year=2026)
    report = import_proposals(
        session, world["dinas_regency"], _csv(*_good_rows(world.school.npsn)), year=2026
    )
    assert [(e.row, e.field) for e in report.errors] == [(2, "npsn")]
    assert "sudah memiliki usulan tahun 2026" in report.errors[0].message


def test_xlsx_and_file_level_problems(session, world):
    book = openpyxl.Workbook()
    sheet = book.active
    for line in _csv(*_good_rows(world.school.npsn)).decode().splitlines():
        sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    report = import_proposals(
        session, world["dinas_province"], out.getvalue(), filename="usulan.xlsx", year=2026
    )
    assert report.ok and report.written == 1
    with pytest.raises(ImportFileError, match="Kolom wajib tidak ada: nama_ruang, diusulkan, anggaran"):
        import_proposals(session, world["dinas_regency"], b"npsn,nama\n1,2\n", year=2026)
    with pytest.raises(ImportFileError, match="hanya header"):
        import_proposals(session, world["dinas_regency"], (HEADER + "\n").encode(), year=2026)
    with pytest.raises(ImportFileError, match="NUL"):
        import_proposals(
            session,
            world["dinas_regency"],
            _csv(f"{world.school.npsn},Kel\x00as,,,,,,,,,,,ya,1,,,,,,,,"),
            year=2026,
        )
    with pytest.raises(ActionRefused):
        import_proposals(session, world["operator"], _csv(*_good_rows(world.school.npsn)), year=2026)


def test_cli_imports_with_progress_and_refuses_a_bad_file(cli_env, tmp_path):  # noqa: F811
    from click.testing import CliRunner

    from spmp.cli import cli

    db, world = cli_env
    good = tmp_path / "usulan.csv"
    good.write_bytes(_csv(*_good_rows(world.school.npsn)))
    args = [
        "revitalisasi",
        "import-proposals",
        str(good),
        "--year",
        "2026",
        "--as",
        world["dinas_regency"].username,
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "3 baris dibaca (1 usulan): 1 usulan disimpan, 0 baris ditolak" in result.output
    bad = tmp_path / "salah.csv"
    bad.write_bytes(_csv(f"{world.school.npsn},Kelas 9,,0,0,0,0,0,0,0,0,0,ya,xx,,,,,,,,"))
    result = CliRunner().invoke(cli, [*args[:2], str(bad), *args[3:]])
    assert result.exit_code == 1 and "baris 2, anggaran" in result.output
    assert "baris 2, npsn: sekolah" in result.output and "sudah memiliki usulan tahun 2026" in result.output
    assert "Tidak ada yang disimpan" in result.output
    with db.session() as session:
        assert _count(session) == 1


def test_bulk_create_writes_what_one_at_a_time_writes(session, world):
    """create_proposals (Core batches, the engine's bulk open) and create_proposal (ORM, open_case) give the
    same case, deadlines, audit events, proposal, rooms, damage and eligibility."""
    from spmp.audit import AuditEvent
    from spmp.engine.cases import CaseDeadline, CaseRecord
    from spmp.revitalisasi import operations as ops
    from tests.factories import make_school
    from tests.spmp.revitalisasi.support import proposal_input

    one, many = make_school(session, regency_code="53.71"), make_school(session, regency_code="53.71")
    ineligible = make_school(session, regency_code="53.71")
    single = ops.create_proposal(session, world["dinas_regency"], proposal_input(one), source="import")
    ids = ops.create_proposals(
        session, world["dinas_regency"], [proposal_input(many), proposal_input(ineligible, last_rehab_year=2024)]
    )
    session.expire_all()
    bulk = session.get(RevitalisasiProposal, ids[0])

    def shape(p):
        case = session.get(CaseRecord, p.case_id)
        deadlines = session.scalars(select(CaseDeadline).where(CaseDeadline.case_id == case.id)).all()
        events = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id))
        return (
            (case.type_key, case.state, case.unit_id, case.province_code, case.regency_code, case.version),
            sorted((d.slot, d.kind, d.state, d.fire_at, d.due_at, d.status) for d in deadlines),
            [(e.action, e.from_state, e.to_state) for e in events],
            (p.year, p.source, p.damage_percent, p.band, p.rooms_requested, p.requested_budget, p.is_3t,
             p.land_ready, p.land_proof, p.surveyor_name, p.damage_form_signed, p.last_rehab_year, p.is_eligible),
            [(r.position, r.name, r.kind, r.damage_percent, r.band, r.is_requested,
              [(d.component, d.percent) for d in r.damages]) for r in p.rooms],
        )  # fmt: skip

    assert shape(bulk) == shape(single)
    assert shape(bulk)[2] == [("open", None, "draf"), ("revitalisasi.proposal", "draf", "draf")]
    assert not session.get(RevitalisasiProposal, ids[1]).is_eligible  # rehabilitated in 2024
    with pytest.raises(ops.ProposalInputError, match="sudah memiliki usulan revitalisasi tahun 2026"):
        ops.create_proposals(session, world["dinas_regency"], [proposal_input(one)])
    other = make_school(session, regency_code="53.05")  # Alor: outside Kota Kupang's Dinas
    with pytest.raises(ActionRefused, match="di luar wilayah Anda"):
        ops.create_proposals(session, world["dinas_regency"], [proposal_input(other)])
