"""The report sent by the offline script, over HTTP: JSON answers, one key received once (a resend is "sudah
diterima", not a second report), a stale copy refused with 409, bad photos and keys refused with the photo's
name and nothing written, never a 500; photos stored and shown to the head; the page carries what the
script needs (service worker path, blob: previews)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from spmp import clock
from spmp.audit import AuditEvent
from spmp.engine.cases import CaseRecord
from spmp.widyaprada import operations as ops
from spmp.widyaprada.models import ReportPhoto, ReportReceipt, WidyapradaTask
from tests.web.conftest import csrf_token, login

JSON = {"Accept": "application/json"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def scheduled(session, world):
    wp = world["users"]["widyaprada"]
    today = clock.now().date()
    data = ops.TaskInput("supervisi", "school", "Supervisi kelas awal", today, today + timedelta(days=30),
                         today + timedelta(days=20), (world["inside"].id,))  # fmt: skip
    task = ops.create_task(session, wp, data)
    version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == task.case_id))
    ops.act(
        session,
        wp,
        task.id,
        "schedule",
        version,
        inputs={"visit_date": (today + timedelta(days=2)).isoformat()},
    )
    session.flush()
    return task


def _client(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _send(client, task, key, version=0, photos=(), **fields):
    path = f"/widyaprada/tugas/{task.id}/laporan"
    data = {"csrf_token": csrf_token(client, path), "report_version": str(version), "draft_key": key,
            "findings": "Guru belum memakai asesmen awal", "recommendations": "Bimtek asesmen",
            "fu_school": str(task.schools[0].id), "fu_text": "Asesmen kelas 1", "fu_due": "",
            "photos": [(io.BytesIO(content), name) for name, content in photos], **fields}  # fmt: skip
    return client.post(path, data=data, headers=JSON, content_type="multipart/form-data")


def _counts(session, task):
    session.expire_all()

    def count(model):
        return session.scalar(select(func.count()).select_from(model).where(model.task_id == task.id))

    reports = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.case_id == task.case_id, AuditEvent.action == "report")
    )
    return (
        session.get(WidyapradaTask, task.id).report_version,
        count(ReportPhoto),
        count(ReportReceipt),
        reports,
    )


def test_one_draft_is_received_once_and_a_stale_copy_is_refused(app, session, world, scheduled):
    task, wp = scheduled, _client(app, world["users"]["widyaprada"])
    png = _png()
    first = _send(wp, task, "draft-aaaa-0001", photos=[("kelas.png", png)])
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.json == {"ok": True, "duplicate": False, "report_version": 1,
                          "message": "Laporan terkirim dan disimpan (versi 1, 1 foto)."}  # fmt: skip
    assert _counts(session, task) == (1, 1, 1, 1)

    # The answer was lost on the way back: the same draft comes again. Received once, nothing written.
    again = _send(wp, task, "draft-aaaa-0001", photos=[("kelas.png", png)])
    assert again.status_code == 200 and again.json["duplicate"] is True
    assert again.json["message"] == "Laporan ini sudah diterima sebelumnya (versi 1); tidak disimpan dua kali"
    assert _counts(session, task) == (1, 1, 1, 1)

    # Another draft made on version 0 (a second phone): refused, with the version that is saved.
    stale = _send(wp, task, "draft-bbbb-0002")
    assert stale.status_code == 409 and stale.json["ok"] is False and stale.json["report_version"] == 1
    assert stale.json["message"] == "Laporan sudah disimpan di tempat lain (versi 1; draf ini dari versi 0)"
    assert stale.json["stale"] is True
    assert _counts(session, task) == (1, 1, 1, 1)

    # The plain form (no script) sent twice: told it was received, sent to the task page.
    path = f"/widyaprada/tugas/{task.id}/laporan"
    response = wp.post(path, data={"csrf_token": csrf_token(wp, path), "report_version": "1", "draft_key": "draft-aaaa-0001",
                                   "findings": "x", "recommendations": "y"})  # fmt: skip
    assert response.status_code == 302 and response.location.endswith(f"/widyaprada/tugas/{task.id}")
    assert "sudah diterima sebelumnya" in wp.get(response.location).get_data(as_text=True)

    # The head sees the report and its photo on the task page.
    head = _client(app, world["users"]["bpmp_head"])
    page = head.get(f"/widyaprada/tugas/{task.id}").get_data(as_text=True)
    photo = session.scalar(select(ReportPhoto).where(ReportPhoto.task_id == task.id))
    assert (
        "Guru belum memakai asesmen awal" in page and f"/widyaprada/tugas/{task.id}/foto/{photo.id}" in page
    )
    image = head.get(f"/widyaprada/tugas/{task.id}/foto/{photo.id}")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == png
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    image.close()


@pytest.mark.parametrize(
    ("fields", "photos", "message"),
    [
        ({}, [("surat.pdf", PDF)], "Foto 1 (surat.pdf): hanya foto JPEG atau PNG"),
        ({}, [("kelas.jpg", b"bukan foto")], "Foto 1 (kelas.jpg): Isi berkas tidak sesuai"),
        ({"draft_key": "../../etc"}, [], "Kunci draf laporan tidak sah"),
        ({"findings": ""}, [], "Temuan: Wajib diisi."),
        ({"report_version": "x"}, [], "Versi laporan tidak terbaca"),
        ({"fu_due": "besok"}, [], "Tindak lanjut 1: tanggal tidak valid"),
    ],
)
def test_bad_copies_are_refused_in_indonesian_and_write_nothing(
    app, session, world, scheduled, fields, photos, message
):
    wp = _client(app, world["users"]["widyaprada"])
    response = _send(wp, scheduled, fields.pop("draft_key", "draft-cccc-0003"), photos=photos, **fields)
    assert response.status_code == 400 and response.json["ok"] is False
    assert message in response.json["message"]
    assert _counts(session, scheduled) == (0, 0, 0, 0)


def test_only_the_assignee_sends_and_the_page_carries_the_offline_parts(app, session, world, scheduled):
    staff = _client(app, world["users"]["bpmp_staff"])
    refused = _send(staff, scheduled, "draft-dddd-0004")
    assert refused.status_code == 403 and "penanggung jawab" in refused.json["message"]
    wp = _client(app, world["users"]["widyaprada"])
    page = wp.get(f"/widyaprada/tugas/{scheduled.id}/laporan")
    html = page.get_data(as_text=True)
    assert 'data-service-worker="/widyaprada/tugas/sw.js"' in html and 'data-draft="off"' in html
    assert "report.js?v=" in html and 'name="photos"' in html
    assert "img-src 'self' data: blob:" in page.headers["Content-Security-Policy"]
    worker = wp.get("/widyaprada/tugas/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] in ("no-cache", "no-store") and b"spmp-laporan" in worker.data
    worker.close()
