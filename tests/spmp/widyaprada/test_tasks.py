"""Widyaprada tasks: five kinds on a school, a group or a regency; the flow planned -> scheduled (a real
date) -> report -> approve/return -> closed, cancel with a reason; deadlines anchored to the visit and the
report's due date; notices at every hand-off; follow-ups published to the school on approval; the
absorption of open supervision visits; scoping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from spmp import audit, clock
from spmp.engine import ActionRefused, CaseNotFound, fire
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.notifications.models import Notification
from spmp.widyaprada import operations as ops
from spmp.widyaprada import queries
from spmp.widyaprada.absorb import absorb_school_visits
from spmp.widyaprada.models import FollowUpAction, WidyapradaTask, task_weight
from tests.factories import make_school
from tests.spmp.engine.support import make_world, open_visit

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


def _input(world, **values) -> ops.TaskInput:
    base = dict(kind="supervisi", scope="school", purpose="Supervisi pembelajaran", planned_start=date(2026, 3, 2),
                planned_end=date(2026, 3, 31), due_date=date(2026, 3, 20), school_ids=(world.school.id,))  # fmt: skip
    base.update(values)
    return ops.TaskInput(**base)


def _version(session, case_id):
    return session.scalar(select(CaseRecord.version).where(CaseRecord.id == case_id))


def _act(session, user, task, trigger, **kwargs):
    return ops.act(session, user, task.id, trigger, _version(session, task.case_id), **kwargs)


def _notified(session, case_id, since):
    rows = session.scalars(
        select(Notification).where(Notification.id > since, Notification.case_id == case_id)
    )
    return {n.user_id for n in rows}


def _max_notification(session):
    return session.scalar(select(func.max(Notification.id))) or 0


def test_weight_table_mapping_a_regency_weighs_more_than_a_visit():
    assert task_weight("supervisi", "school") == 1
    assert task_weight("pemetaan_mutu", "regency") == 8
    assert (
        task_weight("pemetaan_mutu", "regency")
        > task_weight("supervisi", "group")
        > task_weight("supervisi", "school")
    )


def test_full_flow_with_notices_deadlines_and_follow_ups(session):
    w = make_world(session)
    mark = _max_notification(session)
    task = ops.create_task(session, w["bpmp_head"], _input(w, assignee_user_id=w["widyaprada"].id))
    case = task.case
    assert (case.type_key, case.state, case.assignee_user_id) == (
        "widyaprada_task",
        "direncanakan",
        w["widyaprada"].id,
    )
    assert _notified(session, case.id, mark) == {w["widyaprada"].id}  # the head handed it on

    # A date that is not a date, or in the past, is refused with the reason.
    with pytest.raises(ActionRefused, match="tanggal yang sah"):
        _act(session, w["widyaprada"], task, "schedule", inputs={"visit_date": "besok pagi"})
    with pytest.raises(ActionRefused, match="sebelum hari ini"):
        _act(session, w["widyaprada"], task, "schedule", inputs={"visit_date": "2026-03-01"})
    mark = _max_notification(session)
    _act(session, w["widyaprada"], task, "schedule", inputs={"visit_date": "2026-03-10"})
    session.refresh(task)
    assert task.visit_date == date(2026, 3, 10)
    assert _notified(session, case.id, mark) == {w["operator"].id, w["principal"].id}
    rows = session.scalars(
        select(CaseDeadline).where(CaseDeadline.case_id == case.id).order_by(CaseDeadline.slot)
    )
    by_kind = sorted((r.kind, r.fire_at.date()) for r in rows)
    assert by_kind == [
        ("due", date(2026, 3, 21)),
        ("escalation", date(2026, 3, 23)),
        ("reminder", date(2026, 3, 9)),  # the day before the visit
        ("reminder", date(2026, 3, 18)),  # 3 and 1 days before the report is due
        ("reminder", date(2026, 3, 20)),
    ]

    # The report must be written before it is submitted; only the assignee writes it.
    with pytest.raises(ActionRefused, match="Isi laporan"):
        _act(session, w["widyaprada"], task, "submit_report")
    report = ops.ReportInput("Guru belum memakai asesmen diagnostik", "Pelatihan asesmen",
                             (ops.FollowUpInput(w.school.id, "Susun jadwal asesmen diagnostik"),))  # fmt: skip
    with pytest.raises(ActionRefused, match="penanggung jawab"):
        ops.save_report(session, w["widyaprada2"], task.id, 0, report)
    ops.save_report(session, w["widyaprada"], task.id, 0, report)
    with pytest.raises(ops.StaleReportError, match="versi 1"):
        ops.save_report(session, w["widyaprada"], task.id, 0, report)  # the same offline copy sent twice
    assert len(task.follow_ups) == 1
    mark = _max_notification(session)
    _act(session, w["widyaprada"], task, "submit_report")
    assert _notified(session, case.id, mark) == {w["bpmp_head"].id}
    # Not visible to the school before approval.
    assert queries.school_follow_ups(session, w.school.id) == []

    # Return with notes, resubmit, approve.
    with pytest.raises(ActionRefused, match="Catatan perbaikan"):
        _act(session, w["bpmp_head"], task, "return_report")
    mark = _max_notification(session)
    _act(session, w["bpmp_head"], task, "return_report", inputs={"notes": "Lengkapi data kelas"})
    note = session.scalar(select(Notification).where(Notification.id > mark))
    assert note.user_id == w["widyaprada"].id and "Lengkapi data kelas" in note.body
    ops.save_report(session, w["widyaprada"], task.id, 1, report)
    _act(session, w["widyaprada"], task, "resubmit")
    mark = _max_notification(session)
    _act(session, w["bpmp_head"], task, "approve")
    assert {w["widyaprada"].id, w["bpmp_head"].id} - _notified(session, case.id, mark) <= {w["bpmp_head"].id}
    assert {w["operator"].id, w["principal"].id} <= _notified(session, case.id, mark)
    session.refresh(case)
    assert case.state == "ditutup" and case.closed_at is not None
    follow_ups = queries.school_follow_ups(session, w.school.id)
    assert [f.description for f in follow_ups] == ["Susun jadwal asesmen diagnostik"]

    # The school marks it done with evidence; another school cannot see it.
    item = follow_ups[0]
    with pytest.raises(CaseNotFound):
        ops.get_follow_up(session, w["other_principal"], item.id)
    ops.mark_follow_up_done(
        session,
        w["operator"],
        item.id,
        "Jadwal disusun",
        "jadwal.pdf",
        PDF,
        session.info.get("root") or _root(),
    )
    assert item.status == "done" and item.evidence_sha256
    actions = [
        e.action for e in session.scalars(select(audit.AuditEvent).where(audit.AuditEvent.case_id == case.id))
    ]
    assert actions.count("report") == 2 and "follow_up_done" in actions


def _root():
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp(prefix="wp-evidence-"))


def test_cancel_needs_a_reason_and_tells_the_assignee(session):
    w = make_world(session)
    task = ops.create_task(session, w["bpmp_staff"], _input(w, assignee_user_id=w["widyaprada"].id))
    with pytest.raises(ActionRefused, match="Alasan pembatalan"):
        _act(session, w["bpmp_head"], task, "cancel")
    with pytest.raises(ActionRefused):
        _act(
            session, w["widyaprada"], task, "cancel", inputs={"cancel_reason": "x"}
        )  # not the Widyaprada's call
    mark = _max_notification(session)
    _act(session, w["bpmp_head"], task, "cancel", inputs={"cancel_reason": "Sekolah libur bencana"})
    assert w["widyaprada"].id in _notified(session, task.case_id, mark)
    assert task.case.state == "dibatalkan"


def test_group_and_regency_tasks_and_scoping(session):
    w = make_world(session)
    second = make_school(session, regency_code="53.71")
    group = ops.create_task(session, w["bpmp_head"], _input(w, kind="pendampingan", scope="group",
                            school_ids=(w.school.id, second.id), assignee_user_id=w["widyaprada2"].id))  # fmt: skip
    assert group.weight == 4 and group.case.school_id is None and group.case.regency_code == "53.71"
    mapping = ops.create_task(session, w["widyaprada"], _input(w, kind="pemetaan_mutu", scope="regency",
                              school_ids=(), regency_code="53.71"))  # fmt: skip
    assert mapping.weight == 8 and mapping.case.assignee_user_id == w["widyaprada"].id
    # A regency of another unit, a school outside the area: refused with the field named.
    with pytest.raises(ops.TaskInputError, match="di luar wilayah unit") as err:
        ops.create_task(
            session, w["widyaprada"], _input(w, scope="regency", school_ids=(), regency_code="32.73")
        )
    assert err.value.field == "regency_code"
    with pytest.raises(ops.TaskInputError, match="di luar wilayah"):
        ops.create_task(session, w["bpmp_head"], _input(w, school_ids=(w.other_school.id,)))
    with pytest.raises(ActionRefused):
        ops.create_task(session, w["operator"], _input(w))

    def seen(user):
        return {t.id for t, _c in queries.list_tasks(session, user)}

    assert seen(w["widyaprada"]) == {mapping.id}  # not the group task assigned to another Widyaprada
    assert seen(w["widyaprada2"]) == {group.id}
    assert seen(w["bpmp_head"]) == {group.id, mapping.id}
    assert seen(w["other_staff"]) == set()  # another unit never sees them
    with pytest.raises(CaseNotFound):
        ops.get_task(session, w["other_staff"], group.id)
    overdue = queries.list_tasks(session, w["bpmp_head"], queries.TaskFilters(overdue=True))
    assert overdue == []


def test_link_to_the_case_it_serves_shown_from_both_sides(session):
    w = make_world(session)
    visit = open_visit(session, w)  # any case the user may see
    task = ops.create_task(session, w["bpmp_head"], _input(w, linked_case_id=visit.id))
    assert task.linked_case_id == visit.id
    assert [t.id for t, _c in queries.tasks_linked_to(session, w["bpmp_head"], visit.id)] == [task.id]
    assert queries.tasks_linked_to(session, w["other_staff"], visit.id) == []
    with pytest.raises(ops.TaskInputError, match="tidak ditemukan"):
        ops.create_task(
            session, w["other_staff"], _input(w, school_ids=(w.other_school.id,), linked_case_id=visit.id)
        )


def test_absorb_open_school_visits_keeps_the_audit_trail(session):
    w = make_world(session)
    draft = open_visit(session, w)
    scheduled = open_visit(session, w)
    fire(
        session,
        scheduled.id,
        "schedule",
        w["widyaprada"],
        scheduled.version,
        inputs={"visit_date": "2026-03-12"},
    )
    closed = open_visit(session, w)
    fire(session, closed.id, "cancel", w["bpmp_head"], closed.version, reason="batal")
    before = session.scalar(
        select(func.count()).select_from(audit.AuditEvent).where(audit.AuditEvent.case_id == scheduled.id)
    )

    plan = absorb_school_visits(session, w["admin"], dry_run=True)
    assert [(c, a, b) for c, a, b in plan.moves] == [
        (draft.id, "draft", "direncanakan"),
        (scheduled.id, "scheduled", "terjadwal"),
    ]
    assert session.get(CaseRecord, draft.id).type_key == "school_visit"  # a dry run changes nothing

    absorb_school_visits(session, w["admin"])
    session.expire_all()
    moved = session.get(CaseRecord, scheduled.id)
    assert (moved.type_key, moved.type_version, moved.state) == ("widyaprada_task", 1, "terjadwal")
    task = session.scalar(select(WidyapradaTask).where(WidyapradaTask.case_id == scheduled.id))
    assert (task.kind, task.scope, task.visit_date) == ("supervisi", "school", date(2026, 3, 12))
    assert [s.id for s in task.schools] == [w.school.id]
    events = list(
        session.scalars(
            select(audit.AuditEvent)
            .where(audit.AuditEvent.case_id == scheduled.id)
            .order_by(audit.AuditEvent.id)
        )
    )
    assert len(events) == before + 1 and events[-1].action == "migrate"
    assert events[-1].changes_dict["type"] == [["school_visit", 1], ["widyaprada_task", 1]]
    assert session.get(CaseRecord, closed.id).type_key == "school_visit"  # closed visits stay as they were
    assert audit.verify(session).ok if hasattr(audit, "verify") else True
    # The moved case goes on in its new workflow.
    ops.save_report(session, w["widyaprada"], task.id, 0, ops.ReportInput("Temuan", "Rekomendasi"))
    ops.act(session, w["widyaprada"], task.id, "submit_report", moved.version)
    assert session.get(CaseRecord, scheduled.id).state == "selesai"
    assert absorb_school_visits(session, None).moves == []  # idempotent
    assert session.scalar(select(func.count()).select_from(FollowUpAction)) == 0
    assert timedelta(0) == timedelta(0)
