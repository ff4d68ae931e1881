"""Append-only, hash-chained audit trail.

Every event stores the hash of the previous event and its own hash, a sha256 over a canonical serialisation
of its fields (including its id, so a restored old row or a re-numbered row breaks the chain). Appends are
serialised so the chain never forks: on SQLite the caller's write transaction is BEGIN IMMEDIATE (one writer
at a time); on PostgreSQL ``append`` takes a transaction-scoped advisory lock. Database triggers (created by
the migration) refuse UPDATE and DELETE on both backends and TRUNCATE on PostgreSQL.

``verify`` streams the whole chain and names the first broken event; ``write_anchor`` stores the latest
id and hash outside the database so that a deleted tail or a recomputed chain is caught as well.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Index, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from spmp import clock
from spmp.db import Base, UTCDateTime
from spmp.fastsql import FastSQL, Statement

GENESIS_HASH = "0" * 64
# Key for pg_advisory_xact_lock: "AUDT". Held until commit, so the next append sees this one's hash.
AUDIT_LOCK_KEY = 0x4155_4454


class AuditEvent(Base):
    """One audit event. Never updated or deleted (database triggers refuse it)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_case", "case_id", "id"),)

    # Assigned by ``append`` (last id + 1) under the append lock: the id is part of the hashed payload.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Ids without foreign keys (migration 0009): the trail outlives what it describes, and on PostgreSQL a
    # foreign-key check would share-lock the user's and the case's rows inside the append lock.
    actor_id: Mapped[int | None] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(60))
    to_state: Mapped[str | None] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(Text)
    # Canonical JSON text (sorted keys), stored verbatim so the hash can be recomputed byte for byte.
    changes: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def changes_dict(self) -> dict[str, Any]:
        return json.loads(self.changes) if self.changes else {}


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 kept, dates as ISO text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _ts(value: datetime | str) -> str:
    """Microsecond UTC timestamp text, identical whatever the backend hands back (a datetime, or on
    SQLite the stored text when read without type processing)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat("T", "microseconds")


def event_hash(
    event_id: int,
    occurred_at: datetime | str,
    actor_id: int | None,
    case_id: int | None,
    action: str,
    from_state: str | None,
    to_state: str | None,
    reason: str | None,
    changes: str | None,
    prev_hash: str,
) -> str:
    """sha256 over the canonical serialisation of an event's fields, a JSON array (unambiguous):
    ``[id,<hash_payload_middle(...)>,"prev_hash"]``."""
    middle = hash_payload_middle(
        occurred_at, actor_id, case_id, action, from_state, to_state, reason, changes
    )
    return hashlib.sha256(f"[{event_id},{middle},{json.dumps(prev_hash)}]".encode()).hexdigest()


def hash_payload_middle(
    occurred_at: datetime | str,
    actor_id: int | None,
    case_id: int | None,
    action: str,
    from_state: str | None,
    to_state: str | None,
    reason: str | None,
    changes: str | None,
) -> str:
    """The fields of ``event_hash``'s array between the id and the previous hash, as JSON. PostgreSQL's
    ``audit_append`` (migration 0008) puts the id and the previous hash around it under the append lock,
    so both backends hash exactly the same bytes."""
    fields = [_ts(occurred_at), actor_id, case_id, action, from_state, to_state, reason, changes]
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False)[1:-1]


_INSERT = Statement(
    "INSERT INTO audit_event (id, occurred_at, actor_id, case_id, action, from_state, to_state, reason, "
    "changes, prev_hash, hash) VALUES (:id, :occurred_at, :actor_id, :case_id, :action, :from_state, "
    ":to_state, :reason, :changes, :prev_hash, :hash)"
)
_LAST_SQL = "SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1"
_LAST = Statement(_LAST_SQL)
# PostgreSQL: takes the append lock, then reads the last event (migration 0007), in one round trip.
_LOCKED_HEAD = Statement("SELECT id, hash FROM audit_chain_head()")
# PostgreSQL: lock, chain head, hash and INSERT in one round trip (migration 0008).
_PG_APPEND = Statement(
    "SELECT id, hash FROM audit_append(:occurred_at, :actor_id, :case_id, :action, :from_state, :to_state, "
    ":reason, :changes, :payload)"
)
_APPEND_PARAMS = (
    "occurred_at",
    "actor_id",
    "case_id",
    "action",
    "from_state",
    "to_state",
    "reason",
    "changes",
)


def chain_head(sql: FastSQL) -> tuple[int, str]:
    """Serialise appends and return the (id, hash) the next event links to: (0, genesis) if none.

    The lock is held until commit, so the next appender sees this transaction's events. On SQLite the
    caller's write transaction is BEGIN IMMEDIATE: it already is the only writer.
    """
    last = sql.execute(_LAST if sql.is_sqlite else _LOCKED_HEAD).fetchone()
    return (last[0], last[1]) if last and last[0] is not None else (0, GENESIS_HASH)


def append(
    session: Session | FastSQL,
    *,
    action: str,
    actor_id: int | None,
    case_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    changes: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> tuple[int, str]:
    """Append one event to the chain in the session's transaction; returns its (id, hash).

    Lean on purpose (this is on the transition hot path): on the DBAPI cursor of the session's connection,
    no ORM flush; SQLite reads the chain head and inserts, PostgreSQL calls ``audit_append`` (one round
    trip; it computes the same hash). ``session`` may also be the caller's ``FastSQL``.
    """
    sql = session if isinstance(session, FastSQL) else FastSQL.of(session)
    at = occurred_at or clock.now()
    changes_text = canonical_json(changes) if changes else None
    fields = (at, actor_id, case_id, action, from_state, to_state, reason, changes_text)
    params = dict(zip(_APPEND_PARAMS, fields, strict=True), occurred_at=sql.ts(at))
    if not sql.is_sqlite:
        params["payload"] = hash_payload_middle(*fields)
        event_id, digest = sql.execute(_PG_APPEND, params).fetchone()
        return event_id, digest
    last_id, prev_hash = chain_head(sql)
    event_id = last_id + 1
    digest = event_hash(event_id, *fields, prev_hash)
    sql.execute(_INSERT, {**params, "id": event_id, "prev_hash": prev_hash, "hash": digest})
    return event_id, digest


# --- verification -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VerifyResult:
    """Outcome of ``verify``: ``ok``; else the first broken event id (or None) and what is wrong."""

    ok: bool
    checked: int
    last_id: int | None
    last_hash: str | None
    broken_id: int | None = None
    problem: str | None = None

    def message(self) -> str:
        if self.ok:
            return f"Rantai audit utuh: {self.checked} kejadian diperiksa (terakhir #{self.last_id})."
        where = f"kejadian #{self.broken_id}" if self.broken_id is not None else "rantai audit"
        return f"Rantai audit RUSAK pada {where}: {self.problem}"


_COLUMNS = (
    "id, occurred_at, actor_id, case_id, action, from_state, to_state, reason, changes, prev_hash, hash"
)


_PAGE = Statement(f"SELECT {_COLUMNS} FROM audit_event WHERE id > :after ORDER BY id LIMIT :n")


def _stream(session: Session, batch: int) -> Iterator[tuple]:
    """All events in id order, in batches by keyset (no server-side cursor needed on either backend).
    Raw DBAPI rows: ``event_hash`` reads SQLite's stored timestamp text directly (1M rows in seconds)."""
    sql = FastSQL.of(session)
    after = 0
    while True:
        rows = sql.execute(_PAGE, {"after": after, "n": batch}).fetchall()
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def verify_rows(rows: Iterable[tuple]) -> VerifyResult:
    """Check a stream of rows (in id order) link and hash correctly."""
    prev_hash, checked, last = GENESIS_HASH, 0, None
    for row in rows:
        event_id, stored_prev, stored_hash = row[0], row[9], row[10]
        if stored_prev != prev_hash:
            return VerifyResult(
                False, checked, event_id, stored_hash, event_id, _link_problem(last, stored_prev)
            )
        if event_hash(*row[:10]) != stored_hash:
            return VerifyResult(
                False, checked, event_id, stored_hash, event_id, "isi kejadian tidak cocok dengan hash-nya"
            )
        prev_hash, last, checked = stored_hash, event_id, checked + 1
    return VerifyResult(True, checked, last, prev_hash if last is not None else None)


