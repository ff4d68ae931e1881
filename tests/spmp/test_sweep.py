"""The deadline sweep: right kind at the right time, to the right people, exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from spmp import clock, migrate
from spmp.db import Database
from spmp.engine import fire
from spmp.engine.cases import CaseDeadline
from spmp.engine.sweep import sweep
from spmp.notifications.models import Notification, OutboxMessage
from spmp.regions.reference import load_reference
from tests.spmp.engine.support import make_world, open_visit
from tests.spmp.notification_support import T0, add_deadline, make_case, make_person, unit_of


@pytest.fixture
def fixed_clock():
    """Set the injected clock with ``fixed_clock(t)``; the system clock is restored afterwards."""

    def _set(moment):
        clock.set_clock(lambda: moment)
        return moment

    try:
        yield _set
    finally:
        clock.set_clock(None)


def _notices(session, case_id: int) -> list[tuple[str, int]]:
    """The sweep's notices of a case (those about a deadline row; hand-off notices have none)."""
    rows = session.execute(
        select(Notification.kind, Notification.user_id)
        .where(Notification.case_id == case_id, Notification.deadline_id.is_not(None))
        .order_by(Notification.id)
    )
    return [tuple(r) for r in rows]


@pytest.fixture
def people(session):
    unit = unit_of(session, "53")
    return {
        "assignee": make_person(session, "widyaprada", unit_id=unit),
        "staff": make_person(session, "bpmp_staff", unit_id=unit),
        "head": make_person(session, "bpmp_head", unit_id=unit),
        "other_head": make_person(session, "bpmp_head", unit_id=unit_of(session, "32")),
        "dinas": make_person(session, "dinas_province", province_code="53"),
    }


def _timeline(session, people):
    """A case with a reminder at +1 day, the due date at +3 days and an escalation at +5 days."""
    case = make_case(session, assignee=people["assignee"])
    due = T0 + timedelta(days=3)
    add_deadline(session, case, "reminder", T0 + timedelta(days=1), due)
    add_deadline(session, case, "due", due, due)
    add_deadline(session, case, "escalation", T0 + timedelta(days=5), due, escalate_to_role="bpmp_head")
    return case


def test_reminder_due_and_escalation_fire_at_their_times(session, people, fixed_clock):
    case = _timeline(session, people)
    assignee, head = people["assignee"].id, people["head"].id
    steps = [
        (timedelta(days=1) - timedelta(seconds=1), []),
        (timedelta(days=1), [("reminder", assignee)]),
        (timedelta(days=3) - timedelta(seconds=1), [("reminder", assignee)]),
        (timedelta(days=3), [("reminder", assignee), ("due", assignee)]),
        (timedelta(days=5) - timedelta(seconds=1), [("reminder", assignee), ("due", assignee)]),
        (timedelta(days=5), [("reminder", assignee), ("due", assignee), ("escalation", head)]),
    ]
    for offset, expected in steps:
        sweep(session, fixed_clock(T0 + offset))
        assert _notices(session, case.id) == expected, offset
    # The escalation went to the head of the owning unit only, not another unit's head.
    assert people["other_head"].id not in {user for _, user in _notices(session, case.id)}
    fired = session.scalars(select(CaseDeadline).where(CaseDeadline.case_id == case.id)).all()
    assert {row.status for row in fired} == {"fired"}


def test_messages_are_in_indonesian_and_queued_as_mail(session, people, fixed_clock):
    case = _timeline(session, people)
    sweep(session, fixed_clock(T0 + timedelta(days=1)))
    notice = session.scalars(select(Notification).where(Notification.case_id == case.id)).one()
    assert notice.title.startswith("Pengingat:") and "04-12-2026 09:00 WIB" in notice.title
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == people["assignee"].id)).one()
    assert (
        mail.subject == f"[SPMP] {notice.title}"
        and mail.sent_at is None
        and mail.recipient.endswith(".go.id")
    )


