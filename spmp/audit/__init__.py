"""Append-only audit trail, sealed in sequence (the shape of RFC 6962 logs such as Certificate Transparency).

Writers only INSERT: every event carries the sha256 of its own content (``content_hash``) and nothing about
the events before it, so transitions all over the country never queue on one lock. A trigger puts each new
event's id in ``audit_pending``. The sequencer (``spmp.audit.sequencer``: a scheduler job every few seconds,
and ``spmp audit seal``) then gives the committed events consecutive positions, writes a seal row per
position (its hash chained to the position before) and per batch a signed Merkle tree head, and appends that
head to an anchor outside the database. ``spmp.audit.verifier`` checks all of it; ``spmp.audit.proofs`` proves
one event's inclusion to someone who sees nothing else.

Events written before sealing existed (migration 0013) carry a chain of their own (``prev_hash``, and a
``hash`` over the id, the content and the previous hash): they keep it, are sealed first, in id order, and
``verify`` checks both.

Database triggers refuse UPDATE and DELETE on events and seals on both backends, and TRUNCATE on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from spmp import clock
from spmp.db import Base, UTCDateTime
from spmp.fastsql import FastSQL, Statement

GENESIS_HASH = "0" * 64
# Actions that set a case's state and version: ``verify`` checks each case against the last of them.
VERSIONED_ACTIONS = ("open", "fire", "assign", "pause", "resume", "migrate")


class AuditEvent(Base):
    """One audit event. Never updated or deleted (database triggers refuse it)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Ids without foreign keys (migration 0009): the trail outlives what it describes.
    actor_id: Mapped[int | None] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(60))
    to_state: Mapped[str | None] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(Text)
    # Canonical JSON text (sorted keys), stored verbatim so the hash can be recomputed byte for byte.
    changes: Mapped[str | None] = mapped_column(Text)
    # Only events from before sealing (chained at write time); None for every event since.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    # ``content_hash`` of the event; for an event from before sealing, its chain hash (``legacy_hash``).
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def changes_dict(self) -> dict[str, Any]:
        return json.loads(self.changes) if self.changes else {}


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# Made once: ``json.dumps`` with any option builds a new encoder per call (a third of its time on the
# transition hot path). Same output as ``json.dumps`` with these options.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
)
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 kept, dates as ISO text."""
    return _CANONICAL.encode(value)


def _ts(value: datetime | str) -> str:
    """Microsecond UTC timestamp text, identical whatever the backend hands back (a datetime, or on
    SQLite the stored text when read without type processing)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat("T", "microseconds")


def _fields_json(occurred_at, actor_id, case_id, action, from_state, to_state, reason, changes) -> str:
    fields = [_ts(occurred_at), actor_id, case_id, action, from_state, to_state, reason, changes]
    return _COMPACT.encode(fields)[1:-1]


def content_hash(
    occurred_at: datetime | str,
    actor_id: int | None,
    case_id: int | None,
    action: str,
    from_state: str | None,
    to_state: str | None,
    reason: str | None,
    changes: str | None,
) -> str:
    """sha256 over the canonical serialisation of an event's content, a JSON array (unambiguous). The
    position and the id are bound to it by the seal, not here: the writer knows neither in advance."""
    middle = _fields_json(occurred_at, actor_id, case_id, action, from_state, to_state, reason, changes)
    return hashlib.sha256(f'["spmp-audit-event",{middle}]'.encode()).hexdigest()


def legacy_hash(event_id: int, *fields_and_prev: Any) -> str:
    """The chain hash of an event written before sealing: ``[id, <content fields>, prev_hash]``."""
    *fields, prev_hash = fields_and_prev
    middle = _fields_json(*fields)
    return hashlib.sha256(f"[{event_id},{middle},{json.dumps(prev_hash)}]".encode()).hexdigest()


def row_hash(row: tuple) -> str:
    """What the ``hash`` column of an event row ``(id, occurred_at, ..., changes, prev_hash)`` must hold."""
    if row[9] is None:
        return content_hash(*row[1:9])
    return legacy_hash(*row[:10])


_INSERT = Statement(
    "INSERT INTO audit_event (occurred_at, actor_id, case_id, action, from_state, to_state, reason, "
    "changes, hash) VALUES (:occurred_at, :actor_id, :case_id, :action, :from_state, :to_state, :reason, "
    ":changes, :hash) RETURNING id"
)


def event_row(
    *,
    action: str,
    actor_id: int | None,
    case_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    changes: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> dict[str, Any]:
    """The column values of a new event (for bulk writers); ``occurred_at`` as an aware datetime."""
    at = occurred_at or clock.now()
    changes_text = canonical_json(changes) if changes else None
    digest = content_hash(at, actor_id, case_id, action, from_state, to_state, reason, changes_text)
    return {"occurred_at": at, "actor_id": actor_id, "case_id": case_id, "action": action,
            "from_state": from_state, "to_state": to_state, "reason": reason, "changes": changes_text,
            "hash": digest}  # fmt: skip


def append(session: Session | FastSQL, **event: Any) -> tuple[int, str]:
    """Append one event in the session's transaction (a plain INSERT: no lock, no read); returns its
    (id, content hash). Keyword arguments as ``event_row``. ``session`` may be the caller's ``FastSQL``."""
    sql = session if isinstance(session, FastSQL) else FastSQL.of(session)
    row = event_row(**event)
    event_id = sql.execute(_INSERT, {**row, "occurred_at": sql.ts(row["occurred_at"])}).fetchone()[0]
    return event_id, row["hash"]


def case_timeline(session: Session, case_id: int) -> list[AuditEvent]:
    """A case's audit events, oldest first (the case page timeline)."""
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id))
    )
