"""Notices at hand-offs: who is told when a case moves, declared once in the workflow definition.

A transition that hands work on declares ``notify:`` (one notice or a list), and a definition may declare
top-level ``notices:`` for ``open``, ``assign``, ``pause`` and ``resume``::

    transitions:
      - trigger: send_back
        ...
        event_label: Dikembalikan untuk diperbaiki      # the timeline's label for this step
        notify:
          to: [assignee, school]                         # who (see RECIPIENTS, or a role name)
          title: "Dikembalikan: {case}"
          message: |
            {actor} mengembalikan tahap {from_state} untuk diperbaiki.
            Catatan: {reason}
    notices:
      pause: {to: [assignee, school], title: "Ditangguhkan: {case}", message: "Alasan: {reason}"}

Templates are ``str.format`` text with named fields only: the fields of ``BASE_FIELDS``, the transition's
input names, and fields registered by features with ``spmp.engine.registry.notice_field``. A line whose
fields all came out empty, or any of whose fields is empty, is left out (so ``Catatan: {reason}`` appears
only when a note was given).

Each recipient gets an in-app notification and, with an e-mail address, an outbox mail, written on the
caller's connection in the caller's transaction: a refused or rolled-back change tells nobody. The actor
is never told about their own step. The engine calls ``send`` from exactly one place per kind of change
(``fire``'s apply step, and the open/assign/pause/resume operations).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from spmp.accounts.models import NATIONAL_ROLES, SCHOOL_ROLES, Role, SchoolAssignment, User
from spmp.audit import AuditEvent
from spmp.engine import registry
from spmp.engine.cases import CaseRecord
from spmp.notifications.models import Notification, OutboxMessage
from spmp.regions.models import Regency
from spmp.schools.models import School

# Who can be told, besides a role name (holders of that role whose scope covers the case).
RECIPIENTS = {
    "assignee": "penanggung jawab kasus sesudah langkah ini (orang, atau staf unit yang ditugasi)",
    "school": "operator dan kepala sekolah dari sekolah kasus",
    "opener": "pembuka kasus",
    "previous_actor": "pelaku langkah sebelumnya pada kasus",
}
CASE_EVENTS = ("open", "assign", "pause", "resume")
BASE_FIELDS = {
    "case": "judul kasus",
    "case_id": "nomor kasus",
    "workflow": "jenis kasus",
    "school": "nama sekolah",
    "npsn": "NPSN sekolah",
    "regency": "kabupaten/kota sekolah",
    "from_state": "tahap sebelum langkah",
    "to_state": "tahap sesudah langkah",
    "action": "nama tindakan",
    "actor": "nama pelaku",
    "reason": "catatan/alasan yang ditulis pelaku",
    "assignee": "nama penanggung jawab sesudah langkah",
}
TITLE_MAX = 300
_KEYS = {"to", "title", "message", "__line__"}


@dataclass(frozen=True)
class NoticeDef:
    """One notice: to whom, and the Indonesian title and message templates."""

    to: tuple[str, ...]
    title: str
    message: str


# --- declaration --------------------------------------------------------------------------------------
def template_fields(template: str) -> list[str]:
    """The field names a template uses (raises ValueError for a malformed template)."""
    return [name for _text, name, _spec, _conv in string.Formatter().parse(template) if name is not None]


def parse_notices(
    error: Callable[[str, int | None], None], raw: Any, line: int | None, inputs: Iterable[str] = ()
) -> tuple[NoticeDef, ...]:
    """``notify:`` (one mapping or a list of them) → NoticeDefs; problems go to ``error(problem, line)``."""
    if raw is None:
        return ()
    notices = []
    for spec in raw if isinstance(raw, list) else [raw]:
        if not isinstance(spec, dict):
            error(f"notify harus berupa mapping {{to, title, message}}, bukan {spec!r}", line)
            continue
        notice = _parse_one(error, spec, spec.get("__line__", line), set(inputs))
        if notice is not None:
            notices.append(notice)
    return tuple(notices)


def _parse_one(error, spec: dict, line: int | None, inputs: set[str]) -> NoticeDef | None:
    for key in sorted(set(spec) - _KEYS):
        error(f"kunci notify tidak dikenal {key!r}", line)
    to = spec.get("to")
    to = [to] if isinstance(to, str) else to
    if not isinstance(to, list) or not to:
        error("notify.to wajib diisi (siapa yang diberi tahu)", line)
        to = []
    roles = {r.value for r in Role}
    for who in to:
        if who not in RECIPIENTS and who not in roles:
            error(f"penerima tidak dikenal {who!r} (pilih {', '.join(RECIPIENTS)} atau nama peran)", line)
    ok = True
    for key in ("title", "message"):
        text = spec.get(key)
        if not isinstance(text, str) or not text.strip():
            error(f"notify.{key} wajib diisi", line)
            ok = False
            continue
        ok = _check_template(error, key, text, line, inputs) and ok
    if not ok or not to:
        return None
    return NoticeDef(tuple(to), spec["title"].strip(), spec["message"].strip())


def _check_template(error, key: str, text: str, line: int | None, inputs: set[str]) -> bool:
    try:
        names = template_fields(text)
    except ValueError as exc:
        error(f"notify.{key}: templat tidak sah ({exc})", line)
        return False
    known = set(BASE_FIELDS) | inputs | set(registry.NOTICE_FIELDS)
    unknown = sorted({n for n in names if n not in known})
    for name in unknown:
        error(f"notify.{key}: isian templat tidak dikenal {{{name}}}", line)
    return not unknown


def render(template: str, values: Mapping[str, str]) -> str:
    """The template with its fields filled in; a line with an empty field is left out."""
    lines = []
    for text in template.splitlines():
        names = template_fields(text)
        if any(not values.get(n) for n in names):
            continue
        lines.append(text.format_map({n: values[n] for n in names}))
    return "\n".join(lines).strip()


# --- sending ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NoticeEvent:
    """What happened, for the templates and for choosing recipients."""

    case_id: int
    actor: User
    workflow: Any  # WorkflowDefinition
    from_state: str | None
    to_state: str | None
    action: str = ""
    reason: str | None = None
    inputs: Mapping[str, Any] | None = None
    audit_id: int | None = None  # the event of this change (previous_actor looks before it)
    get_session: Callable[[], Any] | None = None  # for registered notice fields


_ASSIGNEE = aliased(User)
# The case after the change, with its school, regency and assignee's name: one query.
_CASE = (
    select(
        CaseRecord.id, CaseRecord.title, CaseRecord.unit_id, CaseRecord.school_id, CaseRecord.province_code,
        CaseRecord.regency_code, CaseRecord.assignee_user_id, CaseRecord.assignee_unit_id,
        CaseRecord.opened_by_id, School.name.label("school_name"), School.npsn, Regency.name.label("regency_name"),
        _ASSIGNEE.full_name.label("assignee_name"),
    )
    .outerjoin(School, School.id == CaseRecord.school_id)
    .outerjoin(Regency, Regency.code == School.regency_code)
    .outerjoin(_ASSIGNEE, _ASSIGNEE.id == CaseRecord.assignee_user_id)
)  # fmt: skip
_USER = (User.id, User.full_name, User.email, User.wants_daily_digest)


def send(connection: Connection, notices: Iterable[NoticeDef], event: NoticeEvent, now: datetime) -> int:
    """Write each notice's notifications and outbox mails; returns how many people were told."""
    notices = list(notices)
    if not notices:
        return 0
    case = connection.execute(_CASE.where(CaseRecord.id == event.case_id)).one()
    resolver = _Recipients(connection, case, event)
    values = _values(case, event)
    told = 0
    for notice in notices:
        users = resolver.users(notice.to)
        if not users:
            continue
        fields = {**values, **_extra_fields(notice, event, values)}
        title = (render(notice.title, fields) or f"{values['workflow']}: {values['case']}")[:TITLE_MAX]
        body = render(notice.message, fields) + f"\n\nBuka kasus #{case.id} di SPMP untuk menindaklanjuti."
        _write(connection, users, case.id, title, body, now)
        told += len(users)
    return told


