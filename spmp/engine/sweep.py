"""The deadline sweep: claims due ``case_deadline`` rows exactly once and writes notifications.

Called by the scheduler's sweep job inside one write transaction (``db.transaction()``). For every row with
``status = 'pending' AND fire_at <= now`` it sets ``status = 'fired'`` and, in the same transaction, writes
an in-app ``Notification`` per recipient and an ``OutboxMessage`` per recipient with an e-mail address. The
mail itself is sent later by ``spmp.notifications.delivery`` (after commit), so a rolled-back sweep sends
nothing and leaves its rows pending for the next run.

Exactly once:
- PostgreSQL: the claim is ``UPDATE ... WHERE id = ANY(ARRAY(SELECT ... FOR UPDATE SKIP LOCKED)) RETURNING``.
  A second sweep running at the same time skips the rows the first one holds; once the first commits, the
  rows are no longer pending (a row locked after that commit is re-checked against its new version). So
  each row is claimed by exactly one committed sweep.
- SQLite: the write session begins IMMEDIATE, so two sweeps are serialised on the database write lock; the
  second one sees the first one's rows as fired.
- Catch-up: every pending row with ``fire_at <= now`` is claimed, however old, so a sweep after downtime
  fires what it missed, once.

Routing: reminder and due notices go to the assignee (the assigned user, or the staff of the assigned
unit; with no assignee, the staff of the owning unit). Escalations go to the holders of the deadline's
``escalate_to_role`` within the case's scope (e.g. ``bpmp_head`` of the owning unit, ``dinas_province`` of
its province, ``pusat`` nationally).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from spmp.accounts.models import NATIONAL_ROLES, Role, User
from spmp.bulk_insert import bulk_insert
from spmp.db import UTCDateTime
from spmp.engine.cases import CaseRecord
from spmp.notifications.models import Notification, OutboxMessage
from spmp.notifications.text import format_time

# How many rows one claim statement takes; the sweep loops until nothing due is left.
CLAIM_BATCH = 10_000
# Roles that act for an assigned (or owning) unit when no single user is assigned.
UNIT_ASSIGNEE_ROLES = (Role.BPMP_STAFF.value,)
UNIT_FALLBACK_ROLES = (Role.BPMP_HEAD.value,)

_DUE = (
    "SELECT id FROM case_deadline WHERE status = 'pending' AND fire_at <= :now ORDER BY fire_at LIMIT :limit"
)
_CLAIM = "UPDATE case_deadline SET status = 'fired', fired_at = :now WHERE id IN ({due})"
_RETURNING = " RETURNING id, case_id, state, kind, fire_at, due_at, escalate_to_role"
_CASE_FIELDS = (
    "title",
    "unit_id",
    "school_id",
    "province_code",
    "regency_code",
    "assignee_user_id",
    "assignee_unit_id",
)
# PostgreSQL: SKIP LOCKED lets a concurrent sweep pass over rows another one holds; the case columns come
# back in the same statement (a data-modifying CTE), saving a round of IN-list lookups.
# ``id = ANY(ARRAY(...))`` rather than ``id IN (...)``: with IN the planner hash-joins against a sequential
# scan of the whole table (measured: ~50 ms per 300,000 rows); the array makes it probe the primary key.
_CLAIM_PG = text(
    "WITH claimed AS (UPDATE case_deadline SET status = 'fired', fired_at = :now"
    " WHERE id = ANY(ARRAY(" + _DUE + " FOR UPDATE SKIP LOCKED))" + _RETURNING + ") "
    "SELECT claimed.*, " + ", ".join(f"c.{name}" for name in _CASE_FIELDS) + " "
    "FROM claimed JOIN case_record c ON c.id = claimed.case_id"
)
# SQLite: the IMMEDIATE write transaction already serialises sweeps; RETURNING cannot reach a joined table.
_CLAIM_SQLITE = text(_CLAIM.format(due=_DUE) + _RETURNING)


class CaseInfo(NamedTuple):
    """The few case columns a notice needs."""

    id: int
    title: str
    unit_id: int
    school_id: int | None
    province_code: str
    regency_code: str | None
    assignee_user_id: int | None
    assignee_unit_id: int | None


_COLUMN_TYPES = {"fire_at": UTCDateTime(), "due_at": UTCDateTime()}


@dataclass
class SweepReport:
    """What one sweep did."""

    claimed: int = 0
    by_kind: Counter = field(default_factory=Counter)
    notifications: int = 0
    emails: int = 0
    unrouted: int = 0  # claimed rows for which nobody could be found to tell

    def merge(self, other: SweepReport) -> None:
        """Add another sweep's counts to this one."""
        self.claimed += other.claimed
        self.by_kind.update(other.by_kind)
        self.notifications += other.notifications
        self.emails += other.emails
        self.unrouted += other.unrouted

    def lines(self) -> list[str]:
        kinds = ", ".join(f"{k}={n}" for k, n in sorted(self.by_kind.items())) or "-"
        return [
            f"Tenggat diproses: {self.claimed} ({kinds})",
            f"Notifikasi: {self.notifications}, email antre: {self.emails}, tanpa penerima: {self.unrouted}",
        ]


