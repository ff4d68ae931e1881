"""The selection pages over HTTP: Pusat sets the parameters (errors named), runs the selection, reads every
school's reason, downloads the XLSX, compares two runs and publishes one; a Dinas reads the published
selection of its own regency only."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select

from spmp.revitalisasi import selection_runs as runs
from spmp.revitalisasi.selection_models import SelectionRun
from tests.factories import make_school
from tests.spmp.revitalisasi.support import SCHOOL_LAT, SCHOOL_LON
from tests.spmp.revitalisasi.test_selection_runs import _verified
from tests.web.conftest import login, post

M = 1_000_000_000


@pytest.fixture
def proposals(session, world, settings):
    users = world["users"]
    schools = [
        make_school(session, regency_code=code, name=name, latitude=SCHOOL_LAT, longitude=SCHOOL_LON)
        for code, name in (("53.71", "SD Negeri 5 Kupang"), ("53.71", "SD Negeri 6 Kupang"),
                           ("53.05", "SD Negeri 1 Alor"))
    ]  # fmt: skip
    return [
        _verified(session, users, school, settings.evidence_path, requested_budget=M, pupils_affected=pupils)
        for school, pupils in zip(schools, (500, 400, 100), strict=True)
    ]


def _param_form(**changes) -> dict:
    values = runs.values_from_params(runs.default_params())
    # No 3T weight (Alor is 3T): the pick then follows the pupils affected.
    values.update({"anggaran": "2.000.000.000", "kab_min": "0", "kab_maks": "1", "bobot_3t": "0", **changes})
    return values


def test_pusat_sets_runs_reads_compares_and_publishes(client, session, world, proposals):
    login(client, world["users"]["pusat"])
    bad = post(client, "/revitalisasi/seleksi/parameter/2026", _param_form(kuota_jenjang="SMA 12"))
    assert bad.status_code == 422 and "Kuota jenjang, baris 1: tulis sebagai KODE: MIN-MAKS" in bad.get_data(
        True
    )
    assert post(client, "/revitalisasi/seleksi/parameter/2026", _param_form()).status_code == 302
    response = post(client, "/revitalisasi/seleksi/jalankan", {"year": "2026", "note": "maks 1 per kab"})
    assert response.status_code == 303
    first = session.scalars(select(SelectionRun).order_by(SelectionRun.id.desc())).first()
    page = client.get(f"/revitalisasi/seleksi/{first.id}").get_data(as_text=True)
    assert "SD Negeri 5 Kupang" in page and "SD Negeri 1 Alor" in page
    assert "tidak terpilih: kuota Kota Kupang (1 sekolah) sudah penuh" in page
    assert "Keunggulan optimal" in page and "maks 1 per kab" in page

    xlsx = client.get(f"/revitalisasi/seleksi/{first.id}?format=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("Peringkat", "NPSN", "Sekolah") and "Poin Afirmasi 3T" in header
    assert len(rows) == 4 and {r[header.index("Keputusan")] for r in rows[1:]} == {
        "Terpilih",
        "Tidak terpilih",
    }
    assert all(r[header.index("Alasan")].split(":")[0] in ("terpilih", "tidak terpilih") for r in rows[1:])

    assert post(client, "/revitalisasi/seleksi/parameter/2026", _param_form(kab_maks="2")).status_code == 302
    post(client, "/revitalisasi/seleksi/jalankan", {"year": "2026", "note": "maks 2 per kab"})
    second = session.scalars(select(SelectionRun).order_by(SelectionRun.id.desc())).first()
    compare = client.get(f"/revitalisasi/seleksi/banding?a={first.id}&b={second.id}").get_data(as_text=True)
    assert "Sekolah dengan keputusan berbeda (2)" in compare and "SD Negeri 6 Kupang" in compare
    assert "berbeda</span>" in compare  # the regency maximum differs

    refused = post(
        client, f"/revitalisasi/seleksi/{second.id}/terbitkan", {"sk_number": "", "pks_number": ""}
    )
    assert refused.status_code == 303 and not second.is_published
    done = post(client, f"/revitalisasi/seleksi/{second.id}/terbitkan",
                {"sk_number": "SK 5/2026", "pks_number": "PKS 9/2026"}, follow_redirects=True)  # fmt: skip
    assert "diterbitkan (nomor SK: SK 5/2026; nomor PKS: PKS 9/2026)" in done.get_data(as_text=True)
    session.expire_all()
    assert second.is_published and [p.case.state for p in proposals] == [
        "terpilih",
        "terpilih",
        "tidak_terpilih",
    ]


def test_a_dinas_reads_only_its_regency_of_a_published_selection(client, session, world, proposals):
    pusat = world["users"]["pusat"]
    runs.save_params(session, pusat, 2026, runs.params_from_values(_param_form(kab_maks="2")))
    draft = runs.run_selection(session, pusat, 2026).run
    published = runs.run_selection(session, pusat, 2026).run
    runs.publish_run(session, pusat, published, sk_number="SK 1", pks_number="PKS 1")
    login(client, world["users"]["dinas_regency"])  # Kota Kupang
    assert client.get(f"/revitalisasi/seleksi/{draft.id}").status_code == 404
    page = client.get(f"/revitalisasi/seleksi/{published.id}").get_data(as_text=True)
    assert "SD Negeri 5 Kupang" in page and "SD Negeri 1 Alor" not in page
    assert "Terpilih di wilayah Anda" in page
    xlsx = client.get(f"/revitalisasi/seleksi/{published.id}?format=xlsx")
    names = [r[2] for r in openpyxl.load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True)][
        1:
    ]
    assert sorted(names) == ["SD Negeri 5 Kupang", "SD Negeri 6 Kupang"]
    assert (
        client.get(f"/revitalisasi/seleksi/{published.id}?kabupaten=53.05")
        .get_data(as_text=True)
        .count("SD Negeri 1 Alor")
        == 0
    )
    found = client.get(f"/revitalisasi/seleksi/{published.id}?q={proposals[1].school.npsn}").get_data(
        as_text=True
    )
    assert "SD Negeri 6 Kupang" in found and "SD Negeri 5 Kupang" not in found
    by_name = client.get(f"/revitalisasi/seleksi/{published.id}?q=negeri+5").get_data(as_text=True)
    assert "SD Negeri 5 Kupang" in by_name and "SD Negeri 6 Kupang" not in by_name
    assert '<option value="53.05"' not in page and '<option value="53.71"' in page  # regencies of the area
    assert client.get("/revitalisasi/seleksi/parameter/2026").status_code == 403


def test_pusat_sets_a_regency_budget_cap_and_reads_it_as_the_reason(client, session, world, proposals):
    login(client, world["users"]["pusat"])
    bad = post(client, "/revitalisasi/seleksi/parameter/2026",
               _param_form(kab_maks="", pagu_kab="53.71: 0-satu"))  # fmt: skip
    assert (
        bad.status_code == 422
        and "Anggaran khusus kabupaten/kota, baris 1: &#39;satu&#39; bukan angka" in (bad.get_data(True))
    )
    form = _param_form(anggaran="3.000.000.000", kab_maks="", pagu_kab="53.71: 0-1.500.000.000")
    assert post(client, "/revitalisasi/seleksi/parameter/2026", form).status_code == 302
    assert "53.71: 0-1.500.000.000</textarea>" in client.get("/revitalisasi/seleksi/parameter/2026").get_data(
        True
    )
    post(client, "/revitalisasi/seleksi/jalankan", {"year": "2026", "note": "pagu Kupang"})
    run = session.scalars(select(SelectionRun).order_by(SelectionRun.id.desc())).first()
    page = client.get(f"/revitalisasi/seleksi/{run.id}").get_data(as_text=True)
    assert (
        "tidak terpilih: pagu anggaran Kota Kupang (Rp 1,50 M) sudah terpakai Rp 1,00 M; sisa Rp 500 jt tidak "
        "cukup untuk biaya Rp 1,00 M" in page
    )
    assert "Anggaran khusus kabupaten/kota" in page and "53.71: min Rp 0, maks Rp 1,50 M" in page
    assert run.selected == 2
