"""Read-side queries for account administration."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from spmp.accounts.models import Role, User


@dataclass
class UserPage:
    users: list[User]
    next_after: int | None  # keyset cursor (the last id shown) for the next page


def list_users(session: Session, q: str = "", role: str = "", after: int = 0, limit: int = 50) -> UserPage:
    """Users by id, filtered by a name/username fragment and a role, with their scope objects loaded
    in the same query (the list shows them for every row)."""
    query = (
        select(User)
        .options(
            joinedload(User.school),
            joinedload(User.unit),
            joinedload(User.province),
            joinedload(User.regency),
        )
        .where(User.id > after)
        .order_by(User.id)
        .limit(limit + 1)
    )
    if q:
        query = query.where(or_(User.username.contains(q), func.lower(User.full_name).contains(q)))
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    rows = list(session.scalars(query))
    return UserPage(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)
