"""Real connections and real commits: two sessions firing on the same case at once (exactly one wins),
concurrent appends, and transitions each in a transaction of its own (no test transaction around them)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from spmp import audit, migrate
from spmp.db import Database
from spmp.engine import StaleCaseError, fire
from spmp.engine.cases import CaseRecord
from spmp.regions.reference import load_reference
from tests.audit_support import log_ok
from tests.spmp.engine.support import fire_now, make_world, open_visit


@pytest.fixture(scope="module")
def committed(make_database):
    db = Database(make_database("concurrency"))
    migrate.upgrade(db)
    with db.transaction() as session:
        load_reference(session)
        world = make_world(session)
    yield db, world
    db.dispose()


def _open(db, world) -> int:
    with db.transaction() as session:
        return open_visit(session, world).id


def test_two_sessions_fire_on_the_same_case_exactly_one_wins(committed):
    db, world = committed
    case_id = _open(db, world)
    first_has_updated = threading.Event()
    outcome: dict[str, object] = {}

    def slow_winner():
        with db.transaction() as session:
            fire(session, case_id, "cancel", world["bpmp_staff"], 1, reason="pertama")
            first_has_updated.set()
            time.sleep(0.3)  # hold the transaction open while the other one tries
        outcome["first"] = "committed"

    def contender():
        first_has_updated.wait(5)
        try:
            with db.transaction() as session:
                fire(
                    session, case_id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"}
                )
            outcome["second"] = "committed"
        except StaleCaseError as exc:
            outcome["second"] = str(exc)

    threads = [threading.Thread(target=slow_winner), threading.Thread(target=contender)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert outcome == {"first": "committed", "second": "Kasus ini telah berubah, muat ulang halaman"}
    with db.session() as session:
        case = session.get(CaseRecord, case_id)
        assert (case.state, case.version) == ("cancelled", 2)
        assert [e.action for e in audit.case_timeline(session, case_id)] == ["open", "fire"]
        assert log_ok(session)


def test_many_concurrent_double_submits_change_the_case_once(committed):
    db, world = committed
    case_id = _open(db, world)
    results: list[str] = []
    barrier = threading.Barrier(4)

    def submit():
        barrier.wait(5)
        try:
            with db.transaction() as session:
                fire(session, case_id, "cancel", world["bpmp_staff"], 1)
            results.append("ok")
        except StaleCaseError:
            results.append("stale")

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == ["ok", "stale", "stale", "stale"]
    with db.session() as session:
        assert session.get(CaseRecord, case_id).version == 2
        assert log_ok(session)


def test_concurrent_appends_on_different_cases_are_sealed_in_one_sequence(committed):
    """Four workers fire on their own cases at once (held connections, no append lock): none is lost,
    and sealing gives them one gapless sequence that verifies."""

    db, world = committed
    staff = world["bpmp_staff"]
    cases = [[_open(db, world) for _ in range(5)] for _worker in range(4)]
    with db.session() as session:
        before = session.scalar(select(func.count()).select_from(audit.AuditEvent))
    errors: list[BaseException] = []

    def work(case_ids: list[int]) -> None:
        try:
            with db.held_connection() as connection:
                for case_id in case_ids:
                    fire_now(db, case_id, "cancel", staff, 1, reason="uji", connection=connection)
        except BaseException as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(ids,)) for ids in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(audit.AuditEvent)) == before + 20
        assert log_ok(session)


def test_fire_now_loses_to_a_change_committed_after_it_read_the_case(committed):
    """``fire_now`` reads the case at version 1 while another transaction holds its change to version 2
    uncommitted; when that commits, ``fire_now``'s write matches nothing: StaleCaseError, nothing written."""

    db, world = committed
    case_id = _open(db, world)
    winner_has_updated, winner_may_commit = threading.Event(), threading.Event()

    def winner():
        with db.transaction() as session:
            fire(session, case_id, "cancel", world["bpmp_staff"], 1, reason="pertama")
            winner_has_updated.set()
            winner_may_commit.wait(5)

    thread = threading.Thread(target=winner)
    thread.start()
    winner_has_updated.wait(5)
    with db.session() as session:
        events_before = session.scalar(select(func.count()).select_from(audit.AuditEvent))
    threading.Timer(0.3, winner_may_commit.set).start()  # commit while fire_now waits for the row
    with pytest.raises(StaleCaseError):
        fire_now(db, case_id, "cancel", world["bpmp_staff"], 1, reason="kedua")
    thread.join(10)
    with db.session() as session:
        case = session.get(CaseRecord, case_id)
        assert (case.state, case.version) == ("cancelled", 2)
        assert [e.reason for e in audit.case_timeline(session, case_id)] == [None, "pertama"]
        assert session.scalar(select(func.count()).select_from(audit.AuditEvent)) == events_before + 1
        assert log_ok(session)


