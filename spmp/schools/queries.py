"""The school directory: scoped, filtered, keyset-paginated on (name_key, id), never OFFSET, so page N
costs the same as page 1 at 440,000 schools.

How the name search stays fast (measured with ``bench/directory_bench.py`` at 440,000 schools):

* ``q`` is a case-insensitive *substring* of the name (users type "kupang" or "muhammadiyah 2", not the
  start of the name), matched with ``name_key LIKE '%q%'`` on the lower-cased ``name_key``.
* PostgreSQL: a pg_trgm GIN index on ``name_key`` (``ix_school_name_trgm``) serves rare terms (bitmap scan,
  then sort the few matches); for common terms the planner walks the ``(name_key, id)`` index and stops
  after one page. Without the trigram index a rare or absent term scanned the whole table (0.5-0.9 s);
  with it, 1-40 ms. The walk is index-only once the table is vacuumed, which is why the import CLI runs
  VACUUM (ANALYZE) after a large load (before that, heap visits made common terms take 0.2-0.6 s).
* SQLite has no trigram index; the LIKE is evaluated on the covering ``(name_key, id)`` index while it is
  walked in page order, so a common term stops early and the worst case (a term that matches nothing)
  is one pass over that index (64 ms national, ~100 ms with a B/BPMP scope, on a busy 2-CPU machine).
  SQLite is the embedded/small-deployment backend, so no FTS5 side table (with its triggers and a
  SQLite-only migration) was added for that worst case.
* The page is chosen by a subquery that selects only ``id`` (index-only where possible); the full rows
  and their regency are loaded for those 50 ids only, in the same statement. Selecting whole rows in the
  ordered walk instead cost 3-10x on PostgreSQL for common terms.
* ``q`` made of digits is an NPSN: exact when 8 digits, otherwise an NPSN prefix (a range on the unique
  NPSN index).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from spmp.access import school_scope
from spmp.export import stream_rows
from spmp.regions.models import Regency
from spmp.regions.names import region_names
from spmp.regions.reference import current_t3_regencies
from spmp.schools.models import ACCREDITATION_LABELS, INTERNET_LABELS, School

MAX_LIMIT = 200
_MAX_CURSOR_LENGTH = 600  # name_key is at most 200 characters; anything longer is not our cursor


@dataclass
class DirectoryFilters:
    q: str | None = None  # name search, or an NPSN (8 digits) / NPSN prefix
    province_code: str | None = None
    regency_code: str | None = None
    bentuk: str | None = None
    status: str | None = None
    is_3t: bool | None = (
        None  # regency on the current 3T list (spmp.regions.reference.current_t3_regencies())
    )


@dataclass
class DirectoryPage:
    schools: list[School]  # with .regency loaded
    next_cursor: str | None  # opaque; None on the last page


def encode_cursor(name_key: str, school_id: int) -> str:
    """The position after a school in (name_key, id) order, as an opaque URL-safe string."""
    return base64.urlsafe_b64encode(f"{school_id}:{name_key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    """``(name_key, id)`` from a cursor; ValueError for anything that is not a cursor this module made."""
    try:
        if len(cursor) > _MAX_CURSOR_LENGTH:
            raise ValueError("cursor too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        school_id, name_key = raw.split(":", 1)
        # ASCII digits within 32 bits: "²" passes isdigit(), and an id beyond 64 bits overflows SQLite.
        if not (school_id.isascii() and school_id.isdigit() and len(school_id) <= 10):
            raise ValueError("cursor id is not a number")
        if int(school_id) > 2**31 - 1:
            raise ValueError("cursor id out of range")
        return name_key, int(school_id)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("invalid directory cursor") from exc


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_filter(q: str):
    q = " ".join(q.split())
    if q.isdigit() and len(q) <= 8:
        if len(q) == 8:
            return School.npsn == q
        # Every NPSN has 8 digits, so the prefix is a closed range of digit strings: any collation orders
        # those the same way and the unique NPSN index serves it.
        pad = 8 - len(q)
        return School.npsn.between(q + "0" * pad, q + "9" * pad)
    return School.name_key.like(f"%{_escape_like(q.lower())}%", escape="\\")


def _filters(f: DirectoryFilters) -> list:
    clauses = []
    if f.q and f.q.strip():
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


def _after(cursor: str):
    name_key, school_id = decode_cursor(cursor)
    return or_(School.name_key > name_key, and_(School.name_key == name_key, School.id > school_id))


def search_schools(
    session: Session, user, filters: DirectoryFilters, after: str | None = None, limit: int = 50
) -> DirectoryPage:
    """One page of the directory for ``user`` (always limited by :func:`spmp.access.school_scope`).

    ``after`` is the ``next_cursor`` of the previous page. An invalid cursor raises ValueError (the web
    view answers 400) rather than silently restarting at page one. ``limit`` is capped at MAX_LIMIT.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    page_ids = select(School.id).where(school_scope(user), *_filters(filters))
    if after:
        page_ids = page_ids.where(_after(after))
    page_ids = page_ids.order_by(School.name_key, School.id).limit(limit + 1).subquery()
    query = (
        select(School)
        .join(page_ids, page_ids.c.id == School.id)
        .options(joinedload(School.regency, innerjoin=True))
        .order_by(School.name_key, School.id)
    )
    rows = list(session.scalars(query))
    if len(rows) > limit:
        last = rows[limit - 1]
        return DirectoryPage(rows[:limit], encode_cursor(last.name_key, last.id))
    return DirectoryPage(rows, None)


