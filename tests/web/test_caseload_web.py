"""The head's workload page (figures, drill-in, XLSX download) and a Widyaprada's "Pekerjaan saya"."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from spmp import clock
from spmp.widyaprada import operations as ops
from tests.web.conftest import login


def _tasks(session, world):
    head, wp = world["users"]["bpmp_head"], world["users"]["widyaprada"]
    today = clock.now().date()
    for kind, scope, extra in (
        ("supervisi", "school", {"school_ids": (world["inside"].id,)}),
        ("pemetaan_mutu", "regency", {"regency_code": "53.71"}),
    ):
        ops.create_task(session, head, ops.TaskInput(
            kind=kind, scope=scope, purpose="Tujuan " + kind, planned_start=today, planned_end=today,
            due_date=today, assignee_user_id=wp.id, **extra))  # fmt: skip
    session.commit()


def test_head_sees_workload_drills_in_and_downloads(client, world, session):
    _tasks(session, world)
    wp = world["users"]["widyaprada"]
    login(client, world["users"]["bpmp_head"])
    html = client.get("/beban-kerja").get_data(as_text=True)
    assert f'data-user="{wp.id}"' in html
    row = html.split(f'data-user="{wp.id}"')[1].split("</tr>")[0]
    assert '<td class="open-tasks">2</td>' in row and '<td class="open-weight">9</td>' in row
    detail = client.get(f"/beban-kerja/{wp.id}").get_data(as_text=True)
    assert "Tujuan supervisi" in detail and "Tujuan pemetaan_mutu" in detail
    assert "Notifikasi belum dibaca" not in detail  # never another person's notifications
    response = client.get("/beban-kerja?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Widyaprada", "Unit", "Tugas terbuka")
    assert (wp.full_name, "BPMP-NTT", 2, 9, 0, 0) in [tuple(r) for r in rows[1:]]


def test_widyaprada_sees_own_caseload_and_no_workload(client, world, session):
    _tasks(session, world)
    login(client, world["users"]["widyaprada"])
    html = client.get("/pekerjaan-saya").get_data(as_text=True)
    assert "Tujuan supervisi" in html and world["inside"].name in html
    assert "Notifikasi belum dibaca" in html
    assert client.get("/beban-kerja").status_code == 403
    assert client.get(f"/beban-kerja/{world['users']['widyaprada'].id}").status_code == 403
