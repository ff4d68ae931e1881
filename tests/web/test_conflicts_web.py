"""The administrator's conflict-of-interest page (list, XLSX, add with field errors, remove with a reason)
and the refusal a head meets on the case page, with the recorded reason."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from spmp.accounts import conflicts
from spmp.accounts.models import ConflictOfInterest
from spmp.audit import AuditEvent
from spmp.engine import open_case
from tests.web.conftest import login, post

PAGE = "/admin/konflik-kepentingan"


def test_admin_records_lists_downloads_and_removes(client, world, session):
    login(client, world["users"]["admin"])
    wp, school = world["users"]["widyaprada"], world["inside"]
    form = {
        "username": wp.username,
        "npsn": "00000000",
        "kind": "relative_school",
        "reason": "Adik kepala sekolah",
    }
    bad = post(client, PAGE, form, token_from=PAGE)
    assert bad.status_code == 422
    assert "NPSN &#39;00000000&#39; tidak ditemukan" in bad.get_data(as_text=True)
    assert session.scalar(select(ConflictOfInterest)) is None
    ok = post(client, PAGE, {**form, "npsn": school.npsn}, token_from=PAGE)
    assert ok.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "Adik kepala sekolah" in page and school.name in page and "Sekolah kerabat" in page
    sheet = load_workbook(io.BytesIO(client.get(f"{PAGE}?format=xlsx&cari={school.npsn}").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Nama pengguna", "Nama", "Unit", "NPSN") and rows[1][0] == wp.username
    assert rows[1][6] == "Adik kepala sekolah" and rows[1][7] == "admin1"
    conflict_id = session.scalar(select(ConflictOfInterest.id))
    no_reason = post(client, f"{PAGE}/{conflict_id}/hapus", {}, token_from=PAGE)
    assert no_reason.status_code == 302 and session.get(ConflictOfInterest, conflict_id) is not None
    removed = post(client, f"{PAGE}/{conflict_id}/hapus", {"reason": "Sudah pindah tugas"}, token_from=PAGE)
    assert removed.status_code == 302
    session.expire_all()
    assert session.get(ConflictOfInterest, conflict_id) is None
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "conflict.remove"))
    assert event.reason == "Sudah pindah tugas"


def test_case_page_assignment_refused_with_the_reason(client, world, session):
    users, school = world["users"], world["inside"]
    conflicts.record_conflict(session, users["admin"], username=users["widyaprada"].username, npsn=school.npsn,
                              kind="former_school", reason="Kepala sekolah di sana sampai 2023")  # fmt: skip
    case = open_case(session, users["bpmp_staff"], "school_visit", title="Supervisi", school_id=school.id)
    login(client, users["bpmp_head"])
    path = f"/kasus/{case.id}"
    response = post(client, f"{path}/penanggung-jawab",
                    {"seen_version": str(case.version), "assignee": str(users["widyaprada"].id)}, token_from=path)  # fmt: skip
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert (
        "konflik kepentingan dengan SD Negeri 1 Kupang" in page
        and "Kepala sekolah di sana sampai 2023" in page
    )
    session.expire_all()
    assert case.assignee_user_id is None
