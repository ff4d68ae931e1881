"""Revitalisasi proposal use cases: create one (opening its ``revitalisasi`` case), change it while it is
a draft or returned, attach the land proof and the surveyor's form, add geotagged photos. Each takes the
session and the acting user, audits what it changed, flushes and never commits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.access import can_see_school, school_scope
from spmp.accounts.models import User
from spmp.bulk_insert import insert_dicts, insert_returning_ids
from spmp.engine import ActionRefused, CaseToOpen, get_case, open_case, open_cases
from spmp.engine.evidence import EvidencePolicy, _safe_name, check_file, write_blob
from spmp.regions.models import Regency
from spmp.regions.reference import current_t3_regencies
from spmp.revitalisasi import permissions
from spmp.revitalisasi.eligibility import earlier_selections, eligibility
from spmp.revitalisasi.models import (
    COMPONENTS,
    PHOTO_MAX_DISTANCE_M,
    REQUESTABLE_BANDS,
    ROOM_KINDS,
    THUMBNAIL_PX,
    RevitalisasiDamage,
    RevitalisasiPhoto,
    RevitalisasiProposal,
    RevitalisasiRoom,
    damage_band,
    damage_percent,
)
from spmp.revitalisasi.photos import distance_m, read_position, thumbnail
from spmp.schools.models import School

WORKFLOW = "revitalisasi"
YEARS = (2025, 2100)
MAX_ROOMS = 200
MAX_BUDGET = 100_000_000_000  # Rp 100 miliar: far above any one school's rehabilitation
MAX_PUPILS = 20_000
MAX_TEXT = 300
PHOTO_TYPES = ("image/jpeg", "image/png")
DEFAULT_POLICY = EvidencePolicy()
DOCUMENTS = {"lahan": "bukti kesiapan lahan", "formulir": "formulir kerusakan bertanda tangan surveyor"}


def decimal(value: float, places: int) -> str:
    """A number as Indonesian writes it: decimal comma (``18,00``)."""
    return f"{value:.{places}f}".replace(".", ",")


class ProposalInputError(ActionRefused):
    """The proposal's data is invalid; ``errors`` holds (field, message) for each problem."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{message}" for _field, message in errors))
        self.errors = errors


@dataclass(frozen=True)
class RoomInput:
    name: str
    kind: str
    damages: Mapping[str, float]  # component key -> damaged share 0-100 (missing components: 0)
    is_requested: bool


@dataclass(frozen=True)
class ProposalInput:
    school_id: int
    year: int
    requested_budget: int | None
    rooms: tuple[RoomInput, ...]
    land_ready: bool = False
    land_proof: str = ""
    surveyor_name: str = ""
    damage_form_signed: bool = False
    dapodik_since_year: int | None = None
    last_rehab_year: int | None = None  # None: the school's own record
    pupils_affected: int | None = None
    notes: str = ""


def room_problems(index: int, room: RoomInput) -> list[tuple[str, str]]:
    """What is wrong with one room (the field names ``ruang_N_...``)."""
    where, problems = f"Ruang {index}", []
    if not room.name.strip():
        problems.append((f"ruang_{index}_nama", f"{where}: nama ruang wajib diisi"))
    elif len(room.name) > 150:
        problems.append((f"ruang_{index}_nama", f"{where}: nama ruang maksimal 150 karakter"))
    if room.kind not in ROOM_KINDS:
        problems.append(
            (f"ruang_{index}_jenis", f"{where}: jenis ruang harus salah satu dari {', '.join(ROOM_KINDS)}")
        )
    for key, share in room.damages.items():
        if key not in COMPONENTS:
            problems.append((f"ruang_{index}_{key}", f"{where}: komponen {key!r} tidak dikenal"))
        elif share is None or not 0 <= share <= 100:
            label = COMPONENTS[key][0]
            problems.append((f"ruang_{index}_{key}", f"{where}: kerusakan {label} harus 0–100 %"))
    if not problems and room.is_requested:
        percent = damage_percent(room.damages)
        if damage_band(percent) not in REQUESTABLE_BANDS:
            problems.append((f"ruang_{index}_diusulkan",
                             f"{where} ({room.name.strip()}) rusak ringan ({decimal(percent, 2)} %): hanya ruang rusak "
                             "sedang atau berat yang dapat diusulkan"))  # fmt: skip
    return problems


