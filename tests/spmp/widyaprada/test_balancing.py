"""The "Sarankan" proposals: ranked by load (open task weight + caseload schools), then already working in the
target's regency, then distance; conflicts, other units, inactive people and current holders left out.
The expected order and distances are computed by hand in the comments."""

from __future__ import annotations

import math
from datetime import date

import pytest
from sqlalchemy import select

from spmp.accounts import conflicts
from spmp.accounts.models import SchoolAssignment
from spmp.notifications.models import Notification
from spmp.widyaprada import balancing
from spmp.widyaprada import operations as tasks
from tests.factories import make_school
from tests.spmp.engine.support import make_user, make_world, unit_of

KUPANG, SUMBA_TIMUR = "53.71", "53.11"


def test_haversine_by_hand():
    # Half a degree of longitude on latitude -10: R * cos(10 deg) * 0.5 * pi / 180
    # = 6371.0088 * 0.984808 * 0.00872665 = 54.753 km (the small-angle value; haversine agrees to 1 m).
    assert balancing.haversine_km(-10.0, 123.0, -10.0, 123.5) == pytest.approx(54.753, abs=0.01)
    # One degree of latitude anywhere: R * pi / 180 = 111.195 km.
    assert balancing.haversine_km(-9.0, 120.0, -10.0, 120.0) == pytest.approx(111.195, abs=0.01)


@pytest.fixture
def unit(session):
    """Three Widyaprada of BPMP NTT with hand-set work places, an inactive one and one of another unit."""
    w = make_world(session)  # its two Widyaprada each hold the world's school (no coordinates, Kota Kupang)
    ntt = unit_of(session, "53")
    session.query(SchoolAssignment).delete()
    for user in (w["widyaprada"], w["widyaprada2"]):
        user.is_active = False  # out of the way: this test's unit has its own people
    people = {
        name: make_user(session, "widyaprada", unit_id=ntt) for name in ("Ani", "Budi", "Citra", "Dodi")
    }
    people["Eko"] = make_user(session, "widyaprada", unit_id=unit_of(session, "35"))
    for name, person in people.items():
        person.full_name = name
    people["Dodi"].is_active = False

    def school(regency, lat, lon, name=None):
        return make_school(session, regency_code=regency, latitude=lat, longitude=lon, name=name)

    def hold(person, *schools):
        for s in schools:
            session.add(SchoolAssignment(user_id=people[person].id, school_id=s.id, assigned_at=s.created_at))

    # Ani: two schools in Kota Kupang, 0.5 deg east of the target (load 2).
    hold("Ani", school(KUPANG, -10.0, 123.5), school(KUPANG, -10.0, 123.6))
    # Budi: two schools in Sumba Timur, one degree north of the target (load 2).
    hold("Budi", school(SUMBA_TIMUR, -9.0, 123.0), school(SUMBA_TIMUR, -9.0, 123.1))
    # Citra: one school in Sumba Timur far west (load 1).
    hold("Citra", school(SUMBA_TIMUR, -10.0, 120.0))
    hold("Dodi", school(KUPANG, -10.0, 123.0))
    session.flush()
    target = school(KUPANG, -10.0, 123.0, name="SD Sasaran")
    return w, people, target


def test_lowest_load_first_then_regency_then_distance(session, unit):
    w, people, target = unit
    proposals = balancing.suggest_for_school(session, target)
    # Citra has the lowest load (1) though farthest (3 deg of longitude: 328 km). Ani and Budi both carry 2:
    # Ani already works in Kota Kupang (the target's regency), Budi is nearer? No: Budi 111 km, Ani 55 km;
    # Ani wins on regency anyway. Dodi is inactive, Eko is of BPMP Jawa Timur: neither is proposed.
    assert [p.name for p in proposals] == ["Citra", "Ani", "Budi"]
    citra, ani, budi = proposals
    assert (citra.load, ani.load, budi.load) == (1, 2, 2)
    assert (ani.in_regency, budi.in_regency) == (True, False)
    assert ani.km == pytest.approx(54.753, abs=0.01) and budi.km == pytest.approx(111.195, abs=0.01)
    # Citra: R * cos(10 deg) * 3 deg = 6371.0088 * 0.984808 * 0.0523599 = 328.5 km (haversine: 328.4).
    assert citra.km == pytest.approx(328.4, abs=0.3)
    assert ani.explanation == (
        "0 tugas terbuka, bobot 0; 2 sekolah binaan (beban 2); sudah bertugas di Kota Kupang; "
        "55 km dari tempat tugas terdekat"
    )
    assert "belum bertugas di Kota Kupang; 111 km" in budi.explanation


