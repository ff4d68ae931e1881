"""Revitalisasi execution over HTTP: the school forms its P2SP on the proposal page (a second role for one
NIK refused with the reason), uploads the documents, the B/BPMP disburses tranche I, the facilitator finds
the school on their caseload and files a visit report with a photo; tranche II is refused below the
threshold with both figures named and allowed at it; lists download as XLSX."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select, update

from spmp.engine.cases import CaseRecord
from spmp.revitalisasi import execution_ops as xops
from spmp.revitalisasi import operations as ops
from spmp.revitalisasi.execution import P2spMember, Tranche
from tests.spmp.revitalisasi.execution_support import COMMITTEE
from tests.spmp.revitalisasi.support import PDF, SCHOOL_LAT, SCHOOL_LON, jpeg, proposal_input
from tests.web.conftest import login, post


def _client(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _selected(session, world):
    world["inside"].latitude, world["inside"].longitude = SCHOOL_LAT, SCHOOL_LON
    proposal = ops.create_proposal(
        session, world["users"]["dinas_regency"], proposal_input(world["inside"], year=2027)
    )
    session.execute(update(CaseRecord).where(CaseRecord.id == proposal.case_id).values(state="terpilih"))
    session.flush()
    return proposal


def _act(client, session, proposal, trigger, **inputs):
    session.expire_all()
    version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == proposal.case_id))
    data = {"seen_version": str(version), **{f"input_{k}": v for k, v in inputs.items()}}
    page = f"/revitalisasi/usulan/{proposal.id}"
    return post(client, f"{page}/aksi/{trigger}", data, token_from=page)


def _flash(client, response) -> str:
    return client.get(response.location).get_data(as_text=True)


def test_execution_journey_over_http(app, session, world, monkeypatch):
    users = world["users"]
    proposal = _selected(session, world)
    page = f"/revitalisasi/usulan/{proposal.id}"
    school, staff, fac = (
        _client(app, users["principal"]),
        _client(app, users["bpmp_staff"]),
        _client(app, users["facilitator"]),
    )

    html = school.get(page).get_data(as_text=True)
    assert 'id="p2sp-form"' in html and "Satu orang hanya boleh memegang satu jabatan" in html
    for name, nik, role in COMMITTEE:
        response = post(school, f"{page}/p2sp", {"nama": name, "nik": nik, "jabatan": role}, token_from=page)
        assert response.status_code == 302
    twice = post(school, f"{page}/p2sp", {"nama": COMMITTEE[0][0], "nik": COMMITTEE[0][1], "jabatan": "anggota"},
                 token_from=page)  # fmt: skip
    assert "sudah menjabat Ketua di P2SP ini: satu orang tidak boleh memegang dua jabatan" in _flash(
        school, twice
    )
    assert len(session.scalars(select(P2spMember).where(P2spMember.proposal_id == proposal.id)).all()) == 4
    assert _act(school, session, proposal, "p2sp_formed").status_code == 302

    refused = _act(school, session, proposal, "submit_documents")
    assert "Dokumen persiapan belum lengkap: Rencana Anggaran Biaya (RAB)" in _flash(school, refused)
    for kind in ("rab", "gambar", "jadwal", "pbg"):
        data = {"kind": kind, "document": (io.BytesIO(PDF), f"{kind}.pdf")}
        response = post(school, f"{page}/berkas", data, token_from=page, content_type="multipart/form-data")
        assert response.status_code == 302
    _act(school, session, proposal, "submit_documents")
    response = post(
        staff, f"{page}/fasilitator", {"fasilitator": str(users["facilitator"].id)}, token_from=page
    )
    assert response.status_code == 302
    _act(staff, session, proposal, "disburse_tranche_1")
    assert session.scalar(select(CaseRecord.state).where(CaseRecord.id == proposal.case_id)) == "pelaksanaan"

    assert 'id="revitalisasi-binaan"' in fac.get("/").get_data(as_text=True)  # home leads to the caseload
    assert 'id="revitalisasi-binaan"' not in _client(app, users["widyaprada"]).get("/").get_data(as_text=True)
    caseload = fac.get("/revitalisasi/binaan").get_data(as_text=True)
    assert world["inside"].name in caseload and "Pelaksanaan (tahap I cair)" in caseload
    visit = f"{page}/kunjungan"
    assert fac.get(visit).status_code == 200
    data = {"persen": "40", "catatan": "Kolom berdiri", "foto": (io.BytesIO(jpeg(shade=1)), "a.jpg")}
    assert post(fac, visit, data, token_from=visit, content_type="multipart/form-data").status_code == 302

    refused = _act(staff, session, proposal, "disburse_tranche_2")
    assert "Progres fisik terverifikasi fasilitator 40 % di bawah batas 50 %" in _flash(staff, refused)
    data = {"persen": "55", "catatan": "", "foto": (io.BytesIO(jpeg(shade=2)), "b.jpg")}
    post(fac, visit, data, token_from=visit, content_type="multipart/form-data")
    monkeypatch.setenv("SPMP_REVIT_TRANCHE2_MIN_PROGRESS", "70")
    refused = _act(staff, session, proposal, "disburse_tranche_2")
    assert "55 % di bawah batas 70 %" in _flash(staff, refused)
    monkeypatch.setenv("SPMP_REVIT_TRANCHE2_MIN_PROGRESS", "50")
    html = staff.get(page).get_data(as_text=True)
    assert "55 %" in html and "syarat tahap II: 50 %" in html
    _act(staff, session, proposal, "disburse_tranche_2")
    assert (
        session.scalar(select(CaseRecord.state).where(CaseRecord.id == proposal.case_id)) == "pelaksanaan_2"
    )
    amounts = session.scalars(
        select(Tranche.amount).where(Tranche.proposal_id == proposal.id).order_by(Tranche.number)
    )
    assert list(amounts) == [595_000_000, 255_000_000]

    for client, path in ((staff, "/revitalisasi/pelaksanaan?format=xlsx"), (fac, "/revitalisasi/binaan?format=xlsx"),
                         (staff, f"{page}/progres?format=xlsx"), (staff, f"{page}/p2sp?format=xlsx")):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        assert sheet.max_row >= 2, path
    niks = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]  # the P2SP download, last
    assert niks and all(len(n) == 16 and "••••••••" in n for n in niks)  # the NIK hidden as on the page
    assert xops.latest_verified(session, proposal.id).percent == 55
