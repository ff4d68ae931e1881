"""Revitalisasi monitoring: per unit → province → regency → school, proposals by stage, selected schools and
the budget committed (the published run), late cases, open obstacles; scoped by role; XLSX of each table.

World: Kota Kupang (NTT) has three proposals (one verified, two drafts, one of them opened 40 days ago and
so late), Kota Surabaya (Jawa Timur) one draft. The published run selects the verified Kupang proposal
(Rp 850 jt) and not the Surabaya one. One open Revitalisasi obstacle at the late Kupang school."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest

from spmp import clock
from spmp.kendala.operations import ObstacleInput, report_obstacle
from spmp.regions.models import Unit
from spmp.revitalisasi import monitoring
from spmp.revitalisasi import operations as ops
from spmp.revitalisasi.execution import ProgressReport, Tranche
from tests.factories import make_school
from tests.spmp.revitalisasi.selection_support import make_run
from tests.spmp.revitalisasi.support import SCHOOL_LAT, SCHOOL_LON, proposal_input
from tests.spmp.revitalisasi.test_selection_runs import _verified
from tests.web.conftest import login


@pytest.fixture
def setup(session, world, settings):
    users = world["users"]
    start = clock.now()
    clock.set_clock(lambda: start - timedelta(days=40))
    late_school = make_school(session, regency_code="53.71", name="SD Negeri 7 Kupang")
    late = ops.create_proposal(session, users["dinas_regency"], proposal_input(late_school))
    clock.set_clock(None)
    verified_school = make_school(session, regency_code="53.71", name="SD Negeri 5 Kupang",
                                  latitude=SCHOOL_LAT, longitude=SCHOOL_LON)  # fmt: skip
    verified = _verified(session, users, verified_school, settings.evidence_path)
    fresh = ops.create_proposal(session, users["dinas_regency"], proposal_input(world["inside"]))
    surabaya = ops.create_proposal(session, users["admin"], proposal_input(world["outside"]))
    make_run(session, users["pusat"], 2026, [(verified, True), (surabaya, False)], published=True)
    report_obstacle(session, users["dinas_regency"], ObstacleInput(
        late_school.id, "konstruksi", "Material belum tiba di lokasi sekolah", programme="revitalisasi"))  # fmt: skip
    # Execution rows (tranche I paid, progress reports) written directly: this page only reads them.
    now, staff = clock.now(), users["bpmp_staff"]
    session.add(Tranche(proposal_id=verified.id, number=1, percent=70, amount=595_000_000, disbursed_at=now,
                        disbursed_by_id=staff.id))  # fmt: skip
    for percent, verified_at in ((30, now - timedelta(days=9)), (55, now - timedelta(days=2)), (80, None)):
        session.add(ProgressReport(proposal_id=verified.id, percent=percent, source="fasilitator",
                                   reported_by_id=staff.id, reported_at=now, verified_at=verified_at,
                                   verified_by_id=staff.id if verified_at else None))  # fmt: skip
    session.flush()
    return {"late": late, "verified": verified, "fresh": fresh, "surabaya": surabaya}


def test_figures_per_unit_province_regency_and_school(session, world, setup):
    pusat = world["users"]["pusat"]
    top = monitoring.monitoring(session, pusat, monitoring.Place(2026))
    ntt = session.query(Unit).filter_by(code="BPMP-NTT").one()
    by_name = {r.name: r for r in top.rows}
    unit = by_name[ntt.name]
    assert (unit.proposals, unit.by_state, unit.selected, unit.committed, unit.late, unit.obstacles) == (
        3, {"draf": 2, "diterima": 1}, 1, 850_000_000, 1, 1)  # fmt: skip
    assert (top.total.proposals, top.total.selected, top.total.late) == (4, 1, 1)
    # Disbursed: tranche I; progress: the latest *verified* report (55 %, not the unverified 80 %) → 50 %.
    assert (unit.disbursed, unit.progress, unit.without_progress) == (595_000_000, {50: 1}, 0)

    regencies = monitoring.monitoring(session, pusat, monitoring.Place(2026, province="53"))
    assert [(r.key, r.name, r.proposals) for r in regencies.rows] == [("53.71", "Kota Kupang", 3)]
    schools = monitoring.monitoring(session, pusat, monitoring.Place(2026, province="53", regency="53.71"))
    rows = {r.name: r for r in schools.rows}
    assert set(rows) == {"SD Negeri 1 Kupang", "SD Negeri 5 Kupang", "SD Negeri 7 Kupang"}
    assert rows["SD Negeri 7 Kupang"].is_late and rows["SD Negeri 7 Kupang"].obstacles == 1
    assert rows["SD Negeri 5 Kupang"].selected == 1 and rows["SD Negeri 5 Kupang"].state == "diterima"
    assert (
        rows["SD Negeri 5 Kupang"].progress_percent == 55
        and rows["SD Negeri 7 Kupang"].progress_percent is None
    )
    assert rows["SD Negeri 1 Kupang"].key == str(setup["fresh"].id) and not rows["SD Negeri 1 Kupang"].is_late


def test_each_role_starts_in_its_area_and_sees_only_it(app, client, session, world, setup):
    users = world["users"]
    login(client, users["dinas_regency"])  # Kota Kupang: its schools
    page = client.get("/revitalisasi/pemantauan?tahun=2026").get_data(as_text=True)
    assert "SD Negeri 7 Kupang" in page and "SD Negeri 1 Surabaya" not in page
    assert f'/revitalisasi/usulan/{setup["late"].id}"' in page  # drill-down to the school's proposal
    other = client.get("/revitalisasi/pemantauan?tahun=2026&provinsi=35").get_data(as_text=True)
    assert "Belum ada usulan tahun 2026 di wilayah ini" in other
    client = app.test_client()
    login(client, users["bpmp_head"])  # BPMP NTT: its provinces
    page = client.get("/revitalisasi/pemantauan?tahun=2026").get_data(as_text=True)
    assert "Nusa Tenggara Timur" in page and "Jawa Timur" not in page and "Rp 850 jt" in page
    assert "Rp 595 jt" in page and "50 %: 1" in page


def test_every_table_downloads_as_xlsx(client, session, world, setup):
    login(client, world["users"]["admin"])
    for query, first in (("", "B/BPMP"), ("&provinsi=53", "Kabupaten/Kota"), ("&kabupaten=53.71", "NPSN")):
        response = client.get(f"/revitalisasi/pemantauan?tahun=2026{query}&format=xlsx")
        rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
        header = rows[0]
        assert header[0] == first and "Anggaran terpilih (Rp)" in header and "Kendala terbuka" in header
        assert (
            rows[-1][header.index("Terlambat")] == 1
            and rows[-1][header.index("Tersalur (Rp)")] == 595_000_000
        )
    school_rows = rows[1:-1]
    assert sorted(r[1] for r in school_rows) == [
        "SD Negeri 1 Kupang",
        "SD Negeri 5 Kupang",
        "SD Negeri 7 Kupang",
    ]
    assert client.get("/revitalisasi/pemantauan?provinsi=5x").status_code == 404


def test_a_school_selected_outside_a_published_run_is_counted(client, session, world):
    """Pusat's "Tetapkan terpilih" case action selects a proposal without a selection run (as the demo's
    2025 schools are): the school is selected, at its requested budget, and the page does not claim that
    nothing is selected."""
    from sqlalchemy import update

    from spmp.engine.cases import CaseRecord

    users = world["users"]
    proposal = ops.create_proposal(session, users["dinas_regency"], proposal_input(world["inside"], year=2027))
    session.execute(update(CaseRecord).where(CaseRecord.id == proposal.case_id).values(state="pelaksanaan"))
    session.flush()
    top = monitoring.monitoring(session, users["pusat"], monitoring.Place(2027))
    assert (top.total.proposals, top.total.selected, top.total.committed) == (1, 1, 850_000_000)
    login(client, users["bpmp_head"])
    page = client.get("/revitalisasi/pemantauan?tahun=2027").get_data(as_text=True)
    assert "Rp 850 jt" in page and "hasil seleksi belum diterbitkan" not in page
