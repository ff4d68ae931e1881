"""The "Sarankan" pages: proposals explained on the task page and on their own page, one-click choice (the
task through the engine, the school into a caseload), refusals with their reason."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from spmp.accounts import conflicts
from spmp.accounts import operations as accounts
from spmp.accounts.models import SchoolAssignment
from spmp.widyaprada import operations as tasks
from tests.factories import make_school
from tests.web.conftest import PASSWORD, login, post


def _second_widyaprada(session, world):
    return accounts.create_user(session, username="wp_dua", full_name="Wulan Dua", password=PASSWORD,
                                role="widyaprada", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip


def test_task_page_proposes_and_one_click_assigns(app, client, world, session):
    users = world["users"]
    wulan = _second_widyaprada(session, world)
    school = make_school(session, regency_code="53.71", latitude=-10.17, longitude=123.6)
    data = tasks.TaskInput("supervisi", "school", "Supervisi", date(2026, 3, 2), date(2026, 3, 31), date(2026, 3, 20),
                           (school.id,))  # fmt: skip
    task = tasks.create_task(session, users["bpmp_head"], data)
    login(client, users["bpmp_head"])
    page = client.get(f"/widyaprada/tugas/{task.id}").get_data(as_text=True)
    # Wulan carries nothing (load 0); Wp_Ntt holds the inside school (load 1) in Kota Kupang.
    assert page.index("Wulan Dua") < page.index("Wp_Ntt")
    assert "0 tugas terbuka, bobot 0; 0 sekolah binaan (beban 0); belum bertugas di Kota Kupang" in page
    assert "1 sekolah binaan (beban 1); sudah bertugas di Kota Kupang" in page
    path = f"/widyaprada/tugas/{task.id}/sarankan"
    response = post(
        client, path, {"user_id": str(wulan.id), "seen_version": str(task.case.version)}, token_from=path
    )
    assert response.status_code == 302 and response.location.endswith(f"/widyaprada/tugas/{task.id}")
    session.expire_all()
    assert task.case.assignee_user_id == wulan.id
    # A stale page (the version moved on) is refused with the reason, nothing changes.
    stale = post(client, path, {"user_id": str(users["widyaprada"].id), "seen_version": "1"}, token_from=path)
    assert stale.status_code == 302
    session.expire_all()
    assert task.case.assignee_user_id == wulan.id
    other = app.test_client()
    login(other, users["widyaprada"])
    assert other.get(path).status_code == 404  # not their task: as if it did not exist


def test_school_page_proposes_without_conflicts_and_adds_to_caseload(client, world, session):
    users = world["users"]
    wulan = _second_widyaprada(session, world)
    school = make_school(session, regency_code="53.71", name="SD Baru Kupang")
    conflicts.record_conflict(session, users["admin"], username=users["widyaprada"].username, npsn=school.npsn,
                              kind="former_school", reason="Guru di sana sampai 2020")  # fmt: skip
    login(client, users["bpmp_staff"])
    assert "Sarankan Widyaprada pembina" in client.get(f"/sekolah/{school.id}").get_data(as_text=True)
    path = f"/sekolah/{school.id}/sarankan"
    page = client.get(path).get_data(as_text=True)
    assert "Wulan Dua" in page and "Pilih Wp_Ntt" not in page  # the conflicted Widyaprada is left out
    refused = post(client, path, {"user_id": str(users["widyaprada"].id)}, token_from=path)
    assert refused.status_code == 302
    assert "konflik kepentingan" in client.get(path).get_data(as_text=True)
    chosen = post(client, path, {"user_id": str(wulan.id)}, token_from=path)
    assert chosen.status_code == 302
    held = session.scalars(
        select(SchoolAssignment.user_id).where(SchoolAssignment.school_id == school.id)
    ).all()
    assert held == [wulan.id]