def test_a_sweep_run_twice_notifies_once(session, people, fixed_clock):
    case = _timeline(session, people)
    now = fixed_clock(T0 + timedelta(days=3))
    first = sweep(session, now)
    second = sweep(session, now)
    assert first.claimed >= 2 and second.claimed == 0
    assert _notices(session, case.id) == [("reminder", people["assignee"].id), ("due", people["assignee"].id)]


def test_catch_up_after_a_day_of_downtime_fires_everything_once(session, people, fixed_clock):
    case = _timeline(session, people)
    report = sweep(session, fixed_clock(T0 + timedelta(days=6)))
    assert report.by_kind["reminder"] >= 1 and report.by_kind["escalation"] >= 1
    assert [kind for kind, _ in _notices(session, case.id)] == ["reminder", "due", "escalation"]
    assert sweep(session, fixed_clock(T0 + timedelta(days=7))).claimed == 0
    assert len(_notices(session, case.id)) == 3


def test_paused_and_future_rows_are_not_fired(session, people, fixed_clock):
    case = make_case(session, assignee=people["assignee"])
    add_deadline(session, case, "due", T0, status="paused")
    add_deadline(session, case, "reminder", T0 + timedelta(days=30))
    sweep(session, fixed_clock(T0 + timedelta(days=2)))
    assert _notices(session, case.id) == []


def test_unit_assignee_reaches_unit_staff_and_unassigned_reaches_owning_unit(session, people, fixed_clock):
    unit = unit_of(session, "53")
    by_unit = make_case(session, assignee_unit_id=unit)
    unassigned = make_case(session)
    add_deadline(session, by_unit, "due", T0)
    add_deadline(session, unassigned, "reminder", T0)
    sweep(session, fixed_clock(T0))
    assert _notices(session, by_unit.id) == [("due", people["staff"].id)]
    assert _notices(session, unassigned.id) == [("reminder", people["staff"].id)]


def test_escalation_to_a_regional_role_and_users_without_email(session, people, fixed_clock):
    quiet = make_person(session, "dinas_province", province_code="53", email=False)
    case = make_case(session, assignee=people["assignee"])
    add_deadline(session, case, "escalation", T0, escalate_to_role="dinas_province")
    report = sweep(session, fixed_clock(T0))
    assert sorted(user for _, user in _notices(session, case.id)) == sorted([people["dinas"].id, quiet.id])
    assert report.notifications >= 2 and report.emails == report.notifications - 1


