"""Use cases of a selected proposal's execution (``spmp.revitalisasi.execution``): the P2SP committee, the
execution documents, the progress reports (school milestones and the facilitator's visits), verifying a
report, assigning the facilitator (one school or a regency at once), and the tranches (written by the
workflow's action when the B/BPMP fires "disburse"). Each takes the session and the acting user, audits
what it changed, flushes and never commits."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.accounts.models import Role, SchoolAssignment, User
from spmp.drafts import clean_draft_key
from spmp.engine import ActionRefused
from spmp.engine.calendar import WIB
from spmp.engine.cases import CaseRecord
from spmp.engine.evidence import EvidencePolicy, _safe_name, check_file, write_blob
from spmp.engine.operations import assign_case
from spmp.engine.permissions import case_scope
from spmp.revitalisasi import permissions
from spmp.revitalisasi.execution import (
    DOCUMENT_KINDS,
    MILESTONES,
    P2SP_REQUIRED,
    P2SP_ROLES,
    P2SP_SINGLE,
    PRE_CONSTRUCTION,
    TRANCHE_PERCENT,
    ExecutionDocument,
    P2spMember,
    ProgressPhoto,
    ProgressReport,
    Tranche,
    is_valid_nik,
    tranche2_min_progress,
    tranche_amount,
)
from spmp.revitalisasi.models import RevitalisasiProposal
from spmp.revitalisasi.operations import DEFAULT_POLICY, geotagged_photo, load_proposal

MAX_NOTES = 4000
MAX_PHOTOS = 10


def _audit(session: Session, user: User, proposal: RevitalisasiProposal, action: str, changes: dict) -> None:
    state = proposal.case.state
    audit.append(
        session, action=action, actor_id=user.id, case_id=proposal.case_id, from_state=state, to_state=state,
        changes=changes, occurred_at=clock.now(),
    )  # fmt: skip


def _checked(session: Session, user: User, proposal_id: int, refusal) -> RevitalisasiProposal:
    proposal = load_proposal(session, user, proposal_id)
    reason = refusal(user, proposal.case)
    if reason:
        raise ActionRefused(reason)
    return proposal


# --- P2SP -----------------------------------------------------------------------------------------------
def members(session: Session, proposal_id: int) -> list[P2spMember]:
    order = [P2spMember.role != "ketua", P2spMember.role != "sekretaris", P2spMember.role != "bendahara"]
    query = select(P2spMember).where(P2spMember.proposal_id == proposal_id).order_by(*order, P2spMember.id)
    return list(session.scalars(query))


def p2sp_problems(committee: Sequence[P2spMember]) -> list[str]:
    """What keeps the committee from being complete: a missing role, a role held twice, one person (NIK)
    in two roles (the constraint prevents it; checked again so an old row cannot slip through)."""
    roles = [m.role for m in committee]
    problems = [f"belum ada {P2SP_ROLES[r].lower()}" for r in P2SP_REQUIRED if r not in roles]
    problems += [f"{P2SP_ROLES[r].lower()} lebih dari satu" for r in P2SP_SINGLE if roles.count(r) > 1]
    niks = [m.nik for m in committee]
    problems += [f"NIK {nik} memegang dua jabatan" for nik in sorted({n for n in niks if niks.count(n) > 1})]
    return problems


def member_problems(name: str, nik: str, role: str, phone: str) -> list[tuple[str, str]]:
    problems = []
    if not name.strip():
        problems.append(("nama", "Nama anggota P2SP wajib diisi"))
    elif len(name.strip()) > 150:
        problems.append(("nama", "Nama anggota P2SP maksimal 150 karakter"))
    if not is_valid_nik(nik):
        problems.append(("nik", f"NIK harus 16 angka (terisi {nik!r})"))
    if role not in P2SP_ROLES:
        problems.append(("jabatan", f"Jabatan harus salah satu dari: {', '.join(P2SP_ROLES.values())}"))
    if len(phone) > 30:
        problems.append(("telepon", "Nomor telepon maksimal 30 karakter"))
    return problems


class ExecutionInputError(ActionRefused):
    """Invalid input; ``errors`` holds (field, message) for each problem."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _field, message in errors))
        self.errors = errors