def _link_problem(last: int | None, stored_prev: str) -> str:
    if last is None:
        return "kejadian pertama tidak merujuk ke awal rantai (kejadian sebelumnya hilang)"
    return f"hash sebelumnya tidak cocok dengan kejadian #{last} (kejadian dihapus, disisipkan atau diubah)"


def verify(session: Session, anchor_file: Path | None = None, batch: int = 20_000) -> VerifyResult:
    """Verify the whole chain; with ``anchor_file``, also that the anchored event is still there unchanged."""
    anchor = read_anchor(anchor_file) if anchor_file else None
    anchored_hash: str | None = None

    def rows() -> Iterator[tuple]:
        nonlocal anchored_hash
        for row in _stream(session, batch):
            if anchor and row[0] == anchor["id"]:
                anchored_hash = row[10]
            yield row

    result = verify_rows(rows())
    if not result.ok or anchor is None:
        return result
    return _check_anchor(result, anchor, anchored_hash)


def _check_anchor(result: VerifyResult, anchor: dict, anchored_hash: str | None) -> VerifyResult:
    if anchored_hash is None:
        problem = f"kejadian jangkar #{anchor['id']} tidak ada lagi (ekor rantai dihapus)"
        return VerifyResult(False, result.checked, result.last_id, result.last_hash, anchor["id"], problem)
    if anchored_hash != anchor["hash"]:
        problem = "hash kejadian jangkar berbeda dari berkas jangkar (rantai dihitung ulang)"
        return VerifyResult(False, result.checked, result.last_id, result.last_hash, anchor["id"], problem)
    return result


def write_anchor(session: Session, path: Path) -> dict[str, Any]:
    """Write the latest event's id and hash to ``path`` (outside the database); returns the anchor."""
    last = session.connection().execute(text(_LAST_SQL)).first()
    anchor = {
        "id": last[0] if last else 0,
        "hash": last[1] if last else GENESIS_HASH,
        "anchored_at": clock.now().isoformat(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(anchor) + "\n")
    tmp.replace(path)  # atomic: a crash never leaves a half-written anchor
    return anchor


def read_anchor(path: Path) -> dict[str, Any] | None:
    """The anchor stored in ``path`` (None when the file does not exist, e.g. an empty database)."""
    if not path.exists():
        return None
    anchor = json.loads(path.read_text())
    return None if anchor.get("id", 0) == 0 else anchor


def case_timeline(session: Session, case_id: int) -> list[AuditEvent]:
    """A case's audit events, oldest first (the case page timeline)."""
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id))
    )
