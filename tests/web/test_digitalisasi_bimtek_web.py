"""Bimtek: the unit plans a session for its schools, a school names its teacher, the unit records who
attended, the attendee's certificate is a PDF (WeasyPrint) naming them; Dinas and others see it only
through the schools of their area."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest

from spmp import clock
from spmp.digitalisasi import bimtek
from spmp.digitalisasi.operations import DigitalisasiRefused
from tests.spmp.digitalisasi.support import delivery_world, user
from tests.web.conftest import login, post


@pytest.fixture
def planned(session):
    w = delivery_world(session)
    start = clock.now() - timedelta(hours=3)
    w["session"] = bimtek.create_session(session, w["staff"], bimtek.SessionInput(
        2026, "Bimtek pemanfaatan panel interaktif", "luring", start, start + timedelta(hours=6),
        "Aula BPMP NTT, Kupang", (w["a"].npsn,)))  # fmt: skip
    return w


def test_session_rules(session, planned):
    w, s = planned, planned["session"]
    with pytest.raises(DigitalisasiRefused, match="tidak diundang"):
        bimtek.add_participant(session, w["op_b"], s, w["b"].id, "Guru B", "guru")
    with pytest.raises(DigitalisasiRefused, match="NPSN tidak ditemukan di wilayah Anda"):
        bimtek.create_session(session, w["staff_jatim"], bimtek.SessionInput(
            2026, "x", "daring", s.starts_at, s.ends_at, "https://meet.example/x", (w["a"].npsn,)))  # fmt: skip
    teacher = bimtek.add_participant(session, w["op_a"], s, w["a"].id, "Yohana  Lani", "guru")
    with pytest.raises(DigitalisasiRefused, match="sudah terdaftar"):
        bimtek.add_participant(session, w["op_a"], s, w["a"].id, "yohana lani", "guru")
    with pytest.raises(DigitalisasiRefused, match="staf B/BPMP penyelenggara"):
        bimtek.record_attendance(session, w["op_a"], s, {teacher.id})
    assert bimtek.record_attendance(session, w["staff"], s, {teacher.id}) == 1
    assert teacher.attended and teacher.name == "Yohana Lani"


def test_certificate_pdf_names_the_attendee(app, client, session, planned, tmp_path):
    w, s = planned, planned["session"]
    teacher = bimtek.add_participant(session, w["op_a"], s, w["a"].id, "Yohana Lani", "guru")
    absent = bimtek.add_participant(session, w["staff"], s, w["a"].id, "Markus Tefa", "kepala")
    login(client, "staf_dg", "sandi-uji-12345")
    path = f"/digitalisasi/bimtek/{s.id}"
    assert post(client, f"{path}/kehadiran", {"hadir": str(teacher.id)}, token_from=path).status_code == 302
    response = client.get(f"{path}/sertifikat/{teacher.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "sertifikat.pdf"
    pdf.write_bytes(response.get_data())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "SERTIFIKAT" in text and "Yohana Lani" in text and "SD Negeri Alak" in text
    assert f"BIMTEK-DIG/BPMP-NTT/2026/{s.id:04d}/{teacher.id:05d}" in text and "WITA" in text
    assert (
        client.get(f"{path}/sertifikat/{absent.id}").status_code == 404
    )  # no certificate without attendance
    page = client.get(path).get_data(as_text=True)
    assert "Markus Tefa" in page and "tidak hadir" in page
    xlsx = client.get(f"{path}?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"

    other = app.test_client()  # a Dinas of Jawa Timur finds nothing; the school sees its own session
    user(session, "dinas_jatim_dg", "dinas_province", province_code="35")
    login(other, "dinas_jatim_dg", "sandi-uji-12345")
    assert other.get(path).status_code == 404
    assert "Bimtek pemanfaatan" not in other.get("/digitalisasi/bimtek?tahun=2026").get_data(as_text=True)
    school = app.test_client()
    login(school, "op_b_dg", "sandi-uji-12345")  # school B is not invited
    assert school.get(path).status_code == 404
