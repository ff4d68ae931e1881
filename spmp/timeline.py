"""One school, one timeline: everything happening to a school across case types (SPMI cycles,
accreditation visits, supervision visits, later programmes), newest first, plus what is due next.

Built from the audit trail of the school's cases (every open, transition, comment and upload is an event
there), the accreditation history and the external visits. Only cases the user may see are included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp import clock
from spmp.access import can_see_school
from spmp.accounts.models import User
from spmp.audit import AuditEvent
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.engine.definitions import get_definition
from spmp.engine.permissions import case_scope
from spmp.spme.models import AccreditationRecord, ExternalVisit
from spmp.spme.operations import add_months, reminder_months

ACTION_LABELS = {
    "open": "Kasus dibuka",
    "fire": "Tahap berubah",
    "comment": "Komentar",
    "evidence": "Bukti diunggah",
    "assign": "Penanggung jawab diubah",
    "pause": "Ditangguhkan",
    "resume": "Dilanjutkan",
    "migrate": "Definisi alur diperbarui",
    "report": "Laporan tugas disimpan",
    "follow_up_done": "Tindak lanjut ditandai selesai",
    "revitalisasi.proposal": "Usulan revitalisasi disimpan",
    "revitalisasi.photo": "Foto kerusakan diunggah",
    "revitalisasi.document": "Dokumen usulan diunggah",
}


def event_title(workflow, action: str, changes: dict[str, Any], from_state: str | None) -> str:
    """How a case event reads in a timeline, in Indonesian: a transition by its declared ``event_label``
    (else its action label), e.g. "Jadwal diubah" rather than "Tindakan: reschedule"."""
    if action == "fire" and workflow is not None and from_state is not None:
        transition = workflow.transition(from_state, changes.get("trigger") or "")
        if transition is not None:
            return transition.event_label or transition.label
    return ACTION_LABELS.get(action, action)


def event_detail(workflow, action: str, changes: dict[str, Any], from_state, to_state) -> str:
    """The state change ("Draf → Terjadwal"), or for a step that stays in its state (a reschedule) the
    state and what was entered ("Terjadwal · Tanggal kunjungan: 2026-03-17")."""
    label = workflow.label if workflow is not None else (lambda state: state)
    if action == "open":
        return f"Tahap awal: {label(to_state)}" if to_state else ""
    if action != "fire":
        return ACTION_LABELS.get(action, action)
    if from_state != to_state:
        return f"{label(from_state)} → {label(to_state)}"
    transition = workflow.transition(from_state, changes.get("trigger") or "") if workflow else None
    names = {i.name: i.label for i in transition.inputs} if transition else {}
    entered = [f"{names.get(k, k)}: {v}" for k, v in (changes.get("inputs") or {}).items() if v]
    return " · ".join([label(to_state), *entered])


def _definition(case: CaseRecord):
    try:
        return get_definition(case.type_key, case.type_version)
    except KeyError:
        return None


@dataclass(frozen=True)
class TimelineItem:
    at: datetime | date
    kind: str  # "case", "accreditation", "visit"
    title: str
    detail: str
    case_id: int | None = None

    @property
    def sort_key(self) -> datetime:
        if isinstance(self.at, datetime):
            return self.at.replace(tzinfo=None)
        return datetime(self.at.year, self.at.month, self.at.day)


@dataclass(frozen=True)
class DueItem:
    due_at: datetime | date
    title: str
    detail: str
    case_id: int | None = None

    @property
    def sort_key(self) -> datetime:
        return TimelineItem(self.due_at, "", "", None).sort_key


def _label(case: CaseRecord, state: str | None) -> str:
    if state is None:
        return ""
    try:
        return get_definition(case.type_key, case.type_version).label(state)
    except KeyError:
        return state


def _case_items(session: Session, user: User, school_id: int, limit: int) -> list[TimelineItem]:
    # The school's (visible) cases first, then their events through ix_audit_event_case: walking the
    # whole audit table newest-first until enough of this school's events turn up would not scale.
    cases = {
        c.id: c
        for c in session.scalars(
            select(CaseRecord).where(CaseRecord.school_id == school_id, case_scope(user))
        )
    }
    if not cases:
        return []
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id.in_(list(cases)))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    items = []
    for event in events:
        case = cases[event.case_id]
        workflow, changes = _definition(case), event.changes_dict
        what = event_title(workflow, event.action, changes, event.from_state)
        detail = event_detail(workflow, event.action, changes, event.from_state, event.to_state)
        items.append(TimelineItem(event.occurred_at, "case", f"{case.title}: {what}", detail, case.id))
    return items


def _spme_items(session: Session, school_id: int) -> list[TimelineItem]:
    items = []
    for record in session.scalars(
        select(AccreditationRecord).where(AccreditationRecord.school_id == school_id)
    ):
        how = "perpanjangan otomatis" if record.is_automatic_extension else "keputusan BAN-PDM"
        items.append(TimelineItem(record.start_date, "accreditation", f"Akreditasi {record.rank} ({how})",
                                  f"SK {record.decree_number}, berlaku s.d. {record.end_date:%d-%m-%Y}"))  # fmt: skip
    for visit in session.scalars(select(ExternalVisit).where(ExternalVisit.school_id == school_id)):
        items.append(TimelineItem(visit.visit_date, "visit", f"{visit.kind_label}: {visit.organisation}",
                                  f"{visit.visitor} — {visit.purpose}"))  # fmt: skip
    return items


def _follow_up_items(session: Session, school_id: int) -> list[TimelineItem]:
    """Follow-up actions a Widyaprada's approved report addressed to the school, and when it did them."""
    from spmp.widyaprada.queries import school_follow_ups

    items = []
    for item in school_follow_ups(session, school_id):
        title = f"Tindak lanjut dari Widyaprada: {item.description}"[:300]
        items.append(TimelineItem(item.published_at, "follow_up", title, item.task.case.title))
        if item.done_at is not None:
            items.append(TimelineItem(item.done_at, "follow_up", f"Tindak lanjut selesai: {item.description}"[:300],
                                      item.done_note or ""))  # fmt: skip
    return items