def add_member(
    session: Session, user: User, proposal_id: int, *, name: str, nik: str, role: str, phone: str = ""
) -> P2spMember:
    """Add a member to the school's P2SP. One person (NIK) holds one role: a second role for the same NIK
    is refused, naming the role they hold; ketua, sekretaris and bendahara are one person each."""
    proposal = _checked(session, user, proposal_id, permissions.p2sp_refusal)
    name, nik, phone = name.strip(), nik.strip(), phone.strip()
    problems = member_problems(name, nik, role, phone)
    if problems:
        raise ExecutionInputError(problems)
    committee = members(session, proposal.id)
    holder = next((m for m in committee if m.nik == nik), None)
    if holder is not None:
        raise ExecutionInputError([("nik", (
            f"{holder.name} (NIK {nik}) sudah menjabat {holder.role_label} di P2SP ini: satu orang tidak boleh "
            f"memegang dua jabatan P2SP"))])  # fmt: skip
    if role in P2SP_SINGLE and any(m.role == role for m in committee):
        raise ExecutionInputError([("jabatan", f"{P2SP_ROLES[role]} P2SP sudah ada; hapus dulu yang lama")])
    member = P2spMember(proposal_id=proposal.id, name=name, nik=nik, role=role, phone=phone or None,
                        added_by_id=user.id, added_at=clock.now())  # fmt: skip
    try:
        with session.begin_nested():  # the unique (proposal, NIK) constraint decides a race
            session.add(member)
    except IntegrityError as exc:
        raise ExecutionInputError(
            [("nik", f"NIK {nik} sudah tercatat di P2SP ini: satu orang satu jabatan")]
        ) from exc
    _audit(session, user, proposal, "revitalisasi.p2sp",
           {"tambah": {"nama": name, "nik": nik, "jabatan": role}})  # fmt: skip
    return member


def remove_member(session: Session, user: User, proposal_id: int, member_id: int) -> None:
    proposal = _checked(session, user, proposal_id, permissions.p2sp_refusal)
    member = session.get(P2spMember, member_id)
    if member is None or member.proposal_id != proposal.id:
        raise ActionRefused("Anggota P2SP tidak ditemukan")
    session.delete(member)
    session.flush()
    _audit(session, user, proposal, "revitalisasi.p2sp",
           {"hapus": {"nama": member.name, "nik": member.nik, "jabatan": member.role}})  # fmt: skip


# --- documents ------------------------------------------------------------------------------------------
def documents(session: Session, proposal_id: int) -> dict[str, ExecutionDocument]:
    query = select(ExecutionDocument).where(ExecutionDocument.proposal_id == proposal_id)
    return {d.kind: d for d in session.scalars(query)}


def missing_documents(
    session: Session, proposal_id: int, kinds: Sequence[str] = PRE_CONSTRUCTION
) -> list[str]:
    have = documents(session, proposal_id)
    return [DOCUMENT_KINDS[k] for k in kinds if k not in have]


def upload_document(
    session: Session, user: User, proposal_id: int, kind: str, filename: str, data: bytes, root: Path,
    policy: EvidencePolicy = DEFAULT_POLICY,
) -> ExecutionDocument:  # fmt: skip
    """Upload (or replace) one execution document (PDF or image), while its stage allows it."""
    if kind not in DOCUMENT_KINDS:
        raise ActionRefused("Jenis dokumen tidak dikenal")
    proposal = _checked(session, user, proposal_id, lambda u, c: permissions.document_refusal(u, c, kind))
    media_type = check_file(filename, data, policy)
    digest, name, now = write_blob(root, data), _safe_name(filename), clock.now()
    document = documents(session, proposal.id).get(kind)
    before = document.sha256 if document else None
    if document is None:
        document = ExecutionDocument(proposal_id=proposal.id, kind=kind)
        session.add(document)
    document.sha256, document.filename, document.media_type, document.size = (
        digest,
        name,
        media_type,
        len(data),
    )
    document.uploaded_by_id, document.uploaded_at = user.id, now
    session.flush()
    _audit(session, user, proposal, "revitalisasi.document",
           {"dokumen": DOCUMENT_KINDS[kind], "sha256": [before, digest], "filename": name, "size": len(data)})  # fmt: skip
    return document


