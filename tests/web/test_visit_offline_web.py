"""The facilitator's visit report over HTTP, as the offline script sends it (JSON) and as a plain form: one
draft key recorded once (a resend is "sudah diterima", even after the works moved on), every refusal a
clear message with nothing written (bad percent, photo without GPS, bad key, bad or future date, works
over), the plain form shown again with what was typed (a bad date no longer loses it), never a 500; the
pages carry what the script needs (service worker, blob: previews, the caseload's links kept offline)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select, update

from spmp.engine.cases import CaseRecord
from spmp.revitalisasi import operations as ops
from spmp.revitalisasi.execution import ProgressPhoto, ProgressReport
from tests.spmp.revitalisasi.execution_support import to_construction
from tests.spmp.revitalisasi.support import SCHOOL_LAT, SCHOOL_LON, jpeg, proposal_input
from tests.web.conftest import csrf_token, login

JSON = {"Accept": "application/json"}
KEY = "0b9f6a52-7d1e-4c1a-9e55-3f0c2b7d9a11"


@pytest.fixture
def building(app, session, world):
    """The inside school's proposal under construction (tranche I paid), the facilitator assigned."""
    users, root = world["users"], app.config["SPMP_SETTINGS"].evidence_path
    world["inside"].latitude, world["inside"].longitude = SCHOOL_LAT, SCHOOL_LON
    proposal = ops.create_proposal(
        session, users["dinas_regency"], proposal_input(world["inside"], year=2027)
    )
    session.execute(update(CaseRecord).where(CaseRecord.id == proposal.case_id).values(state="terpilih"))
    return to_construction(
        session, proposal, users["principal"], users["bpmp_staff"], users["facilitator"], root
    )


@pytest.fixture
def fac(app, world):
    client = app.test_client()
    assert login(client, world["users"]["facilitator"]).status_code == 302
    return client


def _send(client, proposal, key=KEY, photo=None, headers=JSON, **fields):
    path = f"/revitalisasi/usulan/{proposal.id}/kunjungan"
    photo = jpeg(shade=11) if photo is None else photo
    data = {"csrf_token": csrf_token(client, path), "draft_key": key, "tanggal": "", "persen": "40",
            "catatan": "Kolom dan balok berdiri", "foto": [(io.BytesIO(photo), "kolom.jpg")] if photo else [],
            **fields}  # fmt: skip
    return client.post(path, data=data, headers=headers, content_type="multipart/form-data")


def _visits(session, proposal):
    session.expire_all()
    query = select(ProgressReport.percent, ProgressReport.draft_key).where(
        ProgressReport.proposal_id == proposal.id, ProgressReport.source == "fasilitator"
    )
    return [tuple(row) for row in session.execute(query)]


def test_a_draft_sent_twice_is_recorded_once(session, building, fac):
    first = _send(fac, building)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.json == {"ok": True, "duplicate": False,
                          "message": "Laporan kunjungan disimpan: progres fisik terverifikasi 40 %."}  # fmt: skip
    again = _send(fac, building)  # the answer to the first was lost: the script sends it again
    assert again.status_code == 200 and again.json["ok"] and again.json["duplicate"]
    assert (
        "sudah diterima sebelumnya" in again.json["message"]
        and "tidak disimpan dua kali" in again.json["message"]
    )
    session.execute(update(CaseRecord).where(CaseRecord.id == building.case_id).values(state="selesai"))
    session.flush()
    assert _send(fac, building).json["duplicate"]  # still "received", though no new visit may be written now
    assert _visits(session, building) == [(40, KEY)]
    photos = session.scalar(select(func.count()).select_from(ProgressPhoto).join(ProgressReport).where(
        ProgressReport.proposal_id == building.id, ProgressReport.source == "fasilitator"))  # fmt: skip
    assert photos == 1


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"persen": "150"}, 400, "Progres fisik harus bilangan bulat 0-100 %"),
        ({"persen": "empat puluh"}, 400, "Progres fisik harus bilangan bulat 0-100 %"),
        ({"photo": jpeg(None, None, shade=12)}, 400, "Foto 1 (kolom.jpg) tanpa titik lokasi GPS (EXIF)"),
        ({"photo": b""}, 400, "Lampirkan paling sedikit satu foto progres"),
        ({"photo": b"%PDF-1.4 bukan foto"}, 400, "Foto 1"),
        ({"key": "kunci berisi spasi"}, 400, "Kunci draf laporan kunjungan tidak sah"),
        ({"tanggal": "31-02-2027"}, 400, "Tanggal kunjungan tidak terbaca: '31-02-2027' (format TTTT-BB-HH)"),
        ({"tanggal": "2999-01-01"}, 400, "Tanggal kunjungan tidak boleh di masa depan"),
    ],
)
def test_a_refused_copy_says_why_and_writes_nothing(session, building, fac, fields, status, message):
    response = _send(fac, building, **fields)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json["ok"] is False and message in response.json["message"], response.json
    assert _visits(session, building) == []