def send_case_event(
    session,
    workflow,
    event: str,
    user: User,
    case_id: int,
    from_state: str | None,
    to_state: str | None,
    reason: str | None,
    now: datetime,
) -> int:
    """The definition's notice for a case event (``open``, ``assign``, ``pause``, ``resume``), written in
    the session's transaction; returns how many people were told."""
    notices = workflow.notices.get(event)
    if not notices:
        return 0
    what = NoticeEvent(
        case_id, user, workflow, from_state, to_state, reason=reason, get_session=lambda: session
    )
    return send(session.connection(), notices, what, now)


def _extra_fields(notice: NoticeDef, event: NoticeEvent, values: Mapping[str, str]) -> dict[str, str]:
    """Registered fields the notice uses (e.g. the SPMI return notes), computed only when used."""
    wanted = {n for t in (notice.title, notice.message) for n in template_fields(t)} - set(values)
    session = event.get_session() if event.get_session else None
    ctx = registry.NoticeContext(session, event.case_id, event.actor, event.workflow, event.from_state,
                                 event.to_state)  # fmt: skip
    return {
        name: registry.NOTICE_FIELDS[name](ctx) or "" for name in wanted if name in registry.NOTICE_FIELDS
    }


def _values(case, event: NoticeEvent) -> dict[str, str]:
    workflow = event.workflow
    values = {
        "case": case.title,
        "case_id": str(case.id),
        "workflow": workflow.title,
        "from_state": workflow.label(event.from_state) if event.from_state else "",
        "to_state": workflow.label(event.to_state) if event.to_state else "",
        "action": event.action,
        "actor": event.actor.full_name,
        "reason": (event.reason or "").strip(),
        "school": case.school_name or "",
        "npsn": case.npsn or "",
        "regency": case.regency_name or "",
        "assignee": case.assignee_name or "",
    }
    for key, value in (event.inputs or {}).items():
        values.setdefault(key, "" if value is None else str(value))
    return values


