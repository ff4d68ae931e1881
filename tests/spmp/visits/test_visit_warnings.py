"""Planning a visit warns with the reason (same school that week, same Widyaprada that day, national
holiday, cuti bersama, school holiday of the province); an override needs a reason and is audited."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from spmp import clock
from spmp.audit import AuditEvent
from spmp.engine.calendar import is_cuti_bersama, is_working_day
from spmp.spme.models import ExternalVisit
from spmp.visits.models import Visit
from spmp.visits.operations import (
    VisitClash,
    VisitRefused,
    add_school_holiday,
    plan_visit,
    record_actual,
    visit_warnings,
    visits_between,
)
from tests.spmp.engine.support import make_world

TUE = date(2026, 9, 8)  # an ordinary Tuesday: no national holiday, no cuti bersama


@pytest.fixture
def world(session):
    return make_world(session)


def _plan(session, world, start, end=None, who="widyaprada", school=None, **kw):
    return plan_visit(session, world[who], widyaprada=world[kw.pop("widyaprada", "widyaprada")],
                      school_id=(school or world.school).id, start=start, end=end or start,
                      purpose="Supervisi pembelajaran", **kw)  # fmt: skip


def _codes(session, world, start, end=None, widyaprada="widyaprada"):
    return [w.code for w in visit_warnings(session, school=world.school, widyaprada_id=world[widyaprada].id,
                                           start=start, end=end or start)]  # fmt: skip


def test_an_ordinary_day_plans_without_warnings(session, world):
    visit = _plan(session, world, TUE)
    assert visit.warnings is None and visit.override_reason is None
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "visit_plan")).one()
    assert json.loads(event.changes)["visit_id"] == visit.id


def test_same_school_same_week_by_another_widyaprada_warns(session, world):
    _plan(session, world, TUE, widyaprada="widyaprada2", who="bpmp_staff")
    assert _codes(session, world, date(2026, 9, 11)) == ["same_school_week"]  # Friday, same week
    assert _codes(session, world, date(2026, 9, 14)) == []  # Monday after: another week


def test_same_school_same_week_counts_any_programme(session, world):
    session.add(ExternalVisit(school_id=world.school.id, kind="supervisi_pemda", visit_date=date(2026, 9, 10),
                              visitor="Pengawas", organisation="Dinas", purpose="-", findings="-",
                              recorded_by_id=world["dinas_regency"].id, recorded_at=clock.now()))  # fmt: skip
    session.flush()
    warnings = visit_warnings(
        session, school=world.school, widyaprada_id=world["widyaprada"].id, start=TUE, end=TUE
    )
    assert [w.code for w in warnings] == ["same_school_week"]
    assert "10-09-2026" in warnings[0].message


def test_same_widyaprada_booked_that_day_elsewhere_warns(session, world):
    elsewhere = world.other_school  # not this school: only the person's day clashes
    from spmp.accounts.models import SchoolAssignment

    session.add(
        SchoolAssignment(user_id=world["widyaprada"].id, school_id=elsewhere.id, assigned_at=clock.now())
    )
    session.flush()
    # A three-day trip (travel in a 3T region) Monday to Wednesday blocks Tuesday.
    session.add(Visit(school_id=elsewhere.id, widyaprada_id=world["widyaprada"].id, unit_id=world["widyaprada"].unit_id,
                      purpose="x", planned_start=date(2026, 9, 7), planned_end=date(2026, 9, 9),
                      created_by_id=world["widyaprada"].id, created_at=clock.now()))  # fmt: skip
    session.flush()
    assert _codes(session, world, TUE) == ["widyaprada_booked"]
    assert _codes(session, world, TUE, widyaprada="widyaprada2") == []
    assert _codes(session, world, date(2026, 9, 10)) == []


def test_holidays_and_cuti_bersama(session, world):
    assert _codes(session, world, date(2026, 8, 17)) == ["national_holiday"]  # Hari Kemerdekaan (Monday)
    assert _codes(session, world, date(2026, 3, 23)) == ["cuti_bersama"]  # cuti bersama Idul Fitri
    # A trip over Christmas: the 24th is cuti bersama, the 25th a national holiday.
    assert _codes(session, world, date(2026, 12, 23), date(2026, 12, 25)) == [
        "cuti_bersama",
        "national_holiday",
    ]


def test_cuti_bersama_is_not_a_working_day():
    assert is_cuti_bersama(date(2026, 3, 23)) and not is_working_day(date(2026, 3, 23))
    assert is_cuti_bersama(date(2026, 12, 24)) and not is_working_day(date(2026, 12, 24))
    assert not is_cuti_bersama(date(2026, 12, 25))  # Christmas itself is a national holiday
    assert is_working_day(TUE)


def test_school_holiday_of_the_schools_province_warns(session, world):
    add_school_holiday(session, world["admin"], province_code="53", name="Libur semester ganjil",
                       start=date(2026, 12, 21), end=date(2027, 1, 2), source="Kalender pendidikan NTT 2026/2027")  # fmt: skip
    add_school_holiday(session, world["admin"], province_code="32", name="Libur Jawa Barat",
                       start=TUE, end=TUE, source=None)  # fmt: skip
    assert _codes(session, world, date(2026, 12, 22)) == ["school_holiday"]
    assert _codes(session, world, TUE) == []  # another province's holiday does not count


def test_warnings_refuse_without_reason_and_override_is_audited(session, world):
    with pytest.raises(VisitClash) as refused:
        _plan(session, world, date(2026, 8, 17))
    assert [w.code for w in refused.value.warnings] == ["national_holiday"]
    assert session.scalar(select(Visit.id)) is None
    visit = _plan(
        session, world, date(2026, 8, 17), override_reason="Upacara bersama sekolah, diminta kepala sekolah"
    )
    assert visit.override_reason.startswith("Upacara")
    assert json.loads(visit.warnings)[0]["code"] == "national_holiday"
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "visit_override")).one()
    assert event.reason == visit.override_reason and event.actor_id == world["widyaprada"].id
    assert json.loads(event.changes)["warnings"] == ["national_holiday"]


def test_who_may_plan(session, world):
    _plan(session, world, TUE, who="bpmp_staff")  # staff plans for a Widyaprada of the unit
    for who in ("widyaprada2", "other_staff", "principal", "dinas_province"):
        with pytest.raises(VisitRefused):
            _plan(session, world, date(2026, 9, 15), who=who)
    with pytest.raises(VisitRefused):  # a school outside the Widyaprada's caseload
        _plan(session, world, TUE, school=world.other_school)


def test_actual_dates_of_a_multi_day_trip(session, world):
    visit = _plan(session, world, TUE)
    record_actual(session, world["widyaprada"], visit, start=date(2026, 9, 7), end=date(2026, 9, 10))
    assert visit.days == 4
    assert visits_between(
        session, date(2026, 9, 10), date(2026, 9, 10), widyaprada_id=world["widyaprada"].id
    ) == [visit]
    with pytest.raises(VisitRefused):
        record_actual(session, world["widyaprada2"], visit, start=TUE, end=TUE)
    with pytest.raises(VisitRefused):
        record_actual(session, world["widyaprada"], visit, start=TUE, end=date(2026, 9, 7))
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "visit_actual")).one()


def test_a_scheduled_widyaprada_task_counts_as_a_visit(session, world):
    from spmp.engine.cases import CaseRecord
    from spmp.widyaprada import operations as tasks

    clock.set_clock(lambda: datetime(2026, 9, 1, 2, 0, tzinfo=UTC))
    try:
        data = tasks.TaskInput(kind="pendampingan", scope="school", purpose="Pendampingan SPMI",
                               planned_start=date(2026, 9, 1), planned_end=date(2026, 9, 30),
                               due_date=date(2026, 9, 25), school_ids=(world.school.id,),
                               assignee_user_id=world["widyaprada2"].id)  # fmt: skip
        task = tasks.create_task(session, world["bpmp_head"], data)
        version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == task.case_id))
        tasks.act(
            session, world["widyaprada2"], task.id, "schedule", version, inputs={"visit_date": "2026-09-09"}
        )
    finally:
        clock.set_clock(None)
    warnings = visit_warnings(
        session, school=world.school, widyaprada_id=world["widyaprada"].id, start=TUE, end=TUE
    )
    assert [w.code for w in warnings] == ["same_school_week"] and "09-09-2026" in warnings[0].message
    assert _codes(session, world, date(2026, 9, 9), widyaprada="widyaprada2") == [
        "same_school_week",
        "widyaprada_booked",
    ]
    # "Jadwalkan" put the task's visit on the calendar: it is counted once, as that visit.
    visit = session.scalars(select(Visit).where(Visit.case_id == task.case_id)).one()
    assert (visit.widyaprada_id, visit.planned_start) == (world["widyaprada2"].id, date(2026, 9, 9))
    assert "kunjungan Widyaprada" in warnings[0].message
    assert _codes(session, world, TUE) == ["same_school_week"]
