"""Guards and actions of ``workflows/accreditation_visit.yaml``, registered with the engine by name."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from spmp.engine.registry import ActionContext, GuardContext, action, guard
from spmp.schools.models import ACCREDITATION
from spmp.spme.models import AccreditationVisit


def _visit(ctx) -> AccreditationVisit | None:
    return ctx.session.scalar(select(AccreditationVisit).where(AccreditationVisit.case_id == ctx.case.id))


@guard("spme_valid_rank")
def valid_rank(ctx: GuardContext) -> str | None:
    """A published result needs a known rank (checked only when the form sent one)."""
    rank = (ctx.inputs.get("rank") or "").strip().upper()
    if rank and rank not in ACCREDITATION:
        return "Peringkat harus A, B, C atau TT"
    return None


@action("spme_store_visit")
def store_visit(ctx: ActionContext) -> dict[str, Any] | None:
    visit = _visit(ctx)
    if visit is None:
        return None
    try:
        visit.visit_date = date.fromisoformat(str(ctx.inputs.get("visit_date")))
    except ValueError:
        visit.visit_date = ctx.now.date() if ctx.now else None
    ctx.session.flush()
    return {"visit_date": visit.visit_date}


@action("spme_store_result")
def store_result(ctx: ActionContext) -> dict[str, Any] | None:
    visit = _visit(ctx)
    if visit is None:
        return None
    rank = (ctx.inputs.get("rank") or "").strip().upper()
    before = visit.result_rank
    visit.result_rank = rank if rank in ACCREDITATION else visit.result_rank
    visit.decree_number = (ctx.inputs.get("decree_number") or visit.decree_number or "")[:100]
    ctx.session.flush()
    return {"result_rank": [before, visit.result_rank]}


@action("spme_store_appeal")
def store_appeal(ctx: ActionContext) -> dict[str, Any] | None:
    visit = _visit(ctx)
    if visit is None:
        return None
    visit.appeal = str(ctx.inputs.get("appeal") or "")[:5000]
    ctx.session.flush()
    return {"appeal": True}


@action("spme_record_accreditation")
def record_accreditation(ctx: ActionContext) -> dict[str, Any] | None:
    """The final result enters the school's accreditation history (valid 5 years from today)."""
    from spmp.spme.operations import record_from_visit

    visit = _visit(ctx)
    if visit is None or visit.result_rank is None:
        return None
    record = record_from_visit(ctx.session, ctx.user, visit, ctx.now)
    return {"accreditation_record_id": record.id, "rank": record.rank}
