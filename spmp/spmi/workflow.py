"""Guards and actions of ``workflows/spmi_cycle.yaml``, registered with the engine by name.

Guards receive the case (an ORM object or a row snapshot) and answer None or the reason in Indonesian.
They must cope with a case that has no ``spmi_cycle`` row (e.g. opened through the generic engine API).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select, update

from spmp.engine.cases import CaseRecord
from spmp.engine.registry import ActionContext, GuardContext, NoticeContext, action, guard, notice_field
from spmp.spmi.models import (
    SpmiActivity,
    SpmiCycle,
    SpmiEvaluation,
    SpmiPriority,
    SpmiProgress,
    SpmiReviewNote,
    SpmiRootCause,
    SpmiStandard,
)

NO_CYCLE = "Data siklus SPMI untuk kasus ini tidak ditemukan"

# States the school fills in (the phase) and the matching review state.
PHASES = ("penetapan", "pelaksanaan", "evaluasi", "perencanaan")
REVIEW_OF = {f"{p}_review": p for p in PHASES}


def cycle_for_case(session, case_id: int) -> SpmiCycle | None:
    return session.scalar(select(SpmiCycle).where(SpmiCycle.case_id == case_id))


def _first_name(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" dan {len(names) - limit} lainnya" if len(names) > limit else "")


def penetapan_problem(session, cycle_id: int) -> str | None:
    """Why the Penetapan phase is not complete yet (priorities, root causes, activities, SNP targets).

    Plain queries rather than ORM relationships: collections loaded earlier in the session may be stale."""
    codes = session.scalars(
        select(SpmiPriority.indicator_code).where(SpmiPriority.cycle_id == cycle_id)
    ).all()
    if not codes:
        return "Pilih minimal satu indikator prioritas beserta alasannya"
    without_cause = session.scalars(
        select(SpmiPriority.indicator_code)
        .where(
            SpmiPriority.cycle_id == cycle_id, ~exists().where(SpmiRootCause.priority_id == SpmiPriority.id)
        )
        .order_by(SpmiPriority.id)
    ).all()
    if without_cause:
        return f"Tuliskan minimal satu akar masalah untuk prioritas {_first_name(list(without_cause))}"
    without_activity = session.scalars(
        select(SpmiRootCause.description)
        .join(SpmiPriority, SpmiPriority.id == SpmiRootCause.priority_id)
        .where(
            SpmiPriority.cycle_id == cycle_id, ~exists().where(SpmiActivity.root_cause_id == SpmiRootCause.id)
        )
        .order_by(SpmiRootCause.id)
    ).all()
    if without_activity:
        short = [d[:40] for d in without_activity]
        return f"Rencanakan minimal satu kegiatan perbaikan untuk akar masalah: {_first_name(short)}"
    if not session.scalar(select(exists().where(SpmiStandard.cycle_id == cycle_id))):
        return "Tetapkan minimal satu target Standar Nasional Pendidikan"
    return None


def pelaksanaan_problem(session, cycle_id: int) -> str | None:
    """Every activity needs at least one progress report."""
    missing = session.scalars(
        select(SpmiActivity.title)
        .where(
            SpmiActivity.cycle_id == cycle_id, ~exists().where(SpmiProgress.activity_id == SpmiActivity.id)
        )
        .order_by(SpmiActivity.id)
    ).all()
    return f"Laporkan kemajuan kegiatan: {_first_name(list(missing))}" if missing else None


def evaluasi_problem(session, cycle_id: int) -> str | None:
    """Every priority indicator needs an evaluation."""
    missing = session.scalars(
        select(SpmiPriority.indicator_code)
        .where(
            SpmiPriority.cycle_id == cycle_id,
            ~exists().where(
                SpmiEvaluation.cycle_id == cycle_id,
                SpmiEvaluation.indicator_code == SpmiPriority.indicator_code,
            ),
        )
        .order_by(SpmiPriority.id)
    ).all()
    return f"Isi evaluasi capaian untuk indikator: {_first_name(list(missing))}" if missing else None


def perencanaan_problem(session, cycle_id: int) -> str | None:
    plan = session.scalar(select(SpmiCycle.next_plan).where(SpmiCycle.id == cycle_id))
    return None if plan and plan.strip() else "Tuliskan rencana tindak lanjut untuk tahun ajaran berikutnya"


PHASE_CHECKS = {
    "penetapan": penetapan_problem,
    "pelaksanaan": pelaksanaan_problem,
    "evaluasi": evaluasi_problem,
    "perencanaan": perencanaan_problem,
}


@guard("spmi_phase_complete")
def phase_complete(ctx: GuardContext) -> str | None:
    """The phase the case is in has everything the school must fill in before submitting."""
    cycle_id = ctx.session.scalar(select(SpmiCycle.id).where(SpmiCycle.case_id == ctx.case.id))
    if cycle_id is None:
        return NO_CYCLE
    check = PHASE_CHECKS.get(ctx.case.state)
    return check(ctx.session, cycle_id) if check else None


@guard("spmi_has_review_note")
def has_review_note(ctx: GuardContext) -> str | None:
    """Returning a phase needs at least one note written during this review."""
    count = ctx.session.scalar(
        select(func.count())
        .select_from(SpmiReviewNote)
        .join(SpmiCycle, SpmiCycle.id == SpmiReviewNote.cycle_id)
        .where(
            SpmiCycle.case_id == ctx.case.id,
            SpmiReviewNote.phase == REVIEW_OF.get(ctx.case.state, ctx.case.state),
            SpmiReviewNote.resolved_at.is_(None),
            SpmiReviewNote.created_at >= ctx.case.state_entered_at,
        )
    )
    return None if count else "Tulis minimal satu catatan perbaikan untuk sekolah sebelum mengembalikan"


def school_contacts(session, school_ids) -> dict[int, int]:
    """The person who receives a school's reminders: its principal, else its operator (lowest id)."""
    from spmp.accounts.models import User

    rows = session.execute(
        select(User.school_id, User.id)
        .where(
            User.school_id.in_(list(school_ids)),
            User.role.in_(["principal", "school_operator"]),
            User.is_active,
        )
        .order_by(User.school_id, (User.role == "principal").asc(), User.id.desc())
    ).all()
    contacts: dict[int, int] = {}
    for school_id, user_id in rows:  # ordered so that the last row per school is the one we want
        contacts[school_id] = user_id
    return contacts


