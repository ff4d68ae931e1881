"""Eligibility of a proposal and the completeness of its documents, each check with its reason.

Eligibility (the 2026 brief): a valid NPSN, Dapodik filled in for at least 2 years, land ready to build,
at least one room of medium or heavy damage requested, and no rehabilitation funded in the last 5 years.
Completeness (checked when the proposal is submitted): rooms requested, proof of land, 6 geotagged photos,
the damage form signed by a surveyor, a requested budget."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spmp.engine.cases import CaseRecord
from spmp.revitalisasi.models import REQUESTABLE_BANDS, REQUIRED_PHOTOS, RevitalisasiProposal
from spmp.revitalisasi.permissions import EXECUTION_STATES

MIN_DAPODIK_YEARS = 2
FUNDING_GAP_YEARS = 5  # a school rehabilitated (or selected) within 5 years is not funded again
# Selected, and every execution state after it (workflow version 2): a school funded in the 5 years before.
FUNDED_STATES = EXECUTION_STATES


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    passed: bool
    reason: str | None = None  # why it failed, in words for the Pemda


def _npsn(proposal: RevitalisasiProposal) -> Check:
    npsn = proposal.school.npsn
    ok = len(npsn) == 8 and npsn.isascii() and npsn.isdigit()
    return Check("npsn", "NPSN sah", ok, None if ok else f"NPSN {npsn!r} bukan 8 angka")


def _dapodik(proposal: RevitalisasiProposal) -> Check:
    label = f"Data Dapodik terisi minimal {MIN_DAPODIK_YEARS} tahun"
    since = proposal.dapodik_since_year
    if since is None:
        return Check("dapodik", label, False, "Tahun mulai terisi Dapodik belum diisi")
    years = proposal.year - since
    if years < MIN_DAPODIK_YEARS:
        return Check("dapodik", label, False, f"Dapodik baru terisi {max(years, 0)} tahun (sejak {since})")
    return Check("dapodik", label, True)


def _land(proposal: RevitalisasiProposal) -> Check:
    label = "Lahan siap bangun"
    if not proposal.land_ready:
        return Check("lahan", label, False, "Lahan belum dinyatakan siap bangun")
    if not (proposal.land_proof or proposal.land_proof_sha256):
        return Check("lahan", label, False, "Bukti kesiapan lahan belum dilampirkan")
    return Check("lahan", label, True)


def _damage(proposal: RevitalisasiProposal) -> Check:
    label = "Ada ruang rusak sedang/berat yang diusulkan"
    requested = [room for room in proposal.rooms if room.is_requested and room.band in REQUESTABLE_BANDS]
    if not requested:
        return Check("kerusakan", label, False, "Tidak ada ruang rusak sedang atau berat yang diusulkan")
    return Check("kerusakan", label, True)


def _funded(session: Session, proposal: RevitalisasiProposal, earlier: dict[int, int] | None) -> Check:
    label = f"Tidak menerima rehabilitasi dalam {FUNDING_GAP_YEARS} tahun terakhir"
    last = proposal.last_rehab_year
    if last is not None and proposal.year - last <= FUNDING_GAP_YEARS:
        return Check(
            "pendanaan", label, False, f"Sekolah direhabilitasi pada {last} (≤ {FUNDING_GAP_YEARS} tahun)"
        )
    if earlier is None:
        earlier = earlier_selections(session, [proposal.school_id], proposal.year)
    if proposal.school_id in earlier:
        return Check(
            "pendanaan",
            label,
            False,
            f"Sekolah sudah terpilih Revitalisasi tahun {earlier[proposal.school_id]}",
        )
    return Check("pendanaan", label, True)


def earlier_selections(session: Session, school_ids: list[int], year: int) -> dict[int, int]:
    """school id -> the latest year in the :data:`FUNDING_GAP_YEARS` before ``year`` in which the school
    was selected, for the schools that were (one query per 500 schools: a bulk import asks once)."""
    found: dict[int, int] = {}
    for start in range(0, len(school_ids), 500):
        rows = session.execute(
            select(RevitalisasiProposal.school_id, func.max(RevitalisasiProposal.year))
            .join(CaseRecord, CaseRecord.id == RevitalisasiProposal.case_id)
            .where(
                RevitalisasiProposal.school_id.in_(school_ids[start : start + 500]),
                RevitalisasiProposal.year.between(year - FUNDING_GAP_YEARS, year - 1),
                CaseRecord.state.in_(FUNDED_STATES),
            )
            .group_by(RevitalisasiProposal.school_id)
        )
        found.update((school_id, selected_year) for school_id, selected_year in rows)
    return found


def eligibility(
    session: Session, proposal: RevitalisasiProposal, *, earlier: dict[int, int] | None = None
) -> list[Check]:
    """Every eligibility check of the proposal, in the brief's order. ``earlier`` is
    :func:`earlier_selections` for the proposal's year when the caller has it (bulk import)."""
    return [
        _npsn(proposal),
        _dapodik(proposal),
        _land(proposal),
        _damage(proposal),
        _funded(session, proposal, earlier),
    ]


def completeness(proposal: RevitalisasiProposal) -> list[Check]:
    """The documents a proposal must carry before it is submitted."""
    photos = len(proposal.photos)
    located = sum(1 for photo in proposal.photos if photo.has_position)
    checks = [
        Check("ruang", "Ruang yang diusulkan", proposal.rooms_requested > 0,
              "Belum ada ruang yang diusulkan"),
        Check("bukti_lahan", "Bukti kesiapan lahan", bool(proposal.land_proof or proposal.land_proof_sha256),
              "Bukti kesiapan lahan belum diisi"),
        Check("foto", f"{REQUIRED_PHOTOS} foto kerusakan bertitik lokasi", located >= REQUIRED_PHOTOS,
              f"Foto bertitik lokasi {located} dari {REQUIRED_PHOTOS} (terunggah {photos})"),
        Check("formulir", "Formulir kerusakan ditandatangani surveyor",
              bool(proposal.surveyor_name and proposal.damage_form_signed and proposal.damage_form_sha256),
              "Formulir kerusakan bertanda tangan surveyor (nama surveyor dan berkasnya) belum lengkap"),
        Check("anggaran", "Anggaran yang diusulkan", proposal.requested_budget > 0,
              "Anggaran yang diusulkan belum diisi"),
    ]  # fmt: skip
    return [Check(c.key, c.label, c.passed, None if c.passed else c.reason) for c in checks]


def failures(checks: list[Check]) -> list[str]:
    return [c.reason or c.label for c in checks if not c.passed]