def test_distance_decides_between_equals_and_task_weight_counts(session, unit):
    w, people, target = unit
    # A regency mapping of Kota Kupang for Citra: weight 2 x 4 = 8 -> load 9, she drops to the end.
    data = tasks.TaskInput("pemetaan_mutu", "regency", "Pemetaan", date(2026, 3, 2), date(2026, 3, 31),
                           date(2026, 3, 20), regency_code=KUPANG, assignee_user_id=people["Citra"].id)  # fmt: skip
    tasks.create_task(session, w["bpmp_head"], data)
    # Budi gets a school in Kota Kupang too (load 3, now in the regency, nearest place 0.2 deg east: 21.9 km);
    # Ani takes one more Kupang school far east (load 3, nearest still 54.8 km). Equal load, both in the
    # regency: the nearer, Budi, comes first.
    extra = make_school(session, regency_code=KUPANG, latitude=-10.0, longitude=123.2)
    far = make_school(session, regency_code=KUPANG, latitude=-10.0, longitude=124.5)
    session.add_all([SchoolAssignment(user_id=people["Budi"].id, school_id=extra.id, assigned_at=extra.created_at),
                     SchoolAssignment(user_id=people["Ani"].id, school_id=far.id, assigned_at=far.created_at)])  # fmt: skip
    session.flush()
    proposals = balancing.suggest_for_school(session, target)
    assert [(p.name, p.load) for p in proposals] == [("Budi", 3), ("Ani", 3), ("Citra", 9)]
    assert proposals[0].km == pytest.approx(
        6371.0088 * math.cos(math.radians(10)) * math.radians(0.2), abs=0.01
    )
    assert proposals[2].explanation.startswith("1 tugas terbuka, bobot 8; 1 sekolah binaan (beban 9)")


def test_conflicts_and_holders_are_left_out_and_choosing_assigns_and_tells(session, unit):
    w, people, target = unit
    conflicts.record_conflict(session, w["admin"], username=people["Citra"].username, npsn=target.npsn,
                              kind="relative_school", reason="Suami guru di sana")  # fmt: skip
    assert [p.name for p in balancing.suggest_for_school(session, target)] == ["Ani", "Budi"]
    chosen = balancing.choose_for_school(session, w["bpmp_head"], target, people["Ani"].id)
    assert chosen.name == "Ani"
    notice = session.scalar(select(Notification).where(Notification.user_id == people["Ani"].id))
    assert (
        notice.title == "Sekolah binaan baru: SD Sasaran" and "sudah bertugas di Kota Kupang" in notice.body
    )
    assert [p.name for p in balancing.suggest_for_school(session, target)] == ["Budi"]  # Ani holds it now
    with pytest.raises(balancing.ActionRefused, match="konflik kepentingan"):
        balancing.choose_for_school(session, w["bpmp_head"], target, people["Citra"].id)
    with pytest.raises(balancing.ActionRefused, match="tidak dapat menambah"):
        balancing.choose_for_school(session, w["other_staff"], target, people["Budi"].id)


def test_task_proposals_and_choice_go_through_the_engine(session, unit):
    w, people, target = unit
    data = tasks.TaskInput("supervisi", "school", "Supervisi", date(2026, 3, 2), date(2026, 3, 31),
                           date(2026, 3, 20), (target.id,))  # fmt: skip
    task = tasks.create_task(session, w["bpmp_head"], data)
    assert [p.name for p in balancing.suggest_for_task(session, task)] == ["Citra", "Ani", "Budi"]
    balancing.choose_for_task(session, w["bpmp_head"], task, people["Ani"].id, task.case.version)
    assert task.case.assignee_user_id == people["Ani"].id
    from spmp.audit import AuditEvent

    event = session.scalar(
        select(AuditEvent).where(AuditEvent.case_id == task.case_id, AuditEvent.action == "assign")
    )
    assert event.reason.startswith("Dipilih dari saran: 0 tugas terbuka, bobot 0; 2 sekolah binaan")
    # Now Ani holds the task (excluded as the current assignee); the others are ranked as before.
    assert [p.name for p in balancing.suggest_for_task(session, task)] == ["Citra", "Budi"]


def test_school_without_coordinates_stands_at_its_regency_centre(session, unit):
    w, people, _ = unit
    # Kota Kupang's schools with coordinates: Ani's two (123.5, 123.6), Dodi's (123.0), SD Sasaran (123.0),
    # all on latitude -10: centre (-10.0, 123.275). Ani's nearest place (123.5) is 0.225 deg away.
    nowhere = make_school(session, regency_code=KUPANG)
    ani = next(p for p in balancing.suggest_for_school(session, nowhere) if p.name == "Ani")
    assert ani.km == pytest.approx(6371.0088 * math.cos(math.radians(10)) * math.radians(0.225), abs=0.05)
