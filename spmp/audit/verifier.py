"""``spmp audit verify``: everything the log claims, checked from the rows up.

1. Every tree head's signature, with the public key (not from the database).
2. Every seal in position order, joined to its event: the position sequence has no gap; the event exists;
   its stored hash matches its content (events from before sealing: also their old chain); the seal's
   chain hash; the Merkle root and chain hash at every head's size.
3. The anchors outside the database: there must be one once anything is sealed; each must match the head
   of its size; the log must still reach the last one (a deleted tail is caught here).
4. Events left unsealed longer than the configured time: an alarm (the sequencer is down or stuck).
5. Every case's state and version against its last event that set them.
The first break is named; verifying stops the sealed-part walk there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from spmp import clock
from spmp.audit import GENESIS_HASH, VERSIONED_ACTIONS, _ts, anchors, merkle, row_hash, signing
from spmp.audit.seals import Head, chain_next, leaf_data
from spmp.fastsql import FastSQL, Statement


@dataclass
class Report:
    checked: int = 0
    heads: int = 0
    anchors: int = 0
    cases: int = 0
    unsealed: int = 0
    oldest_unsealed: datetime | None = None
    problems: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        if self.ok:
            out = [f"Log audit utuh: {self.checked} kejadian tersegel diperiksa, {self.heads} kepala pohon "
                   f"bertanda tangan sah, {self.anchors} jangkar cocok, {self.cases} kasus cocok dengan "
                   "kejadian terakhirnya."]  # fmt: skip
        else:
            out = [f"Log audit RUSAK: {p}" for p in self.problems]
        if self.unsealed:
            out.append(f"{self.unsealed} kejadian belum disegel (tertua {self.oldest_unsealed:%Y-%m-%d %H:%M:%S} UTC).")
        out += [f"ALARM: {a}" for a in self.alarms]
        return out


_HEADS = Statement(
    "SELECT size, root_hash, chain_hash, sealed_at, signature, key_id FROM audit_tree_head ORDER BY size"
)
_SEALS = Statement(
    "SELECT s.position, s.event_id, s.event_hash, s.chain_hash, e.id, e.occurred_at, e.actor_id, e.case_id, "
    "e.action, e.from_state, e.to_state, e.reason, e.changes, e.prev_hash, e.hash "
    "FROM audit_seal s LEFT JOIN audit_event e ON e.id = s.event_id "
    "WHERE s.position > :after ORDER BY s.position LIMIT :n"
)
_UNSEALED = Statement(
    "SELECT count(*), min(e.occurred_at) FROM audit_event e "
    "WHERE NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.event_id = e.id)"
)
_LAST_VERSIONED = Statement(
    "SELECT c.id, c.state, c.version, e.id, e.action, e.to_state, e.changes FROM case_record c "
    "LEFT JOIN (SELECT case_id, max(id) AS id FROM audit_event WHERE case_id IS NOT NULL AND action IN "
    f"({', '.join(repr(a) for a in VERSIONED_ACTIONS)}) GROUP BY case_id) last ON last.case_id = c.id "
    "LEFT JOIN audit_event e ON e.id = last.id ORDER BY c.id"
)


def verify(
    session: Session,
    public_key: str,
    anchor_file: Path,
    unsealed_alarm: timedelta = timedelta(minutes=2),
    batch: int = 20_000,
) -> Report:
    sql = FastSQL.of(session)
    report = Report()
    public = signing.public_from_text(public_key)
    heads = [Head(r[0], r[1], r[2], _ts(r[3]), r[4], r[5]) for r in sql.execute(_HEADS).fetchall()]
    report.heads = len(heads)
    for head in heads:
        if not signing.is_valid(public, head.message(), head.signature):
            report.problems.append(f"tanda tangan kepala pohon berukuran {head.size} tidak sah (kepala dipalsukan atau kunci lain)")
            return report
    if not _walk_seals(sql, heads, report, batch):
        return report
    _check_anchors(anchor_file, heads, report)
    _check_unsealed(sql, report, unsealed_alarm)
    _check_cases(sql, report)
    return report


def _walk_seals(sql: FastSQL, heads: list[Head], report: Report, batch: int) -> bool:
    by_size = {h.size: h for h in heads}
    size, chain, frontier, legacy_prev = 0, GENESIS_HASH, [], GENESIS_HASH
    after = 0
    while rows := sql.execute(_SEALS, {"after": after, "n": batch}).fetchall():
        for row in rows:
            position, event_id, sealed_hash, sealed_chain = row[:4]
            event = row[4:]
            where = f"posisi {position} (kejadian #{event_id})"
            if position != size + 1:
                report.problems.append(f"posisi {size + 1} hilang dari log (segel dihapus)")
                return False
            if event[0] is None:
                report.problems.append(f"{where}: kejadian tersegel tidak ada lagi (dihapus)")
                return False
            if row_hash(event) != event[10] or event[10] != sealed_hash:
                report.problems.append(f"{where}: isi kejadian tidak cocok dengan hash yang disegel (diubah)")
                return False
            if event[9] is not None:  # an event from before sealing: its old chain too
                if event[9] != legacy_prev:
                    report.problems.append(f"{where}: rantai lama terputus (kejadian sebelumnya dihapus atau diubah)")
                    return False
                legacy_prev = event[10]
            leaf = merkle.leaf_hash(leaf_data(position, event_id, sealed_hash))
            chain = chain_next(chain, leaf)
            if chain != sealed_chain:
                report.problems.append(f"{where}: hash rantai segel tidak cocok (segel diubah, ditukar atau disisipkan)")
                return False
            size = merkle.append(frontier, size, leaf)
            head = by_size.get(size)
            if head is not None and (head.root_hash != merkle.frontier_root(frontier).hex() or head.chain_hash != chain):
                report.problems.append(f"kepala pohon berukuran {size}: akar Merkle tidak cocok dengan segel")
                return False
            report.checked += 1
        after = rows[-1][0]
    if heads and heads[-1].size > size:
        report.problems.append(f"log berakhir di posisi {size}, padahal kepala pohon bertanda tangan mencakup {heads[-1].size} (ekor log dihapus)")
        return False
    if heads and heads[-1].size < size:
        report.problems.append(f"segel setelah posisi {heads[-1].size} tidak tercakup kepala pohon bertanda tangan (disisipkan)")
        return False
    return True


def _check_anchors(anchor_file: Path, heads: list[Head], report: Report) -> None:
    try:
        found = anchors.read(anchor_file)
    except anchors.AnchorFileError as exc:
        report.problems.append(f"berkas jangkar rusak: {exc}")
        return
    if heads and not found:
        report.problems.append(f"tidak ada jangkar di {anchor_file}: tanpa jangkar di luar basis data, log yang dihitung ulang tidak dapat dikenali")
        return
    by_size = {h.size: h for h in heads}
    for anchor in found:
        head = by_size.get(anchor["size"])
        if head is None:
            report.problems.append(f"jangkar berukuran {anchor['size']} tidak punya kepala pohon di basis data (ekor log dihapus atau log diganti)")
            return
        if (head.root_hash, head.chain_hash, head.signature) != (anchor["root_hash"], anchor["chain_hash"], anchor["signature"]):
            report.problems.append(f"kepala pohon berukuran {anchor['size']} berbeda dari jangkarnya (log dihitung ulang)")
            return
    report.anchors = len(found)


def _check_unsealed(sql: FastSQL, report: Report, alarm_after: timedelta) -> None:
    count, oldest = sql.execute(_UNSEALED).fetchone()
    report.unsealed = count or 0
    if not report.unsealed:
        return
    report.oldest_unsealed = sql.from_ts(oldest)
    if clock.now() - report.oldest_unsealed > alarm_after:
        minutes = int(alarm_after.total_seconds() // 60)
        report.alarms.append(f"{report.unsealed} kejadian belum disegel lebih dari {minutes} menit: penyegel berhenti atau macet")


def _check_cases(sql: FastSQL, report: Report) -> None:
    for case_id, state, version, event_id, action, to_state, changes in sql.execute(_LAST_VERSIONED).fetchall():
        report.cases += 1
        if event_id is None:
            report.problems.append(f"kasus #{case_id} tidak punya kejadian audit (dibuat tanpa jejak)")
            return
        recorded = json.loads(changes).get("version") if changes else None
        expected_version = recorded[1] if recorded else (1 if action == "open" else None)
        if to_state != state or (expected_version is not None and expected_version != version):
            report.problems.append(
                f"kasus #{case_id}: status {state!r} versi {version} tidak cocok dengan kejadian terakhirnya "
                f"#{event_id} ({to_state!r}, versi {expected_version}): diubah tanpa kejadian"
            )
            return
