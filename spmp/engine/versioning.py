"""Moving open cases from one version of a workflow to another, explicitly.

A case keeps the (key, version) it was opened with. ``migrate_cases`` moves the open cases of a key to a
target version with a state map: a state maps to itself when the target declares it, unless the map says
otherwise; a case in a state with no mapping is refused, and then nothing moves (all or nothing, so the
operator fixes the map and runs again). Each moved case gets an audit event; a case whose state changes
gets its deadlines restarted for the new state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.accounts.models import User
from spmp.engine import deadlines
from spmp.engine.cases import CaseRecord
from spmp.engine.definitions import get_definition
from spmp.engine.errors import ActionRefused
from spmp.fastsql import FastSQL


@dataclass
class MigrationPlan:
    key: str
    to_version: int
    moves: list[tuple[int, int, str, str]] = field(default_factory=list)  # case id, from version, from, to
    refused: list[tuple[int, int, str]] = field(default_factory=list)  # case id, version, unmapped state

    @property
    def ok(self) -> bool:
        return not self.refused

    def lines(self) -> list[str]:
        out = [f"{len(self.moves)} kasus terbuka {self.key} akan dipindah ke versi {self.to_version}"]
        out += [f"  kasus #{c}: v{v} {a} -> v{self.to_version} {b}" for c, v, a, b in self.moves]
        out += [
            f"  DITOLAK kasus #{c}: v{v} state {s!r} tidak punya padanan (gunakan --map {s}=...)"
            for c, v, s in self.refused
        ]
        return out


def parse_state_map(pairs: list[str]) -> dict[str, str]:
    """``["old=new", ...]`` to a dict; raises ValueError on a malformed pair."""
    mapping = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise ValueError(f"pemetaan tidak sah {pair!r} (format: lama=baru)")
        mapping[old.strip()] = new.strip()
    return mapping


def plan_migration(session: Session, key: str, to_version: int, state_map: dict[str, str]) -> MigrationPlan:
    """Which open cases move where; raises ActionRefused if the map names states the target lacks."""
    target = get_definition(key, to_version)
    bad = sorted(new for new in state_map.values() if new not in target.states)
    if bad:
        raise ActionRefused(f"State tujuan tidak ada di {key} versi {to_version}: {', '.join(bad)}")
    plan = MigrationPlan(key, to_version)
    query = (
        select(CaseRecord.id, CaseRecord.type_version, CaseRecord.state)
        .where(
            CaseRecord.type_key == key, CaseRecord.type_version != to_version, CaseRecord.closed_at.is_(None)
        )
        .order_by(CaseRecord.id)
    )
    for case_id, version, state in session.execute(query):
        new_state = state_map.get(state, state if state in target.states else None)
        if new_state is None:
            plan.refused.append((case_id, version, state))
        else:
            plan.moves.append((case_id, version, state, new_state))
    return plan


def migrate_cases(
    session: Session,
    user: User | None,
    key: str,
    to_version: int,
    state_map: dict[str, str],
    dry_run: bool = False,
) -> MigrationPlan:
    """Plan, and unless ``dry_run`` or refused, move every open case of ``key`` to ``to_version``."""
    plan = plan_migration(session, key, to_version, state_map)
    if dry_run or not plan.ok:
        return plan
    target, sql, now = get_definition(key, to_version), FastSQL.of(session), clock.now()
    for case_id, from_version, from_state, to_state in plan.moves:
        case = session.get(CaseRecord, case_id)
        case.type_version, case.version, case.updated_at = to_version, case.version + 1, now
        if to_state != from_state:
            case.state, case.state_entered_at = to_state, now
        session.flush()
        old_due = get_definition(key, from_version).states[from_state].due
        if to_state != from_state or target.states[to_state].due != old_due:
            deadlines.replace_for_state(sql, target, case_id, to_state, now)
            if case.is_paused:
                deadlines.pause(sql, case_id)
        changes = {"type_version": [from_version, to_version], "state": [from_state, to_state],
                   "version": [case.version - 1, case.version]}
        audit.append(
            sql, action="migrate", actor_id=user.id if user else None, case_id=case_id,
            from_state=from_state, to_state=to_state, changes=changes, occurred_at=now,
        )  # fmt: skip
    return plan
