"""Readiness rules at their edges: the electricity threshold (configuration), the kit chosen by the
internet class, the safe room confirmed by the school; and the set-based national computation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from spmp.accounts import operations as accounts
from spmp.audit import AuditEvent
from spmp.digitalisasi.models import DigitalTarget, SafeRoom
from spmp.digitalisasi.operations import DigitalisasiRefused, confirm_safe_room
from spmp.digitalisasi.readiness import compute_readiness, explain
from tests.factories import make_school

YEAR = 2026


def _school(session, watts, internet, safe_room=True, regency="53.71"):
    school = make_school(session, regency_code=regency, electricity_watts=watts, internet_access=internet)
    if safe_room:
        session.add(
            SafeRoom(school_id=school.id, confirmed_by_id=_admin(session).id, confirmed_at=school.created_at)
        )
        session.flush()
    return school


def _admin(session):
    from spmp.accounts.models import User

    user = session.scalar(select(User).where(User.username == "admin_dg"))
    return user or accounts.create_user(session, username="admin_dg", full_name="Admin", password="sandi-uji-12345",
                                        role="admin", scope=accounts.Scope())  # fmt: skip


def _target(session, school, year=YEAR) -> DigitalTarget:
    session.expire_all()
    return session.scalar(
        select(DigitalTarget).where(DigitalTarget.school_id == school.id, DigitalTarget.year == year)
    )


@pytest.mark.parametrize(
    ("watts", "ready", "reasons"),
    [
        (2199, False, ["power_low"]),
        (2200, True, []),
        (2201, True, []),
        (0, False, ["power_low"]),
        (None, False, ["power_unknown"]),
    ],  # fmt: skip
)
def test_electricity_threshold_edges(session, watts, ready, reasons):
    school = _school(session, watts, "stabil")
    compute_readiness(session, YEAR, province_code="53")
    target = _target(session, school)
    assert (target.is_ready, target.reason_codes, target.threshold_watts) == (ready, reasons, 2200)


def test_threshold_is_configuration_and_explained(session):
    school = _school(session, 2200, "terbatas")
    compute_readiness(session, YEAR, province_code="53", threshold=3000)
    target = _target(session, school)
    assert not target.is_ready and target.reason_codes == ["power_low"] and target.threshold_watts == 3000
    [line] = explain(target)
    assert "2.200 W" in line.reason and "3.000 W" in line.reason
    assert "paling sedikit 3.000 W" in line.remedy


@pytest.mark.parametrize(
    ("internet", "watts", "kit", "ready", "reasons"),
    [
        ("stabil", 2200, "panel", True, []),
        ("terbatas", 2200, "panel_modem", True, []),
        ("terbatas", 900, "panel_modem", False, ["power_low"]),
        # The off-grid kit brings its own power: the school's electricity is no condition there.
        ("tidak_ada", 0, "offline_offgrid", True, []),
        ("tidak_ada", None, "offline_offgrid", True, []),
        (None, 2200, None, False, ["internet_unknown"]),
        (None, None, None, False, ["internet_unknown", "power_unknown"]),
    ],
)
def test_kit_follows_internet_class(session, internet, watts, kit, ready, reasons):
    school = _school(session, watts, internet)
    compute_readiness(session, YEAR, province_code="53")
    target = _target(session, school)
    assert (target.kit, target.is_ready, target.reason_codes) == (kit, ready, reasons)


def test_safe_room_confirmed_by_the_school_makes_it_ready(session):
    school = _school(session, 5500, "stabil", safe_room=False)
    other = _school(session, 5500, "stabil", safe_room=False)
    compute_readiness(session, YEAR, province_code="53")
    target = _target(session, school)
    assert target.reason_codes == ["no_safe_room"] and not target.is_ready
    assert "Ruang aman" in explain(target)[0].reason
    operator = accounts.create_user(session, username="op_dg", full_name="Operator", password="sandi-uji-12345",
                                    role="school_operator", scope=accounts.Scope(school_npsn=school.npsn))  # fmt: skip
    with pytest.raises(DigitalisasiRefused, match="Hanya operator atau kepala sekolah ini"):
        confirm_safe_room(session, operator, other.id, "ruang kelas 2")
    confirm_safe_room(session, operator, school.id, "Ruang kelas 3, pintu berkunci")
    target = _target(session, school)
    assert target.is_ready and target.has_safe_room and target.reason_codes == []
    assert not _target(session, other).is_ready
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "digitalisasi.safe_room_confirmed")
    ).all()
    assert [e.actor_id for e in event] == [operator.id]


def test_recompute_sees_changed_school_data_and_adds_no_duplicate(session):
    school = _school(session, 1300, "stabil")
    first = compute_readiness(session, YEAR, province_code="53")
    assert (first.computed, first.added, first.ready) == (1, 1, 0)
    school.electricity_watts = 3500
    session.flush()
    seen = []
    again = compute_readiness(
        session, YEAR, province_code="53", progress=lambda done, total: seen.append((done, total))
    )
    assert (again.computed, again.added, again.ready) == (1, 0, 1)
    assert seen == [(1, 1)]
    assert _target(session, school).is_ready
    assert "1 sekolah dihitung" in again.summary()


def test_province_scope_and_unknown_province(session):
    inside = _school(session, 2200, "stabil")
    outside = _school(session, 2200, "stabil", regency="35.78")
    compute_readiness(session, YEAR, province_code="35")
    assert _target(session, inside) is None and _target(session, outside).is_ready
    with pytest.raises(ValueError, match="tidak dikenal"):
        compute_readiness(session, YEAR, province_code="99")


def test_demo_seed_lists_targets_with_ready_and_unready_schools(session):
    from spmp.accounts.models import User
    from spmp.demo_seed import seed_demo

    seed_demo(session, schools=600)
    operator = session.scalar(select(User).where(User.username == "operator"))
    rows = session.execute(
        select(DigitalTarget.is_ready, DigitalTarget.school_id).where(DigitalTarget.year == YEAR)
    ).all()
    assert len(rows) == 600 and any(ready for ready, _ in rows)
    own = session.scalar(select(DigitalTarget).where(DigitalTarget.school_id == operator.school_id))
    assert "no_safe_room" in own.reason_codes  # the operator confirms it in the demo
    seed_demo(session, schools=600)  # idempotent
    assert session.scalar(select(func.count()).select_from(DigitalTarget)) == 600


def test_demo_seed_has_shipments_and_a_bimtek_with_an_attendee(session):
    from spmp.demo_seed import seed_demo
    from spmp.digitalisasi.models import BimtekParticipant, Shipment

    seed_demo(session, schools=300)
    assert session.scalar(select(func.count()).select_from(Shipment)) >= 1
    assert session.scalar(select(func.count()).where(BimtekParticipant.attended)) == 1
