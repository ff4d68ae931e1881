"""The school directory: scoped, filtered, keyset-paginated on (name_key, id) — never OFFSET, so page N
costs the same as page 1 at 440,000 schools."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from spmp.access import school_scope
from spmp.regions.reference import current_t3_regencies
from spmp.schools.models import School


@dataclass
class DirectoryFilters:
    q: str | None = None  # name search, or an NPSN / NPSN prefix
    province_code: str | None = None
    regency_code: str | None = None
    bentuk: str | None = None
    status: str | None = None
    is_3t: bool | None = None  # regency on the current 3T list


@dataclass
class DirectoryPage:
    schools: list[School]
    next_cursor: str | None


def encode_cursor(name_key: str, school_id: int) -> str:
    return base64.urlsafe_b64encode(f"{school_id}:{name_key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    """Raises ValueError for anything that is not a cursor this module made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        school_id, name_key = raw.split(":", 1)
        return name_key, int(school_id)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("invalid directory cursor") from exc


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_filter(q: str):
    q = q.strip()
    if q.isdigit():
        if len(q) == 8:
            return School.npsn == q
        # An NPSN prefix as a range, so the unique index on npsn is used on every backend.
        upper = q[:-1] + chr(ord(q[-1]) + 1)
        return and_(School.npsn >= q, School.npsn < upper)
    return School.name_key.like(f"%{_escape_like(q.lower())}%", escape="\\")


def _filters(f: DirectoryFilters) -> list:
    clauses = []
    if f.q:
        clauses.append(_text_filter(f.q))
    if f.province_code:
        clauses.append(School.province_code == f.province_code)
    if f.regency_code:
        clauses.append(School.regency_code == f.regency_code)
    if f.bentuk:
        clauses.append(School.bentuk == f.bentuk)
    if f.status:
        clauses.append(School.status == f.status)
    if f.is_3t is not None:
        in_3t = School.regency_code.in_(current_t3_regencies())
        clauses.append(in_3t if f.is_3t else ~in_3t)
    return clauses


def search_schools(
    session: Session, user, filters: DirectoryFilters, after: str | None = None, limit: int = 50
) -> DirectoryPage:
    """One page of the directory for ``user``. ``after`` is the ``next_cursor`` of the previous page; an
    invalid cursor raises ValueError (the web view answers 400)."""
    query = select(School).options(joinedload(School.regency)).where(school_scope(user), *_filters(filters))
    if after:
        name_key, school_id = decode_cursor(after)
        query = query.where(
            or_(School.name_key > name_key, and_(School.name_key == name_key, School.id > school_id))
        )
    rows = list(session.scalars(query.order_by(School.name_key, School.id).limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1].name_key, rows[limit - 1].id) if len(rows) > limit else None
    return DirectoryPage(rows[:limit], next_cursor)


def get_school(session: Session, user, school_id: int) -> School | None:
    """The school, or None when it does not exist or lies outside the user's area."""
    return session.scalar(
        select(School)
        .options(joinedload(School.regency), joinedload(School.province))
        .where(School.id == school_id, school_scope(user))
    )