def sweep(session: Session, now: datetime, max_rows: int | None = None) -> SweepReport:
    """Claim due deadline rows once (all of them, or about ``max_rows``) and write their notifications.

    Flushes, never commits. ``max_rows`` lets a caller split a large catch-up into several shorter
    transactions (see ``spmp.scheduler.run_sweep``); it is rounded up to whole claim batches.
    """
    report = SweepReport()
    router = _Router(session)
    while max_rows is None or report.claimed < max_rows:
        claimed, cases = _claim_batch(session, router, now)
        if not claimed:
            break
        router.load_assignees(cases.values())
        _notify(router, claimed, cases, now, report)
        if len(claimed) < CLAIM_BATCH:
            break
    return report


def _claim_batch(session: Session, router: _Router, now: datetime) -> tuple[list[Any], dict[int, CaseInfo]]:
    """Mark up to CLAIM_BATCH due rows fired and return them with their cases (the UPDATE is the claim)."""
    is_sqlite = session.get_bind().dialect.name == "sqlite"
    statement = _CLAIM_SQLITE if is_sqlite else _CLAIM_PG
    statement = statement.bindparams(bindparam("now", type_=UTCDateTime())).columns(**_COLUMN_TYPES)
    rows = list(session.execute(statement, {"now": now, "limit": CLAIM_BATCH}))
    # RETURNING comes back in no particular order; notify in the order the deadlines fell due.
    rows.sort(key=lambda row: (row.fire_at, row.id))
    if is_sqlite:
        return rows, router.load_cases({row.case_id for row in rows})
    cases = {
        row.case_id: CaseInfo(row.case_id, *(getattr(row, name) for name in _CASE_FIELDS)) for row in rows
    }
    return rows, cases


NOTIFICATION_COLUMNS = ("user_id", "case_id", "deadline_id", "kind", "title", "body", "created_at")
EMAIL_COLUMNS = (
    "user_id",
    "recipient",
    "subject",
    "body",
    "created_at",
    "attempts",
    "for_digest",
    "is_digest",
)


def _notify(
    router: _Router, claimed: list[Any], cases: dict[int, CaseInfo], now: datetime, report: SweepReport
) -> None:
    """Write the notifications and outbox rows for a batch of claimed deadline rows."""
    session = router.session
    notifications: list[tuple] = []
    emails: list[tuple] = []
    for row in claimed:
        report.claimed += 1
        report.by_kind[row.kind] += 1
        case = cases[row.case_id]
        recipients = router.recipients(row, case)
        if not recipients:
            report.unrouted += 1
            continue
        title, body = compose(row, case)
        for user in recipients:
            notifications.append((user.id, case.id, row.id, row.kind, title, body, now))
            if user.email:
                emails.append(
                    (user.id, user.email, f"[SPMP] {title}", body, now, 0, user.wants_daily_digest, False)
                )
    # Plain driver-level bulk writes: this is the sweep's hot path (see spmp.bulk_insert).
    bulk_insert(session, Notification.__tablename__, NOTIFICATION_COLUMNS, notifications)
    bulk_insert(session, OutboxMessage.__tablename__, EMAIL_COLUMNS, emails)
    report.notifications += len(notifications)
    report.emails += len(emails)


