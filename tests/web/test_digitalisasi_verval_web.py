"""Verval pages: the unit opens a regency's verval, works its queue (oldest first) and decides on one page
with the school's readiness data beside the reason-coded actions; the school sees what was returned to it
and sends it back; the decision history shows each reason and comment."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select

from spmp.digitalisasi.field_models import VervalCase
from tests.spmp.digitalisasi.support import YEAR, delivery_world
from tests.web.conftest import login, post


def test_open_queue_decide_correct(app, client, session, world):
    w = delivery_world(session)
    login(client, "staf_dg", "sandi-uji-12345")
    opened = post(client, "/digitalisasi/verval/buka", {"tahun": str(YEAR), "kabkota": "53.71"},
                  token_from="/digitalisasi/verval")  # fmt: skip
    assert opened.status_code == 302
    page = client.get("/digitalisasi/verval").get_data(as_text=True)
    assert (
        "SD Negeri Alak" in page and "SD Negeri Oebobo" in page and "Verifikasi dan validasi B/BPMP" in page
    )
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/digitalisasi/verval?format=xlsx").data)).active
    names = [r[3] for r in sheet.iter_rows(min_row=2, values_only=True)]  # opened together: by name
    assert names == ["SD Negeri 1 Kupang", "SD Negeri Alak", "SD Negeri Oebobo"]
    record = session.scalar(select(VervalCase).where(VervalCase.school_id == w["b"].id))
    path = f"/digitalisasi/verval/{record.id}"
    page = client.get(path).get_data(as_text=True)
    # One screen: the readiness data, the actions with the reason codes in words, no wide table.
    assert "900 W" in page and "Daya listrik tidak sesuai data" in page and "Kembalikan ke sekolah" in page
    assert '<table class="list"' not in page
    done = post(client, f"{path}/aksi/return_school", {"seen_version": "1", "input_reason_code": "ruang_tidak_aman",
                "input_catatan": "Foto ruang menunjukkan atap bocor"}, token_from=path)  # fmt: skip
    assert done.status_code == 302
    school = app.test_client()
    login(school, "op_b_dg", "sandi-uji-12345")
    page = school.get("/digitalisasi/verval").get_data(as_text=True)
    assert "Dikembalikan ke sekolah" in page and "SD Negeri Oebobo" in page and "SD Negeri Alak" not in page
    page = school.get(path).get_data(as_text=True)
    assert "Ruang penempatan tidak aman" in page and "atap bocor" in page and "Kirim kembali" in page
    sent = post(school, f"{path}/aksi/resubmit_school", {"seen_version": "2", "input_catatan": "Atap diperbaiki"},
                token_from=path)  # fmt: skip
    assert sent.status_code == 302 and record.case.state == "verval"
    assert (
        school.get(
            f"/digitalisasi/verval/{session.scalar(select(VervalCase.id).where(VervalCase.school_id == w['a'].id))}"
        ).status_code
        == 404
    )
