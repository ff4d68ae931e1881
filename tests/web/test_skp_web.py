"""SKP evidence: approved tasks by the five kinds, as the page, XLSX and a PDF (WeasyPrint) whose text
holds the rows; a task approved in another year or not yet approved is left out; a head drills in."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from spmp import clock
from spmp.engine.cases import CaseRecord
from spmp.widyaprada import operations as ops
from spmp.widyaprada import skp
from tests.web.conftest import login


def _act(session, user, task, trigger, **kwargs):
    version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == task.case_id))
    return ops.act(session, user, task.id, trigger, version, **kwargs)


def _task(session, world, purpose, *, approve=True, kind="supervisi"):
    head, wp = world["users"]["bpmp_head"], world["users"]["widyaprada"]
    today = clock.now().date()
    task = ops.create_task(session, head, ops.TaskInput(
        kind=kind, scope="school", purpose=purpose, planned_start=today, planned_end=today, due_date=today,
        school_ids=(world["inside"].id,), assignee_user_id=wp.id))  # fmt: skip
    # Several tasks on one school and day: the calendar's warning is overridden with a reason.
    _act(session, wp, task, "schedule", inputs={"visit_date": today.isoformat(), "override_reason": "Uji"})
    report = ops.ReportInput(
        findings=f"Temuan {purpose}",
        recommendations="Perbaiki perencanaan pembelajaran",
        follow_ups=(ops.FollowUpInput(world["inside"].id, "Susun RKT baru"),),
    )
    ops.save_report(session, wp, task.id, 0, report)
    _act(session, wp, task, "submit_report")
    if approve:
        _act(session, head, task, "approve")
    return task


@pytest.fixture
def approved(session, world):
    _task(session, world, "Supervisi kelas rendah")
    _task(session, world, "Pendampingan penyusunan RKT", kind="pendampingan")
    _task(session, world, "Belum disetujui", approve=False)
    session.commit()
    return world


def test_skp_rows_by_kind_and_year(session, approved):
    wp = approved["users"]["widyaprada"]
    year = clock.now().date().year
    evidence = skp.skp_evidence(session, wp, year)
    assert [a.kind for a in evidence.activities] == ["pendampingan", "supervisi"]  # the regulation's order
    assert dict(evidence.by_kind) == {"Pemetaan Mutu": 0, "Pendampingan": 1, "Pembimbingan": 0,
                                      "Supervisi": 1, "Pengembangan Model": 0}  # fmt: skip
    first = list(evidence.rows())[0]
    assert first[0] == 1 and "Tindak lanjut: 1 (0 selesai)" in first[6] and "Laporan versi 1" in first[7]
    assert skp.skp_evidence(session, wp, year - 1).activities == []


def test_skp_xlsx_and_pdf_hold_the_rows(client, approved, tmp_path):
    login(client, approved["users"]["widyaprada"])
    html = client.get("/skp").get_data(as_text=True)
    assert html.count('class="activity"') == 2 and "Belum disetujui" not in html
    sheet = load_workbook(io.BytesIO(client.get("/skp?format=xlsx").get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(skp.HEADER) and len(rows) == 3
    assert rows[2][1] == "Supervisi" and "Supervisi kelas rendah" in rows[2][2]
    response = client.get("/skp?format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "skp.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
        assert "Bukti kinerja (SKP)" in text and "Supervisi kelas rendah" in text
        assert "Pendampingan penyusunan RKT" in text and "Belum disetujui" not in text
    assert client.get("/skp?tahun=dua").status_code == 400


def test_head_drills_into_skp_other_unit_does_not(client, approved, world):
    wp = approved["users"]["widyaprada"]
    login(client, approved["users"]["bpmp_head"])
    assert client.get(f"/beban-kerja/{wp.id}/skp").get_data(as_text=True).count('class="activity"') == 2
    assert client.get("/skp").status_code == 403