def test_deadlines_written_by_the_engine_are_swept(session, fixed_clock):
    """Integration with the engine: a scheduled school visit reminds, falls due and escalates once each."""
    fixed_clock(T0)
    world = make_world(session)
    case = open_visit(session, world)
    fire(session, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-12-10"})
    rows = session.scalars(select(CaseDeadline).where(CaseDeadline.case_id == case.id)).all()
    assert {row.kind for row in rows} == {"reminder", "due", "escalation"}
    first = min(row.fire_at for row in rows)
    sweep(session, fixed_clock(first - timedelta(seconds=1)))
    assert _notices(session, case.id) == []
    sweep(session, fixed_clock(max(row.fire_at for row in rows) + timedelta(days=1)))
    notices = _notices(session, case.id)
    assert sorted(kind for kind, _ in notices) == sorted(row.kind for row in rows)
    assert {user for kind, user in notices if kind != "escalation"} == {world["widyaprada"].id}
    assert {user for kind, user in notices if kind == "escalation"} == {world["bpmp_head"].id}


# --- two sweeps at once, on a committed database with real connections -----------------------------------
@pytest.fixture(scope="module")
def committed_db(make_database):
    database = Database(make_database("sweep"))
    migrate.upgrade(database)
    with database.transaction() as s:
        load_reference(s)
    yield database
    database.dispose()


def _committed_cases(database, count: int):
    with database.transaction() as s:
        person = make_person(s, "widyaprada", unit_id=unit_of(s, "53"))
        case_ids = []
        for _ in range(count):
            case = make_case(s, assignee=person)
            add_deadline(s, case, "due", T0)
            case_ids.append(case.id)
    return person.id, case_ids


def _count_for(database, user_id: int) -> tuple[int, int]:
    with database.transaction(write=False) as s:
        notes = s.scalar(select(func.count()).where(Notification.user_id == user_id))
        mails = s.scalar(select(func.count()).where(OutboxMessage.user_id == user_id))
    return notes, mails


def _sweep_in_thread(database, results, key, before_commit=None, gate=None):
    def run():
        if gate is not None:
            gate.wait(30)  # both threads begin their transactions together
        with database.transaction() as s:
            results[key] = sweep(s, T0 + timedelta(hours=1))
            if before_commit:
                before_commit()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_concurrent_sweeps_notify_once_in_total(committed_db):
    user_id, case_ids = _committed_cases(committed_db, 300)
    results = {}
    barrier = threading.Barrier(2)
    threads = [_sweep_in_thread(committed_db, results, key, gate=barrier) for key in ("a", "b")]
    for thread in threads:
        thread.join(60)
    assert results["a"].claimed + results["b"].claimed == 300
    assert _count_for(committed_db, user_id) == (300, 300)


def test_a_sweep_started_while_another_holds_its_claim_takes_nothing(committed_db):
    """Deterministic overlap: A has claimed and not committed when B sweeps. On PostgreSQL B skips the
    locked rows (SKIP LOCKED, no waiting); on SQLite B waits for A's write lock. Either way B claims none."""
    user_id, _ = _committed_cases(committed_db, 50)
    results = {}
    claimed, release = threading.Event(), threading.Event()

    def hold():
        claimed.set()
        release.wait(30)

    a = _sweep_in_thread(committed_db, results, "a", before_commit=hold)
    assert claimed.wait(30)
    b = _sweep_in_thread(committed_db, results, "b")
    b.join(1.0)  # PostgreSQL: B finishes at once; SQLite: B is still waiting for the write lock
    release.set()
    a.join(30)
    b.join(30)
    assert results["a"].claimed == 50 and results["b"].claimed == 0
    assert _count_for(committed_db, user_id) == (50, 50)


def test_max_rows_splits_a_backlog_into_batches(session, people, fixed_clock, monkeypatch):
    monkeypatch.setattr("spmp.engine.sweep.CLAIM_BATCH", 3)
    cases = [make_case(session, assignee=people["assignee"]) for _ in range(7)]
    for case in cases:
        add_deadline(session, case, "due", T0)
    now = fixed_clock(T0 + timedelta(days=1))
    # Other tests' rows are rolled back, so only these seven are due in this transaction.
    sizes = [sweep(session, now, max_rows=3).claimed for _ in range(4)]
    assert sizes == [3, 3, 1, 0]
    assert all(len(_notices(session, case.id)) == 1 for case in cases)


def test_bulk_insert_converts_a_datetime_that_the_first_row_leaves_empty(session):
    """A column None in the first row and a time further down is still stored as UTC (both databases)."""
    from datetime import UTC, datetime, timedelta, timezone

    from sqlalchemy import select

    from spmp.bulk_insert import insert_dicts
    from spmp.notifications.models import OutboxMessage

    wita = timezone(timedelta(hours=8))
    base = {"recipient": "a@example.org", "subject": "s", "body": "b", "created_at": datetime.now(UTC),
            "attempts": 0, "for_digest": False, "is_digest": False}  # fmt: skip
    later = datetime(2026, 3, 2, 9, 30, tzinfo=wita)
    rows = [{**base, "sent_at": None}, {**base, "subject": "later", "sent_at": later}]
    insert_dicts(session, OutboxMessage.__table__, rows)
    sent = session.scalar(select(OutboxMessage.sent_at).where(OutboxMessage.subject == "later"))
    assert sent.astimezone(UTC) == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
