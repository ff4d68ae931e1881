"""Inclusion proofs ("receipts"): that one event is in the log, checkable by someone who sees nothing else.

A receipt holds the event's content, its position, the path of RFC 6962 sibling hashes and the signed tree
head. ``check`` recomputes the event hash from the content, the leaf, the root from the path, and the head's
signature with the public key the verifier trusts: no database needed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from spmp.audit import _ts, content_hash, legacy_hash, merkle, signing
from spmp.audit.seals import STORED_LEVEL, Head, leaf_data
from spmp.fastsql import FastSQL, Statement

BLOCK = 1 << STORED_LEVEL


class ProofError(ValueError):
    """No proof can be made (the event is unknown or not sealed yet)."""


_SEAL_OF = Statement(
    "SELECT s.position, e.id, e.occurred_at, e.actor_id, e.case_id, e.action, e.from_state, e.to_state, "
    "e.reason, e.changes, e.prev_hash, e.hash FROM audit_seal s JOIN audit_event e ON e.id = s.event_id "
    "WHERE s.event_id = :id"
)
_HEAD = Statement(
    "SELECT size, root_hash, chain_hash, sealed_at, signature, key_id FROM audit_tree_head "
    "ORDER BY size DESC LIMIT 1"
)
_LEAVES = Statement(
    "SELECT position, event_id, event_hash FROM audit_seal WHERE position > :start AND position <= :end "
    "ORDER BY position"
)


class _Tree:
    """Subtree hashes of the sealed log, from stored nodes and leaves read a block at a time."""

    def __init__(self, sql: FastSQL) -> None:
        self.sql = sql
        self.leaves: dict[int, bytes] = {}  # by leaf index (position - 1)
        self.blocks_read: set[int] = set()
        self.nodes: dict[tuple[int, int], bytes] = {}

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        block = start // BLOCK
        if block not in self.blocks_read:
            rows = self.sql.execute(_LEAVES, {"start": block * BLOCK, "end": (block + 1) * BLOCK}).fetchall()
            for position, event_id, event_hash in rows:
                self.leaves[position - 1] = merkle.leaf_hash(leaf_data(position, event_id, event_hash))
            self.blocks_read.add(block)
        return [self.leaves[i] for i in range(start, end)]

    def node_keys(self, start: int, end: int) -> list[tuple[int, int]]:
        """The stored nodes ``subtree(start, end)`` reads."""
        size = end - start
        if size & (size - 1) == 0 and size >= BLOCK:  # perfect and aligned (RFC splits keep it so)
            level = size.bit_length() - 1
            return [(level, start >> level)]
        if size <= BLOCK and start // BLOCK == (end - 1) // BLOCK:
            return []
        k = merkle.split(size)
        return self.node_keys(start, start + k) + self.node_keys(start + k, end)

    def read_nodes(self, keys: list[tuple[int, int]]) -> None:
        """Every node a proof needs, in one query."""
        if keys:
            marks = ", ".join(f"(:l{i}, :i{i})" for i in range(len(keys)))
            params = {f"{name}{i}": value for i, key in enumerate(keys) for name, value in zip("li", key, strict=True)}
            query = Statement(f"SELECT level, idx, hash FROM audit_node WHERE (level, idx) IN ({marks})")
            self.nodes = {(r[0], r[1]): bytes.fromhex(r[2]) for r in self.sql.execute(query, params).fetchall()}

    def subtree(self, start: int, end: int) -> bytes:
        size = end - start
        if size & (size - 1) == 0 and size >= BLOCK:
            level = size.bit_length() - 1
            if (level, start >> level) not in self.nodes:
                raise ProofError(f"simpul pohon ({level}, {start >> level}) tidak ada")
            return self.nodes[(level, start >> level)]
        if size <= BLOCK and start // BLOCK == (end - 1) // BLOCK:
            return merkle.root(self.leaf_hashes(start, end))
        k = merkle.split(size)
        return merkle.node_hash(self.subtree(start, start + k), self.subtree(start + k, end))


def prove(session: Session, event_id: int) -> dict[str, Any]:
    """A receipt for the event against the latest tree head."""
    sql = FastSQL.of(session)
    row = sql.execute(_SEAL_OF, {"id": event_id}).fetchone()
    if row is None:
        raise ProofError(f"kejadian #{event_id} tidak ada atau belum disegel (penyegelan berjalan tiap beberapa detik)")
    head_row = sql.execute(_HEAD).fetchone()
    head = Head(head_row[0], head_row[1], head_row[2], _ts(head_row[3]), head_row[4], head_row[5])
    position = row[0]
    tree = _Tree(sql)
    needed: list[tuple[int, int]] = []
    merkle.inclusion_path(position - 1, head.size, lambda a, b: needed.extend(tree.node_keys(a, b)) or b"")
    tree.read_nodes(needed)
    path = merkle.inclusion_path(position - 1, head.size, tree.subtree)
    names = ("id", "occurred_at", "actor_id", "case_id", "action", "from_state", "to_state", "reason", "changes",
             "prev_hash", "hash")  # fmt: skip
    event = dict(zip(names, row[1:], strict=True))
    event["occurred_at"] = _ts(event["occurred_at"])
    return {"format": "spmp-audit-receipt/1", "event": event, "position": position,
            "path": [p.hex() for p in path], "tree_head": head.as_dict()}  # fmt: skip


def check(receipt: dict[str, Any], public_key: str) -> list[str]:
    """Problems with a receipt ([] when it proves the event is in the log signed by that key)."""
    try:
        event, head = receipt["event"], Head(**receipt["tree_head"])
        position, path = int(receipt["position"]), [bytes.fromhex(p) for p in receipt["path"]]
        fields = [event[n] for n in ("occurred_at", "actor_id", "case_id", "action", "from_state", "to_state",
                                     "reason", "changes")]  # fmt: skip
        event_id, prev_hash, stored = int(event["id"]), event.get("prev_hash"), event["hash"]
    except (KeyError, TypeError, ValueError) as exc:
        return [f"tanda terima tidak lengkap atau rusak ({exc.__class__.__name__}: {exc})"]
    problems = []
    expected = content_hash(*fields) if prev_hash is None else legacy_hash(event_id, *fields, prev_hash)
    if expected != stored:
        problems.append("isi kejadian tidak cocok dengan hash-nya")
    leaf = merkle.leaf_hash(leaf_data(position, event_id, stored))
    try:
        if merkle.root_from_path(position - 1, head.size, leaf, path).hex() != head.root_hash:
            problems.append("jalur bukti tidak menghasilkan akar pohon yang ditandatangani")
    except ValueError as exc:
        problems.append(f"jalur bukti tidak sah: {exc}")
    if not signing.is_valid(signing.public_from_text(public_key), head.message(), head.signature):
        problems.append("tanda tangan kepala pohon tidak sah untuk kunci publik ini")
    return problems
