"""Reporting an obstacle: one ``kendala`` case with its description and photos, in the caller's
transaction (all or nothing: a refused photo leaves no case behind)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp.access import can_see_school
from spmp.accounts.models import NATIONAL_ROLES, User
from spmp.engine.cases import CaseRecord
from spmp.engine.errors import ActionRefused, CaseNotFound
from spmp.engine.evidence import EvidencePolicy, check_file, store_evidence
from spmp.engine.operations import get_case, open_case
from spmp.engine.permissions import case_scope
from spmp.kendala.models import CATEGORIES, PROGRAMMES, Obstacle
from spmp.schools.models import School

WORKFLOW = "kendala"
NOT_FOUND = "Sekolah dengan NPSN ini tidak ditemukan di wilayah Anda."
MAX_PHOTOS = 5
PHOTO_POLICY = EvidencePolicy()  # the size limit the form announces (max_upload_mb)
PHOTO_TYPES = ("image/jpeg", "image/png")
# The programme a case belongs to, by its case type (an obstacle about a case inherits its programme).
PROGRAMME_OF_TYPE = {"revitalisasi": "revitalisasi", "digitalisasi": "digitalisasi"}


class ObstacleInputError(ActionRefused):
    """A form field is invalid; ``field`` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class ObstacleInput:
    school_id: int
    category: str
    description: str
    programme: str | None = None  # taken from the case it is about when not given; "umum" otherwise
    about_case_id: int | None = None
    photos: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, content)


def _about(session: Session, user: User, data: ObstacleInput) -> CaseRecord | None:
    if data.about_case_id is None:
        return None
    try:
        about = get_case(session, user, data.about_case_id)
    except CaseNotFound:
        raise ObstacleInputError(
            "about_case_id", f"Kasus #{data.about_case_id} tidak ditemukan atau di luar akses Anda"
        ) from None
    if about.type_key == WORKFLOW:
        raise ObstacleInputError("about_case_id", "Kendala tidak dapat dilaporkan atas kendala lain")
    if about.school_id is not None and about.school_id != data.school_id:
        raise ObstacleInputError("about_case_id", f"Kasus #{about.id} bukan kasus sekolah ini")
    return about


def _programme(data: ObstacleInput, about: CaseRecord | None) -> str:
    if data.programme:
        if data.programme not in PROGRAMMES:
            raise ObstacleInputError("programme", "Pilih program")
        return data.programme
    if about is not None:
        for prefix, programme in PROGRAMME_OF_TYPE.items():
            if about.type_key.startswith(prefix):
                return programme
    return "umum"


def _check_photos(photos: list[tuple[str, bytes]]) -> None:
    if len(photos) > MAX_PHOTOS:
        raise ObstacleInputError("photos", f"Paling banyak {MAX_PHOTOS} foto")
    for name, data in photos:
        try:
            media_type = check_file(name, data, PHOTO_POLICY)
        except ActionRefused as exc:
            raise ObstacleInputError("photos", f"Foto {name}: {exc}") from None
        if media_type not in PHOTO_TYPES:
            raise ObstacleInputError("photos", f"Foto {name}: harus berupa gambar JPEG atau PNG")


def report_obstacle(
    session: Session, user: User, data: ObstacleInput, evidence_root: Path | None = None
) -> Obstacle:
    """Open a ``kendala`` case on the school (the user must see it), with its photos as evidence (stored
    under ``evidence_root``, needed when there are photos)."""
    if data.category not in CATEGORIES:
        raise ObstacleInputError("category", "Pilih kategori kendala")
    description = " ".join(data.description.split()) if data.description else ""
    if len(description) < 10:
        raise ObstacleInputError("description", "Uraikan kendalanya (paling sedikit 10 karakter)")
    if len(data.description) > 4000:
        raise ObstacleInputError("description", "Uraian paling panjang 4.000 karakter")
    _check_photos(data.photos)
    school = session.get(School, data.school_id)
    if school is None or not (user.role in NATIONAL_ROLES or can_see_school(session, user, school.id)):
        raise ObstacleInputError("npsn", NOT_FOUND)
    about = _about(session, user, data)
    title = f"Kendala {data.category.replace('_', ' ')} — {school.name}"[:200]  # "Kendala perangkat rusak — …"
    case = open_case(session, user, WORKFLOW, title=title, school_id=school.id)
    obstacle = Obstacle(
        case_id=case.id, programme=_programme(data, about), category=data.category,
        description=data.description.strip(), about_case_id=about.id if about else None,
    )  # fmt: skip
    session.add(obstacle)
    session.flush()
    for name, content in data.photos:
        try:
            store_evidence(session, user, case.id, name, content, evidence_root, PHOTO_POLICY)
        except ActionRefused as exc:  # e.g. the same photo twice
            raise ObstacleInputError("photos", f"Foto {name}: {exc}") from None
    return obstacle


def obstacle_of_case(session: Session, case_id: int) -> Obstacle | None:
    return session.scalar(select(Obstacle).where(Obstacle.case_id == case_id))


def obstacles_about(session: Session, user: User, case_id: int) -> list[Obstacle]:
    """The obstacles reported about a case that the user may see (shown on that case's page)."""
    query = (
        select(Obstacle).join(CaseRecord, CaseRecord.id == Obstacle.case_id)
        .where(Obstacle.about_case_id == case_id, case_scope(user)).order_by(Obstacle.id)
    )  # fmt: skip
    return list(session.scalars(query))
