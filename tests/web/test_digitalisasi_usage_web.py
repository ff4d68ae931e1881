"""Usage pages: the school's two-minute phone form (errors beside the field, nothing saved), its reports,
the unit's list of the month's flags with its download, and "jadikan kendala" in one click."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import func, select

from spmp.digitalisasi import usage
from spmp.digitalisasi.field_models import UsageReport
from spmp.kendala.models import Obstacle
from tests.spmp.digitalisasi.field_support import received_world
from tests.spmp.digitalisasi.support import png
from tests.web.conftest import login, post

FORM = "/digitalisasi/penggunaan/lapor"


def _form(**changes):
    data = {"period": f"{usage.last_period():%Y-%m}", "hours_per_week": "6", "classes_using": "4",
            "teachers_using": "3", "condition": "baik", "problem": "", "note": ""}  # fmt: skip
    return {**data, **changes}


def test_the_school_reports_on_its_phone(app, client, session, world, settings):
    w = received_world(session, settings.evidence_path)
    login(client, "op_a_dg", "sandi-uji-12345")
    page = client.get(FORM).get_data(as_text=True)
    assert 'id="usage-form"' in page and usage.period_label(usage.last_period()) in page
    assert 'inputmode="numeric"' in page and 'accept="image/jpeg,image/png"' in page
    refused = post(client, FORM, _form(hours_per_week="200", condition="bermasalah"), token_from=FORM,
                   content_type="multipart/form-data")  # fmt: skip
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Antara 0 dan 80." in text
    refused = post(
        client, FORM, _form(condition="bermasalah"), token_from=FORM, content_type="multipart/form-data"
    )
    assert refused.status_code == 422 and "Jenis masalah: pilih salah satu." in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(UsageReport)) == 0
    photo = (io.BytesIO(png()), "kelas.png")
    done = post(client, FORM, _form(condition="bermasalah", problem="internet", note="Sinyal hilang", photo=photo),
                token_from=FORM, content_type="multipart/form-data")  # fmt: skip
    assert done.status_code == 302 and done.location.endswith("/digitalisasi/penggunaan")
    page = client.get("/digitalisasi/penggunaan").get_data(as_text=True)
    assert "Ada masalah" in page and "Sinyal hilang" in page and "6 jam/minggu" in page
    report = session.scalar(select(UsageReport))
    shown = client.get(f"/digitalisasi/penggunaan/foto/{report.id}")
    assert shown.status_code == 200 and shown.data == png() and shown.mimetype == "image/png"
    shown.close()

    other = app.test_client()
    login(other, "op_b_dg", "sandi-uji-12345")
    assert other.get(f"/digitalisasi/penggunaan/foto/{report.id}").status_code == 404  # another school's
    assert w["late"].id  # the third school received nothing: its form says so
    assert "Kirim laporan" in other.get(FORM).get_data(as_text=True)


def test_the_unit_sees_the_flags_downloads_them_and_opens_an_obstacle(app, client, session, world, settings):
    w = received_world(session, settings.evidence_path)
    usage.submit_report(session, w["op_a"], w["a"].id, usage.UsageInput(usage.last_period(), 2, 1, 1, "bermasalah",
                        "perangkat_rusak", "Layar retak"), settings.evidence_path)  # fmt: skip
    login(client, "staf_dg", "sandi-uji-12345")
    page = client.get("/digitalisasi/penggunaan").get_data(as_text=True)
    assert "SD Negeri Alak" in page and "SD Negeri Oebobo" in page and "Melaporkan masalah" in page
    assert "1 belum melapor" in page and "1 bermasalah" in page and "SD Negeri Baru" not in page
    page = client.get("/digitalisasi/penggunaan?tanda=belum").get_data(as_text=True)
    assert "SD Negeri Oebobo" in page and "SD Negeri Alak" not in page
    xlsx = client.get("/digitalisasi/penggunaan?tanda=ditandai&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("NPSN", "Sekolah") and {r[1] for r in rows[1:]} == {
        "SD Negeri Alak",
        "SD Negeri Oebobo",
    }
    path = f"/digitalisasi/penggunaan/sekolah/{w['a'].id}/kendala"
    opened = post(
        client, path, {"periode": f"{usage.last_period():%Y-%m}"}, token_from="/digitalisasi/penggunaan"
    )
    obstacle = session.scalar(select(Obstacle))
    assert opened.status_code == 302 and opened.location.endswith(f"/kasus/{obstacle.case_id}")
    assert obstacle.category == "perangkat_rusak" and "Layar retak" in obstacle.description
    page = client.get("/digitalisasi/penggunaan").get_data(as_text=True)
    assert f"kendala #{obstacle.case_id}" in page
    again = post(
        client, path, {"periode": f"{usage.last_period():%Y-%m}"}, token_from="/digitalisasi/penggunaan"
    )
    assert again.status_code == 302 and session.scalar(select(func.count()).select_from(Obstacle)) == 1


def test_the_phone_form_fits_360_px(app, client, session, world, settings):
    """No table on the form; each choice a row a thumb can hit (the CSS gives it the tap height)."""
    received_world(session, settings.evidence_path)
    login(client, "op_a_dg", "sandi-uji-12345")
    page = client.get(FORM).get_data(as_text=True)
    assert "<table" not in page and page.count('class="choice-list"') == 2


def test_the_school_page_shows_verval_and_usage(app, client, session, world, settings):
    from spmp.digitalisasi import verval

    w = received_world(session, settings.evidence_path)
    verval.open_cases(session, w["staff"], 2026, "53.71")
    login(client, "op_a_dg", "sandi-uji-12345")
    page = client.get(f"/sekolah/{w['a'].id}").get_data(as_text=True)
    assert 'id="school-verval"' in page and "Verifikasi dan validasi B/BPMP" in page
    assert "Belum melapor" in page and "/digitalisasi/penggunaan/lapor" in page
    usage.submit_report(session, w["op_a"], w["a"].id, usage.UsageInput(usage.last_period(), 3, 2, 2, "baik"))
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/digitalisasi/penggunaan?format=xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Bulan" and rows[1][:5] == (
        usage.period_label(usage.last_period()),
        3,
        2,
        2,
        "Baik, dipakai",
    )
