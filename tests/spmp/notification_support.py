"""Helpers for the sweep, scheduler and delivery tests: people, cases and deadline rows made directly."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy import func, select

from spmp import clock
from spmp.accounts.models import User
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.regions.models import UnitCoverage
from tests.factories import make_school

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 09:00 WIB on a Tuesday
_seq = itertools.count(1)


def unit_of(session, province_code: str) -> int:
    return session.scalar(select(UnitCoverage.unit_id).where(UnitCoverage.province_code == province_code))


def make_person(session, role: str, *, email: bool = True, digest: bool = False, **scope) -> User:
    n = next(_seq)
    username = f"n-{role}-{n}-{id(session) % 100_000}"
    user = User(
        username=username,
        full_name=f"{role.title()} {n}",
        email=f"{username}@contoh.go.id" if email else None,
        password_hash="!",
        role=role,
        created_at=clock.now(),
        is_active=True,
        session_epoch=0,
        failed_logins=0,
        wants_daily_digest=digest,
        **scope,
    )
    session.add(user)
    session.flush()
    return user


def make_case(session, *, assignee: User | None = None, assignee_unit_id: int | None = None) -> CaseRecord:
    """A case on a new school in Kota Kupang (NTT), owned by the NTT B/BPMP unit."""
    school = make_school(session, regency_code="53.71")
    now = T0
    case = CaseRecord(
        type_key="school_visit",
        type_version=1,
        title=f"Kunjungan {school.npsn}",
        school_id=school.id,
        unit_id=unit_of(session, "53"),
        province_code="53",
        regency_code="53.71",
        assignee_user_id=assignee.id if assignee else None,
        assignee_unit_id=assignee_unit_id,
        state="scheduled",
        state_entered_at=now,
        opened_at=now,
        updated_at=now,
        version=1,
        is_paused=False,
    )
    session.add(case)
    session.flush()
    return case


def add_deadline(session, case: CaseRecord, kind: str, fire_at: datetime, due_at: datetime | None = None,
                 escalate_to_role: str | None = None, status: str = "pending") -> CaseDeadline:  # fmt: skip
    taken = session.scalar(select(func.count()).where(CaseDeadline.case_id == case.id))
    row = CaseDeadline(
        case_id=case.id,
        slot=taken,
        state=case.state,
        kind=kind,
        fire_at=fire_at,
        due_at=due_at or fire_at,
        is_working_days=False,
        escalate_to_role=escalate_to_role,
        status=status,
    )
    session.add(row)
    session.flush()
    return row
