"""Sosialisasi pages: the unit records an event in one of its regencies (errors beside the field), adds a
school by NPSN and a Dinas office with head counts and a material; the list and the attendance download;
the Dinas of the regency sees it, another unit does not."""

from __future__ import annotations

import io

import openpyxl

from tests.spmp.digitalisasi.support import delivery_world, user
from tests.web.conftest import login, post

NEW = "/digitalisasi/sosialisasi/baru"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_record_and_see_an_event(app, client, session, world):
    w = delivery_world(session)
    user(session, "dinas_kupang_w", "dinas_regency", regency_code="53.71")
    login(client, "staf_dg", "sandi-uji-12345")
    form = {
        "year": "2026",
        "kind": "koordinasi",
        "regency_code": "",
        "held_on": "2026-07-14",
        "place": "Aula Dinas",
    }
    refused = post(client, NEW, form, token_from=NEW)
    assert refused.status_code == 422 and "Kabupaten/Kota" in refused.get_data(as_text=True)
    done = post(client, NEW, {**form, "regency_code": "53.71"}, token_from=NEW)
    assert done.status_code == 302
    path = done.location
    refused = post(client, path, {"kind": "sekolah", "npsn": "99999999", "people": "2"}, token_from=path)
    assert refused.status_code == 422 and "bukan sekolah di kabupaten/kota" in refused.get_data(as_text=True)
    assert (
        post(
            client, path, {"kind": "sekolah", "npsn": w["a"].npsn, "people": "2"}, token_from=path
        ).status_code
        == 302
    )
    assert (
        post(client, path, {"kind": "dinas", "name": "Kabid SD", "people": "3"}, token_from=path).status_code
        == 302
    )
    sent = post(client, f"{path}/materi", {"file": (io.BytesIO(PDF), "paparan.pdf")}, token_from=path,
                content_type="multipart/form-data")  # fmt: skip
    assert sent.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "Kehadiran: 5 orang" in page and "SD Negeri Alak" in page and "paparan.pdf" in page
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{path}?format=xlsx").data)).active
    assert [r[2:] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("SD Negeri Alak", 2),
        ("Kabid SD", 3),
    ]
    listing = client.get("/digitalisasi/sosialisasi").get_data(as_text=True)
    assert "Rapat koordinasi · Kota Kupang" in listing and "5 orang hadir (1 sekolah)" in listing

    dinas = app.test_client()
    login(dinas, "dinas_kupang_w", "sandi-uji-12345")
    assert "Rapat koordinasi" in dinas.get("/digitalisasi/sosialisasi").get_data(as_text=True)
    assert 'id="attendee-form"' not in dinas.get(path).get_data(as_text=True)
    other = app.test_client()
    login(other, "staf_jatim_dg", "sandi-uji-12345")
    assert other.get(path).status_code == 404
    assert "Rapat koordinasi" not in other.get("/digitalisasi/sosialisasi").get_data(as_text=True)
