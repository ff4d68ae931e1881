"""Field obstacles over HTTP: a school reports one with a photo from the Revitalisasi proposal's page; the
B/BPMP sees it in its list (XLSX too), takes it on and resolves it; another unit sees nothing."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select

from spmp.engine.cases import CaseRecord
from spmp.kendala.models import Kendala
from spmp.revitalisasi import operations as revit
from tests.spmp.revitalisasi.support import jpeg, proposal_input
from tests.web.conftest import login, post


def _client(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _act(client, session, kendala, trigger, **inputs):
    session.expire_all()
    version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == kendala.case_id))
    page = f"/kendala/{kendala.id}"
    return post(client, f"{page}/aksi/{trigger}",
                {"seen_version": str(version), **{f"input_{k}": v for k, v in inputs.items()}}, token_from=page)  # fmt: skip


def test_kendala_over_http(app, session, world):
    users, school = world["users"], world["inside"]
    proposal = revit.create_proposal(session, users["dinas_regency"], proposal_input(school))
    operator, staff = _client(app, users["school_operator"]), _client(app, users["bpmp_staff"])
    page = operator.get(f"/revitalisasi/usulan/{proposal.id}").get_data(as_text=True)
    link = f"/kendala/baru?npsn={school.npsn}&amp;program=revitalisasi&amp;kasus={proposal.case_id}"
    assert link in page
    form = operator.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert f'value="{school.npsn}"' in form
    data = {"npsn": school.npsn, "programme": "revitalisasi", "category": "konstruksi", "description": "",
            "linked_case_id": str(proposal.case_id)}  # fmt: skip
    response = post(operator, "/kendala/baru", data, token_from="/kendala/baru")
    assert response.status_code == 400 and "Uraikan kendalanya." in response.get_data(as_text=True)
    data |= {
        "description": "Tukang berhenti bekerja: upah belum dibayar",
        "photo": (io.BytesIO(jpeg()), "tukang.jpg"),
    }
    response = post(
        operator, "/kendala/baru", data, token_from="/kendala/baru", content_type="multipart/form-data"
    )
    assert response.status_code == 302
    kendala = session.scalar(select(Kendala))
    assert kendala.linked_case_id == proposal.case_id and len(kendala.case.school.npsn) == 8

    listed = staff.get("/kendala?status=terbuka").get_data(as_text=True)
    assert school.name in listed
    rows = list(openpyxl.load_workbook(io.BytesIO(staff.get("/kendala?format=xlsx").data)).active.values)
    assert rows[1][3] == school.npsn and rows[1][6] == "Konstruksi/bangunan"
    html = staff.get(f"/kendala/{kendala.id}").get_data(as_text=True)
    assert "tukang.jpg" in html and 'data-trigger="triage"' in html
    assert (
        _act(staff, session, kendala, "triage", prioritas="tinggi", rencana="Hubungi P2SP").status_code == 302
    )
    assert _act(staff, session, kendala, "resolve", penyelesaian="Upah dibayar").status_code == 302
    session.expire_all()
    assert session.get(CaseRecord, kendala.case_id).state == "selesai"
    outsider = _client(app, users["pusat"])  # national: sees it; a Surabaya school's operator would not
    assert outsider.get(f"/kendala/{kendala.id}").status_code == 200
