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


@action("wp_store_visit_date")
def store_visit_date(ctx: ActionContext) -> dict[str, Any] | None:
    task = task_of(ctx)
    day = parse_visit_date(ctx.inputs.get("visit_date"))
    if task is None or day is None:
        return None
    before, task.visit_date = task.visit_date, day
    ctx.session.flush()
    return {"visit_date": [before.isoformat() if before else None, day.isoformat()]}


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
