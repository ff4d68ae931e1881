"""Bimtek follow-up and the BAST return, through the pages: the unit attaches a PDF and a link, the school
downloads it and asks a question, the unit answers from the list of unanswered questions (with age, XLSX);
the school returns its BAST with a reason, the unit corrects the shipment, the school writes a new BAST."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from spmp import clock
from spmp.digitalisasi import bimtek
from spmp.digitalisasi.models import BimtekQuestion, Device, Shipment
from spmp.digitalisasi.shipments import import_shipments
from tests.spmp.digitalisasi.support import YEAR, delivery_world, png, supplier_xlsx
from tests.web.conftest import login, post

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "sandi-uji-12345"


@pytest.fixture
def planned(session):
    w = delivery_world(session)
    start = clock.now() - timedelta(days=2)
    w["session"] = bimtek.create_session(session, w["staff"], bimtek.SessionInput(
        YEAR, "Bimtek panel interaktif", "daring", start, start + timedelta(hours=3), "https://meet.example/x",
        (w["a"].npsn,)))  # fmt: skip
    return w


def test_materials_and_questions(app, client, session, planned):
    s = planned["session"]
    path = f"/digitalisasi/bimtek/{s.id}"
    login(client, "staf_dg", PASSWORD)
    upload = {"title": "Modul panel", "url": "", "file": (io.BytesIO(PDF), "modul.pdf")}
    assert (
        post(
            client, f"{path}/materi", upload, token_from=path, content_type="multipart/form-data"
        ).status_code
        == 302
    )
    link = {"title": "Rekaman sesi", "url": "https://video.example/rekaman"}
    assert post(client, f"{path}/materi", link, token_from=path).status_code == 302
    both = {"title": "Dua", "url": "https://x.example", "file": (io.BytesIO(PDF), "a.pdf")}
    refused = post(client, f"{path}/materi", both, token_from=path, content_type="multipart/form-data")
    assert refused.status_code == 302 and "salah satu" in client.get(path).get_data(as_text=True)
    page = client.get(path).get_data(as_text=True)
    assert 'id="material-form"' in page and "Modul panel" in page and "Rekaman sesi" in page

    school = app.test_client()
    login(school, "op_a_dg", PASSWORD)
    page = school.get(path).get_data(as_text=True)
    assert 'id="material-form"' not in page and 'id="question-form"' in page
    from spmp.digitalisasi.bimtek_followup import materials

    files = {m.title: m.id for m in materials(session, s)}
    download = school.get(f"{path}/materi/{files['Modul panel']}")
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    download.close()
    assert school.get(f"{path}/materi/{files['Rekaman sesi']}").location == "https://video.example/rekaman"
    ask = {"asker_name": "Yohana Lani", "question": "Bagaimana memperbarui konten luring?"}
    assert post(school, f"{path}/pertanyaan", ask, token_from=path).status_code == 302
    assert "belum dijawab, 0 hari" in school.get(path).get_data(as_text=True)
    question = session.scalar(select(BimtekQuestion))
    question.asked_at = clock.now() - timedelta(days=4)
    session.flush()

    page = client.get(f"/digitalisasi/bimtek/pertanyaan?tahun={YEAR}").get_data(as_text=True)
    assert "Yohana Lani" in page and "4 hari belum dijawab" in page
    xlsx = client.get(f"/digitalisasi/bimtek/pertanyaan?tahun={YEAR}&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    answer = {"answer": "Salin dari media eksternal.", "dari": "daftar"}
    done = post(client, f"/digitalisasi/bimtek/pertanyaan/{question.id}/jawab", answer, token_from=path)
    assert done.status_code == 302 and "/digitalisasi/bimtek/pertanyaan" in done.location
    assert "Yohana Lani" not in client.get(f"/digitalisasi/bimtek/pertanyaan?tahun={YEAR}").get_data(
        as_text=True
    )
    page = school.get(path).get_data(as_text=True)
    assert "Salin dari media eksternal." in page and "dijawab" in page
    assert (
        post(
            school, f"/digitalisasi/bimtek/pertanyaan/{question.id}/jawab", answer, token_from=path
        ).status_code
        == 403
    )
    csv = school.get(f"{path}?format=csv&daftar=pertanyaan").get_data(as_text=True)
    assert "Bagaimana memperbarui" in csv and "Salin dari media" in csv


def test_return_and_correction_pages(app, client, session, settings):
    w = delivery_world(session)
    rows = [
        (w["a"].npsn, "SJ-1", "2026-08-17", "panel", "IFP-1", ""),
        (w["a"].npsn, "SJ-1", "2026-08-17", "laptop", "LAP-1", ""),
    ]
    import_shipments(session, w["staff"], supplier_xlsx(rows), "k.xlsx", year=YEAR)
    shipment = session.scalar(select(Shipment))
    path = f"/digitalisasi/pengiriman/{shipment.id}"
    school = app.test_client()
    login(school, "op_a_dg", PASSWORD)
    bast = {"received_on": "2026-08-20", "receiver_name": "Maria", "serials": "IFP-1\nLAP-1", "note": "",
            "photos": (io.BytesIO(png()), "serah.png")}  # fmt: skip
    assert post(school, path, bast, token_from=path, content_type="multipart/form-data").status_code == 302
    assert 'id="return-form"' in school.get(path).get_data(as_text=True)
    back = {"reason": "perangkat_rusak", "serials": "ifp-1", "note": "Layar retak"}
    assert post(school, f"{path}/kembalikan", back, token_from=path).status_code == 302
    page = school.get(path).get_data(as_text=True)
    assert "Dikembalikan sekolah" in page and "Layar retak" in page and "menunggu koreksi" in page
    assert session.scalar(select(Device.asset_school_id).where(Device.serial == "IFP-1")) is None

    login(client, "staf_dg", PASSWORD)
    page = client.get(path).get_data(as_text=True)
    assert 'id="correction-form"' in page
    counts = client.get(f"/digitalisasi/pengiriman?tahun={YEAR}&format=csv").get_data(as_text=True)
    assert "Dikembalikan sekolah" in counts.splitlines()[0]
    fix = {"remove": "IFP-1", "add": "IFP-2 panel", "note": "Panel diganti pemasok"}
    assert post(client, f"{path}/koreksi", fix, token_from=path).status_code == 302
    page = school.get(path).get_data(as_text=True)
    assert "Dalam pengiriman" in page and "IFP-2" in page and 'id="bast-form"' in page and "dikoreksi" in page
