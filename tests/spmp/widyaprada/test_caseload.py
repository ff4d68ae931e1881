"""Workload per Widyaprada (open tasks, weight, overdue, visits this month) and "Pekerjaan saya"
(overdue first, this week's visits, returned items), with the figures computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from spmp import clock
from spmp.engine.cases import CaseRecord
from spmp.widyaprada import caseload
from spmp.widyaprada import operations as ops
from tests.spmp.engine.support import make_world

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


def _task(session, w, assignee, **values):
    base = dict(kind="supervisi", scope="school", purpose="Supervisi pembelajaran", planned_start=date(2026, 3, 2),
                planned_end=date(2026, 3, 31), due_date=date(2026, 3, 20), school_ids=(w.school.id,),
                assignee_user_id=w[assignee].id)  # fmt: skip
    base.update(values)
    return ops.create_task(session, w["bpmp_head"], ops.TaskInput(**base))


def _act(session, user, task, trigger, **kwargs):
    version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == task.case_id))
    return ops.act(session, user, task.id, trigger, version, **kwargs)


@pytest.fixture
def loaded(session):
    w = make_world(session)
    visit = _task(session, w, "widyaprada")  # weight 1, due 20/03
    _act(session, w["widyaprada"], visit, "schedule", inputs={"visit_date": "2026-03-04"})
    _task(
        session,
        w,
        "widyaprada",
        kind="pemetaan_mutu",
        scope="regency",
        school_ids=(),
        regency_code="53.71",
        due_date=date(2026, 3, 31),
    )  # weight 2 x 4 = 8, fmt: skip
    cancelled = _task(session, w, "widyaprada2", kind="pembimbingan")
    _act(session, w["bpmp_head"], cancelled, "cancel", inputs={"cancel_reason": "Sekolah libur"})
    return w, visit


def test_workload_figures_by_hand(session, loaded):
    w, _ = loaded
    rows = {r.user_id: r for r in caseload.workload(session, w["bpmp_head"], date(2026, 3, 21))}
    first = rows[w["widyaprada"].id]
    # two open tasks weighing 1 + 8; the visit's report was due 20/03 (late on 21/03); one visit in March
    assert (first.open_tasks, first.open_weight, first.overdue, first.visits_this_month) == (2, 9, 1, 1)
    second = rows[w["widyaprada2"].id]  # only a cancelled task
    assert (second.open_tasks, second.open_weight, second.overdue, second.visits_this_month) == (0, 0, 0, 0)
    ordered = caseload.workload(session, w["bpmp_head"], date(2026, 3, 21))
    assert ordered[0].user_id == w["widyaprada"].id  # heaviest first
    # in April the March visit no longer counts and the mapping is late too
    april = {r.user_id: r for r in caseload.workload(session, w["bpmp_head"], date(2026, 4, 1))}
    assert (april[w["widyaprada"].id].overdue, april[w["widyaprada"].id].visits_this_month) == (2, 0)


def test_workload_is_scoped_to_the_unit(session, loaded):
    w, _ = loaded
    assert caseload.workload(session, w["other_staff"], date(2026, 3, 21)) == []
    assert {r.user_id for r in caseload.workload(session, w["pusat"], date(2026, 3, 21))} >= {
        w["widyaprada"].id,
        w["widyaprada2"].id,
    }
    assert caseload.can_drill_into(session, w["bpmp_head"], w["widyaprada"].id)
    assert not caseload.can_drill_into(session, w["other_staff"], w["widyaprada"].id)
    assert not caseload.can_drill_into(session, w["widyaprada2"], w["widyaprada"].id)
    assert not caseload.can_drill_into(session, w["bpmp_head"], w["bpmp_staff"].id)  # not a Widyaprada


def test_my_caseload_overdue_first_visits_this_week_and_returned(session, loaded):
    w, visit = loaded
    mine = caseload.caseload(session, w["widyaprada"], date(2026, 3, 21))
    kinds = [(t.kind, overdue) for t, _c, overdue in mine.tasks]
    assert kinds == [("supervisi", True), ("pemetaan_mutu", False)]  # overdue first
    assert [s.school.id for s in mine.schools] == [w.school.id]
    assert mine.returned == []
    this_week = caseload.caseload(session, w["widyaprada"], date(2026, 3, 2))
    assert [t.id for t, _c in this_week.visits_this_week] == [visit.id]
    assert [t.kind for t, _c, _o in this_week.tasks] == ["supervisi", "pemetaan_mutu"]  # by due date
    assert this_week.unread  # the assignment notices
    assert caseload.caseload(session, w["widyaprada"], date(2026, 3, 2), own=False).unread == []
    assert caseload.caseload(session, w["widyaprada2"], date(2026, 3, 2)).tasks == []