def test_after_the_works_or_for_another_facilitator_the_copy_is_refused(session, world, building, fac):
    session.execute(update(CaseRecord).where(CaseRecord.id == building.case_id).values(state="selesai"))
    session.flush()
    refused = _send(fac, building, key="kunci-setelah-selesai")
    assert refused.status_code == 403 and refused.json == {
        "ok": False, "message": "Verifikasi progres hanya selama pelaksanaan dan pemeriksaan akhir"}  # fmt: skip
    # The page the script asks for a fresh token says why too (the 403 page shows the reason).
    page = fac.get(f"/revitalisasi/usulan/{building.id}/kunjungan")
    assert page.status_code == 403
    assert 'id="error-message">Verifikasi progres hanya selama pelaksanaan' in page.get_data(as_text=True)
    # Reassigned to another facilitator: this one no longer sees the school at all.
    session.execute(update(CaseRecord).where(CaseRecord.id == building.case_id).values(state="pelaksanaan"))
    session.execute(update(CaseRecord).where(CaseRecord.id == building.case_id)
                    .values(assignee_user_id=world["users"]["admin"].id))  # fmt: skip
    session.flush()
    data = {"csrf_token": csrf_token(fac, "/revitalisasi/binaan"), "draft_key": KEY, "persen": "40"}
    gone = fac.post(f"/revitalisasi/usulan/{building.id}/kunjungan", data=data, headers=JSON)
    assert gone.status_code == 404
    assert fac.get(f"/revitalisasi/usulan/{building.id}/kunjungan").status_code == 404
    assert _visits(session, building) == []


def test_the_plain_form_is_shown_again_with_what_was_typed(session, building, fac):
    """Without the script: a bad date (it used to redirect and lose everything) or a photo without GPS
    re-shows the form (400) with the date, percent and notes, and each problem by its field."""
    response = _send(fac, building, headers={}, tanggal="17/08/2027", persen="45",
                     catatan="Atap <b>belum</b> terpasang")  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Tanggal kunjungan tidak terbaca: &#39;17/08/2027&#39; (format TTTT-BB-HH)" in html
    assert 'value="17/08/2027"' in html and 'value="45"' in html
    assert "Atap &lt;b&gt;belum&lt;/b&gt; terpasang</textarea>" in html
    assert "Lampirkan kembali fotonya" in html and f'value="{KEY}"' in html
    no_gps = _send(fac, building, headers={}, photo=jpeg(None, None, shade=13))
    assert no_gps.status_code == 400 and "tanpa titik lokasi GPS" in no_gps.get_data(as_text=True)
    assert _visits(session, building) == []
    saved = _send(fac, building, headers={})
    assert saved.status_code == 302 and saved.location.endswith(f"/revitalisasi/usulan/{building.id}#progres")
    assert _send(fac, building, headers={}).status_code == 302  # a double tap: "sudah diterima", once
    assert _visits(session, building) == [(40, KEY)]


def test_the_pages_carry_what_the_offline_script_needs(building, fac):
    page = fac.get(f"/revitalisasi/usulan/{building.id}/kunjungan")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "blob:" in page.headers["Content-Security-Policy"]
    assert 'data-service-worker="/revitalisasi/sw.js"' in html and "report.js?v=" in html
    assert f'data-draft-id="kunjungan-{building.id}"' in html and 'name="draft_key" value="' in html
    caseload = fac.get("/revitalisasi/binaan").get_data(as_text=True)
    assert 'data-service-worker="/revitalisasi/sw.js"' in caseload
    assert f'href="/revitalisasi/usulan/{building.id}/kunjungan" data-offline-page' in caseload
    with fac.get("/revitalisasi/sw.js") as worker:
        assert worker.status_code == 200 and worker.mimetype == "text/javascript"
        assert "kunjungan" in worker.get_data(as_text=True)
