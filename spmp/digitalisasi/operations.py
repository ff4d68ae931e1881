"""Digitalisasi use cases: the school confirming its safe room (its readiness is recomputed at once).
Each takes the session and the acting user, writes its audit event, flushes and never commits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.accounts.models import User
from spmp.digitalisasi import permissions
from spmp.digitalisasi.models import SafeRoom
from spmp.digitalisasi.readiness import DEFAULT_MIN_WATTS, recompute_school
from spmp.errors import Refusal

MAX_NOTE = 500


class DigitalisasiRefused(Refusal):
    """A Digitalisasi action refused; the message says why, in Indonesian."""


def confirm_safe_room(
    session: Session, user: User, school_id: int, note: str | None, *, threshold: int = DEFAULT_MIN_WATTS
) -> SafeRoom:
    """The school's operator or principal confirms a safe room for the panel (lockable, dry, a socket)."""
    if not permissions.acts_for_school(user, school_id):
        raise DigitalisasiRefused(
            "Hanya operator atau kepala sekolah ini yang dapat mengonfirmasi ruang aman."
        )
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise DigitalisasiRefused(f"Keterangan ruang aman paling banyak {MAX_NOTE} karakter.")
    room = session.get(SafeRoom, school_id) or SafeRoom(school_id=school_id)
    room.note, room.confirmed_by_id, room.confirmed_at = note, user.id, clock.now()
    session.add(room)
    session.flush()
    audit.append(session, action="digitalisasi.safe_room_confirmed", actor_id=user.id,
                 changes={"school_id": school_id, "note": note})  # fmt: skip
    recompute_school(session, school_id, threshold)
    return room
