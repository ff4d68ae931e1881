"""The recommendation page over HTTP: a Dinas reads its regency's list, downloads it, turns a school into a
draft proposal in one click; Pusat picks a province first."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select

from spmp.revitalisasi.models import RevitalisasiProposal
from tests.factories import make_school
from tests.web.conftest import login, post


def test_a_dinas_lists_downloads_and_drafts_in_one_click(client, session, world):
    school = make_school(session, regency_code="53.71", name="SD Negeri 9 Kupang", last_rehab_year=2001)
    make_school(session, regency_code="53.05", name="SD Negeri 1 Alor")
    session.flush()
    login(client, world["users"]["dinas_regency"])
    page = client.get("/revitalisasi/rekomendasi?tahun=2026").get_data(as_text=True)
    assert "SD Negeri 9 Kupang" in page and "SD Negeri 1 Kupang" in page and "SD Negeri 1 Alor" not in page
    assert "2 sekolah direkomendasikan" in page and "Buat draf usulan" in page and "belum ada data" in page
    xlsx = client.get("/revitalisasi/rekomendasi?tahun=2026&format=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Peringkat" and sorted(r[2] for r in rows[1:]) == [
        "SD Negeri 1 Kupang",
        "SD Negeri 9 Kupang",
    ]
    response = post(client, f"/revitalisasi/rekomendasi/{school.id}/usulan", {"year": "2026"},
                    token_from="/revitalisasi/rekomendasi")  # fmt: skip
    proposal = session.scalar(select(RevitalisasiProposal).where(RevitalisasiProposal.school_id == school.id))
    assert response.status_code == 303 and response.location.endswith(
        f"/revitalisasi/usulan/{proposal.id}/ubah"
    )
    assert proposal.source == "rekomendasi" and proposal.case.state == "draf"
    page = client.get(response.location).get_data(as_text=True)
    assert "Draf usulan 2026 dibuat untuk SD Negeri 9 Kupang" in page
    again = post(
        client, f"/revitalisasi/rekomendasi/{school.id}/usulan", {"year": "2026"}, follow_redirects=True
    )
    assert "sudah memiliki usulan revitalisasi tahun 2026" in again.get_data(as_text=True)
    assert "SD Negeri 9 Kupang" not in client.get("/revitalisasi/rekomendasi?tahun=2026").get_data(
        as_text=True
    )


def test_pusat_picks_a_province_and_cannot_draft(client, session, world):
    login(client, world["users"]["pusat"], follow=False)
    page = client.get("/revitalisasi/rekomendasi").get_data(as_text=True)
    assert "Pilih provinsi" in page and "SD Negeri 1 Kupang" not in page
    ntt = client.get("/revitalisasi/rekomendasi?provinsi=53").get_data(as_text=True)
    assert "SD Negeri 1 Kupang" in ntt and "Buat draf usulan" not in ntt
