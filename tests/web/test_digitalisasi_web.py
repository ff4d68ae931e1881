"""Digitalisasi pages: the school page says why a school is (not) ready and what would make it ready;
the school confirms its safe room there; the readiness list and its XLSX are scoped to the reader's area
and follow the filters."""

from __future__ import annotations

import io

import openpyxl

from spmp.digitalisasi.readiness import compute_readiness
from tests.factories import make_school
from tests.web.conftest import login, post

YEAR = 2026


def _ready_world(session, world):
    world["inside"].electricity_watts, world["inside"].internet_access = 1300, "terbatas"
    world["outside"].electricity_watts, world["outside"].internet_access = 5500, "stabil"
    world["kupang_other"] = make_school(session, regency_code="53.01", name="SD Negeri Oelamasi",
                                        electricity_watts=2200, internet_access="tidak_ada")  # fmt: skip
    session.flush()
    compute_readiness(session, YEAR)
    return world


def test_school_page_explains_and_safe_room_confirmation(client, session, world):
    _ready_world(session, world)
    login(client, world["users"]["school_operator"])
    page = client.get(f"/sekolah/{world['inside'].id}").get_data(as_text=True)
    assert 'id="digitalisasi"' in page and "Belum siap" in page
    assert "Daya listrik 1.300 W, di bawah batas 2.200 W" in page
    assert "Tambah daya listrik (PLN) menjadi paling sedikit 2.200 W" in page
    assert "Panel interaktif dengan modem" in page and 'id="safe-room-form"' in page
    response = post(
        client, f"/digitalisasi/sekolah/{world['inside'].id}/ruang-aman", {"note": "Ruang kelas 3"}
    )
    assert response.status_code == 302 and response.location.endswith("#digitalisasi")
    page = client.get(f"/sekolah/{world['inside'].id}").get_data(as_text=True)
    assert "Dikonfirmasi sekolah" in page and "Ruang aman untuk panel belum dikonfirmasi" not in page
    assert 'id="safe-room-form"' not in page
    # Another school's page is not found for this operator, nor may the operator confirm for it.
    assert client.get(f"/sekolah/{world['kupang_other'].id}").status_code == 404
    assert post(client, f"/digitalisasi/sekolah/{world['kupang_other'].id}/ruang-aman").status_code == 404


def test_staff_see_the_section_but_cannot_confirm(client, session, world):
    _ready_world(session, world)
    login(client, world["users"]["bpmp_staff"])
    page = client.get(f"/sekolah/{world['inside'].id}").get_data(as_text=True)
    assert "Belum siap" in page and 'id="safe-room-form"' not in page
    assert post(client, f"/digitalisasi/sekolah/{world['inside'].id}/ruang-aman").status_code == 403


def _xlsx_npsns(response) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "NPSN"
    return sorted(str(r[0]) for r in rows[1:])


def test_list_is_scoped_and_filtered(app, client, session, world):
    w = _ready_world(session, world)
    login(client, w["users"]["bpmp_staff"])
    page = client.get(f"/digitalisasi/kesiapan?tahun={YEAR}").get_data(as_text=True)
    assert w["inside"].name in page and w["kupang_other"].name in page and w["outside"].name not in page
    assert "2</strong> sasaran" in page
    # The off-grid kit needs no grid power, but the safe room is still missing.
    assert "Konten luring dengan daya mandiri" in page and "Ruang aman belum dikonfirmasi" in page
    response = client.get(f"/digitalisasi/kesiapan?tahun={YEAR}&kabkota=53.71&format=xlsx")
    assert response.status_code == 200 and _xlsx_npsns(response) == [w["inside"].npsn]
    response = client.get(f"/digitalisasi/kesiapan?tahun={YEAR}&siap=1&format=xlsx")
    assert _xlsx_npsns(response) == []
    client = app.test_client()
    login(client, w["users"]["dinas_regency"])
    page = client.get(f"/digitalisasi/kesiapan?tahun={YEAR}").get_data(as_text=True)
    assert w["inside"].name in page and w["kupang_other"].name not in page
    response = client.get(f"/digitalisasi/kesiapan?tahun={YEAR}&format=xlsx")
    assert _xlsx_npsns(response) == [w["inside"].npsn]


def test_national_list_and_empty_year(client, session, world):
    w = _ready_world(session, world)
    login(client, w["users"]["pusat"])
    page = client.get(f"/digitalisasi/kesiapan?tahun={YEAR}&siap=0").get_data(as_text=True)
    assert w["outside"].name in page and w["inside"].name in page
    page = client.get(f"/digitalisasi/kesiapan?tahun={YEAR}&paket=panel").get_data(as_text=True)
    assert w["outside"].name in page and w["inside"].name not in page
    page = client.get("/digitalisasi/kesiapan?tahun=2031").get_data(as_text=True)
    assert "Belum ada sasaran untuk tahun ini" in page
