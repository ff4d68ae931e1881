"""``fire`` in a transaction of its own (``fire_now`` in the test support), on pooled and held connections,
and deadline rows rewritten slot by slot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from spmp import audit
from spmp.engine import ActionRefused, StaleCaseError, add_comment, fire, store_evidence
from spmp.engine.calendar import deadline_rows
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.engine.definitions import get_definition
from tests.audit_support import log_ok
from tests.spmp.engine.support import MONDAY, fire_now, make_world, open_visit


def rows_of(db, case_id):
    """(slot, state, kind, fire_at, status) of the case's deadline rows, read in a fresh session."""
    with db.session() as s:
        query = select(CaseDeadline).where(CaseDeadline.case_id == case_id).order_by(CaseDeadline.slot)
        return [(r.slot, r.state, r.kind, r.fire_at, r.status) for r in s.scalars(query)]


def expected_rows(state, entered_at):
    rule = get_definition("school_visit").states[state].due
    return [(r["slot"], state, r["kind"], r["fire_at"], "pending") for r in deadline_rows(rule, entered_at)]


def case_in_fresh_session(db, case_id):
    with db.session() as s:
        return s.get(CaseRecord, case_id)


def test_fire_now_runs_guards_inputs_and_actions_and_commits(db, session, world, frozen):
    case = open_visit(session, world)
    session.commit()
    # "schedule" has a guard (a Session is made for it) and a required input.
    with pytest.raises(ActionRefused, match="Isian wajib belum diisi: Tanggal kunjungan"):
        fire_now(db, case.id, "schedule", world["widyaprada"], 1)
    result = fire_now(db, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    assert (result.from_state, result.to_state, result.version) == ("draft", "scheduled", 2)
    # "take_over" runs an action that changes the case through the ORM: it lands in the same transaction.
    fire_now(db, case.id, "take_over", world["widyaprada2"], 2)
    stored = case_in_fresh_session(db, case.id)
    assert (stored.state, stored.version, stored.assignee_user_id) == (
        "scheduled",
        3,
        world["widyaprada2"].id,
    )
    with db.session() as s:
        timeline = audit.case_timeline(s, case.id)
        assert [(e.action, e.to_state) for e in timeline] == [
            ("open", "draft"),
            ("fire", "scheduled"),
            ("fire", "scheduled"),
        ]
        assert timeline[2].changes_dict["assignee_user_id"] == [
            world["widyaprada"].id,
            world["widyaprada2"].id,
        ]
        assert log_ok(s)


def test_fire_now_stale_version_changes_nothing(db, session, world):
    case = open_visit(session, world)
    session.commit()
    fire_now(db, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    with pytest.raises(StaleCaseError):
        fire_now(db, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    with pytest.raises(StaleCaseError):
        fire_now(db, case.id, "cancel", world["bpmp_staff"], 1)
    stored = case_in_fresh_session(db, case.id)
    assert (stored.state, stored.version) == ("scheduled", 2)
    with db.session() as s:
        assert len(audit.case_timeline(s, case.id)) == 2


def test_deadline_rows_are_rewritten_slot_by_slot(db, session, world, frozen, tmp_path):
    widyaprada, head = world["widyaprada"], world["bpmp_head"]
    case = open_visit(session, world)
    fire(session, case.id, "schedule", widyaprada, 1, inputs={"visit_date": "2026-03-10"})
    session.commit()
    assert rows_of(db, case.id) == expected_rows("scheduled", MONDAY)  # two reminders, due, escalation

    # The sweep has fired the first reminder; the next state's rows reuse the slots and are pending again.
    session.execute(update(CaseDeadline).where(CaseDeadline.case_id == case.id, CaseDeadline.slot == 0)
                    .values(status="fired", fired_at=MONDAY))  # fmt: skip
    store_evidence(session, widyaprada, case.id, "laporan.pdf", b"%PDF-1.4 laporan", tmp_path)
    session.commit()
    frozen["t"] = MONDAY + timedelta(days=1)
    fire_now(db, case.id, "submit_report", widyaprada, 2, inputs={"summary": "Baik"})
    # "reported" needs three rows: slots 0-2 rewritten, slot 3 (the fourth row) dropped.
    assert rows_of(db, case.id) == expected_rows("reported", frozen["t"])

    add_comment(session, head, case.id, "Lengkapi foto kegiatan.")
    session.commit()
    fire_now(db, case.id, "request_revision", head, 3)
    assert rows_of(db, case.id) == expected_rows("revision", frozen["t"])  # a reminder and the due date

    # Back to "reported": three rows wanted, two slots exist: written afresh.
    store_evidence(session, widyaprada, case.id, "perbaikan.pdf", b"%PDF-1.4 perbaikan", tmp_path)
    session.commit()
    frozen["t"] = MONDAY + timedelta(days=2)
    fire_now(db, case.id, "resubmit", widyaprada, 4)
    assert rows_of(db, case.id) == expected_rows("reported", frozen["t"])

    fire_now(db, case.id, "approve", head, 5)  # a final state: no rows
    assert rows_of(db, case.id) == []


def test_fire_now_on_a_held_connection_commits_each_transition(db, session, world, frozen):
    first, second = open_visit(session, world), open_visit(session, world)
    session.commit()
    with db.held_connection() as connection:
        for case in (first, second):
            fire_now(db, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"},
                     connection=connection)  # fmt: skip
        with pytest.raises(StaleCaseError):  # a refused one rolls back alone; the connection goes on
            fire_now(db, first.id, "cancel", world["bpmp_staff"], 1, connection=connection)
        fire_now(db, first.id, "cancel", world["bpmp_staff"], 2, connection=connection)
    assert case_in_fresh_session(db, first.id).state == "cancelled"
    assert case_in_fresh_session(db, second.id).state == "scheduled"
    assert rows_of(db, first.id) == []
    assert rows_of(db, second.id) == expected_rows("scheduled", MONDAY)


def test_fire_now_commits_on_its_own_database(make_database):
    """Outside the test's rolled-back transaction: pooled and held connections, a guard and an action,
    committed for good."""
    from spmp import migrate
    from spmp.db import Database
    from spmp.regions.reference import load_reference

    db = Database(make_database("fire_now"))
    try:
        migrate.upgrade(db)
        with db.transaction() as s:
            load_reference(s)
            world = make_world(s)
            case_id = open_visit(s, world).id
        fire_now(db, case_id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
        with db.held_connection() as connection:
            fire_now(db, case_id, "take_over", world["widyaprada2"], 2, connection=connection)
            with pytest.raises(StaleCaseError):
                fire_now(db, case_id, "cancel", world["bpmp_staff"], 2, connection=connection)
        stored = case_in_fresh_session(db, case_id)
        assert (stored.state, stored.version, stored.assignee_user_id) == (
            "scheduled",
            3,
            world["widyaprada2"].id,
        )
        with db.session() as s:
            assert [e.to_state for e in audit.case_timeline(s, case_id)] == [
                "draft",
                "scheduled",
                "scheduled",
            ]
            assert log_ok(s)
    finally:
        db.dispose()


KEEP_THEN_RESTART = """
key: tahapan
version: 1
title: Tahapan Uji
initial: a
open_roles: [bpmp_staff]
states:
  a: {label: A, due: {days: 5, reminders: [3, 1], escalate_after: 2, escalate_to: bpmp_head}}
  b: {label: B}
  c: {label: C, due: {days: 2}}
  d: {label: D, final: true}
transitions:
  - {trigger: ke_b, source: a, dest: b, label: Ke B, roles: [bpmp_staff], deadlines: keep}
  - {trigger: ke_c, source: b, dest: c, label: Ke C, roles: [bpmp_staff]}
  - {trigger: selesai, source: c, dest: d, label: Selesai, roles: [bpmp_staff]}
"""


def test_rows_kept_from_an_earlier_state_do_not_outlive_a_restart(db, session, world, frozen, tmp_path):
    """a (4 rows) -> b keeps them -> c needs 1 row: slot 0 is rewritten and slots 1-3 are dropped, even
    though b itself has no due rule."""
    from spmp.engine import definitions, open_case

    (tmp_path / "tahapan.yaml").write_text(KEEP_THEN_RESTART)
    definitions.set_workflows(definitions.load_directory(tmp_path))
    try:
        staff = world["bpmp_staff"]
        case = open_case(session, staff, "tahapan", title="Uji", school_id=world.school.id)
        session.commit()
        fire_now(db, case.id, "ke_b", staff, 1)
        assert [kind for _slot, _state, kind, _at, _status in rows_of(db, case.id)] == [
            "due", "reminder", "reminder", "escalation",
        ]  # fmt: skip
        fire_now(db, case.id, "ke_c", staff, 2)
        due = get_definition("tahapan").states["c"].due
        assert rows_of(db, case.id) == [
            (r["slot"], "c", r["kind"], r["fire_at"], "pending") for r in deadline_rows(due, MONDAY)
        ]
    finally:
        definitions.set_workflows(None)
