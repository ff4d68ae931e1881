"""A verification or monitoring visit of a Revitalisasi proposal is a Widyaprada task linked to its case: the
proposal page offers, to who may create tasks, the link for its stage that opens the new-task form filled in
(linked case, school, kind, purpose); the linked tasks are listed there (kind, Widyaprada, status, visit date)
with a download; the task page links back to the proposal. Others see no link, schools no list, another
region neither. The proposal page shows the works' due date of the programme year."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime, timedelta

import openpyxl
from sqlalchemy import select, update

from spmp import clock
from spmp.engine import deadlines
from spmp.engine.cases import CaseRecord
from spmp.engine.definitions import get_definition
from spmp.fastsql import FastSQL
from spmp.revitalisasi import operations as ops
from spmp.widyaprada.models import WidyapradaTask
from tests.spmp.revitalisasi.support import proposal_input
from tests.web.conftest import PASSWORD, login, post


def _client(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _proposal(session, world, state: str, year: int = 2026):
    proposal = ops.create_proposal(
        session, world["users"]["dinas_regency"], proposal_input(world["inside"], year=year)
    )
    session.execute(update(CaseRecord).where(CaseRecord.id == proposal.case_id).values(state=state))
    session.flush()
    session.expire_all()
    return proposal


def _set_state(session, proposal, state: str) -> None:
    session.execute(update(CaseRecord).where(CaseRecord.id == proposal.case_id).values(state=state))
    session.flush()
    session.expire_all()


def _link(page: str, key: str) -> str | None:
    found = re.search(rf'id="assign-visit-{key}" href="([^"]+)"', page)
    return html.unescape(found[1]) if found else None


def _field(page: str, name: str) -> str:
    """The value a form field of the page holds (input value, textarea text or selected option)."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    if found is None:
        found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\s*([^<]*)</textarea>', page)
    if found is None:
        select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S)[0]
        found = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select_html)
        return html.unescape(next(group for group in found.groups() if group is not None))
    return html.unescape(found[1]).strip()


def test_assign_a_verification_visit_from_the_proposal_page(app, session, world):
    users, school = world["users"], world["inside"]
    proposal = _proposal(session, world, "verval")
    page_url = f"/revitalisasi/usulan/{proposal.id}"
    head = _client(app, users["bpmp_head"])

    page = head.get(page_url).get_data(as_text=True)
    link = _link(page, "verifikasi")
    assert link and "Tugaskan kunjungan verifikasi" in page and _link(page, "monitoring") is None
    assert 'id="visit-task-list"' not in page and "Belum ada tugas kunjungan" in page

    # The form opens filled in.
    form_page = head.get(link).get_data(as_text=True)
    prefilled = {
        name: _field(form_page, name) for name in ("linked_case_id", "npsns", "kind", "scope", "purpose")
    }
    assert prefilled["linked_case_id"] == str(proposal.case_id)
    assert (prefilled["npsns"], prefilled["kind"], prefilled["scope"]) == (
        school.npsn,
        "pemetaan_mutu",
        "school",
    )
    assert prefilled["purpose"].startswith(
        f"Kunjungan verifikasi usulan Revitalisasi 2026 (usulan #{proposal.id})"
    )

    # Sent with the dates and the Widyaprada: a task linked to the proposal's case.
    today = clock.now().date()
    form = {**prefilled, "planned_start": today.isoformat(), "planned_end": (today + timedelta(days=14)).isoformat(),
            "due_date": (today + timedelta(days=10)).isoformat(), "assignee_user_id": str(users["widyaprada"].id)}  # fmt: skip
    response = post(head, "/widyaprada/tugas/baru", form, token_from="/widyaprada/tugas/baru")
    assert response.status_code == 302, response.get_data(as_text=True)
    task = session.scalar(select(WidyapradaTask).order_by(WidyapradaTask.id.desc()))
    assert (task.linked_case_id, task.kind, [s.id for s in task.schools]) == (
        proposal.case_id,
        "pemetaan_mutu",
        [school.id],
    )

    # Listed on the proposal page: kind, Widyaprada, status, visit date, link.
    page = head.get(page_url).get_data(as_text=True)
    row = re.search(r'<ul class="plain" id="visit-task-list">.*?</ul>', page, re.S)[0]
    assert f'href="/widyaprada/tugas/{task.id}"' in row
    assert "Pemetaan Mutu" in row and users["widyaprada"].full_name in row and "belum dijadwalkan" in row
    assert get_definition("widyaprada_task").label(task.case.state) in row
    # The download lists this case's tasks only.
    sheet = openpyxl.load_workbook(
        io.BytesIO(head.get(f"/widyaprada/tugas?kasus={proposal.case_id}&format=xlsx").data)
    ).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [task.id]
    # The task page links back to the proposal page, not the generic case page.
    task_page = head.get(f"/widyaprada/tugas/{task.id}").get_data(as_text=True)
    assert re.search(rf'id="linked-case"><a href="{page_url}"', task_page)


