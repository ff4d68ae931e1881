"""Widyaprada task pages, end to end over HTTP: the head creates a task on the form, the Widyaprada
schedules it on a real date, writes the report (stale copy refused) with a follow-up for the school and
submits it, the head returns it with notes then approves; the school sees the follow-up on its own page,
its SPMI cycle page and its timeline, and marks it done with evidence. The linked case shows the task."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from spmp import clock
from spmp.engine.cases import CaseRecord
from spmp.notifications.models import Notification
from spmp.spmi import operations as spmi
from spmp.widyaprada.models import FollowUpAction, WidyapradaTask
from tests.web.conftest import login, post

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _client(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _version(session, task):
    session.expire_all()
    return session.scalar(select(CaseRecord.version).where(CaseRecord.id == task.case_id))


def _act(client, session, task, trigger, **inputs):
    data = {"seen_version": str(_version(session, task)), **{f"input_{k}": v for k, v in inputs.items()}}
    return post(
        client, f"/widyaprada/tugas/{task.id}/aksi/{trigger}", data, token_from=f"/widyaprada/tugas/{task.id}"
    )


def test_task_journey_over_http(app, session, world):
    users, school = world["users"], world["inside"]
    today = clock.now().date()
    cycle = spmi.open_cycle(session, users["admin"], school.id, today.year)
    head, wp = _client(app, users["bpmp_head"]), _client(app, users["widyaprada"])

    # The new-task form: errors next to the field, then a task linked to the school's SPMI cycle.
    form = {"kind": "supervisi", "scope": "school", "npsns": "99999999", "purpose": "Supervisi pembelajaran",
            "planned_start": today.isoformat(), "planned_end": (today + timedelta(days=30)).isoformat(),
            "due_date": (today + timedelta(days=20)).isoformat(), "assignee_user_id": str(users["widyaprada"].id),
            "linked_case_id": str(cycle.case_id)}  # fmt: skip
    response = post(head, "/widyaprada/tugas/baru", form, token_from="/widyaprada/tugas/baru")
    assert (
        response.status_code == 400
        and "NPSN tidak ditemukan di wilayah Anda: 99999999" in response.get_data(as_text=True)
    )
    response = post(
        head, "/widyaprada/tugas/baru", {**form, "npsns": school.npsn}, token_from="/widyaprada/tugas/baru"
    )
    assert response.status_code == 302
    task = session.scalar(select(WidyapradaTask).order_by(WidyapradaTask.id.desc()))
    assert task.linked_case_id == cycle.case_id and task.case.assignee_user_id == users["widyaprada"].id
    # Shown on both sides: the task page names the cycle, the cycle's case page lists the task.
    assert "linked-case" in wp.get(f"/widyaprada/tugas/{task.id}").get_data(as_text=True)
    case_page = head.get(f"/kasus/{cycle.case_id}").get_data(as_text=True)
    assert 'id="linked-tasks"' in case_page and f"/widyaprada/tugas/{task.id}" in case_page
    listing = wp.get("/widyaprada/tugas?milik=saya").get_data(as_text=True)
    assert task.case.title in listing
    assert wp.get("/widyaprada/tugas?format=csv").get_data(as_text=True).count(task.case.title) == 1

    # Scheduling takes a real date (the page offers a date input).
    assert 'type="date"' in wp.get(f"/widyaprada/tugas/{task.id}").get_data(as_text=True)
    _act(wp, session, task, "schedule", visit_date="minggu depan")
    session.expire_all()
    assert session.get(CaseRecord, task.case_id).state == "direncanakan"
    visit = (today + timedelta(days=5)).isoformat()
    assert _act(wp, session, task, "schedule", visit_date=visit).status_code == 302
    session.expire_all()
    assert session.get(CaseRecord, task.case_id).state == "terjadwal"

    # The report form: a stable URL with a version field; a second send of the same copy is refused (409).
    page = wp.get(f"/widyaprada/tugas/{task.id}/laporan").get_data(as_text=True)
    assert 'name="report_version"' in page
    report = {"report_version": "0", "findings": "RPP belum berdiferensiasi", "recommendations": "Bimtek RPP",
              "fu_school": str(school.id), "fu_text": "Revisi RPP kelas 4", "fu_due": ""}  # fmt: skip
    path = f"/widyaprada/tugas/{task.id}/laporan"
    assert post(wp, path, report, token_from=path).status_code == 302
    again = post(wp, path, report, token_from=path)
    assert again.status_code == 409 and "versi 1" in again.get_data(as_text=True)
    assert (
        post(
            _client(app, users["bpmp_staff"]), path, {**report, "report_version": "1"}, token_from=path
        ).status_code
        == 403
    )
    assert _act(wp, session, task, "submit_report").status_code == 302

    # The head returns it with notes, the Widyaprada resubmits, the head approves.
    assert _act(head, session, task, "return_report", notes="Tambahkan foto kelas").status_code == 302
    notice = session.scalar(select(Notification).where(Notification.user_id == users["widyaprada"].id)
                            .order_by(Notification.id.desc()))  # fmt: skip
    assert "Tambahkan foto kelas" in notice.body
    assert post(wp, path, {**report, "report_version": "1"}, token_from=path).status_code == 302
    _act(wp, session, task, "resubmit")
    school_page = _client(app, users["school_operator"])
    assert "Revisi RPP" not in school_page.get(f"/sekolah/{school.id}/tindak-lanjut").get_data(as_text=True)
    assert _act(head, session, task, "approve").status_code == 302
    session.expire_all()
    assert session.get(CaseRecord, task.case_id).state == "ditutup"

    # The school: its follow-up page, its SPMI cycle page, its timeline; not the task page itself.
    assert "Revisi RPP kelas 4" in school_page.get(f"/sekolah/{school.id}/tindak-lanjut").get_data(
        as_text=True
    )
    assert "Revisi RPP kelas 4" in school_page.get(f"/spmi/siklus/{cycle.id}").get_data(as_text=True)
    assert "Tindak lanjut dari Widyaprada: Revisi RPP kelas 4" in school_page.get(
        f"/sekolah/{school.id}/linimasa"
    ).get_data(as_text=True)
    assert school_page.get(f"/widyaprada/tugas/{task.id}").status_code == 404
    item = session.scalar(select(FollowUpAction).where(FollowUpAction.task_id == task.id))
    done_path = f"/widyaprada/tindak-lanjut/{item.id}/selesai"
    response = post(school_page, done_path, {"note": "RPP direvisi", "evidence": (io.BytesIO(PDF), "rpp.pdf")},
                    token_from=f"/sekolah/{school.id}/tindak-lanjut", content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302
    session.expire_all()
    item = session.get(FollowUpAction, item.id)
    assert item.status == "done" and item.evidence_filename == "rpp.pdf"
    download = head.get(f"/widyaprada/tindak-lanjut/{item.id}/bukti")
    assert download.status_code == 200 and download.data == PDF
    download.close()
