"""Generic guards and actions usable by any workflow."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from spmp.engine.cases import CaseComment, CaseRecord
from spmp.engine.registry import ActionContext, GuardContext, NoticeContext, action, guard, notice_field


@guard("has_assignee")
def has_assignee(ctx: GuardContext) -> str | None:
    """The case must have an assignee (a person or a unit)."""
    if ctx.case.assignee_user_id is None and ctx.case.assignee_unit_id is None:
        return "Kasus belum memiliki penanggung jawab"
    return None


@guard("is_assignee")
def is_assignee(ctx: GuardContext) -> str | None:
    """Only the assigned person may fire (administrators excepted)."""
    if ctx.user.role == "admin" or ctx.case.assignee_user_id == ctx.user.id:
        return None
    return "Hanya penanggung jawab kasus yang dapat melakukan tindakan ini"


@guard("has_comment_in_state")
def has_comment_in_state(ctx: GuardContext) -> str | None:
    """At least one comment written since the case entered its current state (e.g. a revision note)."""
    count = ctx.session.scalar(
        select(func.count())
        .select_from(CaseComment)
        .where(CaseComment.case_id == ctx.case.id, CaseComment.created_at >= ctx.case.state_entered_at)
    )
    return None if count else "Tulis komentar terlebih dahulu (alasan atau catatan perbaikan)"


@action("assign_to_actor")
def assign_to_actor(ctx: ActionContext) -> dict[str, Any] | None:
    """Make the acting user the case's assignee (e.g. on "take over")."""
    if ctx.case.assignee_user_id == ctx.user.id:
        return None
    ctx.session.execute(
        update(CaseRecord)
        .where(CaseRecord.id == ctx.case.id)
        .values(assignee_user_id=ctx.user.id, assignee_unit_id=None)
        .execution_options(synchronize_session=False)
    )
    return {"assignee_user_id": [ctx.case.assignee_user_id, ctx.user.id]}


@notice_field("comment")
def latest_comment(ctx: NoticeContext) -> str | None:
    """The acting user's latest comment on the case (e.g. the revision note that ``has_comment_in_state``
    asked for)."""
    return ctx.session.scalar(
        select(CaseComment.body)
        .where(CaseComment.case_id == ctx.case_id, CaseComment.author_id == ctx.actor.id)
        .order_by(CaseComment.id.desc())
        .limit(1)
    )