def test_the_stage_decides_which_visit_is_offered(app, session, world):
    proposal = _proposal(session, world, "draf")
    staff, page_url = _client(app, world["users"]["bpmp_staff"]), f"/revitalisasi/usulan/{proposal.id}"
    offered = {}
    for state in ("draf", "verifikasi_pemda", "verval", "perbaikan", "diterima", "terpilih", "pelaksanaan",
                  "lpj", "verifikasi_lpj"):  # fmt: skip
        _set_state(session, proposal, state)
        page = staff.get(page_url).get_data(as_text=True)
        offered[state] = {key for key in ("verifikasi", "monitoring") if _link(page, key)}
    assert offered == {
        "draf": set(), "verifikasi_pemda": {"verifikasi"}, "verval": {"verifikasi"}, "perbaikan": {"verifikasi"},
        "diterima": set(), "terpilih": {"monitoring"}, "pelaksanaan": {"monitoring"}, "lpj": {"monitoring"},
        "verifikasi_lpj": {"monitoring"},
    }  # fmt: skip
    link = _link(staff.get(page_url).get_data(as_text=True), "monitoring")
    form_page = staff.get(link).get_data(as_text=True)
    assert _field(form_page, "kind") == "supervisi"
    assert _field(form_page, "purpose").startswith("Kunjungan monitoring pelaksanaan Revitalisasi 2026")
    session.execute(update(CaseRecord).where(CaseRecord.id == proposal.case_id).values(closed_at=clock.now()))
    session.expire_all()
    assert _link(staff.get(page_url).get_data(as_text=True), "monitoring") is None  # closed: no new visits


def _linked_task(session, world, proposal):
    from spmp.widyaprada import operations as wops

    today = clock.now().date()
    data = wops.TaskInput("supervisi", "school", "Monitoring", today, today + timedelta(days=7), today + timedelta(days=7),
                          (world["inside"].id,), assignee_user_id=world["users"]["widyaprada"].id,
                          linked_case_id=proposal.case_id)  # fmt: skip
    return wops.create_task(session, world["users"]["bpmp_head"], data)


def test_who_sees_the_link_and_the_list(app, session, world):
    from spmp.accounts import operations as accounts

    users = world["users"]
    proposal = _proposal(session, world, "pelaksanaan")
    task = _linked_task(session, world, proposal)
    outsider = accounts.create_user(session, username="staf_jatim", full_name="Staf Jatim", password=PASSWORD,
                                    role="bpmp_staff", scope=accounts.Scope(unit_code="BBPMP-JATIM"))  # fmt: skip
    session.flush()
    page_url, task_link = f"/revitalisasi/usulan/{proposal.id}", f'href="/widyaprada/tugas/{task.id}"'

    seen = {}
    for name in ("bpmp_staff", "widyaprada", "dinas_regency", "pusat", "principal"):
        page = _client(app, users[name]).get(page_url).get_data(as_text=True)
        seen[name] = (_link(page, "monitoring") is not None, task_link in page)
    assert seen == {
        "bpmp_staff": (True, True), "widyaprada": (True, True),  # may create tasks, and see this one
        "dinas_regency": (False, True), "pusat": (False, True),  # may list tasks, not create them
        "principal": (False, False),  # a school neither
    }  # fmt: skip

    # Another region: no proposal page, no task in the download, and a filled-in form sent anyway is refused.
    other = _client(app, outsider)
    assert other.get(page_url).status_code == 404
    assert (
        other.get(f"/widyaprada/tugas?kasus={proposal.case_id}&format=csv").get_data(as_text=True).count("\n")
        == 1
    )
    today = clock.now().date()
    form = {"linked_case_id": str(proposal.case_id), "npsns": world["inside"].npsn, "kind": "supervisi",
            "scope": "school", "purpose": "x", "planned_start": today.isoformat(), "planned_end": today.isoformat(),
            "due_date": today.isoformat()}  # fmt: skip
    response = post(other, "/widyaprada/tugas/baru", form, token_from="/widyaprada/tugas/baru")
    assert response.status_code == 400 and "NPSN tidak ditemukan di wilayah Anda" in response.get_data(
        as_text=True
    )
    form["npsns"] = world["outside"].npsn
    response = post(other, "/widyaprada/tugas/baru", form, token_from="/widyaprada/tugas/baru")
    body = response.get_data(as_text=True)
    assert (
        response.status_code == 400
        and f"Kasus #{proposal.case_id} tidak ditemukan atau di luar akses Anda" in body
    )


def test_malformed_prefill_is_ignored(app, session, world):
    head = _client(app, world["users"]["bpmp_head"])
    page = head.get("/widyaprada/tugas/baru?kasus=abc&npsn=<b>&jenis=nope&cakupan=planet&tujuan=").get_data(
        as_text=True
    )
    assert 'name="linked_case_id" type="number" value=""' in page
    assert re.search(r'name="npsns" rows="3">\s*</textarea>', page)
    assert " selected" not in page and "&lt;b&gt;" not in page and "planet" not in page


def test_the_proposal_page_shows_the_programme_years_due_date(app, session, world):
    """A 2025 proposal entering construction on 20 December 2025: due 15 December 2025, 23:59 WIB (read in the
    reader's zone: 16-12-2025 00:59 WITA for Kupang, 15-12-2025 23:59 WIB for Pusat)."""
    proposal = _proposal(session, world, "pelaksanaan", year=2025)
    entered = datetime(2025, 12, 20, 2, 0, tzinfo=UTC)
    deadlines.replace_for_state(FastSQL.of(session), get_definition("revitalisasi"), proposal.case_id, "pelaksanaan",
                                entered)  # fmt: skip
    page_url = f"/revitalisasi/usulan/{proposal.id}"
    staff_page = _client(app, world["users"]["bpmp_staff"]).get(page_url).get_data(as_text=True)
    assert "Batas waktu</td><td>16-12-2025 00:59 WITA" in staff_page
    assert "Pengingat" not in staff_page  # entered after the day: no reminder
    pusat_page = _client(app, world["users"]["pusat"]).get(page_url).get_data(as_text=True)
    assert "Batas waktu</td><td>15-12-2025 23:59 WIB" in pusat_page