# --- progress -------------------------------------------------------------------------------------------
def reports(session: Session, proposal_id: int) -> list[ProgressReport]:
    query = select(ProgressReport).where(ProgressReport.proposal_id == proposal_id)
    return list(session.scalars(query.order_by(ProgressReport.reported_at.desc(), ProgressReport.id.desc())))


def latest_verified(session: Session, proposal_id: int) -> ProgressReport | None:
    """The latest facilitator-verified progress report (by verification time), or None."""
    query = (
        select(ProgressReport)
        .where(ProgressReport.proposal_id == proposal_id, ProgressReport.verified_at.is_not(None))
        .order_by(ProgressReport.verified_at.desc(), ProgressReport.id.desc())
        .limit(1)
    )
    return session.scalar(query)


@dataclass(frozen=True)
class PhotoUpload:
    filename: str
    data: bytes


def _used_photos(session: Session, proposal_id: int, digests: set[str]) -> set[str]:
    query = (
        select(ProgressPhoto.sha256)
        .join(ProgressReport, ProgressReport.id == ProgressPhoto.progress_id)
        .where(ProgressReport.proposal_id == proposal_id, ProgressPhoto.sha256.in_(digests))
    )
    return set(session.scalars(query))


def _photo_rows(session, user, proposal, photos, root, policy, needs_position=False) -> list[ProgressPhoto]:
    """The report's photo rows, checked and stored before anything is added to the session (a refusal
    leaves nothing behind); a photo already in an earlier report of this school is refused (progress is
    shown by new photos, and a form sent twice over a slow link does not make two reports). With
    ``needs_position`` (the facilitator's own visit, verified at once: nobody checks its photos later) a
    photo without its GPS position is refused."""
    digests = [hashlib.sha256(photo.data).hexdigest() for photo in photos]
    used = _used_photos(session, proposal.id, set(digests))
    rows, seen, now = [], set(), clock.now()
    for index, (photo, digest) in enumerate(zip(photos, digests, strict=True), start=1):
        name = _safe_name(photo.filename)
        if digest in seen:
            raise ExecutionInputError([("foto", f"Foto {index} ({name}) sama dengan foto lain")])
        if digest in used:
            raise ExecutionInputError([("foto", f"Foto {index} ({name}) sudah dipakai pada laporan progres "
                                                "sebelumnya; lampirkan foto baru")])  # fmt: skip
        seen.add(digest)
        try:
            fields = geotagged_photo(proposal.school, photo.filename, photo.data, root, policy)
        except ActionRefused as exc:
            raise ExecutionInputError([("foto", f"Foto {index}: {exc}")]) from exc
        if needs_position and fields["latitude"] is None:
            raise ExecutionInputError([("foto", f"Foto {index} ({name}) tanpa titik lokasi GPS (EXIF): aktifkan "
                                                "lokasi pada kamera dan ambil foto di sekolah")])  # fmt: skip
        rows.append(ProgressPhoto(**fields, uploaded_by_id=user.id, uploaded_at=now))
    return rows


