"""Firing transitions: reasons, optimistic locking, deadlines, audit, pause/resume, assignment, comments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from spmp import audit
from spmp.audit import AuditEvent
from spmp.engine import (
    ActionRefused,
    CaseNotFound,
    StaleCaseError,
    add_comment,
    assign_case,
    available_actions,
    fire,
    get_case,
    pause_case,
    resume_case,
)
from spmp.engine.calendar import add_working_days
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.engine.errors import STALE_MESSAGE
from tests.audit_support import log_ok
from tests.spmp.engine.support import MONDAY, open_visit


def options(session, case, user):
    return {o.transition.trigger: (o.allowed, o.reason) for o in available_actions(session, case, user)}


def deadlines_of(session, case_id):
    query = select(CaseDeadline).where(CaseDeadline.case_id == case_id).order_by(CaseDeadline.fire_at)
    return list(session.scalars(query))


def test_open_case_starts_in_initial_state_with_audit(session, world, frozen):
    case = open_visit(session, world)
    assert (case.state, case.version, case.type_key, case.type_version) == ("draft", 1, "school_visit", 1)
    assert case.province_code == "53" and case.regency_code == "53.71"
    events = audit.case_timeline(session, case.id)
    assert [e.action for e in events] == ["open"]
    assert events[0].to_state == "draft" and events[0].actor_id == world["bpmp_staff"].id


def test_only_open_roles_may_open(session, world):
    with pytest.raises(ActionRefused, match="Peran Anda tidak dapat membuka kasus Kunjungan Supervisi"):
        open_visit_as(session, world, "principal")


def open_visit_as(session, world, who):
    from spmp.engine import open_case

    return open_case(session, world[who], "school_visit", title="x", school_id=world.school.id)


def test_available_actions_explain_role_guard_and_scope(session, world):
    unassigned = open_visit(session, world, assignee=None)
    widyaprada = options(session, unassigned, world["widyaprada"])
    assert widyaprada["schedule"] == (False, "Kasus belum memiliki penanggung jawab")
    assert widyaprada["cancel"] == (
        False,
        "Hanya Kepala B/BPMP, Staf B/BPMP yang dapat menjalankan tindakan ini",
    )
    assert options(session, unassigned, world["other_staff"])["cancel"] == (
        False,
        "Kasus ini di luar wilayah atau kewenangan Anda",
    )
    assert options(session, unassigned, world["bpmp_staff"])["cancel"] == (True, None)


def test_missing_inputs_and_evidence_are_reasons(session, world):
    case = open_visit(session, world)
    with pytest.raises(ActionRefused, match="Isian wajib belum diisi: Tanggal kunjungan"):
        fire(session, case.id, "schedule", world["widyaprada"], 1)
    fire(session, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    session.refresh(case)
    assert options(session, case, world["widyaprada"])["submit_report"] == (
        False,
        "Unggah minimal 1 berkas bukti terlebih dahulu",
    )
    assert options(session, case, world["widyaprada2"])["submit_report"] == (
        False,
        "Hanya penanggung jawab kasus yang dapat melakukan tindakan ini",
    )


def test_fire_changes_state_version_audit_and_deadlines(session, world, frozen):
    case = open_visit(session, world)
    result = fire(session, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    assert (result.from_state, result.to_state, result.version) == ("draft", "scheduled", 2)
    session.refresh(case)
    assert (case.state, case.version, case.state_entered_at) == ("scheduled", 2, MONDAY)
    event = session.get(AuditEvent, result.audit_id)
    assert (event.action, event.from_state, event.to_state) == ("fire", "draft", "scheduled")
    assert event.changes_dict["inputs"] == {"visit_date": "2026-03-10"}
    assert event.changes_dict["version"] == [1, 2]
    rows = deadlines_of(session, case.id)
    # 10 working days from Mon 2 March 2026 (no holiday before the 16th): due Mon 16 March 09:00 WIB.
    due = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
    assert [(r.kind, r.fire_at) for r in rows] == [
        ("reminder", datetime(2026, 3, 11, 2, 0, tzinfo=UTC)),  # 3 working days before
        ("reminder", datetime(2026, 3, 13, 2, 0, tzinfo=UTC)),  # 1 working day before
        ("due", due),
        # 2 working days after: 17, then 25 March (18, 20, 23, 24 cuti bersama; 19 Nyepi; 21 Idul Fitri)
        ("escalation", datetime(2026, 3, 25, 2, 0, tzinfo=UTC)),
    ]
    assert rows[-1].escalate_to_role == "bpmp_head"
    assert all(r.due_at == due and r.status == "pending" and r.state == "scheduled" for r in rows)
    assert log_ok(session)


def test_stale_version_and_double_submit_change_the_case_once(session, world):
    case = open_visit(session, world)
    inputs = {"visit_date": "2026-03-10"}
    fire(session, case.id, "schedule", world["widyaprada"], 1, inputs=inputs)
    with pytest.raises(StaleCaseError) as info:
        fire(session, case.id, "schedule", world["widyaprada"], 1, inputs=inputs)  # the double click
    assert str(info.value) == STALE_MESSAGE == "Kasus ini telah berubah, muat ulang halaman"
    with pytest.raises(StaleCaseError):
        fire(session, case.id, "cancel", world["bpmp_staff"], 1)  # a stale page
    session.refresh(case)
    assert (case.state, case.version) == ("scheduled", 2)
    assert [e.action for e in audit.case_timeline(session, case.id)] == ["open", "fire"]


def test_refused_fire_changes_nothing(session, world):
    case = open_visit(session, world)
    with pytest.raises(ActionRefused, match="Hanya Staf B/BPMP, Widyaprada yang dapat"):
        fire(session, case.id, "schedule", world["principal"], 1, inputs={"visit_date": "2026-03-10"})
    with pytest.raises(ActionRefused, match="Hanya Kepala B/BPMP, Staf B/BPMP"):
        fire(session, case.id, "cancel", world["widyaprada"], 1)
    session.refresh(case)
    assert (case.state, case.version) == ("draft", 1)
    assert len(audit.case_timeline(session, case.id)) == 1


def test_undeclared_trigger_is_refused(session, world):
    case = open_visit(session, world)
    with pytest.raises(ActionRefused, match="Tindakan 'approve' tidak tersedia pada status Draf"):
        fire(session, case.id, "approve", world["bpmp_head"], 1)


def test_out_of_scope_user_gets_not_found(session, world):
    case = open_visit(session, world)
    for who in ("other_staff", "other_principal", "other_dinas", "facilitator"):
        with pytest.raises(CaseNotFound):
            fire(session, case.id, "cancel", world[who], 1)
        with pytest.raises(CaseNotFound):
            get_case(session, world[who], case.id)


def test_final_state_closes_case_and_clears_deadlines(session, world, frozen):
    case = open_visit(session, world)
    fire(session, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    fire(session, case.id, "cancel", world["bpmp_head"], 2, reason="Sekolah libur")
    session.refresh(case)
    assert case.state == "cancelled" and case.closed_at == MONDAY
    assert deadlines_of(session, case.id) == []
    assert options(session, case, world["bpmp_head"]) == {}


def test_self_loop_keeps_state_entry_and_restart_replaces_deadlines(session, world, frozen):
    case = open_visit(session, world)
    fire(session, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    first = [r.fire_at for r in deadlines_of(session, case.id)]
    frozen["t"] = MONDAY + timedelta(days=1)
    fire(session, case.id, "take_over", world["widyaprada2"], 2)  # self-loop, default: keep deadlines
    session.refresh(case)
    assert case.assignee_user_id == world["widyaprada2"].id
    assert [r.fire_at for r in deadlines_of(session, case.id)] == first
    fire(session, case.id, "reschedule", world["widyaprada2"], 3, inputs={"visit_date": "2026-03-20"})
    # Restarted from Tuesday 3 March: every time one working day later.
    assert [r.fire_at for r in deadlines_of(session, case.id)] == [add_working_days(t, 1) for t in first]
    take_over = audit.case_timeline(session, case.id)[2]
    assert take_over.changes_dict["assignee_user_id"] == [world["widyaprada"].id, world["widyaprada2"].id]


def test_pause_stops_actions_and_resume_shifts_deadlines(session, world, frozen):
    case = open_visit(session, world)
    fire(session, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    before = {r.kind: r.fire_at for r in deadlines_of(session, case.id)}
    with pytest.raises(ActionRefused, match="Peran Anda tidak dapat menangguhkan kasus"):
        pause_case(session, world["widyaprada"], case.id, 2, "Banjir")
    pause_case(session, world["bpmp_head"], case.id, 2, "Banjir di lokasi")
    assert {r.status for r in deadlines_of(session, case.id)} == {"paused"}
    assert options(session, case, world["widyaprada"])["reschedule"] == (
        False,
        "Kasus sedang ditangguhkan: Banjir di lokasi",
    )
    frozen["t"] = MONDAY + timedelta(days=7)  # one week: 5 working days
    resume_case(session, world["bpmp_head"], case.id, 3)
    session.refresh(case)
    assert not case.is_paused and case.version == 4
    after = {r.kind: r.fire_at for r in deadlines_of(session, case.id)}
    assert {r.status for r in deadlines_of(session, case.id)} == {"pending"}
    # Working-day rule: moved by the 5 working days that passed: 16 March -> 30 March (17, 25, 26, 27, 30),
    # because 19 March 2026 (Nyepi) and 21-22 March (Idul Fitri) are national holidays and 18, 20, 23 and
    # 24 March cuti bersama.
    assert before["due"] == datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
    assert after["due"] == datetime(2026, 3, 30, 2, 0, tzinfo=UTC)
    assert [e.action for e in audit.case_timeline(session, case.id)][-2:] == ["pause", "resume"]


def test_resume_with_calendar_days_shifts_by_paused_duration(session, world, frozen):
    case = open_visit(session, world)
    fire(session, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    pause_case(session, world["bpmp_head"], case.id, 2, "Menunggu dana")
    frozen["t"] = MONDAY + timedelta(hours=30)
    resume_case(session, world["bpmp_head"], case.id, 3)
    # The scheduled state uses working days; check the calendar helper directly for a calendar rule.
    from spmp.engine.calendar import shift_for_pause

    assert shift_for_pause(MONDAY, MONDAY, MONDAY + timedelta(hours=30), False) == MONDAY + timedelta(
        hours=30
    )


def test_assign_changes_assignee_with_audit(session, world):
    case = open_visit(session, world, assignee=None)
    with pytest.raises(ActionRefused):
        assign_case(session, world["widyaprada"], case.id, 1, assignee_user_id=world["widyaprada"].id)
    assign_case(session, world["bpmp_staff"], case.id, 1, assignee_user_id=world["facilitator"].id)
    session.refresh(case)
    assert case.assignee_user_id == world["facilitator"].id and case.version == 2
    assert get_case(session, world["facilitator"], case.id).id == case.id  # now visible to them
    event = audit.case_timeline(session, case.id)[-1]
    assert event.action == "assign"
    assert event.changes_dict["assignee"][1] == {"user_id": world["facilitator"].id, "unit_id": None}


def test_comments_are_audited_with_their_hash(session, world):
    import hashlib

    case = open_visit(session, world)
    comment = add_comment(session, world["principal"], case.id, "  Mohon jadwal dimajukan.  ")
    assert comment.body == "Mohon jadwal dimajukan."
    event = audit.case_timeline(session, case.id)[-1]
    assert event.action == "comment"
    assert event.changes_dict["sha256"] == hashlib.sha256(b"Mohon jadwal dimajukan.").hexdigest()
    with pytest.raises(ActionRefused, match="Komentar tidak boleh kosong"):
        add_comment(session, world["principal"], case.id, "   ")
    with pytest.raises(CaseNotFound):
        add_comment(session, world["other_principal"], case.id, "Halo")


def test_guard_on_comment_in_state(session, world, tmp_path):
    from spmp.engine import store_evidence

    case = open_visit(session, world)
    fire(session, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    store_evidence(session, world["widyaprada"], case.id, "laporan.pdf", b"%PDF-1.4 laporan", tmp_path)
    fire(session, case.id, "submit_report", world["widyaprada"], 2, inputs={"summary": "Baik"})
    session.refresh(case)
    assert options(session, case, world["bpmp_head"])["request_revision"] == (
        False,
        "Tulis komentar terlebih dahulu (alasan atau catatan perbaikan)",
    )
    add_comment(session, world["bpmp_head"], case.id, "Lengkapi foto kegiatan.")
    fire(session, case.id, "request_revision", world["bpmp_head"], 3)
    session.refresh(case)
    assert case.state == "revision"


def test_fire_expires_a_loaded_case_object(session, world):
    case = open_visit(session, world)
    fire(session, case.id, "cancel", world["bpmp_staff"], 1)
    assert case.state == "cancelled"  # reloaded, not the stale "draft"
    assert session.get(CaseRecord, case.id).version == 2


def test_hot_path_stores_timestamps_like_the_orm(session, world, frozen):
    """The DBAPI statements must write times exactly as UTCDateTime does (text order = time order)."""
    import re

    from sqlalchemy import text

    case = open_visit(session, world)
    fire(session, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    row = session.execute(
        text("SELECT opened_at, state_entered_at, updated_at FROM case_record WHERE id = :id"),
        {"id": case.id},
    ).one()
    deadline = session.execute(
        text("SELECT fire_at FROM case_deadline WHERE case_id = :id"), {"id": case.id}
    ).first()
    event = session.execute(text("SELECT occurred_at FROM audit_event ORDER BY id DESC LIMIT 1")).one()
    values = [*row, deadline[0], event[0]]
    if session.get_bind().dialect.name == "sqlite":
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", v) for v in values), values
        assert row.opened_at == row.state_entered_at == "2026-03-02 02:00:00.000000"
    else:
        assert all(v.tzinfo is None for v in values)
        assert row.opened_at == row.state_entered_at == MONDAY.replace(tzinfo=None)
