"""The sequencer: gives committed events consecutive positions and seals them in batches.

Per batch, in one transaction under the sequencer lock (PostgreSQL: a transaction-scoped advisory lock,
taken with *try*, so a second sequencer simply skips; SQLite: the write transaction itself):

- read the pending events (committed ones only: an uncommitted writer's row is invisible) in id order,
  and check each event's stored hash against its content;
- give them the positions after the last seal; per position a seal row with the chain hash
  ``sha256(previous chain hash || leaf hash)``, the leaf being ``leaf_data(position, event id, event hash)``;
- add the leaves to the Merkle tree (RFC 6962, ``merkle``), keep every perfect subtree of 256 leaves or more
  (``audit_node``: inclusion proofs then read O(log n) rows), and write the tree head: size, root, chain
  hash, the frontier to continue from, and an Ed25519 signature;
- take the events off the pending list.

Killed half-way, the transaction rolls back and the next run seals the same events again: every event is
sealed exactly once. The heads are then appended to the anchor file, after the commit; a head committed
but not yet anchored (a crash in between) is anchored by the next run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Integer, String, Text, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from spmp import clock
from spmp.audit import GENESIS_HASH, _ts, anchors, merkle, row_hash, signing
from spmp.db import Base, Database, UTCDateTime
from spmp.fastsql import FastSQL, Statement

SEQUENCER_LOCK_KEY = 0x5345_5131  # "SEQ1"
STORED_LEVEL = 8  # perfect subtrees of 2**8 leaves and up are stored


class AuditPending(Base):
    """Events written but not sealed yet (filled by a trigger on audit_event; the sequencer empties it)."""

    __tablename__ = "audit_pending"
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class AuditSeal(Base):
    """An event's position in the log. Insert-only (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_seal"
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(Integer, unique=True)
    event_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))


class AuditTreeHead(Base):
    """The signed head of the log after a sealed batch. Insert-only."""

    __tablename__ = "audit_tree_head"
    size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))
    frontier: Mapped[str] = mapped_column(Text)
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    signature: Mapped[str] = mapped_column(String(100))
    key_id: Mapped[str] = mapped_column(String(16))


class AuditNode(Base):
    """A perfect Merkle subtree of 2**level leaves (level >= 8), the index-th of its level. Insert-only."""

    __tablename__ = "audit_node"
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class SealError(RuntimeError):
    """An event cannot be sealed (its stored hash does not match its content)."""


def leaf_data(position: int, event_id: int, event_hash: str) -> bytes:
    return f'["spmp-audit-leaf",{position},{event_id},"{event_hash}"]'.encode()


def chain_next(previous: str, leaf: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + leaf).hexdigest()


def encode_frontier(frontier: merkle.Frontier) -> str:
    return json.dumps([[level, digest.hex()] for level, digest in frontier])


def decode_frontier(value: str) -> merkle.Frontier:
    return [(level, bytes.fromhex(digest)) for level, digest in json.loads(value)]


@dataclass(frozen=True)
class Head:
    size: int
    root_hash: str
    chain_hash: str
    sealed_at: str  # ``_ts`` text: what the signature covers
    signature: str
    key_id: str

    def as_dict(self) -> dict:
        return self.__dict__.copy()

    def message(self) -> bytes:
        return signing.head_message(self.size, self.root_hash, self.chain_hash, self.sealed_at)


_EVENT_COLUMNS = "e.id, e.occurred_at, e.actor_id, e.case_id, e.action, e.from_state, e.to_state, e.reason, e.changes, e.prev_hash, e.hash"
_PENDING = Statement(
    f"SELECT {_EVENT_COLUMNS} FROM audit_pending p JOIN audit_event e ON e.id = p.event_id "
    "ORDER BY p.event_id LIMIT :n"
)
_LAST_HEAD = Statement(
    "SELECT size, chain_hash, frontier FROM audit_tree_head ORDER BY size DESC LIMIT 1"
)
_INSERT_SEAL = Statement(
    "INSERT INTO audit_seal (position, event_id, event_hash, chain_hash) "
    "VALUES (:position, :event_id, :event_hash, :chain_hash)"
)
_INSERT_NODE = Statement("INSERT INTO audit_node (level, idx, hash) VALUES (:level, :idx, :hash)")
_INSERT_HEAD = Statement(
    "INSERT INTO audit_tree_head (size, root_hash, chain_hash, frontier, sealed_at, signature, key_id) "
    "VALUES (:size, :root_hash, :chain_hash, :frontier, :sealed_at, :signature, :key_id)"
)
# The events this batch sealed (its positions: after ``:sealed_before``) leave the pending list: one
# statement, not one DELETE per event. Exactly those: a pending event a slower writer commits later may
# have a smaller id than some sealed here, so no range on ids.
_DONE = Statement(
    "DELETE FROM audit_pending WHERE event_id IN "
    "(SELECT event_id FROM audit_seal WHERE position > :sealed_before)"
)


