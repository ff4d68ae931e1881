"""Guards of ``workflows/revitalisasi.yaml``, registered with the engine by name."""

from __future__ import annotations

from sqlalchemy import select

from spmp.engine.registry import ActionContext, GuardContext, action, guard
from spmp.revitalisasi.eligibility import completeness, eligibility, failures
from spmp.revitalisasi.models import RevitalisasiProposal


def proposal_of(ctx) -> RevitalisasiProposal | None:
    return ctx.session.scalar(select(RevitalisasiProposal).where(RevitalisasiProposal.case_id == ctx.case.id))


@guard("rv_complete")
def complete(ctx: GuardContext) -> str | None:
    """The completeness check: every document of the proposal is there (the missing ones are named)."""
    proposal = proposal_of(ctx)
    if proposal is None:
        return "Data usulan tidak ditemukan"
    missing = failures(completeness(proposal))
    return f"Usulan belum lengkap: {'; '.join(missing)}" if missing else None


@guard("rv_eligible")
def eligible(ctx: GuardContext) -> str | None:
    """Accepting needs every eligibility check to pass (the failing ones are named)."""
    proposal = proposal_of(ctx)
    if proposal is None:
        return "Data usulan tidak ditemukan"
    failed = failures(eligibility(ctx.session, proposal))
    return f"Tidak memenuhi syarat: {'; '.join(failed)}" if failed else None


# --- execution (version 2) ------------------------------------------------------------------------------
def _execution(ctx):
    from spmp.revitalisasi import execution_ops

    return execution_ops, proposal_of(ctx)


@guard("rv_p2sp_complete")
def p2sp_complete(ctx: GuardContext) -> str | None:
    """The P2SP committee has a ketua, sekretaris, bendahara and a technical member, one person per role."""
    ops, proposal = _execution(ctx)
    if proposal is None:
        return "Data usulan tidak ditemukan"
    problems = ops.p2sp_problems(ops.members(ctx.session, proposal.id))
    return f"P2SP belum lengkap: {'; '.join(problems)}" if problems else None


@guard("rv_documents_complete")
def documents_complete(ctx: GuardContext) -> str | None:
    """All four pre-construction documents (RAB, drawings, schedule, PBG) are uploaded."""
    ops, proposal = _execution(ctx)
    if proposal is None:
        return "Data usulan tidak ditemukan"
    missing = ops.missing_documents(ctx.session, proposal.id)
    return f"Dokumen persiapan belum lengkap: {', '.join(missing)}" if missing else None


@guard("rv_has_facilitator")
def has_facilitator(ctx: GuardContext) -> str | None:
    """A university facilitator is assigned (the case's assignee) before money flows."""
    return None if ctx.case.assignee_user_id else "Belum ada fasilitator perguruan tinggi yang ditugaskan"


@guard("rv_tranche2_progress")
def tranche2_progress(ctx: GuardContext) -> str | None:
    """Tranche II: the latest facilitator-verified progress is at least SPMP_REVIT_TRANCHE2_MIN_PROGRESS."""
    ops, proposal = _execution(ctx)
    if proposal is None:
        return "Data usulan tidak ditemukan"
    return ops.tranche2_refusal(ctx.session, proposal.id)


@guard("rv_progress_complete")
def progress_complete(ctx: GuardContext) -> str | None:
    """The final inspection needs 100 % physical progress verified by the facilitator."""
    ops, proposal = _execution(ctx)
    if proposal is None:
        return "Data usulan tidak ditemukan"
    latest = ops.latest_verified(ctx.session, proposal.id)
    if latest is None or latest.percent < 100:
        seen = "belum ada" if latest is None else f"{latest.percent} %"
        return f"Progres fisik terverifikasi fasilitator harus 100 % (saat ini: {seen})"
    return None


def _document_guard(kind: str, label: str):
    def check(ctx: GuardContext) -> str | None:
        ops, proposal = _execution(ctx)
        if proposal is None:
            return "Data usulan tidak ditemukan"
        return None if kind in ops.documents(ctx.session, proposal.id) else f"{label} belum diunggah"

    return check


guard("rv_handover_document")(_document_guard("ba_serah_terima", "Berita acara serah terima"))
guard("rv_lpj_uploaded")(_document_guard("lpj", "Laporan pertanggungjawaban (LPJ)"))


@action("rv_record_tranche")
def record_tranche(ctx: ActionContext) -> dict:
    """Write the tranche the firing transition disburses (1 or 2, from its trigger)."""
    ops, proposal = _execution(ctx)
    number = 2 if ctx.transition.trigger.endswith("_2") else 1
    return ops.record_tranche(ctx.session, ctx.user, proposal, number, ctx.now)
