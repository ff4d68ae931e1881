"""The monitoring page: a B/BPMP drills from its provinces to a regency's schools, every level downloads as
XLSX with the same columns; Pusat starts from the units; a regency's Dinas sees only its schools."""

from __future__ import annotations

import io

import openpyxl
import pyotp

from spmp.digitalisasi import monitoring
from spmp.digitalisasi.readiness import compute_readiness
from tests.factories import make_school
from tests.spmp.digitalisasi.support import YEAR, delivery_world, user
from tests.web.conftest import login

PASSWORD = "sandi-uji-12345"


def _sheet(response):
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_drill_down_and_downloads(app, client, session):
    w = delivery_world(session)
    make_school(
        session,
        regency_code="35.78",
        name="SD Negeri Surabaya",
        electricity_watts=5000,
        internet_access="stabil",
    )
    compute_readiness(session, YEAR)
    national = user(session, "pusat_mon", "pusat")
    national.totp_secret = pyotp.random_base32()  # national roles log in with a second factor
    user(session, "dinas_kota_mon", "dinas_regency", regency_code="53.71")
    login(client, "staf_dg", PASSWORD)
    page = client.get(f"/digitalisasi/pemantauan?tahun={YEAR}").get_data(as_text=True)
    assert 'id="monitoring-list"' in page and "Nusa Tenggara Timur" in page and "Jawa Timur" not in page
    assert f"/digitalisasi/pemantauan?tahun={YEAR}&amp;provinsi=53" in page
    page = client.get(f"/digitalisasi/pemantauan?tahun={YEAR}&provinsi=53").get_data(as_text=True)
    assert "Kota Kupang" in page and 'id="monitoring-crumbs"' in page
    page = client.get(f"/digitalisasi/pemantauan?tahun={YEAR}&provinsi=53&kabkota=53.71").get_data(
        as_text=True
    )
    assert "SD Negeri Alak" in page and f"/sekolah/{w['a'].id}#digitalisasi" in page
    rows = _sheet(client.get(f"/digitalisasi/pemantauan?tahun={YEAR}&provinsi=53&kabkota=53.71&format=xlsx"))
    assert rows[0] == monitoring.header("school")
    assert {r[0] for r in rows[1:]} == {w["a"].npsn, w["b"].npsn, w["late"].npsn}
    assert client.get("/digitalisasi/pemantauan?provinsi=99").status_code == 404

    pusat = app.test_client()
    login(pusat, national, PASSWORD)
    rows = _sheet(pusat.get(f"/digitalisasi/pemantauan?tahun={YEAR}&format=xlsx"))
    assert rows[0][:2] == ["Kode", "B/BPMP"]
    targets = {r[0]: r[2] for r in rows[1:]}
    assert targets["BPMP-NTT"] == 3 and targets["BBPMP-JATIM"] == 1

    dinas = app.test_client()
    login(dinas, "dinas_kota_mon", PASSWORD)
    page = dinas.get(f"/digitalisasi/pemantauan?tahun={YEAR}").get_data(as_text=True)
    assert "SD Negeri Alak" in page and "SD Negeri Surabaya" not in page
    page = dinas.get(f"/digitalisasi/pemantauan?tahun={YEAR}&provinsi=35&kabkota=35.78").get_data(
        as_text=True
    )
    assert "SD Negeri Surabaya" not in page
