"""SPMI use cases: open cycles (one school, or every school in scope in one bulk action), write the PBD
content of each phase, and move the cycle through its workflow (submit, approve, return with notes).

Every function takes the session and the acting user, flushes, and never commits.

Opening goes through one Core path for one school or 50,000: the case rows, cycle rows, deadline rows
and the hash-chained audit events are written with executemany statements, not one ORM object per case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import exists, func, select, text
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.access import school_scope
from spmp.accounts.models import Role, User
from spmp.bulk_insert import insert_dicts, insert_returning_ids
from spmp.engine import ActionRefused, CaseNotFound, StaleCaseError, fire, get_definition, notify
from spmp.engine.calendar import deadline_rows
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.engine.permissions import case_scope
from spmp.regions.models import UnitCoverage
from spmp.schools.models import School
from spmp.spmi.models import (
    NOTE_ITEMS,
    SNP,
    RaporIndicator,
    SpmiActivity,
    SpmiChange,
    SpmiCycle,
    SpmiEvaluation,
    SpmiPriority,
    SpmiProgress,
    SpmiReviewNote,
    SpmiRootCause,
    SpmiStandard,
)
from spmp.spmi.permissions import can_bulk_open, can_import_school_indicators, is_school_user
from spmp.spmi.workflow import PHASES, REVIEW_OF, school_contacts, widyaprada_by_school

WORKFLOW_KEY = "spmi_cycle"
BATCH_SIZE = 5000
MAX_TEXT = 5000
CHANGED = {"tambah": "ditambahkan", "ubah": "diubah"}


class SpmiInputError(ActionRefused):
    """A field of a PBD form is invalid; ``field`` names it so the form can show the message next to it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


# --- opening cycles -------------------------------------------------------------------------------------
@dataclass
class BulkOpenReport:
    """What a bulk open did: cycles opened, schools skipped (already had one / no B/BPMP unit)."""

    year: int
    in_scope: int = 0
    opened: int = 0
    already_open: int = 0
    without_unit: int = 0
    seconds: float = 0.0
    cycle_ids: list[int] = field(default_factory=list, repr=False)

    def summary(self) -> str:
        return (
            f"Siklus SPMI {self.year}/{self.year + 1}: {self.opened} dibuka, {self.already_open} sudah ada, "
            f"{self.without_unit} dilewati (provinsi belum dicakup B/BPMP) dari {self.in_scope} sekolah"
        )


def check_year(year: int) -> int:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise SpmiInputError("year", "Tahun ajaran tidak valid (contoh: 2026 untuk 2026/2027)")
    return year


def open_cycle(session: Session, user: User, school_id: int, year: int) -> SpmiCycle:
    """Open the cycle of one school for ``year`` (the school itself, or B/BPMP / Pusat for it)."""
    check_year(year)
    if not can_import_school_indicators(user):
        raise ActionRefused("Peran Anda tidak dapat membuka siklus SPMI")
    school = session.execute(
        select(School.id, School.name, School.province_code, School.regency_code).where(
            School.id == school_id, school_scope(user)
        )
    ).first()
    if school is None:
        raise CaseNotFound("Sekolah tidak ditemukan")
    _serialise_opening(session, year)
    if _cycle_exists(session, school_id, year):
        raise ActionRefused(f"Siklus SPMI {year}/{year + 1} untuk sekolah ini sudah dibuka")
    report = BulkOpenReport(year)
    _open_batch(session, user.id, [school], year, report, _unit_by_province(session), {})
    if not report.cycle_ids:
        raise ActionRefused("Provinsi sekolah belum dicakup unit B/BPMP mana pun")
    cycle = session.get(SpmiCycle, report.cycle_ids[0])
    workflow = get_definition(WORKFLOW_KEY)
    notify.send_case_event(
        session, workflow, "open", user, cycle.case_id, None, workflow.initial, None, clock.now()
    )
    return cycle