class _Recipients:
    """Active users for each recipient name, in a stable order, without the actor."""

    def __init__(self, connection: Connection, case, event: NoticeEvent) -> None:
        self.connection, self.case, self.event = connection, case, event

    def users(self, names: Iterable[str]) -> list[Any]:
        found: dict[int, Any] = {}
        for name in names:
            for user in self._query(name):
                if user.id != self.event.actor.id:
                    found.setdefault(user.id, user)
        return list(found.values())

    def _active(self, *conditions) -> list[Any]:
        query = select(*_USER).where(User.is_active.is_(True), *conditions).order_by(User.id)
        return list(self.connection.execute(query))

    def _query(self, name: str) -> list[Any]:
        case = self.case
        if name == "assignee":
            if case.assignee_user_id is not None:
                return self._active(User.id == case.assignee_user_id)
            if case.assignee_unit_id is not None:
                staff = self._active(
                    User.unit_id == case.assignee_unit_id, User.role == Role.BPMP_STAFF.value
                )
                return staff or self._active(
                    User.unit_id == case.assignee_unit_id, User.role == Role.BPMP_HEAD.value
                )
            return []
        if name == "school":
            if case.school_id is None:
                return []
            return self._active(
                User.school_id == case.school_id, User.role.in_([r.value for r in SCHOOL_ROLES])
            )
        if name == "opener":
            return self._active(User.id == case.opened_by_id)
        if name == "previous_actor":
            return self._previous_actor()
        return self._role_holders(name)

    def _previous_actor(self) -> list[Any]:
        query = select(AuditEvent.actor_id).where(
            AuditEvent.case_id == self.case.id, AuditEvent.action == "fire", AuditEvent.actor_id.is_not(None)
        )
        if self.event.audit_id is not None:
            query = query.where(AuditEvent.id < self.event.audit_id)
        actor_id = self.connection.scalar(query.order_by(AuditEvent.id.desc()).limit(1))
        return self._active(User.id == actor_id) if actor_id is not None else []

    def _role_holders(self, role: str) -> list[Any]:
        """Holders of ``role`` whose scope covers the case (as in the deadline sweep's escalations);
        Widyaprada and facilitators: those with the case's school in their caseload."""
        case = self.case
        same_role = User.role == role
        if role in NATIONAL_ROLES:
            return self._active(same_role)
        if role == Role.DINAS_PROVINCE:
            return self._active(same_role, User.province_code == case.province_code)
        if role == Role.DINAS_REGENCY:
            return (
                self._active(same_role, User.regency_code == case.regency_code) if case.regency_code else []
            )
        if role in SCHOOL_ROLES:
            return self._active(same_role, User.school_id == case.school_id) if case.school_id else []
        if role in (Role.WIDYAPRADA, Role.FACILITATOR) and case.school_id is not None:
            assigned = select(SchoolAssignment.user_id).where(SchoolAssignment.school_id == case.school_id)
            return self._active(same_role, User.id.in_(assigned))
        return self._active(same_role, User.unit_id == case.unit_id)


def _write(
    connection: Connection, users: list[Any], case_id: int, title: str, body: str, now: datetime
) -> None:
    connection.execute(
        insert(Notification),
        [dict(user_id=u.id, case_id=case_id, deadline_id=None, kind="info", title=title, body=body,
              created_at=now, read_at=None) for u in users],
    )  # fmt: skip
    mails = [
        dict(user_id=u.id, recipient=u.email, subject=f"[SPMP] {title}"[:TITLE_MAX], body=body, created_at=now,
             sent_at=None, attempts=0, last_error=None, for_digest=bool(u.wants_daily_digest), is_digest=False,
             digest_id=None)
        for u in users if u.email
    ]  # fmt: skip
    if mails:
        connection.execute(insert(OutboxMessage), mails)