def _year_problem(name: str, label: str, value: int | None, low: int, high: int) -> list[tuple[str, str]]:
    if value is not None and not low <= value <= high:
        return [(name, f"{label} harus tahun {low}–{high}")]
    return []


def input_problems(data: ProposalInput) -> list[tuple[str, str]]:
    """Every problem of the proposal's data as (field, message); empty when it may be saved."""
    problems: list[tuple[str, str]] = []
    if not YEARS[0] <= data.year <= YEARS[1]:
        problems.append(("tahun", f"Tahun program harus {YEARS[0]}–{YEARS[1]}"))
    if data.requested_budget is None or not 0 < data.requested_budget <= MAX_BUDGET:
        problems.append(
            ("anggaran", "Anggaran yang diusulkan harus lebih dari Rp 0 dan paling besar Rp 100 miliar")
        )
    if data.pupils_affected is not None and not 0 <= data.pupils_affected <= MAX_PUPILS:
        problems.append(("jumlah_siswa", f"Jumlah siswa terdampak harus 0–{MAX_PUPILS}"))
    problems += _year_problem(
        "dapodik_sejak", "Tahun mulai Dapodik", data.dapodik_since_year, 2000, data.year
    )
    problems += _year_problem("tahun_rehabilitasi_terakhir", "Tahun rehabilitasi terakhir",
                              data.last_rehab_year, 1945, data.year)  # fmt: skip
    for name, label, value in (("bukti_lahan", "Bukti lahan", data.land_proof),
                               ("surveyor", "Nama surveyor", data.surveyor_name)):  # fmt: skip
        if len(value) > MAX_TEXT:
            problems.append((name, f"{label} maksimal {MAX_TEXT} karakter (terisi {len(value)})"))
    if len(data.notes) > 10_000:
        problems.append(("catatan", "Catatan maksimal 10.000 karakter"))
    if not data.rooms:
        problems.append(("ruang", "Isi paling sedikit satu ruang dengan kerusakannya"))
    if len(data.rooms) > MAX_ROOMS:
        problems.append(("ruang", f"Paling banyak {MAX_ROOMS} ruang per usulan"))
    for index, room in enumerate(data.rooms, start=1):
        problems += room_problems(index, room)
    return problems


def _school(session: Session, user: User, school_id: int) -> School:
    school = session.get(School, school_id)
    if school is None or not can_see_school(session, user, school_id):
        raise ActionRefused("Sekolah tidak ditemukan atau di luar wilayah Anda")
    return school


def is_3t_regency(session: Session, regency_code: str) -> bool:
    """Whether the regency is on the current 3T list (versioned reference data, ``spmp reference load``)."""
    found = select(Regency.code).where(Regency.code == regency_code, Regency.code.in_(current_t3_regencies()))
    return session.scalar(found) is not None


def proposal_values(data: ProposalInput, school: School) -> dict:
    """The proposal's own columns from its input (the school's last rehabilitation unless given)."""
    return {
        "requested_budget": data.requested_budget or 0, "pupils_affected": data.pupils_affected,
        "last_rehab_year": data.last_rehab_year if data.last_rehab_year is not None else school.last_rehab_year,
        "dapodik_since_year": data.dapodik_since_year, "land_ready": data.land_ready,
        "land_proof": data.land_proof.strip() or None, "surveyor_name": data.surveyor_name.strip() or None,
        "damage_form_signed": data.damage_form_signed, "notes": data.notes.strip() or None,
    }  # fmt: skip


def room_values(index: int, room: RoomInput) -> dict:
    """A room's columns: its damage from the components, and the band."""
    percent = damage_percent(room.damages)
    return {"position": index, "name": room.name.strip(), "kind": room.kind, "damage_percent": percent,
            "band": damage_band(percent), "is_requested": room.is_requested}  # fmt: skip


def room_damages(room: RoomInput) -> list[tuple[str, float]]:
    """(component, damaged share) of the components with any damage."""
    return [(key, float(share)) for key, share in room.damages.items() if share]


def damage_summary(rooms: list[tuple[float, bool]]) -> dict:
    """Over the rooms' (damage, requested): the damage of the requested rooms (all rooms when none is
    requested) and its band, and how many are requested."""
    counted = [percent for percent, requested in rooms if requested] or [percent for percent, _r in rooms]
    mean = round(sum(counted) / len(counted), 2) if counted else 0.0
    return {"rooms_requested": sum(1 for _p, requested in rooms if requested), "damage_percent": mean,
            "band": damage_band(mean)}  # fmt: skip