def _report_problems(percent, notes: str, photos, milestones: bool, visit_date: date | None) -> list:
    problems = []
    if milestones and percent not in MILESTONES:
        problems.append(
            ("persen", f"Progres fisik sekolah dilaporkan pada {', '.join(map(str, MILESTONES))} %")
        )
    elif not isinstance(percent, int) or not 0 <= percent <= 100:
        problems.append(("persen", "Progres fisik harus bilangan bulat 0-100 %"))
    if len(notes) > MAX_NOTES:
        problems.append(("catatan", f"Catatan maksimal {MAX_NOTES} karakter"))
    if not photos:
        problems.append(("foto", "Lampirkan paling sedikit satu foto progres (berlokasi GPS)"))
    elif len(photos) > MAX_PHOTOS:
        problems.append(("foto", f"Paling banyak {MAX_PHOTOS} foto per laporan"))
    # Papua (WIT, UTC+9) is the first to reach a new day: a date no later than today there is not future.
    if visit_date is not None and visit_date > (clock.now() + timedelta(hours=9)).date():
        problems.append(("tanggal", "Tanggal kunjungan tidak boleh di masa depan"))
    return problems


def report_progress(
    session: Session, user: User, proposal_id: int, *, percent: int, notes: str, photos: Sequence[PhotoUpload],
    root: Path, policy: EvidencePolicy = DEFAULT_POLICY,
) -> ProgressReport:  # fmt: skip
    """The school's progress report at a milestone (0/25/50/75/100 %) with geotagged photos; unverified
    until the facilitator verifies it."""
    proposal = _checked(session, user, proposal_id, permissions.progress_refusal)
    problems = _report_problems(percent, notes, photos, True, None)
    if problems:
        raise ExecutionInputError(problems)
    rows = _photo_rows(session, user, proposal, photos, root, policy)
    report = ProgressReport(proposal_id=proposal.id, percent=percent, source="sekolah", notes=notes.strip() or None,
                            reported_by_id=user.id, reported_at=clock.now())  # fmt: skip
    session.add(report)
    report.photos.extend(rows)
    session.flush()
    _audit(session, user, proposal, "revitalisasi.progress",
           {"laporan": report.id, "persen": percent, "foto": len(photos)})  # fmt: skip
    return report


class DuplicateVisitError(ActionRefused):
    """This draft (its key) was already received as a visit report: nothing is written a second time."""

    category = "info"

    def __init__(self, report: ProgressReport) -> None:
        super().__init__(
            f"Laporan kunjungan ini sudah diterima sebelumnya (tanggal {report.visit_date}, progres "
            f"{report.percent} %); tidak disimpan dua kali"
        )
        self.report = report


def record_visit(
    session: Session, user: User, proposal_id: int, *, percent: int, notes: str, photos: Sequence[PhotoUpload],
    root: Path, visit_date: date | None = None, policy: EvidencePolicy = DEFAULT_POLICY,
    draft_key: str | None = None,
) -> ProgressReport:  # fmt: skip
    """The assigned facilitator's visit report: the physical progress they verified on site (a whole
    percent), with photos taken there (each with its GPS position) and notes; verified by them at once.
    ``draft_key`` is the key of the offline draft it comes from: a draft already received is refused with
    DuplicateVisitError (before any other check: it was accepted when it came) and writes nothing."""
    proposal = load_proposal(session, user, proposal_id)
    key = _visit_key(draft_key)
    _refuse_repeat_visit(session, user, proposal, key)
    reason = permissions.visit_refusal(user, proposal.case)
    if reason:
        raise ActionRefused(reason)
    problems = _report_problems(percent, notes, photos, False, visit_date)
    if problems:
        raise ExecutionInputError(problems)
    rows, now = _photo_rows(session, user, proposal, photos, root, policy, needs_position=True), clock.now()
    report = ProgressReport(
        proposal_id=proposal.id, percent=percent, source="fasilitator", notes=notes.strip() or None,
        visit_date=(visit_date or now.astimezone(WIB).date()).isoformat(), reported_by_id=user.id, reported_at=now,
        verified_by_id=user.id, verified_at=now, draft_key=key,
    )  # fmt: skip
    report.photos.extend(rows)
    try:
        # Two copies of one draft at once (two tabs, a retry racing a slow answer): the unique key decides.
        # On PostgreSQL the second waits for the first to commit, then fails here and finds its report.
        with session.begin_nested():
            session.add(report)
    except IntegrityError:
        if key is None:
            raise
        raise DuplicateVisitError(_visit_by_key(session, key)) from None
    _audit(session, user, proposal, "revitalisasi.visit",
           {"laporan": report.id, "persen_terverifikasi": percent, "foto": len(photos), "draft_key": key})  # fmt: skip
    return report