def test_transactions_on_a_held_connection_commit_one_by_one(committed):
    """On a connection a worker keeps: transitions with a guard, an input, an action, a refused one in
    between, each committed on its own; then the connection still runs a transaction that rolls back."""
    from sqlalchemy import inspect, text

    from spmp.engine import ActionRefused

    db, world = committed
    case_id = _open(db, world)
    widyaprada = world["widyaprada"]
    with db.held_connection() as held:
        fire_now(db, case_id, "schedule", widyaprada, 1, inputs={"visit_date": "2026-03-10"},
                 connection=held)  # a guard  # fmt: skip
        with pytest.raises(ActionRefused, match="Tanggal kunjungan"):
            fire_now(db, case_id, "reschedule", widyaprada, 2, connection=held)  # no input: refused
        fire_now(db, case_id, "reschedule", widyaprada, 2, inputs={"visit_date": "2026-03-17"},
                 connection=held)  # fmt: skip
        fire_now(db, case_id, "take_over", world["widyaprada2"], 3, connection=held)  # an action
        fire_now(db, case_id, "cancel", world["bpmp_staff"], 4, connection=held)
        with pytest.raises(RuntimeError), held.begin():
            held.execute(text("CREATE TABLE probe_rolled_back (x integer)"))
            raise RuntimeError("roll back")
    assert not inspect(db.engine).has_table("probe_rolled_back")
    with db.session() as session:
        case = session.get(CaseRecord, case_id)
        assert (case.state, case.version, case.assignee_user_id) == ("cancelled", 5, world["widyaprada2"].id)
        timeline = audit.case_timeline(session, case_id)
        assert [e.to_state for e in timeline] == ["draft", "scheduled", "scheduled", "scheduled", "cancelled"]
        assert timeline[2].changes_dict["inputs"] == {"visit_date": "2026-03-17"}
        assert log_ok(session)


def test_fire_many_answers_every_item_in_order_and_fires_the_rest(committed):
    """Each item is its own transaction: a refused, stale or unknown item is answered with its error and
    the others go on; a case listed again in the same batch is read afresh (its preloaded row is old)."""
    from spmp.engine import ActionRefused, CaseNotFound, FireItem, FireResult, fire_many

    db, world = committed
    first, second, third = (_open(db, world) for _ in range(3))
    visit = {"visit_date": "2026-03-10"}
    items = [
        FireItem(first, "schedule", 1, inputs=visit),  # a guard: a transaction of its own
        FireItem(first, "reschedule", 2, inputs={"visit_date": "2026-03-17"}),  # direct, row read again
        FireItem(first, "cancel", 3, reason="selesai"),
        FireItem(second, "cancel", 5),  # stale
        FireItem(third, "take_over", 1),  # only a Widyaprada may
        FireItem(10**9, "cancel", 1),  # no such case
        FireItem(second, "cancel", 1),
    ]
    results = list(fire_many(db, world["bpmp_staff"], items))
    assert [type(r) for r in results] == [
        FireResult, FireResult, FireResult, StaleCaseError, ActionRefused, CaseNotFound, FireResult,
    ]  # fmt: skip
    assert [(r.to_state, r.version) for r in results if isinstance(r, FireResult)] == [
        ("scheduled", 2), ("scheduled", 3), ("cancelled", 4), ("cancelled", 2),
    ]  # fmt: skip
    assert "Widyaprada" in str(results[4])
    with db.session() as session:
        states = {
            cid: (c.state, c.version) for cid in (first, second, third) if (c := session.get(CaseRecord, cid))
        }
        assert states == {first: ("cancelled", 4), second: ("cancelled", 2), third: ("draft", 1)}
        assert [e.reason for e in audit.case_timeline(session, first)][-1] == "selesai"
        assert log_ok(session)


def test_fire_many_commits_what_an_action_wrote_through_the_session_it_opens_for_it(committed):
    """``fire_many`` opens an ORM session for an item only when asked (here by the ``assign_to_actor``
    action of ``take_over``): what the action wrote is committed with the item, the next item reads the
    case afresh, and a refused item after it undoes nothing."""
    from spmp.engine import FireItem, FireResult, fire_many

    db, world = committed
    case_id = _open(db, world)  # assigned to the first Widyaprada
    other = world["widyaprada2"]
    items = [
        FireItem(case_id, "take_over", 1),
        FireItem(case_id, "take_over", 1),
        FireItem(case_id, "take_over", 2),
    ]
    results = list(fire_many(db, other, items))
    assert [type(r) for r in results] == [FireResult, StaleCaseError, FireResult]
    assert [r.version for r in results if isinstance(r, FireResult)] == [2, 3]
    with db.session() as session:
        case = session.get(CaseRecord, case_id)
        assert (case.state, case.version, case.assignee_user_id) == ("scheduled", 3, other.id)
        events = audit.case_timeline(session, case_id)
        assignees = [e.changes_dict.get("assignee_user_id") for e in events[-2:]]
        assert assignees == [[world["widyaprada"].id, other.id], None]
        assert log_ok(session)


def test_event_hash_of_non_ascii_text_is_recomputed_alike(committed):
    """With a reason in non-ASCII text and quotes, the hash stored at write time is the one the sequencer
    and ``audit verify`` recompute from the stored row (the database hands the text back unchanged)."""
    db, world = committed
    case_id = _open(db, world)
    reason = 'Sekolah terdampak banjir — "ruang kelas" rusak berat; café ✓'
    result = fire_now(db, case_id, "cancel", world["bpmp_staff"], 1, reason=reason)
    with db.session() as session:
        event = session.get(audit.AuditEvent, result.audit_id)
        assert (event.reason, event.hash) == (reason, result.audit_hash)
        assert event.prev_hash is None and event.hash == audit.content_hash(
            event.occurred_at, event.actor_id, event.case_id, event.action, event.from_state,
            event.to_state, event.reason, event.changes,
        )  # fmt: skip
        assert log_ok(session)
