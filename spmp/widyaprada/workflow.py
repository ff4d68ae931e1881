"""Guards and actions of ``workflows/widyaprada_task.yaml``, registered with the engine by name."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from spmp.engine.registry import ActionContext, GuardContext, action, case_schools, guard
from spmp.widyaprada.models import WidyapradaTask, WidyapradaTaskSchool

MAX_DAYS_AHEAD = 400  # a visit is planned within about a year


def task_of(ctx) -> WidyapradaTask | None:
    return ctx.session.scalar(select(WidyapradaTask).where(WidyapradaTask.case_id == ctx.case.id))


def parse_visit_date(raw: Any) -> date | None:
    """A real date (``YYYY-MM-DD``, as ``<input type=date>`` sends it), or None."""
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None


@guard("wp_valid_visit_date")
def valid_visit_date(ctx: GuardContext) -> str | None:
    """The visit date must be a real calendar date, not before today and within about a year (checked
    only when the form sent one: the engine reports a missing input itself)."""
    raw = ctx.inputs.get("visit_date")
    if raw in (None, ""):
        return None
    day = parse_visit_date(raw)
    if day is None:
        return "Tanggal kunjungan harus berupa tanggal yang sah (TTTT-BB-HH)"
    from spmp import clock

    today = clock.now().date()
    if day < today:
        return "Tanggal kunjungan tidak boleh sebelum hari ini"
    if (day - today).days > MAX_DAYS_AHEAD:
        return f"Tanggal kunjungan paling lambat {MAX_DAYS_AHEAD} hari dari hari ini"
    return None


@guard("wp_has_report")
def has_report(ctx: GuardContext) -> str | None:
    """The report (findings and recommendations) must be written before it is submitted."""
    task = task_of(ctx)
    if task is not None and not task.has_report:
        return "Isi laporan (temuan dan rekomendasi) terlebih dahulu"
    return None


def _visit_plan(ctx, task: WidyapradaTask):
    """Who visits which schools for this task (its assignee; no school for a regency's mapping)."""
    from spmp.accounts.models import User

    widyaprada = ctx.session.get(User, ctx.case.assignee_user_id) if ctx.case.assignee_user_id else None
    province = task.target_regency.province_code if task.target_regency else ctx.case.province_code
    return widyaprada, list(task.schools), province


@guard("wp_visit_clear")
def visit_clear(ctx: GuardContext) -> str | None:
    """The calendar's warnings (the same school visited that week, the Widyaprada booked that day, a
    holiday or cuti bersama, a school holiday) refuse the date, with each reason, unless the scheduler
    gives a reason to go ahead (``override_reason``), which is stored on the visit and audited."""
    day = parse_visit_date(ctx.inputs.get("visit_date"))
    task = task_of(ctx)
    if day is None or task is None or (ctx.inputs.get("override_reason") or "").strip():
        return None
    widyaprada, schools, province = _visit_plan(ctx, task)
    if widyaprada is None:
        return None  # has_assignee says so
    from spmp.visits.operations import case_visit_warnings

    warnings = case_visit_warnings(ctx.session, case_id=ctx.case.id, schools=schools, province_code=province,
                                   widyaprada_id=widyaprada.id, day=day)  # fmt: skip
    if not warnings:
        return None
    return ("Peringatan jadwal: " + " ".join(w.message for w in warnings)
            + " Isi alasan tetap menjadwalkan untuk memakai tanggal ini, atau pilih tanggal lain.")  # fmt: skip


@action("wp_store_visit_date")
def store_visit_date(ctx: ActionContext) -> dict[str, Any] | None:
    """Store the visit date and put the task's visit on the calendar (one per target school), or move it."""
    from spmp.visits.operations import book_case_visits

    task = task_of(ctx)
    day = parse_visit_date(ctx.inputs.get("visit_date"))
    if task is None or day is None:
        return None
    before, task.visit_date = task.visit_date, day
    ctx.session.flush()
    widyaprada, schools, province = _visit_plan(ctx, task)
    visits = book_case_visits(ctx.session, ctx.user, case_id=ctx.case.id, widyaprada=widyaprada, schools=schools,
                              province_code=province, day=day, purpose=f"{task.kind_label}: {task.purpose}",
                              override_reason=ctx.inputs.get("override_reason"))  # fmt: skip
    return {"visit_date": [before.isoformat() if before else None, day.isoformat()],
            "visit_ids": [v.id for v in visits]}  # fmt: skip


@action("wp_cancel_visits")
def cancel_visits(ctx: ActionContext) -> dict[str, Any] | None:
    """A cancelled task's visits leave the calendar, with the task's reason."""
    from spmp.visits.operations import cancel_case_visits

    reason = (ctx.inputs.get("cancel_reason") or "").strip() or "Tugas dibatalkan"
    cancelled = cancel_case_visits(ctx.session, ctx.user, ctx.case.id, f"Tugas dibatalkan: {reason}"[:2000])
    return {"visits_cancelled": cancelled} if cancelled else None


@action("wp_publish_follow_ups")
def publish_follow_ups(ctx: ActionContext) -> dict[str, Any] | None:
    """On approval the follow-up actions become visible to their schools, whose people are told (the
    case's own school is told by the transition's ``notify:``; a group task's other schools here)."""
    from spmp.widyaprada.operations import publish_follow_ups as publish

    task = task_of(ctx)
    if task is None:
        return None
    published = publish(ctx.session, task, ctx.case, ctx.now)
    return {"follow_ups_published": published} if published else None


@case_schools("widyaprada_task")
def task_target_schools(session, case) -> list[int]:
    """A task's target schools (a group task has several; a regency mapping none)."""
    query = (
        select(WidyapradaTaskSchool.school_id)
        .join(WidyapradaTask, WidyapradaTask.id == WidyapradaTaskSchool.task_id)
        .where(WidyapradaTask.case_id == case.id)
    )
    return list(session.scalars(query))
