"""Guards of ``workflows/revitalisasi.yaml``, registered with the engine by name."""

from __future__ import annotations

from sqlalchemy import select

from spmp.engine.registry import GuardContext, guard
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
