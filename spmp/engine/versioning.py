"""Moving open cases from one version of a workflow to another, explicitly.

A case keeps the (key, version) it was opened with. ``migrate_cases`` moves the open cases of a key to a
target version with a state map: a state maps to itself when the target declares it, unless the map says
otherwise; a case in a state with no mapping is refused, and then nothing moves (all or nothing, so the
operator fixes the map and runs again). Each moved case gets an audit event; a case whose state changes
gets its deadlines restarted for the new state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import or_, select
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
    reopened: set[int] = field(default_factory=set)  # closed cases among the moves, reopened by them
    refused: list[tuple[int, int, str]] = field(default_factory=list)  # case id, version, unmapped state

    @property
    def ok(self) -> bool:
        return not self.refused

    def lines(self) -> list[str]:
        out = [f"{len(self.moves)} kasus terbuka {self.key} akan dipindah ke versi {self.to_version}"]
        out += [
            f"  kasus #{c}: v{v} {a} -> v{self.to_version} {b}{' (dibuka kembali)' if c in self.reopened else ''}"
            for c, v, a, b in self.moves
        ]
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


def plan_migration(
    session: Session, key: str, to_version: int, state_map: dict[str, str], reopen: Sequence[str] = ()
) -> MigrationPlan:
    """Which open cases (and closed ones in a ``reopen`` state) move where; raises ActionRefused if the map
    names states the target lacks, or a reopened state would land in a final one."""
    target = get_definition(key, to_version)
    bad = sorted(new for new in state_map.values() if new not in target.states)
    if bad:
        raise ActionRefused(f"State tujuan tidak ada di {key} versi {to_version}: {', '.join(bad)}")
    for state in reopen:
        landing = state_map.get(state, state)
        if landing not in target.states or target.is_final(landing):
            raise ActionRefused(f"State {state!r} tidak dapat dibuka kembali: di versi {to_version} tidak ada "
                                f"state berjalan {landing!r}")  # fmt: skip
    plan = MigrationPlan(key, to_version)
    still_open = CaseRecord.closed_at.is_(None)
    if reopen:
        still_open = or_(still_open, CaseRecord.state.in_(list(reopen)))
    query = (
        select(CaseRecord.id, CaseRecord.type_version, CaseRecord.state, CaseRecord.closed_at)
        .where(CaseRecord.type_key == key, CaseRecord.type_version != to_version, still_open)
        .order_by(CaseRecord.id)
    )
    for case_id, version, state, closed_at in session.execute(query):
        new_state = state_map.get(state, state if state in target.states else None)
        if new_state is None:
            plan.refused.append((case_id, version, state))
        else:
            plan.moves.append((case_id, version, state, new_state))
            if closed_at is not None:
                plan.reopened.add(case_id)
    return plan


def migrate_cases(
    session: Session,
    user: User | None,
    key: str,
    to_version: int,
    state_map: dict[str, str],
    dry_run: bool = False,
    reopen: Sequence[str] = (),
) -> MigrationPlan:
    """Plan, and unless ``dry_run`` or refused, move every open case of ``key`` (and the closed ones in a
    ``reopen`` state) to ``to_version``."""
    plan = plan_migration(session, key, to_version, state_map, reopen)
    if dry_run or not plan.ok:
        return plan
    target, sql, now = get_definition(key, to_version), FastSQL.of(session), clock.now()
    for case_id, from_version, from_state, to_state in plan.moves:
        case = session.get(CaseRecord, case_id)
        case.type_version, case.version, case.updated_at = to_version, case.version + 1, now
        if to_state != from_state or case_id in plan.reopened:
            case.state, case.state_entered_at = to_state, now
        if case_id in plan.reopened:
            case.closed_at = None
        session.flush()
        old_due = get_definition(key, from_version).states[from_state].due
        if to_state != from_state or target.states[to_state].due != old_due or case_id in plan.reopened:
            deadlines.replace_for_state(sql, target, case_id, to_state, now)
            if case.is_paused:
                deadlines.pause(sql, case_id)
        changes = {
            "type_version": [from_version, to_version],
            "state": [from_state, to_state],
            "version": [case.version - 1, case.version],
        }
        if case_id in plan.reopened:
            changes["reopened"] = True
        audit.append(
            sql, action="migrate", actor_id=user.id if user else None, case_id=case_id,
            from_state=from_state, to_state=to_state, changes=changes, occurred_at=now,
        )  # fmt: skip
    return plan