def compose(row, case) -> tuple[str, str]:
    """The (title, body) of the notice for one deadline row, in Bahasa Indonesia."""
    due = format_time(row.due_at)
    name = f"{case.title} (#{case.id})"
    if row.kind == "reminder":
        title = f"Pengingat: {name} jatuh tempo {due}"
        lead = f"Kasus {name} pada tahap '{row.state}' akan jatuh tempo pada {due}."
    elif row.kind == "due":
        title = f"Jatuh tempo: {name}"
        lead = f"Kasus {name} pada tahap '{row.state}' telah mencapai tenggat {due}."
    else:
        title = f"Eskalasi: {name} melewati tenggat"
        lead = (
            f"Kasus {name} pada tahap '{row.state}' telah melewati tenggat {due} dan dieskalasi kepada Anda."
        )
    return title, f"{lead}\nSilakan buka SPMP untuk menindaklanjuti kasus #{case.id}."


class _Router:
    """Finds the users to notify, with per-sweep caches so a batch costs a few queries, not one per row."""

    _USER_COLUMNS = (User.id, User.email, User.wants_daily_digest)

    def __init__(self, session: Session) -> None:
        self.session = session
        self.connection = session.connection()
        self._users: dict[int, Any] = {}
        self._holders: dict[tuple, list[Any]] = {}

    def load_cases(self, case_ids: set[int]) -> dict[int, CaseInfo]:
        columns = [CaseRecord.id, *(getattr(CaseRecord, name) for name in _CASE_FIELDS)]
        cases: dict[int, CaseInfo] = {}
        for chunk in _chunks(sorted(case_ids)):
            # Core on the session's connection: plain rows, no ORM bookkeeping (hot path after downtime).
            for row in self.connection.execute(select(*columns).where(CaseRecord.id.in_(chunk))):
                cases[row.id] = CaseInfo(*row)
        return cases

    def load_assignees(self, cases) -> None:
        """Load (once per sweep) the assigned users of these cases."""
        self._load_users({c.assignee_user_id for c in cases if c.assignee_user_id} - set(self._users))

    def _load_users(self, user_ids: set[int]) -> None:
        for chunk in _chunks(sorted(user_ids)):
            query = select(*self._USER_COLUMNS).where(User.id.in_(chunk), User.is_active.is_(True))
            for user in self.connection.execute(query):
                self._users[user.id] = user

    def recipients(self, row, case) -> list[Any]:
        """The users to tell about one claimed deadline row."""
        if row.kind == "escalation" and row.escalate_to_role:
            return self.role_holders(row.escalate_to_role, case)
        if case.assignee_user_id is not None:
            user = self._users.get(case.assignee_user_id)
            return [user] if user is not None else self.unit_staff(case.unit_id)
        return self.unit_staff(case.assignee_unit_id or case.unit_id)

    def unit_staff(self, unit_id: int) -> list[Any]:
        """Active staff of a unit (its head when it has no staff)."""
        staff = self._holders_where(("staff", unit_id), User.unit_id == unit_id, UNIT_ASSIGNEE_ROLES)
        return staff or self._holders_where(("head", unit_id), User.unit_id == unit_id, UNIT_FALLBACK_ROLES)

    def role_holders(self, role: str, case) -> list[Any]:
        """Active holders of ``role`` whose scope covers the case."""
        if role in NATIONAL_ROLES:
            return self._holders_where((role,), None, (role,))
        if role == Role.DINAS_PROVINCE:
            return self._holders_where(
                (role, case.province_code), User.province_code == case.province_code, (role,)
            )
        if role == Role.DINAS_REGENCY:
            if case.regency_code is None:
                return []
            return self._holders_where(
                (role, case.regency_code), User.regency_code == case.regency_code, (role,)
            )
        if role in (Role.SCHOOL_OPERATOR, Role.PRINCIPAL):
            if case.school_id is None:
                return []
            return self._holders_where((role, case.school_id), User.school_id == case.school_id, (role,))
        return self._holders_where((role, case.unit_id), User.unit_id == case.unit_id, (role,))

    def _holders_where(self, key: tuple, condition, roles: tuple[str, ...]) -> list[Any]:
        cache_key = (roles, *key)
        if cache_key not in self._holders:
            query = select(*self._USER_COLUMNS).where(User.role.in_(roles), User.is_active.is_(True))
            if condition is not None:
                query = query.where(condition)
            self._holders[cache_key] = list(self.connection.execute(query.order_by(User.id)))
        return self._holders[cache_key]


def _chunks(values: list[int], size: int = 5000):
    for start in range(0, len(values), size):
        yield values[start : start + size]
