"""SPMI/SPME pages. Their routes × roles are rows of tests/web/test_access_matrix.py (world: "inside" =
Kota Kupang, NTT, with a cycle; "outside" = Surabaya with a cycle)."""

from __future__ import annotations

from datetime import date

import pytest

from spmp.spme import operations as spme
from spmp.spmi import operations as ops
from tests.web.conftest import login, post


@pytest.fixture
def cycles(session, world):
    admin = world["users"]["admin"]
    inside = ops.open_cycle(session, admin, world["inside"].id, 2026)
    outside = ops.open_cycle(session, admin, world["outside"].id, 2026)
    return inside, outside


def test_school_page_shows_timeline_section(client, world, cycles, session):
    users = world["users"]
    spme.record_external_visit(session, users["dinas_regency"], world["inside"].id, spme.VisitInput(
        "supervisi_pemda", date(2026, 1, 5), "Pengawas", "Dinas Pendidikan Kota Kupang", "Supervisi manajerial", "Baik"))  # fmt: skip
    login(client, users["school_operator"])
    html = client.get(f"/sekolah/{world['inside'].id}").get_data(as_text=True)
    assert 'id="school-timeline"' in html and "Siklus SPMI 2026/2027" in html and "Supervisi Pemda" in html
    assert 'id="due-next"' in html


def test_spme_forms_show_indonesian_errors(client, world):
    login(client, world["users"]["bpmp_staff"])
    path = f"/sekolah/{world['inside'].id}/spme"
    response = post(
        client,
        f"/sekolah/{world['inside'].id}/akreditasi",
        {"rank": "", "decree_number": ""},
        token_from=path,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Pilih peringkat." in body and "Wajib diisi." in body
    response = post(client, f"/sekolah/{world['inside'].id}/akreditasi",
                    {"rank": "A", "decree_number": "SK-1", "start_date": "2026-01-01"}, token_from=path)  # fmt: skip
    assert response.status_code == 302
    html = client.get(path).get_data(as_text=True)
    assert "SK-1" in html and "01-01-2031" in html
    response = post(client, f"/sekolah/{world['inside'].id}/kunjungan", {"kind": "mitra", "visit_date": "2099-01-01",
                    "visitor": "A", "organisation": "B", "purpose": "C", "findings": "D"}, token_from=path)  # fmt: skip
    assert response.status_code == 400 and "tidak boleh di masa depan" in response.get_data(as_text=True)


def test_visit_case_and_one_click_spmi_evidence(app, client, world, cycles, session, settings):
    from spmp.engine import store_evidence

    users = world["users"]
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    store_evidence(
        session, users["school_operator"], cycles[0].case_id, "laporan.pdf", pdf, settings.evidence_path
    )
    login(client, users["bpmp_staff"])
    path = f"/sekolah/{world['inside'].id}/spme"
    response = post(client, f"/sekolah/{world['inside'].id}/visitasi", token_from=path)
    assert response.status_code == 302 and "/kasus/" in response.location
    school = app.test_client()
    login(school, users["school_operator"])
    html = school.get(path).get_data(as_text=True)
    assert "Terpilih sebagai sasaran visitasi" in html and 'id="copy-spmi-evidence"' in html
    case_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    response = post(school, f"/spme/visitasi/{case_id}/salin-bukti-spmi", token_from=path)
    assert response.status_code == 302
    assert "laporan.pdf" in school.get(f"/kasus/{case_id}").get_data(as_text=True)
    # B/BPMP sees the school in the expiring list once its accreditation ends within 12 months.
    from spmp import clock

    end = clock.now().date().replace(day=1)
    world["inside"].accreditation_end = (
        end.replace(year=end.year + 1) if end.month == 12 else end.replace(month=end.month + 1)
    )
    session.flush()
    assert world["inside"].name in client.get("/spme/akreditasi-berakhir").get_data(as_text=True)
    assert school.get("/spme/akreditasi-berakhir").status_code == 403
