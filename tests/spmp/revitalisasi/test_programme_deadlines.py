"""Works and reports are due by 15 December of the proposal's programme year: a case of programme 2025 that
enters construction after 15 December 2025 is overdue at once (no reminders; the real sweep fires the due
notice to the facilitator and the escalation to the head of the B/BPMP, with their e-mails), not due in
December 2026; a case entering in October is reminded 30, 14 and 3 days before."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from spmp import clock
from spmp.engine.calendar import WIB
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.engine.sweep import sweep
from spmp.notifications.models import Notification, OutboxMessage
from tests.spmp.engine.support import make_world
from tests.spmp.revitalisasi.execution_support import act, in_construction
from tests.spmp.revitalisasi.support import SCHOOL_LAT, SCHOOL_LON

DUE_2025 = datetime(2025, 12, 15, 16, 59, tzinfo=UTC)  # 15 December 2025, 23:59 WIB
ESCALATION_2025 = datetime(2025, 12, 16, 16, 59, tzinfo=UTC)


@pytest.fixture
def moment():
    """Set the clock (a WIB time) for what follows; reset afterwards."""

    def set_to(*args) -> datetime:
        now = datetime(*args, tzinfo=WIB).astimezone(UTC)
        clock.set_clock(lambda: now)
        return now

    yield set_to
    clock.set_clock(None)


@pytest.fixture
def world(session):
    w = make_world(session)
    w.school.latitude, w.school.longitude = SCHOOL_LAT, SCHOOL_LON
    w["facilitator"].email = "fasilitator@example.org"
    w["bpmp_head"].email = "kepala.bpmp@example.org"
    session.flush()
    return w


def _rows(session, case_id):
    query = select(
        CaseDeadline.kind, CaseDeadline.fire_at, CaseDeadline.due_at, CaseDeadline.state, CaseDeadline.status
    )
    return session.execute(query.where(CaseDeadline.case_id == case_id).order_by(CaseDeadline.fire_at)).all()


def _told(session, case_id, at):
    """(user, kind) of the notices a sweep at ``at`` wrote for the case."""
    since = session.scalar(select(Notification.id).order_by(Notification.id.desc()).limit(1)) or 0
    sweep(session, at)
    query = select(Notification.user_id, Notification.kind).where(
        Notification.id > since, Notification.case_id == case_id
    )
    return set(session.execute(query).all())


def test_a_2025_case_entering_construction_after_15_december_2025_is_overdue_at_once(
    session, world, tmp_path, moment
):
    now = moment(2025, 12, 20, 9, 0)
    proposal = in_construction(session, world, tmp_path, year=2025)
    case = session.get(CaseRecord, proposal.case_id)
    assert (case.state, proposal.year) == ("pelaksanaan", 2025)
    # Due 15 December 2025 (not 2026): no reminder, the due time and the escalation already past.
    assert [
        (kind, fire_at, due_at, status) for kind, fire_at, due_at, _s, status in _rows(session, case.id)
    ] == [
        ("due", DUE_2025, DUE_2025, "pending"),
        ("escalation", ESCALATION_2025, DUE_2025, "pending"),
    ]
    facilitator, head = world["facilitator"].id, world["bpmp_head"].id
    assert _told(session, case.id, now) == {(facilitator, "due"), (head, "escalation")}
    assert {status for *_rest, status in _rows(session, case.id)} == {"fired"}
    mails = set(session.execute(select(OutboxMessage.recipient, OutboxMessage.subject)).all())
    name = f"Revitalisasi 2025: {world.school.name} (#{case.id})"
    assert ("fasilitator@example.org", f"[SPMP] Jatuh tempo: {name}") in mails
    assert ("kepala.bpmp@example.org", f"[SPMP] Eskalasi: {name} melewati tenggat") in mails
    body = session.scalar(select(Notification.body).where(
        Notification.case_id == case.id, Notification.user_id == head, Notification.kind == "escalation"))  # fmt: skip
    assert "tahap 'pelaksanaan' telah melewati tenggat 15-12-2025 23:59 WIB" in body
    # Once: a second sweep tells nobody again.
    assert _told(session, case.id, now) == set()


def test_the_next_programme_year_entering_early_is_due_in_its_own_december(session, world, tmp_path, moment):
    now = moment(2025, 12, 20, 9, 0)
    proposal = in_construction(session, world, tmp_path, year=2026)
    rows = _rows(session, proposal.case_id)
    assert {due_at for _k, _f, due_at, _s, _st in rows} == {datetime(2026, 12, 15, 16, 59, tzinfo=UTC)}
    assert [kind for kind, *_rest in rows] == ["reminder", "reminder", "reminder", "due", "escalation"]
    assert _told(session, proposal.case_id, now) == set()


def test_reminders_30_14_and_3_days_before_for_a_case_entering_in_october(session, world, tmp_path, moment):
    moment(2025, 10, 1, 9, 0)
    proposal = in_construction(session, world, tmp_path, year=2025)
    case_id, facilitator, head = proposal.case_id, world["facilitator"].id, world["bpmp_head"].id
    assert [(kind, fire_at) for kind, fire_at, *_rest in _rows(session, case_id)] == [
        ("reminder", datetime(2025, 11, 15, 16, 59, tzinfo=UTC)),
        ("reminder", datetime(2025, 12, 1, 16, 59, tzinfo=UTC)),
        ("reminder", datetime(2025, 12, 12, 16, 59, tzinfo=UTC)),
        ("due", DUE_2025),
        ("escalation", ESCALATION_2025),
    ]
    assert _told(session, case_id, datetime(2025, 11, 15, 16, 58, tzinfo=UTC)) == set()
    for day in (15, 1, 12):  # 30, 14 and 3 days before, at 23:59 WIB
        month = 11 if day == 15 else 12
        assert _told(session, case_id, datetime(2025, month, day, 16, 59, tzinfo=UTC)) == {
            (facilitator, "reminder")
        }
    assert _told(session, case_id, DUE_2025) == {(facilitator, "due")}
    assert _told(session, case_id, ESCALATION_2025) == {(head, "escalation")}


def test_tranche_ii_in_december_keeps_the_programme_years_deadline(session, world, tmp_path, moment):
    """pelaksanaan_2 has the same rule: entered after the day, it is overdue at once too."""
    from spmp.revitalisasi import execution_ops as xops
    from tests.spmp.revitalisasi.execution_support import photos

    moment(2025, 11, 3, 9, 0)
    proposal = in_construction(session, world, tmp_path, year=2025)
    xops.record_visit(session, world["facilitator"], proposal.id, percent=60, notes="Atap terpasang",
                      photos=photos(1), root=tmp_path)  # fmt: skip
    moment(2025, 12, 18, 9, 0)
    act(session, world["bpmp_staff"], proposal, "disburse_tranche_2")
    rows = _rows(session, proposal.case_id)
    assert {(kind, state) for kind, _f, _d, state, _st in rows} == {
        ("due", "pelaksanaan_2"),
        ("escalation", "pelaksanaan_2"),
    }
    assert {due_at for _k, _f, due_at, _s, _st in rows} == {DUE_2025}
