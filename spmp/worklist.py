""" "Pekerjaan saya": the open cases a user should act on, soonest deadline first (the dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from spmp.accounts.models import SCHOOL_ROLES, User
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.engine.permissions import case_scope


@dataclass(frozen=True)
class WorkItem:
    case: CaseRecord
    due_at: datetime | None

    def is_overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at < now


def _mine(user: User):
    """Cases the user answers for: assigned to them (or their unit), or, for a school, its own cases."""
    if user.role in SCHOOL_ROLES:
        return CaseRecord.school_id == user.school_id
    clauses = [CaseRecord.assignee_user_id == user.id]
    if user.unit_id is not None:
        clauses.append(
            and_(CaseRecord.assignee_unit_id == user.unit_id, CaseRecord.assignee_user_id.is_(None))
        )
    return or_(*clauses)


def my_worklist(session: Session, user: User, limit: int = 20) -> list[WorkItem]:
    """Open cases for ``user``, with the due date of their current state, soonest first (no date last)."""
    due = (
        select(CaseDeadline.case_id, func.min(CaseDeadline.due_at).label("due_at"))
        .where(CaseDeadline.kind == "due")
        .group_by(CaseDeadline.case_id)
        .subquery()
    )
    query = (
        select(CaseRecord, due.c.due_at)
        .outerjoin(due, due.c.case_id == CaseRecord.id)
        .options(joinedload(CaseRecord.school))
        .where(CaseRecord.closed_at.is_(None), case_scope(user), _mine(user))
        .order_by(due.c.due_at.is_(None), due.c.due_at, CaseRecord.id)
        .limit(limit)
    )
    return [WorkItem(case, due_at) for case, due_at in session.execute(query)]
