"""Conflicts of interest: an administrator records that a person (a Widyaprada) may not be assigned to a
school (a former school, a relative's school), with the reason. Every place that chooses an assignee for a
school asks ``conflict_refusal`` and refuses with its message; suggestions leave such people out
(``conflicted_user_ids``). Recording and removing are audited."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from spmp import audit, clock
from spmp.accounts.models import CONFLICT_KINDS, UNIT_ROLES, ConflictOfInterest, User
from spmp.accounts.permissions import is_admin
from spmp.errors import Refusal
from spmp.schools.models import School

MAX_REASON = 2000


class ConflictRefused(Refusal, ValueError):
    """A conflict cannot be recorded or removed as asked, or an assignment meets a recorded conflict;
    ``field`` names the form field when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _require_admin(actor: User) -> None:
    if not is_admin(actor):
        raise ConflictRefused("Hanya administrator yang dapat mencatat atau menghapus konflik kepentingan.")


def record_conflict(
    session: Session, actor: User, *, username: str, npsn: str, kind: str, reason: str
) -> ConflictOfInterest:
    """Record that ``username`` may not be assigned to the school ``npsn``."""
    _require_admin(actor)
    person = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if person is None or person.role not in UNIT_ROLES:
        raise ConflictRefused("Nama pengguna tidak ditemukan atau bukan pegawai B/BPMP.", "username")
    school = session.scalar(select(School).where(School.npsn == (npsn or "").strip()))
    if school is None:
        raise ConflictRefused(f"Sekolah dengan NPSN {npsn!r} tidak ditemukan.", "npsn")
    if kind not in CONFLICT_KINDS:
        raise ConflictRefused("Pilih jenis konflik kepentingan.", "kind")
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ConflictRefused(f"Alasan wajib diisi (paling banyak {MAX_REASON} karakter).", "reason")
    existing = session.scalar(
        select(ConflictOfInterest).where(
            ConflictOfInterest.user_id == person.id, ConflictOfInterest.school_id == school.id
        )
    )
    if existing is not None:
        raise ConflictRefused(f"Konflik {person.full_name} dengan {school.name} sudah tercatat.", "npsn")
    now = clock.now()
    conflict = ConflictOfInterest(user_id=person.id, school_id=school.id, kind=kind, reason=reason,
                                  recorded_by_id=actor.id, recorded_at=now)  # fmt: skip
    session.add(conflict)
    session.flush()
    audit.append(session, action="conflict.record", actor_id=actor.id, reason=reason, occurred_at=now,
                 changes=_event(conflict))  # fmt: skip
    return conflict


def remove_conflict(session: Session, actor: User, conflict_id: int, reason: str) -> None:
    """Remove a recorded conflict (the audit event keeps what it was, who removed it and why)."""
    _require_admin(actor)
    conflict = session.get(ConflictOfInterest, conflict_id)
    if conflict is None:
        raise ConflictRefused("Konflik kepentingan tidak ditemukan (mungkin sudah dihapus).")
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ConflictRefused(
            f"Alasan penghapusan wajib diisi (paling banyak {MAX_REASON} karakter).", "reason"
        )
    changes = {**_event(conflict), "recorded_by_id": conflict.recorded_by_id,
               "recorded_at": conflict.recorded_at.isoformat(), "recorded_reason": conflict.reason}  # fmt: skip
    session.delete(conflict)
    session.flush()
    audit.append(session, action="conflict.remove", actor_id=actor.id, reason=reason, changes=changes)


def _event(conflict: ConflictOfInterest) -> dict:
    return {"conflict_id": conflict.id, "user_id": conflict.user_id, "school_id": conflict.school_id,
            "kind": conflict.kind}  # fmt: skip


def conflicts_of(session: Session, user_id: int, school_ids: Iterable[int]) -> list[ConflictOfInterest]:
    ids = sorted({i for i in school_ids if i is not None})
    if not ids:
        return []
    query = (
        select(ConflictOfInterest)
        .where(ConflictOfInterest.user_id == user_id, ConflictOfInterest.school_id.in_(ids))
        .options(joinedload(ConflictOfInterest.school), joinedload(ConflictOfInterest.user))
        .order_by(ConflictOfInterest.school_id)
    )
    return list(session.scalars(query))


def conflict_message(conflict: ConflictOfInterest) -> str:
    school = conflict.school
    return (
        f"{conflict.user.full_name} memiliki konflik kepentingan dengan {school.name} (NPSN {school.npsn}): "
        f"{conflict.kind_label.lower()} — {conflict.reason}"
    )


def conflict_refusal(session: Session, user_id: int | None, school_ids: Iterable[int]) -> str | None:
    """Why ``user_id`` may not be assigned to these schools (the first recorded conflict), or None."""
    if user_id is None:
        return None
    found = conflicts_of(session, user_id, school_ids)
    return conflict_message(found[0]) if found else None


def check_no_conflict(session: Session, user_id: int | None, school_ids: Iterable[int]) -> None:
    """Raise ``ConflictRefused`` when ``user_id`` has a recorded conflict with one of the schools."""
    refusal = conflict_refusal(session, user_id, school_ids)
    if refusal:
        raise ConflictRefused(f"Tidak dapat ditugaskan: {refusal}")


def conflicted_user_ids(session: Session, school_ids: Iterable[int]) -> set[int]:
    """Everyone with a recorded conflict with any of the schools (left out of suggestions)."""
    ids = sorted(set(school_ids))
    if not ids:
        return set()
    query = select(ConflictOfInterest.user_id).where(ConflictOfInterest.school_id.in_(ids))
    return set(session.scalars(query))


def conflict_query(search: str | None = None):
    """Every recorded conflict (the admin list), newest first; ``search`` matches username or NPSN."""
    query = (
        select(ConflictOfInterest)
        .join(User, User.id == ConflictOfInterest.user_id)
        .join(School, School.id == ConflictOfInterest.school_id)
        .options(
            joinedload(ConflictOfInterest.user).joinedload(User.unit),
            joinedload(ConflictOfInterest.school),
            joinedload(ConflictOfInterest.recorded_by),
        )
        .order_by(ConflictOfInterest.recorded_at.desc(), ConflictOfInterest.id.desc())
    )
    search = (search or "").strip().lower()
    if search:
        query = query.where((User.username == search) | (School.npsn == search))
    return query


EXPORT_HEADER = ("Nama pengguna", "Nama", "Unit", "NPSN", "Sekolah", "Jenis konflik", "Alasan",
                 "Dicatat oleh", "Dicatat pada ({zona})")  # fmt: skip


def export_rows(session: Session, query):
    for c in session.scalars(query):
        yield (c.user.username, c.user.full_name, c.user.unit.code if c.user.unit else "", c.school.npsn,
               c.school.name, c.kind_label, c.reason, c.recorded_by.username, c.recorded_at)  # fmt: skip
