"""Bulk assignment with a preview (issue 12): the B/BPMP head hands many tasks or schools to one Widyaprada at
once, by regency or by a filtered list, and moves everything of a Widyaprada who leaves or moves to another.

Every bulk change is first a **preview** (``preview_*``: the rows, each with what changes and, when it
cannot, why), then **applied** with the preview's list of items (``apply``): when the items changed since the
preview, or any row is refused, nothing is written and the message says which. Tasks change assignee through
the engine's write path (``assign_case``: one audit event per case, the workflow's notice to the new
assignee); caseload schools through ``accounts.assign_schools`` / a move (audited per person). Every affected
person gets a notice: the new assignee per task (workflow) plus a summary, the previous one a summary."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from spmp import audit, clock
from spmp.access import unit_provinces
from spmp.accounts.conflicts import conflict_refusal
from spmp.accounts.models import Role, SchoolAssignment, User
from spmp.engine.cases import CaseRecord
from spmp.engine.errors import ActionRefused
from spmp.regions.models import Regency
from spmp.schools.models import School
from spmp.widyaprada.models import TASK_KINDS, WidyapradaTask

BULK_ROLES = (Role.BPMP_STAFF, Role.BPMP_HEAD)
MAX_ITEMS = 2000
MODES = {"tugas": "Tugas ke satu Widyaprada", "sekolah": "Sekolah binaan ke satu Widyaprada",
         "pindah": "Pindahkan semua milik Widyaprada yang keluar/pindah"}  # fmt: skip


class BulkRefused(ActionRefused):
    """The bulk change cannot be made as asked; the message names the rows and why (nothing was written)."""


def can_bulk_assign(user: User) -> bool:
    return user.role in BULK_ROLES and user.unit_id is not None


@dataclass(frozen=True)
class BulkRequest:
    mode: str  # "tugas", "sekolah" or "pindah"
    to_user_id: int | None
    regency_code: str | None = None
    kind: str | None = None
    only_unassigned: bool = True
    from_user_id: int | None = None


@dataclass
class Row:
    item: str  # "tugas" or "sekolah"
    item_id: int  # the case id of a task, the school id of a school
    label: str
    regency: str
    before: str
    after: str
    refusal: str | None = None
    before_id: int | None = None  # who held it (told when it moves)


@dataclass
class Preview:
    request: BulkRequest
    rows: list[Row] = field(default_factory=list)
    target: User | None = None
    source: User | None = None

    @property
    def refused(self) -> list[Row]:
        return [r for r in self.rows if r.refusal]

    @property
    def keys(self) -> str:
        """The previewed items, as the apply form sends them back."""
        return ",".join(f"{r.item[0]}{r.item_id}" for r in self.rows)


EXPORT_HEADER = (
    "Jenis",
    "No.",
    "Tugas/sekolah",
    "Kabupaten/kota",
    "Sekarang",
    "Sesudah",
    "Tidak dapat karena",
)


def export_rows(preview: Preview):
    for r in preview.rows:
        yield (r.item, r.item_id, r.label, r.regency, r.before, r.after, r.refusal or "")


def _person(session: Session, actor: User, user_id: int | None, what: str, *, active: bool = True) -> User:
    person = session.get(User, user_id) if user_id else None
    if person is None or person.role != Role.WIDYAPRADA or person.unit_id != actor.unit_id:
        raise BulkRefused(f"Pilih {what}: Widyaprada unit Anda")
    if active and not person.is_active:
        raise BulkRefused(f"{person.full_name} tidak aktif: pilih Widyaprada aktif sebagai {what}")
    return person


def unit_widyaprada(session: Session, actor: User) -> list[User]:
    """The Widyaprada of the actor's unit, inactive ones too (a leaving one is the source of a move)."""
    query = select(User).where(User.unit_id == actor.unit_id, User.role == Role.WIDYAPRADA.value)
    return list(session.scalars(query.order_by(User.full_name, User.id)))


