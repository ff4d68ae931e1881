"""Widyaprada task use cases: create a task, schedule it (deadlines anchored to its own dates), write the
report with its follow-up actions, publish them on approval, and the school marking one done. Each takes
the session and the acting user, flushes and never commits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.access import school_scope
from spmp.accounts.conflicts import conflict_refusal
from spmp.accounts.models import NATIONAL_ROLES, Role, User
from spmp.drafts import clean_draft_key
from spmp.engine import ActionRefused, CaseNotFound, fire, get_case, get_definition, open_case
from spmp.engine.cases import CaseRecord
from spmp.engine.deadlines import _DELETE, _INSERT
from spmp.engine.evidence import EvidencePolicy, check_file, write_blob
from spmp.fastsql import FastSQL
from spmp.regions.models import Regency, UnitCoverage
from spmp.schools.models import School
from spmp.widyaprada import permissions
from spmp.widyaprada.models import (
    TASK_KINDS,
    TASK_SCOPES,
    FollowUpAction,
    ReportPhoto,
    ReportReceipt,
    WidyapradaTask,
    WidyapradaTaskSchool,
    task_weight,
)

WORKFLOW = "widyaprada_task"
MAX_TEXT = 10_000
MAX_GROUP_SCHOOLS = 200
REPORT_STATES = ("terjadwal", "dikembalikan")
MAX_PHOTOS = 20
PHOTO_TYPES = ("image/jpeg", "image/png")


class TaskInputError(ActionRefused):
    """A form field is invalid; ``field`` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


class StaleReportError(ActionRefused):
    """The report was saved elsewhere (version ``current``) since this copy was loaded at ``seen``."""

    def __init__(self, current: int, seen: int) -> None:
        super().__init__(
            f"Laporan sudah disimpan di tempat lain (versi {current}, formulir ini versi {seen}); "
            "muat ulang halaman laporan"
        )
        self.current, self.seen = current, seen


class DuplicateReportError(ActionRefused):
    """This draft (its key) was already received: nothing is written a second time."""

    def __init__(self, receipt: ReportReceipt) -> None:
        super().__init__(
            f"Laporan ini sudah diterima sebelumnya (versi {receipt.report_version}); tidak disimpan dua kali"
        )
        self.receipt = receipt


@dataclass(frozen=True)
class TaskInput:
    kind: str
    scope: str
    purpose: str
    planned_start: date | None
    planned_end: date | None
    due_date: date | None
    school_ids: tuple[int, ...] = ()
    regency_code: str | None = None
    assignee_user_id: int | None = None
    linked_case_id: int | None = None


