"""Revitalisasi pages over HTTP: the Pemda fills in the form (errors beside the fields), uploads documents
and geotagged photos (a far photo flagged), submits, verifies; the B/BPMP finds it in its queue, sees the
school's data, the damage breakdown and the photos on one page, and decides with a reason code; the lists
download as XLSX; a school sees only its own proposal, another unit none."""

from __future__ import annotations

import io
import re

import openpyxl
from sqlalchemy import select

from spmp.engine.cases import CaseRecord
from spmp.revitalisasi import operations as ops
from spmp.revitalisasi.models import RevitalisasiProposal
from tests.spmp.revitalisasi.support import PDF, SCHOOL_LAT, SCHOOL_LON, jpeg, proposal_input
from tests.web.conftest import login, post


def _client(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _form(npsn: str, **values) -> dict:
    data = {
        "npsn": npsn, "year": "2026", "requested_budget": "850.000.000", "pupils_affected": "240",
        "dapodik_since_year": "2015", "last_rehab_year": "2012", "land_ready": "y", "land_proof": "SHM 12/2019",
        "surveyor_name": "Ir. Yohanes Bria", "damage_form_signed": "y",
        "rooms-0-name": "Ruang kelas 1", "rooms-0-kind": "ruang_kelas", "rooms-0-kolom_balok": "100",
        "rooms-0-kuda_kuda_atap": "100", "rooms-0-tutup_atap": "60", "rooms-0-requested": "y",
        "rooms-1-name": "", "rooms-1-kind": "ruang_kelas",
        "rooms-2-name": "Perpustakaan", "rooms-2-kind": "perpustakaan", "rooms-2-plafon": "100",
        "rooms-2-dinding": "100",
    }  # fmt: skip
    data.update(values)
    return data


def _act(client, session, proposal, trigger, **inputs):
    session.expire_all()
    version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == proposal.case_id))
    data = {"seen_version": str(version), **{f"input_{k}": v for k, v in inputs.items()}}
    page = f"/revitalisasi/usulan/{proposal.id}"
    return post(client, f"{page}/aksi/{trigger}", data, token_from=page)


