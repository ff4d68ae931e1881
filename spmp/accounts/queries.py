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


def filtered_users(q: str = "", role: str = ""):
    """``select(User)`` by id with the list's filters, scope objects loaded in the same query."""
    query = (
        select(User)
        .options(
            joinedload(User.school),
            joinedload(User.unit),
            joinedload(User.province),
            joinedload(User.regency),
        )
        .order_by(User.id)
    )
    if q:
        query = query.where(or_(User.username.contains(q), func.lower(User.full_name).contains(q)))
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    return query


def scope_label(user: User) -> str:
    """The area a user works in, by name ("Nasional" for national roles)."""
    for scoped in (user.school, user.unit, user.province, user.regency):
        if scoped is not None:
            return scoped.name
    return "Nasional"


USER_EXPORT_HEADER = ("Nama pengguna", "Nama", "Peran", "Cakupan", "Surel", "Status", "Terakhir masuk ({zona})")


def user_export_rows(session: Session, statement):
    """Rows of :data:`USER_EXPORT_HEADER` for ``statement`` (from :func:`filtered_users`)."""
    for user in session.scalars(statement.execution_options(yield_per=500)):
        yield (user.username, user.full_name, user.role_label, scope_label(user), user.email,
               "Aktif" if user.is_active else "Nonaktif", user.last_login_at)  # fmt: skip


def list_users(session: Session, q: str = "", role: str = "", after: int = 0, limit: int = 50) -> UserPage:
    """Users by id, filtered by a name/username fragment and a role, with their scope objects loaded
    in the same query (the list shows them for every row)."""
    query = filtered_users(q, role).where(User.id > after).limit(limit + 1)
    rows = list(session.scalars(query))
    return UserPage(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)
