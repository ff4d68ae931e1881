"""Firing transitions, and explaining which ones a user may fire.

``fire`` is the hot path. It reads the case row with Core (with the user's scope as a column), checks role,
scope, guards, inputs and evidence, then writes with three kinds of lean statements in the caller's
transaction: one guarded ``UPDATE case_record ... WHERE id = :id AND version = :seen`` (the optimistic lock:
a stale page or a double-clicked submit changes nothing and gets ``StaleCaseError``), the deadline rows,
and the audit event (a plain INSERT: the sequencer seals it afterwards). No ORM load or flush: that alone
caps throughput under ~2,000/s. This is the only way a transition is written: ``fire`` and ``fire_many``
(each item in a transaction of its own) both run ``_fire``; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from spmp import audit, clock
from spmp.accounts.models import ROLE_LABELS, Role, User
from spmp.db import Database
from spmp.engine import deadlines, notify
from spmp.engine.cases import CaseEvidence, CaseRecord
from spmp.engine.definitions import TransitionDef, WorkflowDefinition, get_definition
from spmp.engine.errors import ActionRefused, CaseNotFound, EngineError, StaleCaseError
from spmp.engine.inputs import inputs_problem
from spmp.engine.permissions import case_scope, row_visible
from spmp.engine.registry import ACTIONS, GUARDS, ActionContext, GuardContext
from spmp.fastsql import FastSQL, Statement


class ActionOption(NamedTuple):
    """One transition from the current state, whether the user may fire it now, and if not why."""

    transition: TransitionDef
    allowed: bool
    reason: str | None


@dataclass(frozen=True)
class FireResult:
    case_id: int
    trigger: str
    from_state: str
    to_state: str
    version: int
    audit_id: int
    audit_hash: str


# --- reasons ----------------------------------------------------------------------------------------
def _role_reason(transition: TransitionDef) -> str:
    labels = ", ".join(ROLE_LABELS[Role(r)] for r in sorted(transition.roles))
    return f"Hanya {labels} yang dapat menjalankan tindakan ini"


def _state_reason(case: Any) -> str | None:
    if case.closed_at is not None:
        return "Kasus sudah ditutup"
    if case.is_paused:
        return (
            f"Kasus sedang ditangguhkan: {case.pause_reason}"
            if case.pause_reason
            else "Kasus sedang ditangguhkan"
        )
    return None


def _missing_inputs(transition: TransitionDef, inputs: Mapping[str, Any]) -> str | None:
    """Missing or invalid inputs (each checked against its declared type, spmp/engine/inputs.py)."""
    return inputs_problem(transition.inputs, inputs)


def _refusal(
    get_session: Callable[[], Session],
    workflow: WorkflowDefinition,
    transition: TransitionDef,
    case: Any,
    user: User,
    visible: bool,
    evidence_count: int,
    inputs: Mapping[str, Any] | None,
) -> str | None:
    """The first reason the user may not fire ``transition`` now, or None. ``inputs=None``: not checked
    (the page asks for them in the form)."""
    if reason := _state_reason(case):
        return reason
    if user.role not in transition.roles:
        return _role_reason(transition)
    if not visible:
        return "Kasus ini di luar wilayah atau kewenangan Anda"
    if transition.guards:
        ctx = GuardContext(get_session(), case, user, workflow, transition, inputs or {})
        for name in transition.guards:
            if reason := GUARDS[name](ctx):
                return reason
    if evidence_count < transition.evidence:
        return f"Unggah minimal {transition.evidence} berkas bukti terlebih dahulu"
    if inputs is not None:
        return _missing_inputs(transition, inputs)
    return None


# --- evidence -------------------------------------------------------------------------------------------
def _evidence(session: Session, case: Any, evidence_ids: Iterable[int] | None) -> list[tuple[int, str]]:
    """(id, sha256) of the evidence a transition uses: the given ids (must be this case's), else the files
    uploaded in the current state and not yet attached to a transition."""
    query = select(CaseEvidence.id, CaseEvidence.sha256).where(CaseEvidence.case_id == case.id)
    if evidence_ids is not None:
        ids = sorted(set(evidence_ids))
        rows = session.execute(query.where(CaseEvidence.id.in_(ids))).all() if ids else []
        if len(rows) != len(ids):
            raise ActionRefused("Berkas bukti tidak ditemukan pada kasus ini")
    else:
        query = query.where(
            CaseEvidence.attached_trigger.is_(None), CaseEvidence.uploaded_at >= case.state_entered_at
        )
        rows = session.execute(query.order_by(CaseEvidence.id)).all()
    return [(r.id, r.sha256) for r in rows]


def _count_evidence(session: Session, case: Any, transitions: list[TransitionDef]) -> int:
    if not any(t.evidence for t in transitions):
        return 0
    return len(_evidence(session, case, None))


# --- available actions ---------------------------------------------------------------------------------
def available_actions(
    session: Session, case: CaseRecord, user: User, inputs: Mapping[str, Any] | None = None
) -> list[ActionOption]:
    """Every transition from the case's current state with, for each, whether ``user`` may fire it now
    and, if not, why (role, scope, a failing guard's message, missing evidence; missing inputs only when
    ``inputs`` is given)."""
    workflow = get_definition(case.type_key, case.type_version)
    transitions = workflow.transitions_from(case.state)
    visible = session.scalar(select(case_scope(user)).select_from(CaseRecord).where(CaseRecord.id == case.id))
    evidence_count = _count_evidence(session, case, transitions)
    options = []
    for transition in transitions:
        reason = _refusal(
            lambda: session, workflow, transition, case, user, bool(visible), evidence_count, inputs
        )
        options.append(ActionOption(transition, reason is None, reason))
    return options


# --- fire ---------------------------------------------------------------------------------------------
_COLUMNS = tuple(c.name for c in CaseRecord.__table__.c)
_TIMES = ("state_entered_at", "opened_at", "closed_at", "updated_at", "paused_at")
_PLAIN = [(i, name) for i, name in enumerate(_COLUMNS) if name not in _TIMES]
_TIMED = [(i, name) for i, name in enumerate(_COLUMNS) if name in _TIMES]
_LOAD_CASE = Statement(f"SELECT {', '.join(_COLUMNS)} FROM case_record WHERE id = :id")
_UPDATE_STATE = Statement(
    "UPDATE case_record SET state = :state, version = version + 1, state_entered_at = :entered, "
    "closed_at = :closed, updated_at = :now WHERE id = :id AND version = :seen"
)
_ATTACH_EVIDENCE = Statement("UPDATE case_evidence SET attached_trigger = :trigger WHERE id = :id")


class CaseRow:
    """A case row read without the ORM (hot path): the same attributes as ``CaseRecord``'s columns.
    Timestamps are converted on first access (most transitions never look at them)."""

    __slots__ = (*_COLUMNS, "_sql", "_raw_times")

    def __init__(self, sql: FastSQL, values: tuple) -> None:
        for i, name in _PLAIN:
            setattr(self, name, values[i])
        self.is_paused = bool(self.is_paused)
        self._sql = sql
        self._raw_times = {name: values[i] for i, name in _TIMED}

    def __getattr__(self, name: str):  # only called for a slot not set yet: a timestamp
        if name not in _TIMES:
            raise AttributeError(name)
        value = self._sql.from_ts(self._raw_times[name])
        setattr(self, name, value)
        return value


def load_case_row(sql: FastSQL, case_id: int) -> CaseRow | None:
    """The case row, or None."""
    values = sql.execute(_LOAD_CASE, {"id": case_id}).fetchone()
    return CaseRow(sql, values) if values else None


def fire(
    session: Session,
    case_id: int,
    trigger: str,
    user: User,
    seen_version: int,
    *,
    inputs: Mapping[str, Any] | None = None,
    evidence_ids: Iterable[int] | None = None,
    reason: str | None = None,
) -> FireResult:
    """Fire ``trigger`` on the case as ``user``, who saw the case at ``seen_version``.

    Checks scope (CaseNotFound), version (StaleCaseError), then role, guards, evidence and inputs
    (ActionRefused with the reason); then updates the case, its deadlines and the audit trail in the
    session's transaction (flushes nothing through the ORM, commits nothing).
    """
    session.flush()  # the statements below bypass the ORM: make pending ORM changes visible to them first
    request = _Request(case_id, trigger, user, seen_version, dict(inputs or {}), evidence_ids, reason)
    result, new_values = _fire(FastSQL.of(session), lambda: session, request)
    _refresh_loaded(session, case_id, new_values)
    return result


class FireItem(NamedTuple):
    """One transition for ``fire_many``: the case, the trigger, and the version the caller saw."""

    case_id: int
    trigger: str
    seen_version: int
    inputs: Mapping[str, Any] | None = None
    reason: str | None = None


def fire_many(
    db: Database, user: User, items: Iterable[FireItem], *, connection: Connection | None = None
) -> Iterator[FireResult | EngineError]:
    """``fire`` for many cases (bulk tools, benchmarks): each item in a transaction of its own on one held
    connection; yields, per item in order, its ``FireResult`` or the ``EngineError`` that refused it
    (stale, refused, not found), so one bad item stops nothing else. Any other error rolls its item back
    and stops the loop (the items before it stay committed)."""
    if connection is None:
        with db.held_connection() as connection:
            yield from fire_many(db, user, items, connection=connection)
        return
    sql = FastSQL(connection)  # one cursor for the whole loop
    for item in items:
        request = _Request(item.case_id, item.trigger, user, item.seen_version, dict(item.inputs or {}), None,
                           item.reason)  # fmt: skip
        try:
            result: FireResult | EngineError = _fire_in_own_transaction(connection, sql, request)
        except EngineError as exc:
            result = exc
        yield result


def _fire_in_own_transaction(connection: Connection, sql: FastSQL, request: _Request) -> FireResult:
    """One ``fire_many`` item: ``_fire`` (the same write path as ``fire``) in a transaction of its own on
    the held connection, committed on success and rolled back on any error. A test's connection is
    already in a transaction: there each item is a SAVEPOINT. No ORM session unless a guard, an action
    or a notice field asks for one (then one joins this transaction and is flushed before the commit):
    opening, committing and closing a session per item cost about a fifth of a transition."""
    session = _LazySession(connection)
    try:
        with connection.begin_nested() if connection.in_transaction() else connection.begin():
            result, _new_values = _fire(sql, session, request)
            session.flush()
    finally:
        session.close()
    return result


class _LazySession:
    """``get_session`` for ``_fire``: an ORM session on the held connection, made on first call. It joins
    the connection's transaction without owning it (``rollback_only``): the caller commits."""

    __slots__ = ("connection", "session")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.session: Session | None = None

    def __call__(self) -> Session:
        if self.session is None:
            self.session = Session(
                bind=self.connection, expire_on_commit=False, join_transaction_mode="rollback_only"
            )
        return self.session

    def flush(self) -> None:
        if self.session is not None:
            self.session.flush()

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None


class _Request(NamedTuple):
    case_id: int
    trigger: str
    user: User
    seen_version: int
    inputs: dict[str, Any]
    evidence_ids: Iterable[int] | None
    reason: str | None


def _fire(sql: FastSQL, get_session: Callable[[], Session], request: _Request):
    """Check, then apply."""
    user = request.user
    case = load_case_row(sql, request.case_id)
    if case is None or not row_visible(sql, user, case):
        raise CaseNotFound()
    if case.version != request.seen_version:
        raise StaleCaseError()
    workflow = get_definition(case.type_key, case.type_version)
    transition = workflow.transition(case.state, request.trigger)
    if transition is None:
        raise ActionRefused(
            f"Tindakan {request.trigger!r} tidak tersedia pada status {workflow.label(case.state)}"
        )
    has_evidence = transition.evidence or request.evidence_ids is not None
    evidence = []
    if has_evidence:
        evidence = _evidence(get_session(), case, request.evidence_ids)
    refusal = _refusal(get_session, workflow, transition, case, user, True, len(evidence), request.inputs)
    if refusal:
        raise ActionRefused(refusal)
    return _apply(sql, get_session, workflow, transition, case, request, evidence)


def _apply(sql: FastSQL, get_session, workflow, transition, case, request: _Request, evidence):
    now = clock.now()
    dest = workflow.dest_of(case.state, transition.trigger)
    entered = now if dest != case.state else case.state_entered_at
    closed = now if workflow.is_final(dest) else None
    now_ts = sql.ts(now)
    params = {
        "state": dest,
        "entered": now_ts if entered is now else sql.ts(entered),
        "closed": now_ts if closed is not None else None,
        "now": now_ts,
        "id": case.id,
        "seen": case.version,
    }
    # The optimistic lock. On PostgreSQL a concurrent winner holds the row lock; we wait, then re-check
    # the WHERE against its committed row and match nothing. On SQLite BEGIN IMMEDIATE already serialised us.
    if sql.execute(_UPDATE_STATE, params).rowcount != 1:
        raise StaleCaseError()
    changes: dict[str, Any] = {
        "trigger": transition.trigger,
        "state": [case.state, dest],
        "version": [case.version, case.version + 1],
    }
    if transition.actions:
        ctx = ActionContext(get_session(), case, request.user, workflow, transition, request.inputs, now)
        for name in transition.actions:
            changes.update(ACTIONS[name](ctx) or {})
    if transition.inputs:
        changes["inputs"] = {i.name: request.inputs.get(i.name) for i in transition.inputs}
    for evidence_id, _sha in evidence:
        sql.execute(_ATTACH_EVIDENCE, {"trigger": transition.trigger, "id": evidence_id})
    if evidence:
        changes["evidence"] = [sha for _id, sha in evidence]
    plan = deadlines.plan_transition(sql, workflow, transition, case.state, case.id, now)
    deadlines.apply_plan(sql, case.id, plan)
    event_id, digest = audit.append(
        sql, action="fire", actor_id=request.user.id, case_id=case.id, from_state=case.state, to_state=dest,
        reason=request.reason, changes=changes, occurred_at=now,
    )  # fmt: skip
    # The hand-off notices, in the same transaction (after the version check and the actions, which may
    # have changed the assignee they go to).
    if transition.notify:
        notify.send(sql.connection, transition.notify, notify.NoticeEvent(
            case.id, request.user, workflow, case.state, dest, transition.label, request.reason,
            request.inputs, event_id, get_session), now)  # fmt: skip
    new_values = {
        "state": dest,
        "version": case.version + 1,
        "state_entered_at": entered,
        "closed_at": closed,
        "updated_at": now,
    }
    if transition.actions:
        new_values = None  # actions may have changed other columns too
    result = FireResult(case.id, transition.trigger, case.state, dest, case.version + 1, event_id, digest)
    return result, new_values


def _refresh_loaded(session: Session, case_id: int, values: dict[str, Any] | None) -> None:
    """A CaseRecord of this case already in the session would now be stale: give it the new values (as
    loaded, not as changes) so it stays usable after the session closes; expire it (``values`` None) if
    actions may have changed other columns."""
    loaded = session.identity_map.get(identity_key(CaseRecord, case_id))
    if loaded is None:
        return
    if values is None:
        session.expire(loaded)
        return
    for name, value in values.items():
        set_committed_value(loaded, name, value)