def _text(name: str, label: str, value: str | None, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise TaskInputError(name, f"{label} wajib diisi")
    if len(value) > MAX_TEXT:  # refused, never cut
        raise TaskInputError(name, f"{label} terlalu panjang (maksimal {MAX_TEXT} karakter)")
    return value


def _check_dates(data: TaskInput) -> None:
    for name, label in (("planned_start", "Awal periode"), ("planned_end", "Akhir periode"),
                        ("due_date", "Batas laporan")):  # fmt: skip
        if getattr(data, name) is None:
            raise TaskInputError(name, f"{label} wajib diisi (tanggal yang sah)")
    if data.planned_end < data.planned_start:
        raise TaskInputError("planned_end", "Akhir periode tidak boleh sebelum awal periode")
    if data.due_date < data.planned_start:
        raise TaskInputError("due_date", "Batas laporan tidak boleh sebelum awal periode")


def _target_schools(session: Session, user: User, data: TaskInput) -> list[School]:
    ids = list(dict.fromkeys(data.school_ids))
    if data.scope == "regency":
        return []
    if not ids:
        raise TaskInputError("school_ids", "Pilih sekolah sasaran")
    if data.scope == "school" and len(ids) != 1:
        raise TaskInputError("school_ids", "Tugas satu sekolah hanya untuk satu sekolah")
    if len(ids) > MAX_GROUP_SCHOOLS:
        raise TaskInputError("school_ids", f"Paling banyak {MAX_GROUP_SCHOOLS} sekolah dalam satu tugas")
    found = {s.id: s for s in session.scalars(select(School).where(School.id.in_(ids), school_scope(user)))}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise TaskInputError(
            "school_ids", f"Sekolah di luar wilayah Anda atau tidak ada: {', '.join(missing)}"
        )
    return [found[i] for i in ids]


def _target_regency(session: Session, user: User, code: str | None) -> Regency:
    regency = session.get(Regency, (code or "").strip())
    if regency is None:
        raise TaskInputError("regency_code", "Pilih kabupaten/kota sasaran")
    if user.role not in NATIONAL_ROLES:
        covered = session.scalar(
            select(UnitCoverage.province_code).where(
                UnitCoverage.province_code == regency.province_code, UnitCoverage.unit_id == user.unit_id
            )
        )
        if covered is None:
            raise TaskInputError("regency_code", f"{regency.name} di luar wilayah unit Anda")
    return regency


def _owning_unit(session: Session, province_code: str) -> int:
    unit_id = session.scalar(select(UnitCoverage.unit_id).where(UnitCoverage.province_code == province_code))
    if unit_id is None:
        raise ActionRefused("Provinsi sasaran belum dicakup unit B/BPMP mana pun")
    return unit_id


def _title(data: TaskInput, schools: list[School], regency: Regency | None) -> str:
    label = TASK_KINDS[data.kind]
    if regency is not None:
        return f"{label} — {regency.name}"[:200]
    if len(schools) == 1:
        return f"{label} — {schools[0].name}"[:200]
    return f"{label} — {len(schools)} sekolah ({schools[0].name}, dst.)"[:200]


def create_task(session: Session, user: User, data: TaskInput, reason: str | None = None) -> WidyapradaTask:
    """Open a ``widyaprada_task`` case with its task row and target schools. A Widyaprada creating a task
    is its assignee; the head or staff names one (or leaves it to assign later)."""
    if not permissions.can_create_task(user):
        raise ActionRefused("Peran Anda tidak dapat membuat tugas Widyaprada")
    if data.kind not in TASK_KINDS:
        raise TaskInputError("kind", "Pilih jenis tugas")
    if data.scope not in TASK_SCOPES:
        raise TaskInputError("scope", "Pilih cakupan tugas")
    purpose = _text("purpose", "Tujuan", data.purpose)
    _check_dates(data)
    schools = _target_schools(session, user, data)
    regency = _target_regency(session, user, data.regency_code) if data.scope == "regency" else None
    linked = _linked_case(session, user, data.linked_case_id)
    assignee = user.id if user.role == Role.WIDYAPRADA else data.assignee_user_id
    province = regency.province_code if regency else schools[0].province_code
    title = _title(data, schools, regency)
    if data.scope == "school":
        case = open_case(session, user, WORKFLOW, title=title, school_id=schools[0].id, reason=reason)
    else:
        unit_id = _owning_unit(session, province)
        case = open_case(session, user, WORKFLOW, title=title, subject_unit_id=unit_id, reason=reason)
        regencies = {s.regency_code for s in schools} if schools else {regency.code}
        case.province_code = province
        case.regency_code = regencies.pop() if len(regencies) == 1 else None
    task = WidyapradaTask(
        case_id=case.id, kind=data.kind, scope=data.scope, purpose=purpose, planned_start=data.planned_start,
        planned_end=data.planned_end, due_date=data.due_date, weight=task_weight(data.kind, data.scope),
        target_regency_code=regency.code if regency else None, linked_case_id=linked.id if linked else None,
        report_version=0,
    )  # fmt: skip
    session.add(task)
    session.flush()
    session.add_all(WidyapradaTaskSchool(task_id=task.id, school_id=s.id) for s in schools)
    session.flush()
    if assignee is not None:
        _assign_new(session, user, case, assignee, reason)
    return task


def _assign_new(session: Session, user: User, case: CaseRecord, assignee_id: int, reason: str | None) -> None:
    from spmp.engine.operations import assign_case, assignable_users, case_school_ids

    if assignee_id not in {u.id for u in assignable_users(session, case)}:
        raise TaskInputError("assignee_user_id", "Penanggung jawab harus Widyaprada atau staf aktif unit ini")
    refusal = conflict_refusal(session, assignee_id, case_school_ids(session, case))
    if refusal:
        raise TaskInputError("assignee_user_id", f"Tidak dapat ditugaskan: {refusal}")
    if user.role == Role.WIDYAPRADA:
        # The Widyaprada takes their own task: no hand-off, so no notice; the audit records it.
        case.assignee_user_id = assignee_id
        session.flush()
        audit.append(session, action="assign", actor_id=user.id, case_id=case.id, from_state=case.state,
                     to_state=case.state, changes={"assignee": [None, {"user_id": assignee_id}]})  # fmt: skip
        return
    # The head or staff hands it on: ``assign_case`` writes the audit event and the workflow's notice.
    assign_case(session, user, case.id, case.version, assignee_user_id=assignee_id, reason=reason)


def _linked_case(session: Session, user: User, case_id: int | None) -> CaseRecord | None:
    if case_id is None:
        return None
    try:
        linked = get_case(session, user, case_id)
    except CaseNotFound:
        raise TaskInputError(
            "linked_case_id", f"Kasus #{case_id} tidak ditemukan atau di luar akses Anda"
        ) from None
    if linked.type_key == WORKFLOW:
        raise TaskInputError("linked_case_id", "Tugas tidak dapat ditautkan ke tugas Widyaprada lain")
    return linked


def get_task(session: Session, user: User, task_id: int) -> WidyapradaTask:
    """The task if the user may see its case (CaseNotFound otherwise: nothing leaks)."""
    task = session.get(WidyapradaTask, task_id)
    if task is None or not permissions.can_open_task(user):
        raise CaseNotFound("Tugas tidak ditemukan")
    get_case(session, user, task.case_id)
    return task


# --- firing, with deadlines anchored to the task's dates ---------------------------------------------------
def act(
    session: Session,
    user: User,
    task_id: int,
    trigger: str,
    seen_version: int,
    inputs: dict[str, Any] | None = None,
    reason: str | None = None,
):
    """Fire ``trigger`` on the task's case through the engine's single write path; entering "terjadwal"
    re-anchors the deadlines on the visit date and the report's due date."""
    task = get_task(session, user, task_id)
    result = fire(session, task.case_id, trigger, user, seen_version, inputs=inputs, reason=reason)
    if result.to_state == "terjadwal":
        session.refresh(task)
        anchor_deadlines(session, task, clock.now())
    return result


def _day_start(day: date) -> datetime:
    # 08:00 WIB (01:00 UTC): a reminder arrives at the start of the working day in the west.
    return datetime.combine(day, time(1, 0), tzinfo=UTC)


def anchored_rows(task: WidyapradaTask, now: datetime) -> list[dict]:
    """The deadline rows of "terjadwal": a reminder the morning before the visit, reminders in the morning 3
    and 1 days before the report's due date, the due time (17:00 WIB that day), and the escalation to the
    head 2 days later."""
    rule = get_definition(WORKFLOW, 1).states["terjadwal"].due
    due_at = datetime.combine(task.due_date, time(10, 0), tzinfo=UTC)  # 17:00 WIB: the end of the working day
    rows = [{"kind": "due", "fire_at": due_at, "due_at": due_at, "escalate_to_role": None}]
    if task.visit_date is not None:
        visit = _day_start(task.visit_date)
        rows.append({"kind": "reminder", "fire_at": visit - timedelta(days=1), "due_at": visit,
                     "escalate_to_role": None})  # fmt: skip
    for offset in sorted(set(rule.reminders), reverse=True):
        rows.append({"kind": "reminder", "fire_at": _day_start(task.due_date - timedelta(days=offset)), "due_at": due_at,
                     "escalate_to_role": None})  # fmt: skip
    rows = [r for r in rows if r["kind"] == "due" or r["fire_at"] > now]
    rows.append({"kind": "escalation", "fire_at": due_at + timedelta(days=rule.escalate_after or 2),
                 "due_at": due_at, "escalate_to_role": rule.escalate_to})  # fmt: skip
    return rows


def anchor_deadlines(session: Session, task: WidyapradaTask, now: datetime) -> int:
    """Replace the case's deadline rows by the anchored ones (same transaction as the transition)."""
    sql = FastSQL.of(session)
    rows = anchored_rows(task, now)
    for slot, row in enumerate(rows):
        row.update(case_id=task.case_id, slot=slot, state="terjadwal", is_working_days=False,
                   fire_at=sql.ts(row["fire_at"]), due_at=sql.ts(row["due_at"]))  # fmt: skip
    sql.execute(_DELETE, {"case_id": task.case_id})
    sql.executemany(_INSERT, rows)
    return len(rows)


# --- the report ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FollowUpInput:
    school_id: int
    description: str
    due_date: date | None = None


@dataclass(frozen=True)
class PhotoInput:
    filename: str
    data: bytes


@dataclass(frozen=True)
class ReportInput:
    findings: str
    recommendations: str
    follow_ups: tuple[FollowUpInput, ...] = field(default_factory=tuple)
    photos: tuple[PhotoInput, ...] = field(default_factory=tuple)
    # The key of the draft this copy comes from (one per draft, made when it is queued): sent twice, it
    # is received once.
    draft_key: str | None = None


def save_report(
    session: Session, user: User, task_id: int, seen_report_version: int, data: ReportInput,
    photo_root: Path | None = None, policy: EvidencePolicy | None = None,
) -> WidyapradaTask:  # fmt: skip
    """Save the report (a draft until "Serahkan laporan"). ``seen_report_version`` is the version the form
    was loaded with and ``data.draft_key`` the draft's key: a draft already received is refused with
    DuplicateReportError, a copy older than the saved report with StaleReportError; neither writes."""
    task = get_task(session, user, task_id)
    case = task.case
    allowed = permissions.report_refusal(user, case, task)
    if allowed:
        raise ActionRefused(allowed)
    key = _draft_key(data.draft_key)
    _refuse_repeat(session, task, key, seen_report_version)
    findings = _text("findings", "Temuan", data.findings)
    recommendations = _text("recommendations", "Rekomendasi", data.recommendations)
    follow_ups = _follow_ups(task, data.follow_ups)
    photos = _checked_photos(task, data.photos, policy or EvidencePolicy())
    _claim_version(session, task, key, seen_report_version)
    now = clock.now()
    task.findings, task.recommendations = findings, recommendations
    task.report_saved_at, task.report_saved_by_id = now, user.id
    if key:
        session.add(ReportReceipt(task_id=task.id, draft_key=key, report_version=task.report_version,
                                  received_at=now, user_id=user.id))  # fmt: skip
    for filename, content, media_type in photos:
        task.photos.append(ReportPhoto(sha256=write_blob(photo_root, content), filename=filename,
                                       media_type=media_type, size_bytes=len(content),
                                       report_version=task.report_version, uploaded_at=now,
                                       uploaded_by_id=user.id))  # fmt: skip
    for old in [f for f in task.follow_ups if f.published_at is None]:
        task.follow_ups.remove(old)
    for item in follow_ups:
        task.follow_ups.append(FollowUpAction(school_id=item.school_id, description=item.description,
                                              due_date=item.due_date, status="open"))  # fmt: skip
    session.flush()
    digest = hashlib.sha256(f"{findings}\n{recommendations}".encode()).hexdigest()
    audit.append(session, action="report", actor_id=user.id, case_id=case.id, from_state=case.state,
                 to_state=case.state, occurred_at=now,
                 changes={"report_version": task.report_version, "sha256": digest, "follow_ups": len(follow_ups),
                          "photos": [p.sha256 for p in task.photos if p.report_version == task.report_version],
                          "draft_key": key})  # fmt: skip
    return task


def _draft_key(value: str | None) -> str | None:
    try:
        return clean_draft_key(value)
    except ValueError:
        raise TaskInputError(
            "draft_key", "Kunci draf laporan tidak sah; muat ulang halaman laporan"
        ) from None


def _receipt(session: Session, key: str | None) -> ReportReceipt | None:
    if key is None:
        return None
    return session.scalar(select(ReportReceipt).where(ReportReceipt.draft_key == key))


def _refuse_repeat(session: Session, task: WidyapradaTask, key: str | None, seen: int) -> None:
    receipt = _receipt(session, key)
    if receipt is not None:
        if receipt.task_id != task.id:
            raise TaskInputError(
                "draft_key", "Kunci draf ini milik laporan tugas lain; muat ulang halaman laporan"
            )
        raise DuplicateReportError(receipt)
    if seen != task.report_version:
        raise StaleReportError(task.report_version, seen)


def _claim_version(session: Session, task: WidyapradaTask, key: str | None, seen: int) -> None:
    """Raise the report version from ``seen`` with a guarded UPDATE: of two copies saved at once only one
    wins (the other waits for it on PostgreSQL, then finds its receipt or the new version)."""
    claimed = session.execute(
        update(WidyapradaTask)
        .where(WidyapradaTask.id == task.id, WidyapradaTask.report_version == seen)
        .values(report_version=seen + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        session.expire(task, ["report_version"])
        _refuse_repeat(session, task, key, seen)
    task.report_version = seen + 1


def _checked_photos(task: WidyapradaTask, photos, policy: EvidencePolicy) -> list[tuple[str, bytes, str]]:
    photos = [p for p in photos if p.data]
    if len(task.photos) + len(photos) > MAX_PHOTOS:
        raise TaskInputError("photos", f"Paling banyak {MAX_PHOTOS} foto untuk satu laporan")
    checked = []
    for number, photo in enumerate(photos, start=1):
        name = Path((photo.filename or "foto.jpg").replace("\\", "/")).name[:255] or "foto.jpg"
        try:
            media_type = check_file(name, photo.data, policy)
        except ActionRefused as exc:
            raise TaskInputError("photos", f"Foto {number} ({name}): {exc}") from None
        if media_type not in PHOTO_TYPES:
            raise TaskInputError("photos", f"Foto {number} ({name}): hanya foto JPEG atau PNG")
        checked.append((name, photo.data, media_type))
    return checked


def report_schools(session: Session, task: WidyapradaTask) -> list[School]:
    """Schools a follow-up may be addressed to: the task's targets, or the regency's schools for mapping."""
    if task.scope != "regency":
        return list(task.schools)
    query = select(School).where(School.regency_code == task.target_regency_code).order_by(School.name)
    return list(session.scalars(query.limit(2000)))


def _follow_ups(task: WidyapradaTask, items) -> list[FollowUpInput]:
    targets = {s.id for s in task.schools}
    out = []
    for number, item in enumerate(items, start=1):
        description = (item.description or "").strip()
        if not description:
            continue  # an empty row of the form
        if len(description) > MAX_TEXT:
            raise TaskInputError(
                "follow_ups", f"Tindak lanjut {number} terlalu panjang (maksimal {MAX_TEXT})"
            )
        if task.scope != "regency" and item.school_id not in targets:
            raise TaskInputError("follow_ups", f"Tindak lanjut {number}: pilih salah satu sekolah sasaran")
        if task.scope == "regency" and not item.school_id:
            raise TaskInputError("follow_ups", f"Tindak lanjut {number}: pilih sekolah")
        out.append(FollowUpInput(item.school_id, description, item.due_date))
    return out


def publish_follow_ups(session: Session, task: WidyapradaTask, case, now: datetime | None) -> int:
    """Make the task's follow-ups visible to their schools and tell each school other than the case's own
    (whose notice the workflow's ``notify:`` writes)."""
    from spmp.notifications.operations import notify

    now = now or clock.now()
    pending = [f for f in task.follow_ups if f.published_at is None]
    for item in pending:
        item.published_at = now
    session.flush()
    for school_id in sorted({f.school_id for f in pending} - {case.school_id}):
        school = session.get(School, school_id)
        title = f"Tindak lanjut dari Widyaprada: {case.title}"[:200]
        body = (
            f'Laporan "{case.title}" telah disetujui. Tindak lanjut untuk {school.name} (NPSN {school.npsn}) '
            "dapat dilihat pada halaman Tindak Lanjut; tandai selesai dengan bukti setelah dikerjakan."
        )
        for person in _school_people(session, school_id):
            notify(session, person, "info", title, body, now, case_id=None)
    return len(pending)


def _school_people(session: Session, school_id: int) -> list[User]:
    roles = [Role.SCHOOL_OPERATOR.value, Role.PRINCIPAL.value]
    query = select(User).where(User.school_id == school_id, User.role.in_(roles), User.is_active.is_(True))
    return list(session.scalars(query.order_by(User.id)))


# --- the school's side ---------------------------------------------------------------------------------
def get_follow_up(session: Session, user: User, follow_up_id: int) -> FollowUpAction:
    item = session.get(FollowUpAction, follow_up_id)
    if item is None or not permissions.can_see_follow_up(session, user, item):
        raise CaseNotFound("Tindak lanjut tidak ditemukan")
    return item


def mark_follow_up_done(
    session: Session, user: User, follow_up_id: int, note: str, filename: str, data: bytes, root: Path,
    policy: EvidencePolicy | None = None,
) -> FollowUpAction:  # fmt: skip
    """The school marks a follow-up done with a note and an evidence file (stored content-addressed)."""
    item = get_follow_up(session, user, follow_up_id)
    if not permissions.can_mark_follow_up(user, item):
        raise ActionRefused("Hanya operator atau kepala sekolah yang dituju yang dapat menandai selesai")
    if item.status == "done":
        raise ActionRefused("Tindak lanjut ini sudah ditandai selesai")
    note = _text("note", "Keterangan", note)
    if not data:
        raise TaskInputError("evidence", "Unggah berkas bukti")
    media_type = check_file(filename, data, policy or EvidencePolicy())
    digest = write_blob(root, data)
    now = clock.now()
    item.status, item.done_at, item.done_by_id, item.done_note = "done", now, user.id, note
    item.evidence_sha256, item.evidence_filename = digest, Path(filename or "bukti").name[:255]
    item.evidence_media_type = media_type
    session.flush()
    case = item.task.case
    audit.append(session, action="follow_up_done", actor_id=user.id, case_id=case.id, from_state=case.state,
                 to_state=case.state, occurred_at=now,
                 changes={"follow_up_id": item.id, "school_id": item.school_id, "sha256": digest})  # fmt: skip
    return item