def _fill(proposal: RevitalisasiProposal, data: ProposalInput, school: School) -> None:
    for name, value in proposal_values(data, school).items():
        setattr(proposal, name, value)
    proposal.rooms = [
        RevitalisasiRoom(**room_values(index, room),
                         damages=[RevitalisasiDamage(component=k, percent=v) for k, v in room_damages(room)])
        for index, room in enumerate(data.rooms, start=1)
    ]  # fmt: skip
    summarise(proposal)


def summarise(proposal: RevitalisasiProposal) -> None:
    """The proposal's damage over its requested rooms (all rooms when none is requested), and its band."""
    summary = damage_summary([(r.damage_percent, r.is_requested) for r in proposal.rooms])
    for name, value in summary.items():
        setattr(proposal, name, value)


def _snapshot(proposal: RevitalisasiProposal) -> dict:
    return {
        "anggaran": proposal.requested_budget, "kerusakan_persen": proposal.damage_percent,
        "kategori": proposal.band, "ruang_diusulkan": proposal.rooms_requested, "ruang": len(proposal.rooms),
        "lahan_siap": proposal.land_ready, "bukti_lahan": proposal.land_proof,
        "surveyor": proposal.surveyor_name, "formulir_ditandatangani": proposal.damage_form_signed,
        "dapodik_sejak": proposal.dapodik_since_year, "rehabilitasi_terakhir": proposal.last_rehab_year,
        "siswa_terdampak": proposal.pupils_affected, "layak": proposal.is_eligible,
    }  # fmt: skip


def _audit(session: Session, user: User, proposal: RevitalisasiProposal, action: str, changes: dict) -> None:
    state = proposal.case.state
    audit.append(
        session, action=action, actor_id=user.id, case_id=proposal.case_id, from_state=state, to_state=state,
        changes=changes, occurred_at=clock.now(),
    )  # fmt: skip


def refresh_eligibility(session: Session, proposal: RevitalisasiProposal) -> None:
    session.flush()
    proposal.is_eligible = all(check.passed for check in eligibility(session, proposal))


def create_proposal(
    session: Session, user: User, data: ProposalInput, *, source: str = "form"
) -> RevitalisasiProposal:
    """Open the proposal's case (state *draf*) and store its data; refused with every problem named."""
    if not permissions.can_propose(user):
        raise ActionRefused("Peran Anda tidak dapat membuat usulan revitalisasi")
    school = _school(session, user, data.school_id)
    problems = input_problems(data)
    if problems:
        raise ProposalInputError(problems)
    duplicate = select(RevitalisasiProposal.id).where(
        RevitalisasiProposal.school_id == school.id, RevitalisasiProposal.year == data.year
    )
    if session.scalar(duplicate) is not None:
        raise ProposalInputError(
            [("npsn", f"{school.name} sudah memiliki usulan revitalisasi tahun {data.year}")]
        )
    case = open_case(
        session, user, WORKFLOW, title=f"Revitalisasi {data.year}: {school.name}", school_id=school.id
    )
    now = clock.now()
    proposal = RevitalisasiProposal(
        case=case, school=school, year=data.year, source=source, is_3t=is_3t_regency(session, school.regency_code),
        created_by_id=user.id, created_at=now, updated_at=now,
    )  # fmt: skip
    _fill(proposal, data, school)
    session.add(proposal)
    refresh_eligibility(session, proposal)
    _audit(
        session, user, proposal, "revitalisasi.proposal", {"dibuat": _snapshot(proposal), "sumber": source}
    )
    return proposal


