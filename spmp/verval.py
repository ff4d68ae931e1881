"""The verval pattern (verifikasi dan validasi) shared by the programmes: Revitalisasi proposals and
Digitalisasi target schools are cases whose verifier decides with a reason code and a comment (workflow
inputs, so every decision is an audited engine step). What both need, written once here:

- ``queue_state``: the step each role works on (a programme's table of role → state);
- ``waiting_oldest_first``: the verifier's queue shape: the cases in that step, paused ones left out, the one
  waiting longest first;
- ``decisions``: a case's steps with their reason codes and comments, read from the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from spmp.accounts.models import Role, User
from spmp.engine.cases import CaseRecord
from spmp.engine.definitions import get_definition


def queue_state(user: User, states: Mapping[Role, str]) -> str | None:
    """The step the user's role verifies in this programme (None: the role has no queue)."""
    return states.get(Role(user.role))


def waiting_oldest_first(query: Select, state: str) -> Select:
    """``query`` (joined to ``CaseRecord`` and already scoped) narrowed to the cases waiting in ``state``,
    not paused, the one that entered the step earliest first."""
    return (
        query.where(CaseRecord.state == state, CaseRecord.is_paused.is_(False))
        .order_by(None)
        .order_by(CaseRecord.state_entered_at, CaseRecord.id)
    )


@dataclass(frozen=True)
class Decision:
    """One workflow step of a verval case as its page lists it."""

    occurred_at: datetime
    actor: str
    step: str
    reason_code: str | None
    note: str | None


def decisions(session: Session, case: CaseRecord, note_input: str = "catatan") -> list[Decision]:
    """The case's workflow steps with their reason codes (input ``reason_code``) and comments (input
    ``note_input``, else the step's note), oldest first, from the audit log. The caller has checked that the
    user may see the case."""
    from spmp.audit import AuditEvent
    from spmp.engine.queries import users_by_id

    workflow = get_definition(case.type_key, case.type_version)
    events = list(session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == "fire").order_by(AuditEvent.id)
    ))  # fmt: skip
    people = users_by_id(session, (e.actor_id for e in events))
    out = []
    for event in events:
        changes = event.changes_dict
        inputs = changes.get("inputs") or {}
        transition = workflow.transition(event.from_state, changes.get("trigger") or "")
        step = (
            (transition.event_label or transition.label)
            if transition
            else f"{event.from_state} → {event.to_state}"
        )
        actor = people.get(event.actor_id)
        out.append(Decision(event.occurred_at, actor.full_name if actor else "—", step, inputs.get("reason_code"),
                            inputs.get(note_input) or event.reason))  # fmt: skip
    return out
