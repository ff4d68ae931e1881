"""The indicator upload on the web (issue 9 §1, §4; issue 10 SPMI): the report as a school downloads it,
the XLSX templates, the way from a cycle without indicators to the import and back, and malformed
files shown on the page (status 400), never an HTTP 500."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from spmp.spmi import operations as ops
from spmp.spmi.models import RaporIndicator
from tests.spmp.spmi.test_indicator_import_layouts import rapor_rows, xlsx
from tests.web.conftest import login, post


def _upload(client, path, data: bytes, filename: str, year: str = "2025"):
    return post(client, path, {"year": year, "file": (io.BytesIO(data), filename)}, token_from=path,
                content_type="multipart/form-data")  # fmt: skip


def _codes(session, school_id, year):
    query = select(RaporIndicator.code, RaporIndicator.band).where(
        RaporIndicator.school_id == school_id, RaporIndicator.year == year
    )
    return dict(session.execute(query).all())


def test_school_uploads_its_report_as_downloaded(client, world, session):
    school = world["inside"]
    login(client, world["users"]["school_operator"])
    path = f"/spmi/sekolah/{school.id}/indikator"
    response = _upload(client, path, xlsx(rapor_rows(school.npsn)).getvalue(), "rapor-pendidikan.xlsx")
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    assert _codes(session, school.id, 2025) == {"A.1": "sedang", "A.2": "kurang", "D.4": "baik"}
    html = client.get(path).get_data(as_text=True)
    assert "3 indikator disimpan untuk 1 sekolah, 0 ditolak, 1 dilewati" in html
    assert "kolom diabaikan: no, keterangan" in html


def test_cycle_without_indicators_leads_to_the_import_and_back(client, world, session):
    school, operator = world["inside"], world["users"]["school_operator"]
    cycle = ops.open_cycle(session, operator, school.id, 2025)
    login(client, operator)
    html = client.get(f"/spmi/siklus/{cycle.id}").get_data(as_text=True)
    notice = re.search(r'id="no-indicators">(.*?)</p>', html, re.S).group(1)
    import_url = f"/spmi/sekolah/{school.id}/indikator?siklus={cycle.id}"
    template_url = f"/spmi/sekolah/{school.id}/indikator/templat.xlsx?tahun=2025"
    assert f'href="{import_url}"' in notice and f'href="{template_url}"' in notice
    page = client.get(import_url).get_data(as_text=True)
    assert f'href="/spmi/siklus/{cycle.id}"' in page and 'value="2025"' in page
    template = client.get(template_url)
    book = openpyxl.load_workbook(io.BytesIO(template.data))
    assert (
        book.active["A1"].value == "Rapor Pendidikan Tahun 2025"
        and book.active["A3"].value == f"NPSN: {school.npsn}"
    )
    # The school fills in the template it downloaded and uploads it: back to the cycle, indicators there.
    book.active["C7"], book.active["D7"] = "Sedang (44,44% siswa mencapai kompetensi minimum)", None
    book.active["C8"], book.active["D8"] = "Kurang", "30,5"
    filled = io.BytesIO()
    book.save(filled)
    response = _upload(client, import_url, filled.getvalue(), "templat.xlsx")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/spmi/siklus/{cycle.id}")
    assert _codes(session, school.id, 2025) == {"A.1": "sedang", "A.2": "kurang"}
    html = client.get(f"/spmi/siklus/{cycle.id}").get_data(as_text=True)
    assert 'id="no-indicators"' not in html and "A.1 Kemampuan literasi" in html


def test_a_cycle_of_another_school_is_not_a_way_back(client, world, session):
    admin = world["users"]["admin"]
    other_cycle = ops.open_cycle(session, admin, world["outside"].id, 2025)
    login(client, admin)
    page = client.get(f"/spmi/sekolah/{world['inside'].id}/indikator?siklus={other_cycle.id}")
    assert page.status_code == 200 and f"/spmi/siklus/{other_cycle.id}" not in page.get_data(as_text=True)
    for odd in ("abc", "²", "99999999999999999999999", "-1"):
        assert client.get(f"/spmi/sekolah/{world['inside'].id}/indikator?siklus={odd}").status_code == 200


def test_templates_download(app, client, world):
    login(client, world["users"]["bpmp_staff"])
    response = client.get("/spmi/indikator/templat.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "templat-indikator-massal.xlsx" in response.headers["Content-Disposition"]
    header = next(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert header == ("npsn", "tahun", "kode_indikator", "nama_indikator", "dimensi", "nilai", "capaian")
    assert 'href="/spmi/indikator/templat.xlsx"' in client.get("/spmi/indikator").get_data(as_text=True)
    odd_year = client.get(f"/spmi/sekolah/{world['inside'].id}/indikator/templat.xlsx?tahun=٢٠٢٥")
    assert odd_year.status_code == 200
    school = app.test_client()
    login(school, world["users"]["school_operator"])
    assert school.get("/spmi/indikator/templat.xlsx").status_code == 403
    assert school.get(f"/spmi/sekolah/{world['outside'].id}/indikator/templat.xlsx").status_code in (403, 404)


BAD_FILES = [
    ("superscript year", "npsn,tahun,kode_indikator,nama_indikator,dimensi,nilai,capaian\n{npsn},²⁰²⁵,A.1,L,,5,Baik\n",
     "baris 2, tahun: harus tahun 2000–2100"),
    ("nan", "kode_indikator,nama_indikator,nilai,capaian\nA.1,Literasi,nan,Baik\n", "baris 2, nilai: harus angka"),
    ("inf", "kode_indikator,nama_indikator,nilai,capaian\nA.1,Literasi,-inf,Baik\n", "baris 2, nilai: harus angka"),
    ("NUL", "kode_indikator,nama_indikator,nilai,capaian\nA.1,Lite\x00rasi,5,Baik\n",
     "baris 2, nama_indikator: berisi karakter NUL"),
    ("huge", "kode_indikator,nama_indikator,nilai,capaian\nA.1," + "L" * 140_000 + ",5,Baik\n",
     "lebih dari 131,072 karakter"),
    ("not utf-8", b"kode_indikator,nama_indikator,nilai,capaian\nA.1,Lit\xe9rasi,5,Baik\n", "bukan teks UTF-8"),
    ("corrupt xlsx", b"PK\x03\x04" + b"\x01" * 300, "XLSX tidak dapat dibuka"),
    ("json object", b'{"a": [' + b'"x",' * 30_000 + b'"x"]}', "daftar rekaman"),
    ("no header", "judul saja\n" * 3, "Header tidak ditemukan"),
    ("wrong npsn", "Rapor Pendidikan 2025\nNPSN: 99999999\nIndikator;Capaian\nA.1 L;Baik (5)\n",
     "bukan NPSN sekolah yang dipilih"),
]  # fmt: skip


@pytest.mark.parametrize("name,content,message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_malformed_upload_is_shown_on_the_page(client, world, session, name, content, message):
    school = world["inside"]
    login(client, world["users"]["school_operator"])
    data = content if isinstance(content, bytes) else content.format(npsn=school.npsn).encode()
    response = _upload(
        client, f"/spmi/sekolah/{school.id}/indikator", data, "rapor.xlsx" if "xlsx" in name else "rapor.csv"
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body, body[-3000:]
    assert len(body) < 60_000 and _codes(session, school.id, 2025) == {}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.lists(st.sampled_from(["Indikator;Capaian;Skor Rapor", "A.1 L;Sedang (4,4%);", "\x00", "nan", "²⁰²⁵",
                                  "NPSN: 20100001", ";" * 50, "kode_indikator,nama_indikator,nilai,capaian"]),
                 max_size=8).map(lambda parts: "\n".join(parts).encode()),
    ),
    filename=st.sampled_from(["r.csv", "r.xlsx", "r.json", "r.pdf"]),
)  # fmt: skip
def test_fuzz_upload_never_answers_500(app, world, data, filename):
    client = app.test_client()
    login(client, world["users"]["bpmp_staff"])
    for path in (f"/spmi/sekolah/{world['inside'].id}/indikator", "/spmi/indikator"):
        response = _upload(client, path, data, filename)
        assert response.status_code in (302, 400), response.status_code