def _visit_key(value: str | None) -> str | None:
    try:
        return clean_draft_key(value)
    except ValueError:
        raise ExecutionInputError(
            [("draft_key", "Kunci draf laporan kunjungan tidak sah; muat ulang halaman kunjungan")]
        ) from None


def _visit_by_key(session: Session, key: str) -> ProgressReport | None:
    return session.scalar(select(ProgressReport).where(ProgressReport.draft_key == key))


def _refuse_repeat_visit(
    session: Session, user: User, proposal: RevitalisasiProposal, key: str | None
) -> None:
    earlier = _visit_by_key(session, key) if key else None
    if earlier is None:
        return
    if earlier.proposal_id != proposal.id or earlier.reported_by_id != user.id:
        raise ExecutionInputError(
            [("draft_key", "Kunci draf ini milik laporan kunjungan lain; muat ulang halaman kunjungan")]
        )
    raise DuplicateVisitError(earlier)


def verify_report(session: Session, user: User, report_id: int) -> ProgressReport:
    """The assigned facilitator verifies a school's progress report (its percent becomes verified)."""
    report = session.get(ProgressReport, report_id)
    if report is None:
        raise ActionRefused("Laporan progres tidak ditemukan")
    proposal = _checked(session, user, report.proposal_id, permissions.visit_refusal)
    if report.is_verified:
        raise ActionRefused("Laporan ini sudah diverifikasi")
    report.verified_by_id, report.verified_at = user.id, clock.now()
    session.flush()
    _audit(session, user, proposal, "revitalisasi.verify", {"laporan": report.id, "persen": report.percent})
    return report


# --- tranches -------------------------------------------------------------------------------------------
def tranches(session: Session, proposal_id: int) -> list[Tranche]:
    query = select(Tranche).where(Tranche.proposal_id == proposal_id).order_by(Tranche.number)
    return list(session.scalars(query))


def tranche2_refusal(session: Session, proposal_id: int, threshold: int | None = None) -> str | None:
    """Why tranche II may not be disbursed: no facilitator-verified progress, or the latest verified
    progress below the threshold (both figures named)."""
    threshold = tranche2_min_progress() if threshold is None else threshold
    latest = latest_verified(session, proposal_id)
    if latest is None:
        return (
            f"Belum ada progres fisik yang diverifikasi fasilitator (syarat tahap II: minimal {threshold} %)"
        )
    if latest.percent < threshold:
        return (f"Progres fisik terverifikasi fasilitator {latest.percent} % di bawah batas {threshold} % untuk "
                "pencairan tahap II")  # fmt: skip
    return None


