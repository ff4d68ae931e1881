"""A task's "Jadwalkan" puts its visit on the calendar: the calendar's warnings (same school that week, the
Widyaprada booked, holiday, cuti bersama) refuse the date with each reason and write nothing, unless a reason
to go ahead is given (stored on the visit, audited, told in the notice); rescheduling moves the same visit;
cancelling the task takes its visit off the calendar; a visit of its own is cancelled with a reason (audited,
the Widyaprada and the school told), and a task's visit only through its task."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from spmp import clock
from spmp.audit import AuditEvent
from spmp.engine import ActionRefused
from spmp.engine.cases import CaseRecord
from spmp.notifications.models import Notification
from spmp.visits.models import Visit
from spmp.visits.operations import VisitRefused, cancel_visit, plan_visit, visit_warnings
from spmp.widyaprada import operations as ops
from tests.factories import make_school
from tests.spmp.engine.support import make_world

TUE = date(2026, 9, 8)


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_clock(lambda: datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    yield
    clock.set_clock(None)


@pytest.fixture
def world(session):
    return make_world(session)


def _task(session, world, *schools):
    data = ops.TaskInput("supervisi", "group" if len(schools) > 1 else "school", "Supervisi pembelajaran",
                         date(2026, 3, 2), date(2026, 12, 20), date(2026, 12, 20),
                         tuple(s.id for s in schools or [world.school]), assignee_user_id=world["widyaprada"].id)  # fmt: skip
    return ops.create_task(session, world["bpmp_head"], data)


def _act(session, user, task, trigger, **inputs):
    version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == task.case_id))
    return ops.act(session, user, task.id, trigger, version, inputs=inputs)


def _visits(session, task, cancelled=False):
    query = select(Visit).where(Visit.case_id == task.case_id)
    query = query.where(Visit.cancelled_at.is_not(None) if cancelled else Visit.cancelled_at.is_(None))
    return session.scalars(query.order_by(Visit.id)).all()


def _events(session, action):
    return session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def test_scheduling_warns_with_the_reason_and_an_override_is_stored_audited_and_told(session, world):
    plan_visit(session, world["bpmp_staff"], widyaprada=world["widyaprada2"], school_id=world.school.id,
               start=date(2026, 9, 10), end=date(2026, 9, 10), purpose="Pendampingan SPMI")  # fmt: skip
    task = _task(session, world)
    with pytest.raises(
        ActionRefused, match="Peringatan jadwal: Sekolah ini sudah dikunjungi pada minggu yang sama"
    ):
        _act(session, world["widyaprada"], task, "schedule", visit_date=TUE.isoformat())
    session.refresh(task.case)
    assert task.case.state == "direncanakan" and _visits(session, task) == []  # nothing written

    mark = session.scalar(select(func.max(Notification.id))) or 0
    _act(session, world["widyaprada"], task, "schedule", visit_date=TUE.isoformat(),
         override_reason="Satu-satunya hari kepala sekolah ada")  # fmt: skip
    session.refresh(task.case)
    (visit,) = _visits(session, task)
    assert task.case.state == "terjadwal" and (visit.planned_start, visit.widyaprada_id) == (
        TUE,
        world["widyaprada"].id,
    )
    assert visit.override_reason == "Satu-satunya hari kepala sekolah ada"
    assert [w["code"] for w in json.loads(visit.warnings)] == ["same_school_week"]
    event = _events(session, "visit_override")[-1]
    assert event.reason == "Satu-satunya hari kepala sekolah ada" and event.case_id == task.case_id
    notice = session.scalar(
        select(Notification).where(Notification.id > mark, Notification.user_id == world["operator"].id)
    )
    assert "Peringatan jadwal diabaikan dengan alasan: Satu-satunya hari kepala sekolah ada" in notice.body


def test_holiday_and_cuti_bersama_refuse_the_date(session, world):
    task = _task(session, world)
    with pytest.raises(ActionRefused, match="17-08-2026 adalah hari libur nasional"):
        _act(session, world["widyaprada"], task, "schedule", visit_date="2026-08-17")
    with pytest.raises(ActionRefused, match="23-03-2026 adalah cuti bersama"):
        _act(session, world["widyaprada"], task, "schedule", visit_date="2026-03-23")


def test_rescheduling_moves_the_same_visit_and_the_task_never_clashes_with_itself(session, world):
    task = _task(session, world)
    _act(session, world["widyaprada"], task, "schedule", visit_date=TUE.isoformat())
    (visit,) = _visits(session, task)
    assert visit.warnings is None and _events(session, "visit_plan")[-1].case_id == task.case_id
    _act(session, world["widyaprada"], task, "reschedule", visit_date="2026-09-09")  # same week: no warning
    assert _visits(session, task) == [visit] and visit.planned_start == date(2026, 9, 9)
    moved = json.loads(_events(session, "visit_move")[-1].changes)
    assert moved["before"] == {"planned_start": "2026-09-08", "planned_end": "2026-09-08"}
    # The Widyaprada is booked that day by this task: another school's visit warns.
    other = make_school(session, regency_code="53.71")
    codes = [w.code for w in visit_warnings(session, school=other, widyaprada_id=world["widyaprada"].id,
                                            start=date(2026, 9, 9), end=date(2026, 9, 9))]  # fmt: skip
    assert codes == ["widyaprada_booked"]


def test_a_group_task_books_one_visit_per_school_and_cancelling_takes_them_off(session, world):
    second = make_school(session, regency_code="53.71")
    task = _task(session, world, world.school, second)
    _act(session, world["bpmp_head"], task, "schedule", visit_date=TUE.isoformat())
    assert sorted(v.school_id for v in _visits(session, task)) == sorted([world.school.id, second.id])
    mark = session.scalar(select(func.max(Notification.id))) or 0
    _act(session, world["bpmp_head"], task, "cancel", cancel_reason="Sekolah dipakai ujian nasional")
    assert _visits(session, task) == []
    cancelled = _visits(session, task, cancelled=True)
    assert (
        len(cancelled) == 2
        and cancelled[0].cancel_reason == "Tugas dibatalkan: Sekolah dipakai ujian nasional"
    )
    assert len(_events(session, "visit_cancel")) == 2
    notices = session.scalars(select(Notification).where(Notification.id > mark)).all()
    assert world["widyaprada"].id in {n.user_id for n in notices}  # the workflow's notice to the assignee
    second_people = {n.user_id for n in notices if "Kunjungan dibatalkan" in n.title}
    assert second_people and second_people == {n.user_id for n in notices if n.user_id != world["widyaprada"].id}
    # Off the calendar: the school is free that week again.
    assert (
        visit_warnings(session, school=second, widyaprada_id=world["widyaprada2"].id, start=TUE, end=TUE)
        == []
    )


def test_a_visit_is_cancelled_with_a_reason_and_a_tasks_visit_only_from_its_task(session, world):
    visit = plan_visit(session, world["widyaprada"], widyaprada=world["widyaprada"], school_id=world.school.id,
                       start=TUE, end=TUE, purpose="Pendampingan")  # fmt: skip
    with pytest.raises(VisitRefused, match="Alasan pembatalan wajib diisi"):
        cancel_visit(session, world["widyaprada"], visit, "  ")
    with pytest.raises(VisitRefused, match="tidak dapat membatalkan"):
        cancel_visit(session, world["widyaprada2"], visit, "Bukan milik saya")
    mark = session.scalar(select(func.max(Notification.id))) or 0
    cancel_visit(session, world["bpmp_head"], visit, "Jalan ke sekolah putus karena banjir")
    assert visit.is_cancelled and visit.cancel_reason == "Jalan ke sekolah putus karena banjir"
    assert _events(session, "visit_cancel")[-1].reason == "Jalan ke sekolah putus karena banjir"
    told = {n.user_id for n in session.scalars(select(Notification).where(Notification.id > mark))}
    assert told == {world["widyaprada"].id, world["operator"].id, world["principal"].id}
    with pytest.raises(VisitRefused, match="sudah dibatalkan|tidak dapat membatalkan"):
        cancel_visit(session, world["bpmp_head"], visit, "Lagi")

    task = _task(session, world)
    _act(session, world["widyaprada"], task, "schedule", visit_date=TUE.isoformat())
    (task_visit,) = _visits(session, task)
    with pytest.raises(VisitRefused, match="batalkan tugasnya atau ubah jadwalnya di halaman tugas"):
        cancel_visit(session, world["widyaprada"], task_visit, "Hujan")