def open_following_cycle(session: Session, actor: User, cycle: SpmiCycle) -> SpmiCycle:
    """Next year's cycle of the same school, carrying over the plan (system action on closing)."""
    _serialise_opening(session, cycle.year + 1)
    existing = session.scalar(
        select(SpmiCycle).where(SpmiCycle.school_id == cycle.school_id, SpmiCycle.year == cycle.year + 1)
    )
    if existing is not None:  # opened early (e.g. by a bulk action): carry the plan into it
        existing.previous_id, existing.carried_plan = cycle.id, cycle.next_plan
        session.flush()
        return existing
    school = session.execute(
        select(School.id, School.name, School.province_code, School.regency_code).where(
            School.id == cycle.school_id
        )
    ).one()
    report = BulkOpenReport(cycle.year + 1)
    carry = {cycle.school_id: (cycle.id, cycle.next_plan)}
    _open_batch(session, actor.id, [school], cycle.year + 1, report, _unit_by_province(session), carry)
    return session.get(SpmiCycle, report.cycle_ids[0])


def open_cycles_bulk(
    session: Session,
    user: User,
    year: int,
    *,
    province_code: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> BulkOpenReport:
    """Open ``year``'s cycle for every school in the user's scope that has none yet (B/BPMP, Pusat).

    ``progress(done, total)`` is called after each batch. Schools whose province no B/BPMP unit covers
    are skipped (a case needs an owning unit) and counted in the report.
    """
    check_year(year)
    if not can_bulk_open(user):
        raise ActionRefused("Hanya B/BPMP atau Pusat yang dapat membuka siklus SPMI secara massal")
    started = clock.now()
    _serialise_opening(session, year)
    report = BulkOpenReport(year)
    query = select(School.id, School.name, School.province_code, School.regency_code).where(
        school_scope(user)
    )
    if province_code:
        query = query.where(School.province_code == province_code)
    report.in_scope = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    todo = query.where(~exists().where(SpmiCycle.school_id == School.id, SpmiCycle.year == year)).order_by(
        School.id
    )
    schools = session.execute(todo).all()
    report.already_open = report.in_scope - len(schools)
    units = _unit_by_province(session)
    previous = _previous_cycles(session, year)
    for start in range(0, len(schools), batch_size):
        _open_batch(session, user.id, schools[start : start + batch_size], year, report, units, previous)
        if progress:
            progress(min(start + batch_size, len(schools)), len(schools))
    report.seconds = (clock.now() - started).total_seconds()
    return report


OPENING_LOCK_KEY = 0x5350_4D49  # "SPMI"


def _serialise_opening(session: Session, year: int) -> None:
    """One opener of a year's cycles at a time, so two bulk actions (or a bulk action and a school opening
    its own) never race on the same school: the second waits, then sees the first one's cycles and skips
    them. SQLite: the write transaction is BEGIN IMMEDIATE already; PostgreSQL: a transaction-scoped
    advisory lock (each later statement then reads a fresh READ COMMITTED snapshot)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k, :year)"), {"k": OPENING_LOCK_KEY, "year": year})


def _cycle_exists(session: Session, school_id: int, year: int) -> bool:
    return session.scalar(select(exists().where(SpmiCycle.school_id == school_id, SpmiCycle.year == year)))


def _unit_by_province(session: Session) -> dict[str, int]:
    rows = session.execute(select(UnitCoverage.province_code, UnitCoverage.unit_id)).all()
    return {province: unit for province, unit in rows}


def _previous_cycles(session: Session, year: int) -> dict[int, tuple[int, str | None]]:
    """school id -> (last year's cycle id, its next plan): a bulk-opened cycle links to last year's."""
    rows = session.execute(
        select(SpmiCycle.school_id, SpmiCycle.id, SpmiCycle.next_plan).where(SpmiCycle.year == year - 1)
    ).all()
    return {school_id: (cycle_id, plan) for school_id, cycle_id, plan in rows}


def _open_batch(session, actor_id, schools, year, report, units, previous) -> None:
    """Core inserts for one batch: case rows (ids returned in order), cycle rows, deadlines, audit."""
    workflow = get_definition(WORKFLOW_KEY)
    now = clock.now()
    covered = [s for s in schools if s.province_code in units]
    report.without_unit += len(schools) - len(covered)
    schools = covered
    if not schools:
        return
    # The cycle starts in a phase the school fills in: its reminders go to the school's contact person
    # (falling back to the Widyaprada when the school has no account yet).
    ids = [s.id for s in schools]
    contacts = {**widyaprada_by_school(session, ids), **school_contacts(session, ids)}
    case_rows = [
        _case_row(workflow, s, year, units[s.province_code], contacts.get(s.id), actor_id, now)
        for s in schools
    ]
    case_ids = insert_returning_ids(session, CaseRecord.__table__, case_rows)
    cycle_rows = [
        {"case_id": case_id, "school_id": s.id, "year": year, "previous_id": previous.get(s.id, (None, None))[0],
         "carried_plan": previous.get(s.id, (None, None))[1], "created_at": now}
        for case_id, s in zip(case_ids, schools, strict=True)
    ]  # fmt: skip
    cycle_ids = insert_returning_ids(session, SpmiCycle.__table__, cycle_rows)
    _insert_deadlines(session, workflow, case_ids, now)
    _append_open_events(session, workflow, actor_id, case_ids, schools, year, now)
    report.opened += len(case_ids)
    report.cycle_ids.extend(cycle_ids)


def _case_row(workflow, school, year, unit_id, assignee_id, actor_id, now) -> dict:
    return {
        "type_key": workflow.key, "type_version": workflow.version,
        "title": f"Siklus SPMI {year}/{year + 1} — {school.name}"[:200],
        "school_id": school.id, "subject_unit_id": None, "unit_id": unit_id,
        "province_code": school.province_code, "regency_code": school.regency_code,
        "assignee_user_id": assignee_id, "assignee_unit_id": None,
        "state": workflow.initial, "state_entered_at": now, "opened_by_id": actor_id, "opened_at": now,
        "closed_at": None, "updated_at": now, "version": 1, "is_paused": False, "paused_at": None,
        "pause_reason": None,
    }  # fmt: skip


def _insert_deadlines(session, workflow, case_ids: list[int], now: datetime) -> None:
    """Every case enters the initial state at the same moment: compute the rows once, repeat per case."""
    rule = workflow.states[workflow.initial].due
    if rule is None:
        return
    template = deadline_rows(rule, now)
    rows = [
        {**row, "case_id": case_id, "state": workflow.initial, "status": "pending"}
        for case_id in case_ids
        for row in template
    ]
    insert_dicts(session, CaseDeadline.__table__, rows)


def _append_open_events(session, workflow, actor_id, case_ids, schools, year, now) -> None:
    """One "open" audit event per case (as ``audit.append`` writes it), in one executemany or COPY."""
    rows = []
    for case_id, school in zip(case_ids, schools, strict=True):
        title = f"Siklus SPMI {year}/{year + 1} — {school.name}"[:200]
        changes = {"type": [workflow.key, workflow.version], "title": title, "school_id": school.id,
                   "version": [None, 1]}  # fmt: skip
        rows.append(audit.event_row(action="open", actor_id=actor_id, case_id=case_id,
                                    to_state=workflow.initial, changes=changes, occurred_at=now))  # fmt: skip
    insert_dicts(session, audit.AuditEvent.__table__, rows)


# --- loading with permission -----------------------------------------------------------------------------
def get_cycle(session: Session, user: User, cycle_id: int) -> SpmiCycle:
    """The cycle if the user may see its case (CaseNotFound otherwise: nothing leaks)."""
    cycle = session.scalar(
        select(SpmiCycle)
        .join(CaseRecord, CaseRecord.id == SpmiCycle.case_id)
        .where(SpmiCycle.id == cycle_id, case_scope(user))
    )
    if cycle is None:
        raise CaseNotFound("Siklus SPMI tidak ditemukan")
    return cycle


def _editable(session: Session, user: User, cycle_id: int, phase: str) -> SpmiCycle:
    """The cycle, if ``user`` is its school's operator/principal and the case is in ``phase`` now."""
    cycle = get_cycle(session, user, cycle_id)
    if not is_school_user(user) or user.school_id != cycle.school_id:
        raise ActionRefused("Hanya operator atau kepala sekolah yang dapat mengisi siklus SPMI sekolahnya")
    case = cycle.case
    if case.closed_at is not None:
        raise ActionRefused("Siklus sudah selesai")
    if case.state != phase:
        definition = get_definition(case.type_key, case.type_version)
        if case.state in REVIEW_OF:
            raise ActionRefused(
                f"Sedang ditinjau Widyaprada ({definition.label(case.state)}): tunggu hasil tinjauan"
            )
        raise ActionRefused(
            f"Bagian ini diisi pada tahap {definition.label(phase)}; siklus sekarang pada tahap {definition.label(case.state)}"
        )
    return cycle


def _text(field_name: str, value: str | None, label: str, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not value:
        raise SpmiInputError(field_name, f"{label} wajib diisi")
    if len(value) > limit:
        raise SpmiInputError(field_name, f"{label} terlalu panjang (maksimal {limit} karakter)")
    return value


def record_change(
    session: Session, user: User, cycle: SpmiCycle, kind: str, item_id: int | None, action: str, summary: str
) -> None:
    """Write down what the school changed (shown on re-review as "what changed since the return")."""
    session.add(SpmiChange(
        cycle_id=cycle.id, phase=phase_of(cycle.case.state) or cycle.case.state, item_kind=kind, item_id=item_id,
        action=action, summary=summary, actor_id=user.id, changed_at=clock.now(),
    ))  # fmt: skip


def _quote(text: str) -> str:
    return f"\u201c{text}\u201d"


# --- Penetapan: identifikasi, refleksi, benahi, standards ------------------------------------------
def add_priority(
    session: Session, user: User, cycle_id: int, indicator_code: str, reason: str
) -> SpmiPriority:
    """Identifikasi: choose one of the school's Rapor Pendidikan indicators of the year as a priority."""
    cycle = _editable(session, user, cycle_id, "penetapan")
    reason = _text("reason", reason, "Alasan memilih prioritas")
    indicator = session.scalar(
        select(RaporIndicator).where(
            RaporIndicator.school_id == cycle.school_id, RaporIndicator.year == cycle.year,
            RaporIndicator.code == (indicator_code or "").strip(),
        )
    )  # fmt: skip
    if indicator is None:
        raise SpmiInputError(
            "indicator_code", "Indikator tidak ada di Rapor Pendidikan sekolah untuk tahun ini"
        )
    if session.scalar(
        select(
            exists().where(SpmiPriority.cycle_id == cycle.id, SpmiPriority.indicator_code == indicator.code)
        )
    ):
        raise SpmiInputError("indicator_code", "Indikator ini sudah dipilih sebagai prioritas")
    priority = SpmiPriority(
        cycle_id=cycle.id, indicator_code=indicator.code, indicator_name=indicator.name,
        baseline_value=indicator.value, baseline_band=indicator.band, reason=reason,
    )  # fmt: skip
    session.add(priority)
    session.flush()
    record_change(session, user, cycle, "priority", priority.id, "tambah",
                  f"Prioritas {indicator.code} {indicator.name} ditambahkan")  # fmt: skip
    return priority


def get_priority(session: Session, user: User, cycle_id: int, priority_id: int) -> SpmiPriority:
    """A priority of a cycle the user may see (CaseNotFound otherwise)."""
    cycle = get_cycle(session, user, cycle_id)
    priority = session.get(SpmiPriority, priority_id)
    if priority is None or priority.cycle_id != cycle.id:
        raise CaseNotFound("Prioritas tidak ditemukan")
    return priority


def remove_priority(session: Session, user: User, cycle_id: int, priority_id: int) -> None:
    """Remove a priority with its root causes and activities. The Widyaprada's notes on them are kept
    (they name their item by kind and id, without a foreign key) and shown as about a removed item."""
    cycle = _editable(session, user, cycle_id, "penetapan")
    priority = get_priority(session, user, cycle.id, priority_id)
    causes = len(priority.root_causes)
    activities = sum(len(c.activities) for c in priority.root_causes)
    summary = (f"Prioritas {priority.indicator_code} {priority.indicator_name} dihapus, dengan {causes} akar "
               f"masalah dan {activities} kegiatan")  # fmt: skip
    session.delete(priority)
    session.flush()
    record_change(session, user, cycle, "priority", priority_id, "hapus", summary)


def add_root_cause(
    session: Session, user: User, cycle_id: int, priority_id: int, description: str
) -> SpmiRootCause:
    """Refleksi: a root cause of one of the cycle's priorities."""
    cycle = _editable(session, user, cycle_id, "penetapan")
    priority = session.get(SpmiPriority, priority_id)
    if priority is None or priority.cycle_id != cycle.id:
        raise SpmiInputError("priority_id", "Pilih prioritas dari siklus ini")
    cause = SpmiRootCause(
        priority_id=priority.id, description=_text("description", description, "Akar masalah")
    )
    session.add(cause)
    session.flush()
    record_change(session, user, cycle, "root_cause", cause.id, "tambah",
                  f"Akar masalah {_quote(cause.description)} ditambahkan pada prioritas {priority.indicator_code}")  # fmt: skip
    return cause


def _own_root_cause(
    session: Session, cycle: SpmiCycle, cause_id: int | None, field_name: str
) -> SpmiRootCause:
    cause = session.get(SpmiRootCause, cause_id) if cause_id is not None else None
    if cause is None or cause.priority.cycle_id != cycle.id:
        raise SpmiInputError(field_name, "Pilih akar masalah dari siklus ini")
    return cause


def get_root_cause(session: Session, user: User, cycle_id: int, cause_id: int) -> SpmiRootCause:
    """A root cause of a cycle the user may see (CaseNotFound otherwise)."""
    cycle = get_cycle(session, user, cycle_id)
    cause = session.get(SpmiRootCause, cause_id)
    if cause is None or cause.priority.cycle_id != cycle.id:
        raise CaseNotFound("Akar masalah tidak ditemukan")
    return cause


def update_root_cause(
    session: Session, user: User, cycle_id: int, cause_id: int, priority_id: int | None, description: str
) -> SpmiRootCause:
    """Refleksi: edit a root cause, or move it (with its activities) to another priority of the cycle."""
    cycle = _editable(session, user, cycle_id, "penetapan")
    cause = get_root_cause(session, user, cycle.id, cause_id)
    target = session.get(SpmiPriority, priority_id) if priority_id is not None else None
    if target is None or target.cycle_id != cycle.id:
        raise SpmiInputError("priority_id", "Pilih prioritas dari siklus ini")
    description = _text("description", description, "Akar masalah")
    source = cause.priority
    if description != cause.description:
        record_change(session, user, cycle, "root_cause", cause.id, "ubah",
                      f"Akar masalah {_quote(cause.description)} diubah menjadi {_quote(description)}")  # fmt: skip
        cause.description = description
    if target.id != source.id:
        record_change(session, user, cycle, "root_cause", cause.id, "pindah",
                      f"Akar masalah {_quote(description)} dipindah dari prioritas {source.indicator_code} ke "
                      f"{target.indicator_code}")  # fmt: skip
        cause.priority = target
    session.flush()
    return cause


@dataclass(frozen=True)
class ActivityInput:
    """Benahi: an improvement activity as the form submits it."""

    root_cause_id: int
    title: str
    snp: str
    owner: str
    start_date: date | None
    end_date: date | None
    budget_ref: str
    target: str


def add_activity(session: Session, user: User, cycle_id: int, data: ActivityInput) -> SpmiActivity:
    """Benahi: an activity for a root cause, linked to one SNP, with owner, timeline, budget line, target."""
    cycle = _editable(session, user, cycle_id, "penetapan")
    cause = _own_root_cause(session, cycle, data.root_cause_id, "root_cause_id")
    values = _activity_values(data)
    activity = SpmiActivity(cycle_id=cycle.id, root_cause_id=cause.id, **values)
    session.add(activity)
    session.flush()
    record_change(session, user, cycle, "activity", activity.id, "tambah",
                  f"Kegiatan {_quote(activity.title)} ditambahkan")  # fmt: skip
    return activity


ACTIVITY_LABELS = {
    "title": "nama kegiatan", "snp": "standar", "owner": "penanggung jawab", "start_date": "tanggal mulai",
    "end_date": "tanggal selesai", "budget_ref": "rujukan anggaran", "target": "target",
}  # fmt: skip


def get_activity(session: Session, user: User, cycle_id: int, activity_id: int) -> SpmiActivity:
    """An activity of a cycle the user may see (CaseNotFound otherwise)."""
    cycle = get_cycle(session, user, cycle_id)
    activity = session.get(SpmiActivity, activity_id)
    if activity is None or activity.cycle_id != cycle.id:
        raise CaseNotFound("Kegiatan tidak ditemukan")
    return activity


def update_activity(
    session: Session, user: User, cycle_id: int, activity_id: int, data: ActivityInput
) -> SpmiActivity:
    """Benahi: edit an activity, or move it to a root cause of another priority."""
    cycle = _editable(session, user, cycle_id, "penetapan")
    activity = get_activity(session, user, cycle.id, activity_id)
    cause = _own_root_cause(session, cycle, data.root_cause_id, "root_cause_id")
    values = _activity_values(data)
    changed = [label for name, label in ACTIVITY_LABELS.items() if getattr(activity, name) != values[name]]
    if changed:
        record_change(session, user, cycle, "activity", activity.id, "ubah",
                      f"Kegiatan {_quote(values['title'])}: {', '.join(changed)} diubah")  # fmt: skip
    if cause.id != activity.root_cause_id:
        source = activity.root_cause
        record_change(session, user, cycle, "activity", activity.id, "pindah",
                      f"Kegiatan {_quote(values['title'])} dipindah dari akar masalah {_quote(source.description)} "
                      f"({source.priority.indicator_code}) ke {_quote(cause.description)} "
                      f"({cause.priority.indicator_code})")  # fmt: skip
        activity.root_cause = cause
    for name, value in values.items():
        setattr(activity, name, value)
    session.flush()
    return activity


def _activity_values(data: ActivityInput) -> dict:
    """The checked column values of an activity form (SpmiInputError naming the field otherwise)."""
    if data.snp not in SNP:
        raise SpmiInputError("snp", "Pilih salah satu dari 8 Standar Nasional Pendidikan")
    if data.start_date is None:
        raise SpmiInputError("start_date", "Tanggal mulai wajib diisi")
    if data.end_date is None:
        raise SpmiInputError("end_date", "Tanggal selesai wajib diisi")
    if data.end_date < data.start_date:
        raise SpmiInputError("end_date", "Tanggal selesai tidak boleh sebelum tanggal mulai")
    return {
        "title": _text("title", data.title, "Nama kegiatan", 200), "snp": data.snp,
        "owner": _text("owner", data.owner, "Penanggung jawab", 150),
        "start_date": data.start_date, "end_date": data.end_date,
        "budget_ref": _text("budget_ref", data.budget_ref, "Rujukan anggaran (RKT/RKAS)", 100),
        "target": _text("target", data.target, "Target"),
    }  # fmt: skip


def set_standard(session: Session, user: User, cycle_id: int, snp: str, target: str) -> SpmiStandard:
    """Penetapan Standar Mutu: the target the school commits to for one SNP (replaces an earlier one)."""
    cycle = _editable(session, user, cycle_id, "penetapan")
    if snp not in SNP:
        raise SpmiInputError("snp", "Pilih salah satu dari 8 Standar Nasional Pendidikan")
    target = _text("target", target, "Target standar")
    standard = session.scalar(
        select(SpmiStandard).where(SpmiStandard.cycle_id == cycle.id, SpmiStandard.snp == snp)
    )
    action = "tambah" if standard is None else "ubah"
    if standard is None:
        standard = SpmiStandard(cycle_id=cycle.id, snp=snp, target=target)
        session.add(standard)
    else:
        standard.target = target
    session.flush()
    record_change(
        session, user, cycle, "standard", standard.id, action, f"Target {SNP[snp]} {CHANGED[action]}"
    )
    return standard


# --- Pelaksanaan, Evaluasi, Perencanaan ----------------------------------------------------------------
def report_progress(
    session: Session, user: User, cycle_id: int, activity_id: int, percent: int | None, note: str,
    evidence_id: int | None = None,
) -> SpmiProgress:  # fmt: skip
    """Pelaksanaan: progress of an activity (0-100 %), optionally pointing at an evidence file of the case."""
    cycle = _editable(session, user, cycle_id, "pelaksanaan")
    activity = session.get(SpmiActivity, activity_id)
    if activity is None or activity.cycle_id != cycle.id:
        raise SpmiInputError("activity_id", "Pilih kegiatan dari siklus ini")
    if percent is None or not 0 <= percent <= 100:
        raise SpmiInputError("percent", "Persentase kemajuan harus antara 0 dan 100")
    if evidence_id is not None:
        from spmp.engine.cases import CaseEvidence

        evidence = session.get(CaseEvidence, evidence_id)
        if evidence is None or evidence.case_id != cycle.case_id:
            raise SpmiInputError("evidence_id", "Berkas bukti tidak ditemukan pada siklus ini")
    progress = SpmiProgress(
        activity_id=activity.id, percent=percent, note=_text("note", note, "Catatan kemajuan"),
        evidence_id=evidence_id, reported_by_id=user.id, reported_at=clock.now(),
    )  # fmt: skip
    session.add(progress)
    session.flush()
    record_change(session, user, cycle, "progress", progress.id, "tambah",
                  f"Kemajuan {_quote(activity.title)} dilaporkan: {percent}%")  # fmt: skip
    return progress


def save_evaluation(
    session: Session, user: User, cycle_id: int, indicator_code: str, achievement: str
) -> SpmiEvaluation:
    """Pemeriksaan/Evaluasi: what was achieved for one priority indicator (replaces an earlier text)."""
    cycle = _editable(session, user, cycle_id, "evaluasi")
    if not session.scalar(
        select(
            exists().where(SpmiPriority.cycle_id == cycle.id, SpmiPriority.indicator_code == indicator_code)
        )
    ):
        raise SpmiInputError("indicator_code", "Pilih indikator prioritas dari siklus ini")
    achievement = _text("achievement", achievement, "Capaian")
    evaluation = session.scalar(
        select(SpmiEvaluation).where(
            SpmiEvaluation.cycle_id == cycle.id, SpmiEvaluation.indicator_code == indicator_code
        )
    )
    action = "tambah" if evaluation is None else "ubah"
    if evaluation is None:
        evaluation = SpmiEvaluation(cycle_id=cycle.id, indicator_code=indicator_code, achievement=achievement)
        session.add(evaluation)
    else:
        evaluation.achievement = achievement
    session.flush()
    record_change(session, user, cycle, "evaluation", evaluation.id, action,
                  f"Evaluasi indikator {indicator_code} {CHANGED[action]}")  # fmt: skip
    return evaluation


def save_next_plan(session: Session, user: User, cycle_id: int, plan: str) -> SpmiCycle:
    """Perencanaan: the plan for next year (carried into next year's cycle when this one closes)."""
    cycle = _editable(session, user, cycle_id, "perencanaan")
    action = "tambah" if cycle.next_plan is None else "ubah"
    cycle.next_plan = _text("plan", plan, "Rencana tindak lanjut")
    session.flush()
    record_change(session, user, cycle, "plan", None, action, f"Rencana tindak lanjut {CHANGED[action]}")
    return cycle


# --- workflow steps ------------------------------------------------------------------------------------
def submit_phase(session: Session, user: User, cycle_id: int, seen_version: int):
    """The school submits the current phase for its Widyaprada's review."""
    cycle = get_cycle(session, user, cycle_id)
    return _fire(session, user, cycle, "submit", seen_version)


def approve_phase(session: Session, user: User, cycle_id: int, seen_version: int, comment: str | None = None):
    """The Widyaprada approves the phase under review (the last one closes the cycle)."""
    cycle = get_cycle(session, user, cycle_id)
    return _fire(session, user, cycle, "approve", seen_version, reason=(comment or "").strip() or None)


@dataclass(frozen=True)
class NoteInput:
    """A review note on one item (``item_kind`` in NOTE_ITEMS; ``item_id`` None for the phase as a whole)."""

    item_kind: str
    item_id: int | None
    body: str


def return_phase(session: Session, user: User, cycle_id: int, seen_version: int, notes: Iterable[NoteInput]):
    """The Widyaprada returns the phase with notes on the items concerned (at least one)."""
    cycle = get_cycle(session, user, cycle_id)
    case = cycle.case
    if case.version != seen_version:
        raise StaleCaseError()
    if user.role != Role.WIDYAPRADA or case.state not in REVIEW_OF:
        raise ActionRefused(
            "Hanya Widyaprada sekolah ini yang dapat mengembalikan tahap yang sedang ditinjau"
        )
    now = clock.now()
    written = 0
    for note in notes:
        if note.item_kind not in NOTE_ITEMS:
            raise SpmiInputError("item_kind", "Jenis butir catatan tidak dikenal")
        body = (note.body or "").strip()
        if not body:
            continue
        session.add(SpmiReviewNote(
            cycle_id=cycle.id, phase=REVIEW_OF[case.state], item_kind=note.item_kind, item_id=note.item_id,
            body=_text("body", body, "Catatan"), author_id=user.id, created_at=now,
        ))  # fmt: skip
        written += 1
    if not written:
        raise SpmiInputError("body", "Tulis minimal satu catatan perbaikan untuk sekolah")
    session.flush()
    return _fire(session, user, cycle, "send_back", seen_version, reason=f"{written} catatan perbaikan")


def _fire(session, user, cycle, trigger, seen_version, reason=None):
    result = fire(session, cycle.case_id, trigger, user, seen_version, reason=reason)
    session.expire(cycle.case)  # the engine wrote with Core: reload the ORM copy on next access
    return result


def phase_of(state: str) -> str | None:
    """The phase a state belongs to (a review state belongs to the phase it reviews)."""
    if state in PHASES:
        return state
    return REVIEW_OF.get(state)
