"""Over HTTP: scheduling a task on a day with a warning is refused with the reason on the page, then
accepted with a reason to go ahead; the task page links its visit on the calendar, whose page sends changes
back to the task; a visit of its own is cancelled with a reason and leaves the calendar."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from spmp import clock
from spmp.engine.cases import CaseRecord
from spmp.visits.models import Visit
from spmp.visits.operations import plan_visit
from spmp.widyaprada import operations as ops
from tests.web.conftest import login, post


def _next_tuesday():
    today = clock.now().date()
    return today + timedelta(days=(1 - today.weekday()) % 7 + 7)


def test_schedule_over_a_warning_then_cancel_a_visit(app, session, world):
    users, school = world["users"], world["inside"]
    wp_user, day = users["widyaprada"], _next_tuesday()
    other = plan_visit(session, users["bpmp_head"], widyaprada=wp_user, school_id=school.id, start=day + timedelta(days=1),
                       end=day + timedelta(days=1), purpose="Pendampingan SPMI")  # fmt: skip
    today = clock.now().date()
    data = ops.TaskInput("supervisi", "school", "Supervisi", today, today + timedelta(days=60), today + timedelta(days=40),
                         (school.id,))  # fmt: skip
    task = ops.create_task(session, wp_user, data)
    session.flush()
    wp = app.test_client()
    assert login(wp, wp_user).status_code == 302
    task_path = f"/widyaprada/tugas/{task.id}"

    def schedule(**extra):
        version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == task.case_id))
        form = {"seen_version": str(version), "input_visit_date": day.isoformat(), **extra}
        return post(wp, f"{task_path}/aksi/schedule", form, token_from=task_path)

    page = wp.get(task_path).get_data(as_text=True)
    assert (
        'name="input_override_reason"' in page
        and 'name="input_override_reason" rows="2" required' not in page
    )
    refused = schedule()
    assert refused.status_code == 302
    shown = wp.get(refused.location).get_data(as_text=True)
    assert "Peringatan jadwal: Sekolah ini sudah dikunjungi pada minggu yang sama" in shown
    assert "Widyaprada sudah terjadwal" not in shown or day.strftime("%d-%m-%Y") not in shown
    assert schedule(input_override_reason="Kepala sekolah hanya ada hari itu").status_code == 302
    visit = session.scalars(select(Visit).where(Visit.case_id == task.case_id)).one()
    assert visit.override_reason == "Kepala sekolah hanya ada hari itu"
    page = wp.get(task_path).get_data(as_text=True)
    assert f"/kunjungan/{visit.id}" in page and "peringatan diabaikan" in page
    detail = wp.get(f"/kunjungan/{visit.id}").get_data(as_text=True)
    assert 'id="visit-task"' in detail and 'id="cancel-form"' not in detail  # changed from its task

    detail = wp.get(f"/kunjungan/{other.id}").get_data(as_text=True)
    assert 'id="cancel-form"' in detail
    path = f"/kunjungan/{other.id}/batal"
    empty = post(wp, path, {"cancel_reason": ""}, token_from=f"/kunjungan/{other.id}")
    assert empty.status_code == 422 and "Wajib diisi." in empty.get_data(as_text=True)
    done = post(wp, path, {"cancel_reason": "Jembatan putus"}, token_from=f"/kunjungan/{other.id}")
    assert done.status_code == 302
    page = wp.get(f"/kunjungan/{other.id}").get_data(as_text=True)
    assert 'id="visit-cancelled"' in page and "Jembatan putus" in page
    month = wp.get(f"/kunjungan?tanggal={day.isoformat()}&tampilan=minggu").get_data(as_text=True)
    assert f"/kunjungan/{other.id}" not in month and f"/kunjungan/{visit.id}" in month
