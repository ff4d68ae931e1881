"""Read-side queries for the case pages: the scoped case list, a case's deadlines, who acted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from spmp.accounts.models import User
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.engine.permissions import visible_cases


@dataclass(frozen=True)
class CaseFilters:
    type_key: str | None = None
    state: str | None = None
    mine: bool = False  # only cases assigned to the user
    open_only: bool = False


@dataclass
class CasePage:
    cases: list[CaseRecord]
    next_before: int | None  # keyset cursor: the last id shown


def list_cases(
    session: Session, user: User, filters: CaseFilters, before: int | None = None, limit: int = 50
) -> CasePage:
    """The user's cases, newest first, with their school loaded in the same query."""
    query = visible_cases(user).options(joinedload(CaseRecord.school)).order_by(CaseRecord.id.desc())
    if filters.type_key:
        query = query.where(CaseRecord.type_key == filters.type_key)
    if filters.state:
        query = query.where(CaseRecord.state == filters.state)
    if filters.mine:
        query = query.where(CaseRecord.assignee_user_id == user.id)
    if filters.open_only:
        query = query.where(CaseRecord.closed_at.is_(None))
    if before:
        query = query.where(CaseRecord.id < before)
    rows = list(session.scalars(query.limit(limit + 1)))
    return CasePage(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


def case_deadlines(session: Session, case_id: int) -> list[CaseDeadline]:
    return list(session.scalars(select(CaseDeadline).where(CaseDeadline.case_id == case_id)
                                .order_by(CaseDeadline.fire_at)))  # fmt: skip


def users_by_id(session: Session, ids) -> dict[int, User]:
    """The users behind a set of ids (e.g. the actors of a timeline), in one query."""
    ids = {i for i in ids if i is not None}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
