"""Conflicts of interest: recorded by an administrator (audited, removal too), and refused with the
recorded reason everywhere an assignee is chosen for a school: the caseload, a case's assignee, a case
opened with an assignee, a task (one school or a group, by the head or the Widyaprada), a planned visit."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from spmp.accounts import conflicts
from spmp.accounts import operations as accounts
from spmp.accounts.models import ConflictOfInterest, SchoolAssignment
from spmp.audit import AuditEvent
from spmp.engine import ActionRefused, assign_case, open_case
from spmp.visits import operations as visits
from spmp.widyaprada import operations as tasks
from tests.factories import make_school
from tests.spmp.engine.support import make_world


@pytest.fixture
def w(session):
    world = make_world(session)
    world.former = make_school(session, regency_code="53.71", name="SD Negeri Bekas Tugas")
    conflicts.record_conflict(session, world["admin"], username=world["widyaprada2"].username,
                              npsn=world.former.npsn, kind="former_school", reason="Mengajar di sana 2015-2022")  # fmt: skip
    return world


def _events(session, action):
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_record_is_audited_and_refuses_bad_input(session, w):
    (event,) = _events(session, "conflict.record")
    assert event.actor_id == w["admin"].id and event.reason == "Mengajar di sana 2015-2022"
    stored = session.scalar(select(ConflictOfInterest))
    assert (stored.user_id, stored.school_id, stored.recorded_by_id) == (
        w["widyaprada2"].id,
        w.former.id,
        w["admin"].id,
    )
    cases = [
        (dict(username="tidak-ada"), "username"),
        (dict(username=w["operator"].username), "username"),  # not a B/BPMP person
        (dict(npsn="00000000"), "npsn"),
        (dict(kind="teman"), "kind"),
        (dict(reason="  "), "reason"),
        (dict(), "npsn"),  # already recorded
    ]
    for change, field in cases:
        values = dict(
            username=w["widyaprada2"].username, npsn=w.former.npsn, kind="relative_school", reason="Kerabat"
        )
        with pytest.raises(conflicts.ConflictRefused) as refused:
            conflicts.record_conflict(session, w["admin"], **{**values, **change})
        assert refused.value.field == field, change
    with pytest.raises(conflicts.ConflictRefused, match="Hanya administrator"):
        conflicts.record_conflict(session, w["bpmp_head"], username=w["widyaprada"].username, npsn=w.former.npsn,
                                  kind="other", reason="x")  # fmt: skip
    assert (
        session.scalar(select(ConflictOfInterest.id).where(ConflictOfInterest.user_id == w["widyaprada"].id))
        is None
    )


def test_caseload_refuses_the_conflicted_school_and_adds_nothing(session, w):
    other = make_school(session, regency_code="53.71")
    with pytest.raises(conflicts.ConflictRefused) as refused:
        accounts.assign_schools(session, w["admin"], w["widyaprada2"], [other.npsn, w.former.npsn])
    message = str(refused.value)
    assert "SD Negeri Bekas Tugas" in message and w.former.npsn in message and "2015-2022" in message
    held = set(
        session.scalars(
            select(SchoolAssignment.school_id).where(SchoolAssignment.user_id == w["widyaprada2"].id)
        )
    )
    assert held == {w.school.id}  # neither school was added
    assert accounts.assign_schools(session, w["admin"], w["widyaprada"], [w.former.npsn]) == 1  # no conflict


def test_case_assignee_refused_with_reason(session, w):
    case = open_case(session, w["bpmp_staff"], "school_visit", title="Supervisi", school_id=w.former.id)
    with pytest.raises(ActionRefused, match="konflik kepentingan dengan SD Negeri Bekas Tugas"):
        assign_case(session, w["bpmp_head"], case.id, case.version, assignee_user_id=w["widyaprada2"].id)
    with pytest.raises(ActionRefused, match="bekas sekolah"):
        open_case(session, w["bpmp_staff"], "school_visit", title="Supervisi", school_id=w.former.id,
                  assignee_user_id=w["widyaprada2"].id)  # fmt: skip
    assign_case(session, w["bpmp_head"], case.id, case.version, assignee_user_id=w["widyaprada"].id)
    assert case.assignee_user_id == w["widyaprada"].id


def _task_input(school_ids, scope="school", assignee=None):
    return tasks.TaskInput("supervisi", scope, "Supervisi", date(2026, 3, 2), date(2026, 3, 31), date(2026, 3, 20),
                           tuple(school_ids), assignee_user_id=assignee)  # fmt: skip


def test_tasks_refuse_a_conflicted_assignee(session, w):
    wp2 = w["widyaprada2"]
    with pytest.raises(tasks.TaskInputError) as refused:
        tasks.create_task(session, w["bpmp_head"], _task_input([w.former.id], assignee=wp2.id))
    assert refused.value.field == "assignee_user_id" and "Mengajar di sana" in str(refused.value)
    group = _task_input([w.school.id, w.former.id], scope="group", assignee=wp2.id)
    with pytest.raises(tasks.TaskInputError, match="SD Negeri Bekas Tugas"):
        tasks.create_task(session, w["bpmp_head"], group)
    # A task made without an assignee cannot be handed to them later either.
    task = tasks.create_task(session, w["bpmp_head"], _task_input([w.school.id, w.former.id], scope="group"))
    with pytest.raises(ActionRefused, match="konflik kepentingan"):
        assign_case(session, w["bpmp_head"], task.case_id, task.case.version, assignee_user_id=wp2.id)
    # The Widyaprada cannot take such a task themself (once the school is in their caseload by mistake).
    session.add(SchoolAssignment(user_id=wp2.id, school_id=w.former.id, assigned_at=task.case.opened_at))
    session.flush()
    with pytest.raises(tasks.TaskInputError, match="konflik kepentingan"):
        tasks.create_task(session, wp2, _task_input([w.former.id]))


def test_visit_refused_for_conflicted_widyaprada(session, w):
    session.add(
        SchoolAssignment(user_id=w["widyaprada2"].id, school_id=w.former.id, assigned_at=w.former.created_at)
    )
    session.flush()
    with pytest.raises(visits.VisitRefused, match="konflik kepentingan dengan SD Negeri Bekas Tugas"):
        visits.plan_visit(session, w["bpmp_head"], widyaprada=w["widyaprada2"], school_id=w.former.id,
                          start=date(2026, 9, 8), end=date(2026, 9, 8), purpose="Supervisi")  # fmt: skip


def test_removal_is_audited_and_lifts_the_refusal(session, w):
    conflict = session.scalar(select(ConflictOfInterest))
    with pytest.raises(conflicts.ConflictRefused, match="Alasan penghapusan"):
        conflicts.remove_conflict(session, w["admin"], conflict.id, " ")
    with pytest.raises(conflicts.ConflictRefused, match="Hanya administrator"):
        conflicts.remove_conflict(session, w["bpmp_head"], conflict.id, "salah catat")
    conflicts.remove_conflict(session, w["admin"], conflict.id, "Salah catat: sekolah lain")
    (event,) = _events(session, "conflict.remove")
    assert event.reason == "Salah catat: sekolah lain" and event.actor_id == w["admin"].id
    assert json.loads(event.changes)["recorded_reason"] == "Mengajar di sana 2015-2022"
    assert accounts.assign_schools(session, w["admin"], w["widyaprada2"], [w.former.npsn]) == 1
    with pytest.raises(conflicts.ConflictRefused, match="tidak ditemukan"):
        conflicts.remove_conflict(session, w["admin"], conflict.id, "lagi")


def test_conflicted_user_ids_and_filtered_list(session, w):
    assert conflicts.conflicted_user_ids(session, [w.former.id]) == {w["widyaprada2"].id}
    assert conflicts.conflicted_user_ids(session, [w.school.id]) == set()
    assert len(session.scalars(conflicts.conflict_query(w.former.npsn)).all()) == 1
    assert session.scalars(conflicts.conflict_query(w["widyaprada"].username)).all() == []
    (row,) = conflicts.export_rows(session, conflicts.conflict_query())
    assert row[3] == w.former.npsn and row[6] == "Mengajar di sana 2015-2022"
