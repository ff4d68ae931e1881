"""Field obstacles over HTTP: a school reports one from the page of the case it is about, with a photo
(a PDF posing as a photo, or a missing field, is refused next to the field and leaves no case); the
obstacle's page says what it is about, the case shows it back, and the B/BPMP lists and downloads it."""

from __future__ import annotations

import io

import openpyxl
from PIL import Image
from sqlalchemy import func, select

from spmp.engine.cases import CaseEvidence, CaseRecord
from spmp.engine.operations import open_case
from spmp.kendala.models import Obstacle
from tests.web.conftest import login, post

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "JPEG")
    return out.getvalue()


def _client(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_school_reports_an_obstacle_about_its_case_and_the_unit_lists_it(app, session, world):
    users, school = world["users"], world["inside"]
    visit = open_case(session, users["bpmp_staff"], "school_visit", title="Kunjungan supervisi",
                      school_id=school.id)  # fmt: skip
    session.commit()
    operator, staff = _client(app, users["school_operator"]), _client(app, users["bpmp_staff"])

    page = operator.get(f"/kasus/{visit.id}").get_data(as_text=True)
    assert f'href="/kendala/baru?sekolah={school.id}&amp;kasus={visit.id}"' in page
    form_url = f"/kendala/baru?sekolah={school.id}&kasus={visit.id}"
    page = operator.get(form_url).get_data(as_text=True)
    assert f'value="{school.npsn}"' in page and f"#{visit.id}" in page

    base = {"npsn": school.npsn, "category": "listrik", "description": "Daya 900 W, panel tidak menyala",
            "about_case_id": str(visit.id)}  # fmt: skip
    cases_before = _count(session, CaseRecord)
    response = post(operator, "/kendala/baru", {**base, "category": "", "photos": (io.BytesIO(PDF), "foto.jpg")},
                    token_from=form_url, content_type="multipart/form-data")  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Pilih kategori kendala." in html
    response = post(operator, "/kendala/baru", {**base, "photos": (io.BytesIO(PDF), "foto.jpg")},
                    token_from=form_url, content_type="multipart/form-data")  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Foto foto.jpg: Isi berkas tidak sesuai" in html
    assert _count(session, CaseRecord) == cases_before and _count(session, Obstacle) == 0

    response = post(operator, "/kendala/baru", {**base, "photos": (io.BytesIO(_jpeg()), "panel.jpg")},
                    token_from=form_url, content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302
    obstacle = session.scalar(select(Obstacle))
    assert response.location.endswith(f"/kasus/{obstacle.case_id}")
    assert (
        session.scalar(select(CaseEvidence.filename).where(CaseEvidence.case_id == obstacle.case_id))
        == "panel.jpg"
    )
    page = operator.get(f"/kasus/{obstacle.case_id}").get_data(as_text=True)
    assert "Kendala: Tidak ada listrik / daya kurang" in page and f'href="/kasus/{visit.id}"' in page
    page = staff.get(f"/kasus/{visit.id}").get_data(as_text=True)
    assert f'href="/kasus/{obstacle.case_id}"' in page  # shown back on the case it is about

    page = staff.get("/kendala").get_data(as_text=True)
    assert "Daya 900 W, panel tidak menyala" in page
    download = staff.get("/kendala?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(download.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:5] == (obstacle.case_id, "Umum", "Tidak ada listrik / daya kurang",
                           "Daya 900 W, panel tidak menyala", "Dilaporkan")  # fmt: skip
    assert rows[1][13] == visit.id
    # Pusat sees every unit's obstacles (each unit only its own: tests/spmp/kendala).
    outsider = _client(app, world["users"]["pusat"])
    assert "Daya 900 W" in outsider.get("/kendala").get_data(as_text=True)  # national: everything