def record_tranche(session: Session, user: User, proposal: RevitalisasiProposal, number: int, now) -> dict:
    """Write tranche ``number`` (the workflow's action, inside the firing transaction): its share of the
    approved budget; tranche II keeps the verified progress and the threshold it was checked against."""
    latest = latest_verified(session, proposal.id) if number == 2 else None
    tranche = Tranche(
        proposal_id=proposal.id, number=number, percent=TRANCHE_PERCENT[number],
        amount=tranche_amount(proposal.requested_budget, number), disbursed_at=now, disbursed_by_id=user.id,
        verified_progress=latest.percent if latest else None,
        min_progress=tranche2_min_progress() if number == 2 else None,
        progress_id=latest.id if latest else None,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(tranche)
    except IntegrityError as exc:
        raise ActionRefused(f"Tahap {number} sudah dicairkan") from exc
    return {"tahap": number, "persen": tranche.percent, "jumlah": tranche.amount,
            "progres_terverifikasi": tranche.verified_progress, "batas_progres": tranche.min_progress}  # fmt: skip


# --- facilitators ---------------------------------------------------------------------------------------
def facilitators(session: Session, user: User) -> list[User]:
    """Active facilitators the user may assign: those of their unit (all, for an admin)."""
    query = select(User).where(User.role == Role.FACILITATOR, User.is_active.is_(True))
    if user.role != Role.ADMIN:
        query = query.where(User.unit_id == user.unit_id)
    return list(session.scalars(query.order_by(User.full_name, User.id)))


def _ensure_caseload(session: Session, actor: User, facilitator: User, school_id: int) -> None:
    found = select(SchoolAssignment.id).where(
        SchoolAssignment.user_id == facilitator.id, SchoolAssignment.school_id == school_id
    )
    if session.scalar(found) is None:
        session.add(SchoolAssignment(user_id=facilitator.id, school_id=school_id, assigned_by_id=actor.id,
                                     assigned_at=clock.now()))  # fmt: skip


def assign_facilitator(
    session: Session, actor: User, proposal_ids: Sequence[int], facilitator_id: int
) -> int:
    """Make ``facilitator_id`` the facilitator (the case's assignee, and the school in their caseload) of
    each selected proposal; all or nothing. Returns how many changed."""
    if not permissions.can_assign_facilitator(actor):
        raise ActionRefused("Peran Anda tidak dapat menugaskan fasilitator")
    facilitator = session.get(User, facilitator_id)
    if facilitator is None or facilitator.role != Role.FACILITATOR or not facilitator.is_active:
        raise ActionRefused("Pilih fasilitator perguruan tinggi yang aktif")
    changed = 0
    for proposal_id in proposal_ids:
        proposal = load_proposal(session, actor, proposal_id)
        case = proposal.case
        if not permissions.is_in_execution(case) or case.closed_at is not None:
            raise ActionRefused(
                f"{proposal.school.name}: fasilitator hanya untuk sekolah terpilih yang berjalan"
            )
        if case.assignee_user_id == facilitator.id:
            continue
        assign_case(session, actor, case.id, case.version, assignee_user_id=facilitator.id,
                    reason=f"Fasilitator revitalisasi: {facilitator.full_name}")  # fmt: skip
        _ensure_caseload(session, actor, facilitator, proposal.school_id)
        changed += 1
    session.flush()
    return changed


def execution_proposals_in_regency(session: Session, actor: User, regency_code: str, year: int) -> list[int]:
    """The running selected proposals of a regency and year that ``actor`` sees (bulk assignment)."""
    query = (
        select(RevitalisasiProposal.id)
        .join(CaseRecord, CaseRecord.id == RevitalisasiProposal.case_id)
        .where(case_scope(actor), CaseRecord.regency_code == regency_code, RevitalisasiProposal.year == year,
               CaseRecord.type_version >= 2, CaseRecord.state.in_(permissions.EXECUTION_STATES),
               CaseRecord.closed_at.is_(None))
        .order_by(RevitalisasiProposal.id)
    )  # fmt: skip
    return list(session.scalars(query))


def assign_facilitator_regency(
    session: Session, actor: User, regency_code: str, year: int, facilitator_id: int
) -> int:
    """Assign one facilitator to every running selected school of a regency (bulk by regency)."""
    ids = execution_proposals_in_regency(session, actor, regency_code, year)
    if not ids:
        raise ActionRefused(
            f"Tidak ada sekolah terpilih yang berjalan di kabupaten/kota {regency_code} tahun {year}"
        )
    return assign_facilitator(session, actor, ids, facilitator_id)