def _check_actor(actor: User) -> None:
    if not can_bulk_assign(actor):
        raise BulkRefused("Hanya kepala atau staf B/BPMP yang dapat menugaskan secara massal")


# --- previews ----------------------------------------------------------------------------------------------
def _task_rows(session: Session, query, target: User) -> list[Row]:
    from spmp.engine.operations import case_school_ids

    rows = []
    for _task, case in session.execute(query.limit(MAX_ITEMS + 1)).all():
        refusal = conflict_refusal(session, target.id, case_school_ids(session, case))
        if case.assignee_user_id == target.id:
            refusal = f"sudah dipegang {target.full_name}"
        rows.append(Row("tugas", case.id, case.title, _regency_name(session, case.regency_code),
                        case.assignee_user.full_name if case.assignee_user else "—", target.full_name,
                        refusal, case.assignee_user_id))  # fmt: skip
    return rows


def _regency_name(session: Session, code: str | None) -> str:
    regency = session.get(Regency, code) if code else None
    return regency.name if regency else "—"


def _open_tasks(actor: User):
    return (
        select(WidyapradaTask, CaseRecord)
        .join(CaseRecord, CaseRecord.id == WidyapradaTask.case_id)
        .where(CaseRecord.unit_id == actor.unit_id, CaseRecord.closed_at.is_(None))
        .options(selectinload(WidyapradaTask.schools))
        .order_by(CaseRecord.regency_code, CaseRecord.id)
    )


def _school_rows(session: Session, schools, target: User, source: User | None = None) -> list[Row]:
    return [
        Row(
            "sekolah",
            s.id,
            f"{s.name} ({s.npsn})",
            s.regency.name,
            source.full_name if source else "—",
            target.full_name,
            conflict_refusal(session, target.id, [s.id]),
            source.id if source else None,
        )  # fmt: skip
        for s in schools
    ]


def preview(session: Session, actor: User, request: BulkRequest) -> Preview:
    """What the bulk change would do, row by row (nothing is written)."""
    _check_actor(actor)
    if request.mode not in MODES:
        raise BulkRefused("Pilih jenis penugasan massal")
    target = _person(session, actor, request.to_user_id, "Widyaprada tujuan")
    result = Preview(request, target=target)
    if request.mode == "tugas":
        query = _open_tasks(actor)
        if request.regency_code:
            query = query.where(CaseRecord.regency_code == request.regency_code)
        if request.kind in TASK_KINDS:
            query = query.where(WidyapradaTask.kind == request.kind)
        if request.only_unassigned:
            query = query.where(CaseRecord.assignee_user_id.is_(None))
        result.rows = _task_rows(session, query, target)
    elif request.mode == "sekolah":
        if not request.regency_code:
            raise BulkRefused(
                "Pilih kabupaten/kota: sekolahnya yang belum dibina diberikan kepada satu Widyaprada"
            )
        held = (
            select(SchoolAssignment.school_id)
            .join(User, User.id == SchoolAssignment.user_id)
            .where(
                User.role == Role.WIDYAPRADA.value, User.is_active.is_(True), User.unit_id == actor.unit_id
            )
        )
        schools = session.scalars(
            select(School)
            .where(School.regency_code == request.regency_code, School.province_code.in_(unit_provinces(actor.unit_id)),
                   School.id.not_in(held))
            .order_by(School.name_key).limit(MAX_ITEMS + 1)
        ).all()  # fmt: skip
        result.rows = _school_rows(session, schools, target)
    else:
        source = _person(session, actor, request.from_user_id, "Widyaprada asal", active=False)
        if source.id == target.id:
            raise BulkRefused("Widyaprada asal dan tujuan harus berbeda")
        result.source = source
        tasks = _open_tasks(actor).where(CaseRecord.assignee_user_id == source.id)
        schools = session.scalars(
            select(School).join(SchoolAssignment, SchoolAssignment.school_id == School.id)
            .where(SchoolAssignment.user_id == source.id).order_by(School.name_key)
        ).all()  # fmt: skip
        result.rows = _task_rows(session, tasks, target) + _school_rows(session, schools, target, source)
    if len(result.rows) > MAX_ITEMS:
        raise BulkRefused(f"Lebih dari {MAX_ITEMS} butir: persempit pilihan (misalnya per kabupaten/kota)")
    return result