EXPORT_HEADER = ("NPSN", "Nama sekolah", "Jenjang", "Status", "Kabupaten/Kota", "Provinsi", "Alamat",
                 "Desa/Kelurahan", "Daerah 3T", "Akreditasi", "Daya listrik (W)", "Akses internet")  # fmt: skip


def directory_export_statement(user, filters: DirectoryFilters):
    """The whole filtered directory for ``user`` (scoped), in directory order, as plain columns: what the
    XLSX/CSV download streams. Built while the user is known; executed later (web/export.py)."""
    columns = (School.npsn, School.name, School.bentuk, School.status, School.regency_code,
               School.province_code, School.address, School.village, School.accreditation_rank,
               School.electricity_watts, School.internet_access)  # fmt: skip
    return select(*columns).where(school_scope(user), *_filters(filters)).order_by(School.name_key, School.id)


def directory_export_rows(session: Session, statement):
    """Rows of :data:`EXPORT_HEADER` for ``statement`` (from :func:`directory_export_statement`), with
    regency and province *names* (looked up once, not joined per row) and readable labels."""
    names = region_names(session)
    regencies, provinces = names.regencies, names.provinces
    t3 = set(session.scalars(select(Regency.code).where(Regency.code.in_(current_t3_regencies()))))
    rows = stream_rows(session, statement)
    for npsn, name, bentuk, status, regency, province, address, village, rank, watts, internet in rows:
        yield (npsn, name, bentuk, status.capitalize(), regencies.get(regency, regency),
               provinces.get(province, province), address, village, "Ya" if regency in t3 else "Tidak",
               ACCREDITATION_LABELS.get(rank, rank), watts, INTERNET_LABELS.get(internet, internet))  # fmt: skip


def get_school(session: Session, user, school_id: int) -> School | None:
    """The school with its regency and province, or None when it does not exist or lies outside the
    user's area (the caller answers 404 either way)."""
    return session.scalar(
        select(School)
        .options(joinedload(School.regency), joinedload(School.province))
        .where(School.id == school_id, school_scope(user))
    )


def school_by_npsn(session: Session, npsn: str) -> School | None:
    """The school with this NPSN, wherever it lies: the operation it is handed to checks the user's area and
    says so, rather than answering "not found" for a school that exists."""
    return session.scalar(select(School).where(School.npsn == npsn))