def create_draft_from_recommendation(
    session: Session, user: User, school_id: int, year: int
) -> RevitalisasiProposal:
    """One click on the recommendation list: a draft proposal for the school (source "rekomendasi") with
    what the school data knows (its last rehabilitation, 3T). Rooms and their damage, the land, the
    surveyor's form and the budget are filled in on the proposal's form: the completeness check refuses
    to submit it before (``rv_complete``)."""
    if not permissions.can_propose(user):
        raise ActionRefused("Peran Anda tidak dapat membuat usulan revitalisasi")
    if not YEARS[0] <= year <= YEARS[1]:
        raise ActionRefused(f"Tahun program harus {YEARS[0]}–{YEARS[1]}")
    school = _school(session, user, school_id)
    duplicate = select(RevitalisasiProposal.id).where(
        RevitalisasiProposal.school_id == school.id, RevitalisasiProposal.year == year
    )
    if session.scalar(duplicate) is not None:
        raise ActionRefused(f"{school.name} sudah memiliki usulan revitalisasi tahun {year}")
    case = open_case(session, user, WORKFLOW, title=f"Revitalisasi {year}: {school.name}", school_id=school.id)
    now = clock.now()
    proposal = RevitalisasiProposal(
        case=case, school=school, year=year, source="rekomendasi", requested_budget=0,
        last_rehab_year=school.last_rehab_year, is_3t=is_3t_regency(session, school.regency_code),
        damage_percent=0.0, band="ringan", rooms_requested=0, land_ready=False, damage_form_signed=False,
        created_by_id=user.id, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(proposal)
    refresh_eligibility(session, proposal)
    _audit(session, user, proposal, "revitalisasi.proposal", {"dibuat": _snapshot(proposal), "sumber": "rekomendasi"})
    return proposal


BULK_BATCH = 1000


def create_proposals(
    session: Session,
    user: User,
    items: Sequence[ProposalInput],
    *,
    source: str = "import",
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Many proposals at once (the bulk import): what :func:`create_proposal` does for one, with the cases
    opened by the engine's bulk open (:func:`spmp.engine.open_cases`) and the proposal, room, damage and
    audit rows written by :mod:`spmp.bulk_insert` (binary COPY on PostgreSQL) in batches of
    :data:`BULK_BATCH` proposals. The rules are the same code:
    :func:`input_problems`, ``_fill`` (rooms, damage, band), :func:`eligibility`. Refused as a whole,
    nothing written, when one item is invalid, a school is outside the user's area or already has a
    proposal that year. Returns the proposal ids in order; ``progress(done, total)`` after each batch."""
    if not permissions.can_propose(user):
        raise ActionRefused("Peran Anda tidak dapat membuat usulan revitalisasi")
    problems = [p for data in items for p in input_problems(data)]
    if problems:
        raise ProposalInputError(problems)
    schools = _schools_in_scope(session, user, [data.school_id for data in items])
    _refuse_duplicates(session, items, schools)
    t3 = set(session.scalars(select(Regency.code).where(Regency.code.in_(current_t3_regencies()))))
    ids: list[int] = []
    for start in range(0, len(items), BULK_BATCH):
        batch = items[start : start + BULK_BATCH]
        ids += _create_batch(session, user, batch, schools, t3, source)
        if progress:
            progress(len(ids), len(items))
    return ids


def _schools_in_scope(session: Session, user: User, school_ids: list[int]) -> dict[int, School]:
    found: dict[int, School] = {}
    for start in range(0, len(school_ids), 500):
        query = select(School).where(School.id.in_(school_ids[start : start + 500]), school_scope(user))
        found.update((school.id, school) for school in session.scalars(query))
    missing = [school_id for school_id in school_ids if school_id not in found]
    if missing:
        raise ActionRefused(f"Sekolah tidak ditemukan atau di luar wilayah Anda (id {missing[0]})")
    return found


def _refuse_duplicates(session: Session, items: Sequence[ProposalInput], schools: dict[int, School]) -> None:
    wanted = {(data.school_id, data.year) for data in items}
    if len(wanted) < len(items):
        raise ProposalInputError([("npsn", "Satu sekolah hanya boleh satu usulan per tahun dalam satu impor")])
    for year in {data.year for data in items}:
        ids = [school_id for school_id, y in wanted if y == year]
        for start in range(0, len(ids), 500):
            taken = session.scalars(select(RevitalisasiProposal.school_id).where(
                RevitalisasiProposal.year == year, RevitalisasiProposal.school_id.in_(ids[start : start + 500])
            )).first()  # fmt: skip
            if taken is not None:
                raise ProposalInputError(
                    [("npsn", f"{schools[taken].name} sudah memiliki usulan revitalisasi tahun {year}")]
                )


def _create_batch(session, user, batch, schools, t3, source) -> list[int]:
    case_ids = open_cases(session, user, WORKFLOW, [
        CaseToOpen(data.school_id, f"Revitalisasi {data.year}: {schools[data.school_id].name}") for data in batch
    ])  # fmt: skip
    now = clock.now()
    earlier = {
        year: earlier_selections(session, [d.school_id for d in batch if d.year == year], year)
        for year in {d.year for d in batch}
    }
    # Plain rows, no ORM objects (measured: building them was half the time); the values come from the same
    # functions as one proposal's (proposal_values, room_values, damage_summary) and go through the same
    # eligibility checks, which read these attributes.
    drafts = []
    for data, case_id in zip(batch, case_ids, strict=True):
        school = schools[data.school_id]
        rooms = [room_values(index, room) for index, room in enumerate(data.rooms, start=1)]
        values = {
            "case_id": case_id, "school_id": school.id, "year": data.year, "source": source,
            "is_3t": school.regency_code in t3, "created_by_id": user.id, "created_at": now, "updated_at": now,
            "land_proof_sha256": None, "land_proof_filename": None, "damage_form_sha256": None,
            "damage_form_filename": None, **proposal_values(data, school),
            **damage_summary([(r["damage_percent"], r["is_requested"]) for r in rooms]),
        }  # fmt: skip
        facts = SimpleNamespace(**values, school=school, rooms=[SimpleNamespace(**r) for r in rooms])
        values["is_eligible"] = all(c.passed for c in eligibility(session, facts, earlier=earlier[data.year]))
        facts.is_eligible = values["is_eligible"]
        drafts.append((values, rooms, data, facts))
    proposal_ids = insert_returning_ids(session, RevitalisasiProposal.__table__, [v for v, *_rest in drafts])
    room_rows = [
        ({**room, "proposal_id": pid}, data.rooms[room["position"] - 1])
        for pid, (_values, rooms, data, _facts) in zip(proposal_ids, drafts, strict=True)
        for room in rooms
    ]
    room_ids = insert_returning_ids(session, RevitalisasiRoom.__table__, [row for row, _room in room_rows])
    damages = [
        {"room_id": room_id, "component": key, "percent": share}
        for room_id, (_row, room) in zip(room_ids, room_rows, strict=True)
        for key, share in room_damages(room)
    ]
    insert_dicts(session, RevitalisasiDamage.__table__, damages)
    events = [
        audit.event_row(action="revitalisasi.proposal", actor_id=user.id, case_id=values["case_id"],
                        from_state="draf", to_state="draf", changes={"dibuat": _snapshot(facts), "sumber": source},
                        occurred_at=now)
        for values, _rooms, _data, facts in drafts
    ]  # fmt: skip
    insert_dicts(session, audit.AuditEvent.__table__, events)
    return proposal_ids


def load_proposal(session: Session, user: User, proposal_id: int) -> RevitalisasiProposal:
    """The proposal if ``user`` may see its case; CaseNotFound otherwise (views answer 404)."""
    from spmp.engine import CaseNotFound

    proposal = session.get(RevitalisasiProposal, proposal_id)
    if proposal is None:
        raise CaseNotFound()
    get_case(session, user, proposal.case_id)
    return proposal


def _editable(session: Session, user: User, proposal_id: int) -> RevitalisasiProposal:
    proposal = load_proposal(session, user, proposal_id)
    refusal = permissions.edit_refusal(user, proposal.case)
    if refusal:
        raise ActionRefused(refusal)
    return proposal


def update_proposal(
    session: Session, user: User, proposal_id: int, data: ProposalInput
) -> RevitalisasiProposal:
    """Replace the proposal's data (rooms included) while it is a draft or returned for revision."""
    proposal = _editable(session, user, proposal_id)
    problems = input_problems(data)
    if problems:
        raise ProposalInputError(problems)
    before = _snapshot(proposal)
    proposal.rooms.clear()
    session.flush()  # the old rooms go before the new ones take their positions
    _fill(proposal, data, proposal.school)
    proposal.updated_at = clock.now()
    refresh_eligibility(session, proposal)
    after = _snapshot(proposal)
    changed = {key: [before[key], value] for key, value in after.items() if before[key] != value}
    _audit(session, user, proposal, "revitalisasi.proposal", {"diubah": changed})
    return proposal


def attach_document(
    session: Session, user: User, proposal_id: int, kind: str, filename: str, data: bytes, root: Path,
    policy: EvidencePolicy = DEFAULT_POLICY,
) -> RevitalisasiProposal:  # fmt: skip
    """Attach the land proof (``lahan``) or the surveyor-signed damage form (``formulir``): PDF or image."""
    if kind not in DOCUMENTS:
        raise ActionRefused("Jenis dokumen tidak dikenal")
    proposal = _editable(session, user, proposal_id)
    check_file(filename, data, policy)
    digest = write_blob(root, data)
    name = _safe_name(filename)
    if kind == "lahan":
        proposal.land_proof_sha256, proposal.land_proof_filename = digest, name
    else:
        proposal.damage_form_sha256, proposal.damage_form_filename = digest, name
    proposal.updated_at = clock.now()
    refresh_eligibility(session, proposal)
    _audit(session, user, proposal, "revitalisasi.document",
           {"dokumen": DOCUMENTS[kind], "sha256": digest, "filename": name, "size": len(data)})  # fmt: skip
    return proposal


def add_photo(
    session: Session, user: User, proposal_id: int, filename: str, data: bytes, root: Path,
    caption: str = "", policy: EvidencePolicy = DEFAULT_POLICY,
) -> RevitalisasiPhoto:  # fmt: skip
    """Add a photo of the damage (JPEG or PNG). Its position is read from its EXIF GPS tags and compared
    with the school's coordinates: farther than PHOTO_MAX_DISTANCE_M, or without a position, it is
    flagged for the verifier (stored all the same: the verifier decides)."""
    proposal = _editable(session, user, proposal_id)
    if len(caption) > MAX_TEXT:
        raise ActionRefused(f"Keterangan foto maksimal {MAX_TEXT} karakter")
    digest = hashlib.sha256(data).hexdigest()
    if any(photo.sha256 == digest for photo in proposal.photos):
        raise ActionRefused("Foto yang sama sudah diunggah pada usulan ini")
    photo = RevitalisasiPhoto(
        **geotagged_photo(proposal.school, filename, data, root, policy), caption=caption.strip() or None,
        uploaded_by_id=user.id, uploaded_at=clock.now(),
    )  # fmt: skip
    proposal.photos.append(photo)
    session.flush()
    _audit(session, user, proposal, "revitalisasi.photo",
           {"photo_id": photo.id, "sha256": digest, "lintang": photo.latitude, "bujur": photo.longitude,
            "jarak_m": photo.distance_m, "jauh_dari_sekolah": photo.is_far})  # fmt: skip
    return photo


def geotagged_photo(
    school: School, filename: str, data: bytes, root: Path, policy: EvidencePolicy = DEFAULT_POLICY
) -> dict:
    """Check and store a photo (JPEG or PNG) and its thumbnail; its position from the EXIF GPS tags and its
    distance to ``school``: farther than PHOTO_MAX_DISTANCE_M (or without a position) it is flagged for the
    verifier, and stored all the same (the verifier decides). The photo row's columns, as a dict."""
    media_type = check_file(filename, data, policy)
    if media_type not in PHOTO_TYPES:
        raise ActionRefused(f"Foto {_safe_name(filename)} harus berupa JPEG atau PNG")
    digest = write_blob(root, data)
    small = thumbnail(data, THUMBNAIL_PX)
    position = read_position(data)
    distance = None
    if position.latitude is not None and school.latitude is not None and school.longitude is not None:
        distance = round(
            distance_m(position.latitude, position.longitude, school.latitude, school.longitude), 1
        )
    return dict(
        sha256=digest, thumb_sha256=write_blob(root, small) if small else None, filename=_safe_name(filename),
        media_type=media_type, latitude=position.latitude, longitude=position.longitude,
        taken_at=position.taken_at, distance_m=distance,
        is_far=distance is not None and distance > PHOTO_MAX_DISTANCE_M,
    )  # fmt: skip


def photo_note(photo: RevitalisasiPhoto, school: School) -> str | None:
    """The verifier's flag on a photo, in words, or None when it was taken at the school."""
    if photo.latitude is None:
        return "Foto tanpa titik lokasi (EXIF GPS tidak ada)"
    if school.latitude is None or school.longitude is None:
        return "Koordinat sekolah belum ada: jarak tidak dapat diperiksa"
    if photo.is_far:
        return f"Diambil {decimal(photo.distance_m / 1000, 1)} km dari sekolah (batas {PHOTO_MAX_DISTANCE_M // 1000} km)"
    return None


def act(
    session: Session, user: User, proposal_id: int, trigger: str, seen_version: int,
    inputs: Mapping[str, str] | None = None, reason: str | None = None,
):  # fmt: skip
    """Fire a verval step on the proposal's case through the engine's single write path (role, scope,
    guards with their reasons, reason codes as inputs, audit and notices are the engine's); the stored
    eligibility is refreshed first so the guards and the lists agree."""
    from spmp.engine import fire

    proposal = load_proposal(session, user, proposal_id)
    refresh_eligibility(session, proposal)
    return fire(session, proposal.case_id, trigger, user, seen_version, inputs=inputs, reason=reason)