def seal_batch(session: Session, key: Ed25519PrivateKey, limit: int = 20_000) -> Head | None:
    """Seal up to ``limit`` pending events in the session's transaction; None if there were none (or,
    on PostgreSQL, another sequencer holds the lock). Never commits."""
    sql = FastSQL.of(session)
    if not sql.is_sqlite and not session.execute(
        text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SEQUENCER_LOCK_KEY}
    ).scalar():
        return None
    rows = sql.execute(_PENDING, {"n": limit}).fetchall()
    if not rows:
        return None
    last = sql.execute(_LAST_HEAD).fetchone()
    size, chain, frontier = (last[0], last[1], decode_frontier(last[2])) if last else (0, GENESIS_HASH, [])
    sealed_before = size
    seals, nodes = [], []

    def keep(level: int, idx: int, digest: bytes) -> None:
        if level >= STORED_LEVEL:
            nodes.append({"level": level, "idx": idx, "hash": digest.hex()})

    for row in rows:
        event_id, stored = row[0], row[10]
        if row_hash(row) != stored:
            raise SealError(f"kejadian audit #{event_id}: hash tersimpan tidak cocok dengan isinya; tidak disegel")
        leaf = merkle.leaf_hash(leaf_data(size + 1, event_id, stored))
        chain = chain_next(chain, leaf)
        size = merkle.append(frontier, size, leaf, keep)
        seals.append({"position": size, "event_id": event_id, "event_hash": stored, "chain_hash": chain})
    now = clock.now()
    head = Head(size, merkle.frontier_root(frontier).hex(), chain, _ts(now), "", signing.key_id(key))
    head = Head(**{**head.as_dict(), "signature": signing.sign(key, head.message())})
    sql.executemany(_INSERT_SEAL, seals)
    sql.executemany(_INSERT_NODE, nodes)
    sql.execute(_INSERT_HEAD, {**head.as_dict(), "frontier": encode_frontier(frontier), "sealed_at": sql.ts(now)})
    sql.execute(_DONE, {"sealed_before": sealed_before})
    return head


_HEADS_AFTER = Statement(
    "SELECT size, root_hash, chain_hash, sealed_at, signature, key_id FROM audit_tree_head "
    "WHERE size > :size ORDER BY size"
)


def heads_after(session: Session, size: int) -> list[Head]:
    rows = FastSQL.of(session).execute(_HEADS_AFTER, {"size": size}).fetchall()
    return [Head(r[0], r[1], r[2], _ts(r[3]), r[4], r[5]) for r in rows]


def anchor_new_heads(db: Database, anchor_file: Path, key: Ed25519PrivateKey) -> int:
    """Append every head not in the anchor file yet; returns how many."""
    with db.transaction(write=False) as session:
        heads = heads_after(session, anchors.last_size(anchor_file))
    anchors.append(anchor_file, [h.as_dict() for h in heads], signing.public_text(key))
    return len(heads)


def run(db: Database, key: Ed25519PrivateKey, anchor_file: Path, limit: int = 20_000) -> list[Head]:
    """Seal everything pending, batch after batch, each batch committed then anchored."""
    sealed: list[Head] = []
    anchor_new_heads(db, anchor_file, key)  # a head a crash left unanchored
    while True:
        with db.transaction() as session:
            head = seal_batch(session, key, limit)
        if head is None:
            return sealed
        sealed.append(head)
        anchor_new_heads(db, anchor_file, key)
