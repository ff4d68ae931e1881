"""The bulk assignment page: preview by regency (with its XLSX), apply, a move without a reason refused."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from spmp.accounts import operations as accounts
from spmp.engine.cases import CaseRecord
from spmp.widyaprada import operations as tasks
from tests.factories import make_school
from tests.web.conftest import PASSWORD, login, post

PAGE = "/widyaprada/penugasan-massal"


def test_head_previews_downloads_and_applies(client, world, session):
    users = world["users"]
    wulan = accounts.create_user(session, username="wp_dua", full_name="Wulan Dua", password=PASSWORD,
                                 role="widyaprada", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip
    schools = [make_school(session, regency_code="53.71", name=f"SD Massal {n}") for n in range(2)]
    made = [tasks.create_task(session, users["bpmp_head"], tasks.TaskInput(
        "supervisi", "school", "Supervisi", date(2026, 3, 2), date(2026, 3, 31), date(2026, 3, 20), (s.id,)))
        for s in schools]  # fmt: skip
    login(client, users["bpmp_head"])
    query = f"?mode=tugas&ke={wulan.id}&kabupaten=53.71"
    page = client.get(PAGE + query).get_data(as_text=True)
    assert "Pratinjau: 2 butir kepada Wulan Dua" in page and "Supervisi — SD Massal 1" in page
    sheet = load_workbook(io.BytesIO(client.get(PAGE + query + "&format=xlsx").data)).active
    assert [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)] == [t.case.title for t in made]
    keys = ",".join(f"t{t.case_id}" for t in made)
    form = {"mode": "tugas", "ke": str(wulan.id), "kabupaten": "53.71", "keys": keys, "reason": ""}
    assert post(client, PAGE, form, token_from=PAGE).status_code == 302
    session.expire_all()
    assert {session.get(CaseRecord, t.case_id).assignee_user_id for t in made} == {wulan.id}
    assert "Diterapkan: 2 butir kepada Wulan Dua" in client.get(PAGE).get_data(as_text=True)
    move = {"mode": "pindah", "dari": str(wulan.id), "ke": str(users["widyaprada"].id), "reason": "",
            "keys": keys}  # fmt: skip
    assert post(client, PAGE, move, token_from=PAGE).status_code == 302
    assert "Alasan pemindahan wajib diisi" in client.get(PAGE).get_data(as_text=True)
    session.expire_all()
    assert (
        session.scalar(select(CaseRecord.assignee_user_id).where(CaseRecord.id == made[0].case_id))
        == wulan.id
    )