def test_proposal_journey_over_http(app, session, world):
    users, school = world["users"], world["inside"]
    school.latitude, school.longitude = SCHOOL_LAT, SCHOOL_LON
    session.flush()
    dinas, staff = _client(app, users["dinas_regency"]), _client(app, users["bpmp_staff"])

    # Errors beside the fields: a light room requested, a bad percentage, a bad budget; nothing saved.
    bad = _form(
        school.npsn, requested_budget="banyak", **{"rooms-2-requested": "y", "rooms-0-pondasi": "120"}
    )
    response = post(dinas, "/revitalisasi/usulan/baru", bad, token_from="/revitalisasi/usulan/baru")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Isi rupiah dalam angka" in html and "Isi persen 0–100" in html
    assert session.scalar(select(RevitalisasiProposal.id)) is None
    bad = _form(school.npsn, **{"rooms-2-requested": "y"})
    response = post(dinas, "/revitalisasi/usulan/baru", bad, token_from="/revitalisasi/usulan/baru")
    assert response.status_code == 400 and "rusak ringan (18.00 %)" in response.get_data(as_text=True)

    response = post(
        dinas, "/revitalisasi/usulan/baru", _form(school.npsn), token_from="/revitalisasi/usulan/baru"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    proposal = session.scalar(select(RevitalisasiProposal))
    page = f"/revitalisasi/usulan/{proposal.id}"
    assert [r.name for r in proposal.rooms] == ["Ruang kelas 1", "Perpustakaan"]

    # Documents and six photos, one far from the school.
    for kind in ("lahan", "formulir"):
        data = {"kind": kind, "document": (io.BytesIO(PDF), f"{kind}.pdf")}
        assert (
            post(
                dinas, f"{page}/dokumen", data, token_from=page, content_type="multipart/form-data"
            ).status_code
            == 302
        )
    for n in range(6):
        lat = -10.30 if n == 5 else SCHOOL_LAT
        data = {
            "photo": (io.BytesIO(jpeg(lat, SCHOOL_LON, shade=n)), f"foto{n}.jpg"),
            "caption": f"Kelas {n}",
        }
        assert (
            post(dinas, f"{page}/foto", data, token_from=page, content_type="multipart/form-data").status_code
            == 302
        )
    html = dinas.get(page).get_data(as_text=True)
    assert "km dari sekolah (batas 1 km)" in html and html.count('<img src="/revitalisasi/foto/') == 6
    photo_id = int(re.search(r'<img src="/revitalisasi/foto/(\d+)"', html).group(1))
    small, original = (
        dinas.get(f"/revitalisasi/foto/{photo_id}"),
        dinas.get(f"/revitalisasi/foto/{photo_id}?asli=1"),
    )
    assert small.mimetype == "image/jpeg" and small.headers["X-Content-Type-Options"] == "nosniff"
    assert len(original.data) > len(small.data) > 0  # the original keeps its EXIF; the thumbnail drops it
    small.close()
    original.close()

    assert _act(dinas, session, proposal, "submit").status_code == 302
    assert _act(dinas, session, proposal, "pemda_verify", catatan="Sesuai Dapodik").status_code == 302

    # The B/BPMP's queue, then the one-screen verval page, then the decision with a reason code.
    queue = staff.get("/revitalisasi/antrean").get_data(as_text=True)
    assert school.name in queue and "1 foto jauh dari sekolah" in queue
    html = staff.get(page).get_data(as_text=True)
    for text in ("Data sekolah", "Kolom/balok", "46.0 %", "Foto kerusakan (6)", "Foto diambil jauh dari sekolah",
                 'data-trigger="return_revision"', "NPSN sah"):  # fmt: skip
        assert text in html, text
    assert _act(staff, session, proposal, "return_revision", reason_code="foto_jauh_dari_sekolah",
                catatan="Foto 6 bukan di sekolah").status_code == 302  # fmt: skip
    session.expire_all()
    assert session.get(CaseRecord, proposal.case_id).state == "perbaikan"
    history = dinas.get(page).get_data(as_text=True)  # the Pemda reads why, on the proposal's page
    assert (
        "Dikembalikan B/BPMP untuk perbaikan" in history
        and "Alasan: Foto diambil jauh dari sekolah" in history
    )
    assert "Foto 6 bukan di sekolah" in history and "Diverifikasi Pemda" in history

    # XLSX of the list and of the queue.
    book = openpyxl.load_workbook(io.BytesIO(staff.get("/revitalisasi/usulan?format=xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][3] == "NPSN" and rows[1][3] == school.npsn and rows[1][9] == "Dikembalikan untuk perbaikan"
    assert staff.get("/revitalisasi/antrean?format=xlsx").status_code == 200


def test_who_sees_which_proposal(app, session, world):
    users = world["users"]
    inside = ops.create_proposal(session, users["dinas_regency"], proposal_input(world["inside"]))
    outside = ops.create_proposal(session, users["admin"], proposal_input(world["outside"]))
    operator = _client(app, users["school_operator"])
    listed = operator.get("/revitalisasi/usulan").get_data(as_text=True)
    assert world["inside"].name in listed and world["outside"].name not in listed
    assert operator.get(f"/revitalisasi/usulan/{inside.id}").status_code == 200
    assert operator.get(f"/revitalisasi/usulan/{outside.id}").status_code == 404
    assert operator.get(f"/revitalisasi/usulan/{inside.id}/ubah").status_code == 403
    assert operator.get("/revitalisasi/antrean").status_code == 403
    staff = _client(app, users["bpmp_staff"])
    assert staff.get(f"/revitalisasi/usulan/{outside.id}").status_code == 404
    rows = list(
        openpyxl.load_workbook(io.BytesIO(staff.get("/revitalisasi/usulan?format=xlsx").data)).active.values
    )
    assert [r[3] for r in rows[1:]] == [world["inside"].npsn]


def test_import_on_the_web_lists_bad_rows_and_saves_nothing_until_clean(app, session, world):
    from tests.spmp.revitalisasi.test_import import _csv, _good_rows

    users, school = world["users"], world["inside"]
    dinas = _client(app, users["dinas_regency"])
    bad = _csv(f"{school.npsn},Kelas 1,,0,100,100,60,0,0,0,0,0,ya,abc,ya,SHM,Bria,ya,2015,2012,240,")
    data = {"year": "2026", "file": (io.BytesIO(bad), "usulan.csv")}
    response = post(dinas, "/revitalisasi/impor", data, token_from="/revitalisasi/impor",
                    content_type="multipart/form-data")  # fmt: skip
    html = response.get_data(as_text=True)
    assert (
        response.status_code == 400
        and "<td>2</td><td>anggaran</td>" in html
        and "tidak ada yang disimpan" in html
    )
    assert session.scalar(select(RevitalisasiProposal.id)) is None
    data = {"year": "2026", "file": (io.BytesIO(_csv(*_good_rows(school.npsn))), "usulan.csv")}
    response = post(dinas, "/revitalisasi/impor", data, token_from="/revitalisasi/impor",
                    content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302 and "tahun=2026" in response.location
    assert session.scalar(select(RevitalisasiProposal.source)) == "import"