def widyaprada_by_school(session, school_ids) -> dict[int, int]:
    """The assigned Widyaprada of each school (the lowest user id when several are assigned)."""
    from spmp.accounts.models import SchoolAssignment, User

    rows = session.execute(
        select(SchoolAssignment.school_id, SchoolAssignment.user_id)
        .join(User, User.id == SchoolAssignment.user_id)
        .where(SchoolAssignment.school_id.in_(list(school_ids)), User.role == "widyaprada", User.is_active)
        .order_by(SchoolAssignment.user_id.desc())
    ).all()
    return {school_id: user_id for school_id, user_id in rows}


def _reassign(ctx: ActionContext, user_id: int | None) -> dict[str, Any] | None:
    # The case row was already updated (and its version bumped) by the firing transition in this
    # transaction: changing the assignee here is part of the same change, so no second version bump.
    if user_id is None or ctx.case.assignee_user_id == user_id:
        return None
    ctx.session.execute(
        update(CaseRecord)
        .where(CaseRecord.id == ctx.case.id)
        .values(assignee_user_id=user_id, assignee_unit_id=None)
        .execution_options(synchronize_session=False)
    )
    return {"assignee_user_id": [ctx.case.assignee_user_id, user_id]}


@action("spmi_assign_widyaprada")
def assign_widyaprada(ctx: ActionContext) -> dict[str, Any] | None:
    """A submitted phase waits for the Widyaprada: their reminders and due notices go to them."""
    if ctx.case.school_id is None:
        return None
    return _reassign(ctx, widyaprada_by_school(ctx.session, [ctx.case.school_id]).get(ctx.case.school_id))


@action("spmi_assign_school")
def assign_school(ctx: ActionContext) -> dict[str, Any] | None:
    """A phase the school fills in: reminders and due notices go to the school (principal/operator)."""
    if ctx.case.school_id is None:
        return None
    return _reassign(ctx, school_contacts(ctx.session, [ctx.case.school_id]).get(ctx.case.school_id))


@action("spmi_resolve_notes")
def resolve_notes(ctx: ActionContext) -> dict[str, Any] | None:
    """On resubmission, the notes of the returned phase count as answered."""
    cycle = cycle_for_case(ctx.session, ctx.case.id)
    if cycle is None:
        return None
    notes = ctx.session.scalars(
        select(SpmiReviewNote).where(
            SpmiReviewNote.cycle_id == cycle.id,
            SpmiReviewNote.phase == ctx.case.state,
            SpmiReviewNote.resolved_at.is_(None),
        )
    ).all()
    for note in notes:
        note.resolved_at = ctx.now
    ctx.session.flush()
    return {"notes_resolved": len(notes)} if notes else None


@action("spmi_open_next_cycle")
def open_next_cycle(ctx: ActionContext) -> dict[str, Any] | None:
    """Closing a cycle opens next year's, carrying over its plan (and the Widyaprada as assignee)."""
    from spmp.spmi.operations import open_following_cycle  # operations import the engine API

    cycle = cycle_for_case(ctx.session, ctx.case.id)
    if cycle is None:
        return None
    following = open_following_cycle(ctx.session, ctx.user, cycle)
    return {"next_cycle": {"id": following.id, "year": following.year, "case_id": following.case_id}}


NOTE_ITEM_LABELS = {
    "general": "Umum",
    "priority": "Prioritas",
    "root_cause": "Akar masalah",
    "activity": "Kegiatan",
    "standard": "Standar",
    "progress": "Kemajuan",
    "evaluation": "Evaluasi",
    "plan": "Rencana",
}


@notice_field("spmi_phase")
def phase_label(ctx: NoticeContext) -> str | None:
    """The phase the step was about (a review state names the phase it reviewed), e.g. for "approved"."""
    phase = REVIEW_OF.get(ctx.from_state or "", ctx.from_state)
    return ctx.workflow.label(phase) if phase else None


@notice_field("spmi_notes")
def review_notes(ctx: NoticeContext) -> str | None:
    """The notes of the returned phase that the school has not answered yet, one per line."""
    phase = REVIEW_OF.get(ctx.from_state or "", ctx.from_state)
    notes = ctx.session.execute(
        select(SpmiReviewNote.item_kind, SpmiReviewNote.body)
        .join(SpmiCycle, SpmiCycle.id == SpmiReviewNote.cycle_id)
        .where(SpmiCycle.case_id == ctx.case_id, SpmiReviewNote.phase == phase,
               SpmiReviewNote.resolved_at.is_(None))
        .order_by(SpmiReviewNote.id)
    ).all()  # fmt: skip
    return "\n".join(f"- {NOTE_ITEM_LABELS.get(kind, kind)}: {body}" for kind, body in notes) or None


# Re-exported for the views (which root cause / activity belongs to which priority).
__all__ = ["PHASES", "REVIEW_OF", "SpmiRootCause", "cycle_for_case", "PHASE_CHECKS"]
