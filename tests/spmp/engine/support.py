"""Test helpers for the engine: users of every role around one school, and a case factory."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from spmp import clock
from spmp.accounts.models import SchoolAssignment, User
from spmp.engine import open_case
from spmp.engine.cases import CaseRecord
from spmp.regions.models import UnitCoverage
from spmp.schools.models import School
from tests.factories import make_school

_seq = itertools.count(1)
MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 WIB


def make_user(session, role: str, **scope) -> User:
    """A user of ``role`` with the scope column(s) given (school_id, unit_id, province_code, regency_code)."""
    n = next(_seq)
    user = User(
        username=f"{role}-{n}-{id(session) % 10_000}",
        full_name=f"{role.title()} {n}",
        password_hash="!",  # cannot log in; engine tests never do
        role=role,
        created_at=clock.now(),
        is_active=True,
        session_epoch=0,
        failed_logins=0,
        wants_daily_digest=False,
        **scope,
    )
    session.add(user)
    session.flush()
    return user


def unit_of(session, province_code: str) -> int:
    return session.scalar(select(UnitCoverage.unit_id).where(UnitCoverage.province_code == province_code))


@dataclass
class World:
    """One school in Kota Kupang (NTT) with people of every role, and outsiders elsewhere."""

    school: School
    other_school: School
    users: dict[str, User]

    def __getitem__(self, name: str) -> User:
        return self.users[name]


def make_world(session) -> World:
    school = make_school(session, regency_code="53.71")
    other = make_school(session, regency_code="32.73")  # Kota Bandung, another unit's area
    unit = unit_of(session, "53")
    other_unit = unit_of(session, "32")
    users = {
        "operator": make_user(session, "school_operator", school_id=school.id),
        "principal": make_user(session, "principal", school_id=school.id),
        "widyaprada": make_user(session, "widyaprada", unit_id=unit),
        "widyaprada2": make_user(session, "widyaprada", unit_id=unit),
        "bpmp_staff": make_user(session, "bpmp_staff", unit_id=unit),
        "bpmp_head": make_user(session, "bpmp_head", unit_id=unit),
        "dinas_province": make_user(session, "dinas_province", province_code="53"),
        "dinas_regency": make_user(session, "dinas_regency", regency_code="53.71"),
        "facilitator": make_user(session, "facilitator", unit_id=unit),
        "pusat": make_user(session, "pusat"),
        "admin": make_user(session, "admin"),
        "other_principal": make_user(session, "principal", school_id=other.id),
        "other_staff": make_user(session, "bpmp_staff", unit_id=other_unit),
        "other_dinas": make_user(session, "dinas_regency", regency_code="32.73"),
    }
    for name in ("widyaprada", "widyaprada2"):
        session.add(SchoolAssignment(user_id=users[name].id, school_id=school.id, assigned_at=clock.now()))
    session.flush()
    return World(school, other, users)


def open_visit(session, world: World, assignee: str | None = "widyaprada", **values) -> CaseRecord:
    """A school_visit case on the world's school, opened by BPMP staff."""
    assignee_id = world[assignee].id if assignee else None
    return open_case(
        session, world["bpmp_staff"], "school_visit", title="Kunjungan supervisi semester 1",
        school_id=world.school.id, assignee_user_id=assignee_id, **values,
    )  # fmt: skip


def fire_now(db, case_id, trigger, user, seen_version, *, connection=None, **kwargs):
    """``fire`` in a transaction of its own, committed (what a bulk tool or the scheduler does), on a
    held connection when given."""
    from spmp.engine import fire

    with db.transaction(connection=connection) as session:
        return fire(session, case_id, trigger, user, seen_version, **kwargs)