def school_timeline(
    session: Session, user: User, school_id: int, limit: int = 200
) -> list[TimelineItem] | None:
    """Everything that happened to the school, newest first (None if the user may not see the school)."""
    if not can_see_school(session, user, school_id):
        return None
    items = _case_items(session, user, school_id, limit) + _spme_items(session, school_id)
    items += _follow_up_items(session, school_id)
    return sorted(items, key=lambda i: i.sort_key, reverse=True)[:limit]


def school_due_next(session: Session, user: User, school_id: int, today: date | None = None) -> list[DueItem]:
    """What is due next for the school: each open case's current due date, and the accreditation expiry
    once it is within the reminder window; soonest first."""
    query = (
        select(CaseRecord, CaseDeadline.due_at)
        .join(CaseDeadline, CaseDeadline.case_id == CaseRecord.id)
        .where(
            CaseRecord.school_id == school_id,
            CaseRecord.closed_at.is_(None),
            CaseDeadline.kind == "due",
            case_scope(user),
        )
    )
    due = [
        DueItem(due_at, case.title, f"Tahap {_label(case, case.state)}", case.id)
        for case, due_at in session.execute(query).all()
    ]
    latest = session.scalar(
        select(AccreditationRecord)
        .where(AccreditationRecord.school_id == school_id)
        .order_by(AccreditationRecord.end_date.desc())
        .limit(1)
    )
    if latest is not None:
        today = today or clock.now().date()
        if latest.end_date <= add_months(today, reminder_months()):
            due.append(
                DueItem(latest.end_date, f"Akreditasi {latest.rank} berakhir", f"SK {latest.decree_number}")
            )
    return sorted(due, key=lambda d: d.sort_key)
