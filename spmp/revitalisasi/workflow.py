"""Guards, actions, notice fields and the programme-year lookup of ``workflows/revitalisasi.yaml``,
registered with the engine by name."""

from __future__ import annotations

from sqlalchemy import select

from spmp.engine.registry import (
    ActionContext,
    GuardContext,
    NoticeContext,
    action,
    guard,
    notice_field,
    programme_year,
)
from spmp.fastsql import FastSQL, Statement
from spmp.revitalisasi.eligibility import completeness, eligibility, failures
from spmp.revitalisasi.models import RevitalisasiProposal


def proposal_of(ctx) -> RevitalisasiProposal | None:
    return ctx.session.scalar(select(RevitalisasiProposal).where(RevitalisasiProposal.case_id == ctx.case.id))


_YEAR = Statement("SELECT year FROM revitalisasi_proposal WHERE case_id = :case_id")


@programme_year("rv_programme_year")
def proposal_year(sql: FastSQL, case_id: int) -> int | None:
    """The proposal's programme year (tahun anggaran): works and reports are due by 15 December of it."""
    row = sql.execute(_YEAR, {"case_id": case_id}).fetchone()
    return row[0] if row else None


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


@notice_field("rv_tranche")
def latest_tranche(ctx: NoticeContext) -> str | None:
    """The tranche just disbursed, in words ("Tahap II (30 %): Rp 255.000.000; progres terverifikasi 50 %")."""
    from spmp.revitalisasi.execution import Tranche

    tranche = ctx.session.scalar(
        select(Tranche).join(RevitalisasiProposal, RevitalisasiProposal.id == Tranche.proposal_id)
        .where(RevitalisasiProposal.case_id == ctx.case_id).order_by(Tranche.number.desc()).limit(1)
    )  # fmt: skip
    if tranche is None:
        return None
    amount = f"{tranche.amount:,}".replace(",", ".")
    text = f"Tahap {'I' if tranche.number == 1 else 'II'} ({tranche.percent} %): Rp {amount}"
    if tranche.verified_progress is not None:
        text += f"; progres terverifikasi {tranche.verified_progress} % (batas {tranche.min_progress} %)"
    return text