# --- applying ------------------------------------------------------------------------------------------------
def apply(
    session: Session, actor: User, request: BulkRequest, previewed_keys: str, reason: str | None
) -> Preview:
    """Carry out the previewed change. Refused, with nothing written, when the items differ from the preview
    the user saw, when any row is refused, or (moving a Widyaprada's work) without a reason."""
    from spmp.accounts.operations import assign_schools
    from spmp.engine.operations import assign_case

    reason = (reason or "").strip()
    if request.mode == "pindah" and not reason:
        raise BulkRefused("Alasan pemindahan wajib diisi (misalnya: pensiun, mutasi ke unit lain)")
    if len(reason) > 2000:
        raise BulkRefused("Alasan terlalu panjang (maksimal 2.000 karakter)")
    result = preview(session, actor, request)
    if result.keys != (previewed_keys or ""):
        raise BulkRefused(
            "Daftar berubah sejak pratinjau (ada tugas atau sekolah yang berubah): lihat pratinjau lagi"
        )
    if not result.rows:
        raise BulkRefused("Tidak ada tugas atau sekolah yang cocok dengan pilihan ini")
    if result.refused:
        first = "; ".join(f"{r.label}: {r.refusal}" for r in result.refused[:5])
        raise BulkRefused(
            f"{len(result.refused)} butir tidak dapat ditugaskan ({first}); tidak ada yang diubah"
        )
    note = reason or None
    for row in result.rows:
        if row.item == "tugas":
            version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == row.item_id))
            assign_case(session, actor, row.item_id, version, assignee_user_id=result.target.id, reason=note)
    school_ids = [r.item_id for r in result.rows if r.item == "sekolah"]
    if school_ids:
        if result.source is not None:
            _release(session, actor, result.source, school_ids, note)
        npsns = list(session.scalars(select(School.npsn).where(School.id.in_(school_ids))))
        assign_schools(session, actor, result.target, npsns)
    _tell(session, actor, result, note)
    return result


def _release(session: Session, actor: User, person: User, school_ids: list[int], reason: str | None) -> None:
    session.execute(
        delete(SchoolAssignment).where(
            SchoolAssignment.user_id == person.id, SchoolAssignment.school_id.in_(school_ids)
        )
    )
    audit.append(session, action="user.unassign", actor_id=actor.id, reason=reason,
                 changes={"user_id": person.id, "username": person.username, "school_ids": sorted(school_ids)})  # fmt: skip


def _tell(session: Session, actor: User, result: Preview, reason: str | None) -> None:
    from spmp.notifications.operations import notify

    tasks = sum(1 for r in result.rows if r.item == "tugas")
    schools = len(result.rows) - tasks
    what = ", ".join(
        x for x in (f"{tasks} tugas" if tasks else "", f"{schools} sekolah binaan" if schools else "") if x
    )
    why = f"\nAlasan: {reason}" if reason else ""
    now = clock.now()
    notify(session, result.target, "info", f"Penugasan massal: {what} untuk Anda",
           f"{actor.full_name} menugaskan {what} kepada Anda.{why}\nLihat Pekerjaan Saya.", now)  # fmt: skip
    previous = {r.before_id for r in result.rows if r.before_id not in (None, result.target.id)}
    for person in session.scalars(select(User).where(User.id.in_(previous)).order_by(User.id)):
        mine = [r for r in result.rows if r.before_id == person.id]
        notify(session, person, "info", f"{len(mine)} tugas/sekolah dipindahkan dari Anda",
               f"{actor.full_name} memindahkan {len(mine)} tugas/sekolah binaan Anda kepada "
               f"{result.target.full_name}.{why}", now)  # fmt: skip
