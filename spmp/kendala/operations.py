"""Report a field obstacle (opening its ``kendala`` case) and add its photos. Each takes the session and the
acting user, flushes and never commits; the transitions go through ``spmp.engine.fire``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp import clock
from spmp.accounts.models import User
from spmp.engine import ActionRefused, CaseNotFound, get_case, open_case, store_evidence
from spmp.kendala import permissions
from spmp.kendala.models import CATEGORIES, PROGRAMMES, Kendala
from spmp.schools.models import School

WORKFLOW = "kendala"
MAX_DESCRIPTION = 5_000


class KendalaInputError(ActionRefused):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class KendalaInput:
    school_id: int
    programme: str
    category: str
    description: str
    linked_case_id: int | None = None


def _check(session: Session, user: User, data: KendalaInput) -> School:
    if data.programme not in PROGRAMMES:
        raise KendalaInputError(
            "programme", f"Program harus salah satu dari: {', '.join(PROGRAMMES.values())}"
        )
    if data.category not in CATEGORIES:
        raise KendalaInputError(
            "category", f"Kategori harus salah satu dari: {', '.join(CATEGORIES.values())}"
        )
    description = data.description.strip()
    if not description:
        raise KendalaInputError("description", "Uraian kendala wajib diisi")
    if len(description) > MAX_DESCRIPTION:
        raise KendalaInputError(
            "description", f"Uraian maksimal {MAX_DESCRIPTION} karakter (terisi {len(description)})"
        )
    if data.linked_case_id is not None:
        try:
            linked = get_case(session, user, data.linked_case_id)
        except CaseNotFound:
            raise KendalaInputError(
                "linked_case_id", "Kasus terkait tidak ditemukan di wilayah Anda"
            ) from None
        if linked.school_id != data.school_id:
            raise KendalaInputError("linked_case_id", "Kasus terkait bukan milik sekolah ini")
    return session.get(School, data.school_id)


def report_kendala(session: Session, user: User, data: KendalaInput) -> Kendala:
    """Open the obstacle's case on the school (the B/BPMP staff of its unit are told)."""
    if not permissions.can_report(user):
        raise ActionRefused("Peran Anda tidak dapat melaporkan kendala")
    school = _check(session, user, data)
    label = CATEGORIES[data.category]
    case = open_case(session, user, WORKFLOW, title=f"Kendala {label.lower()}: {school.name if school else ''}"[:200],
                     school_id=data.school_id, reason=data.description.strip()[:2000])  # fmt: skip
    kendala = Kendala(case=case, programme=data.programme, category=data.category,
                      description=data.description.strip(), linked_case_id=data.linked_case_id,
                      reported_by_id=user.id, reported_at=clock.now())  # fmt: skip
    session.add(kendala)
    session.flush()
    return kendala


def load_kendala(session: Session, user: User, kendala_id: int) -> Kendala:
    kendala = session.get(Kendala, kendala_id)
    if kendala is None:
        raise CaseNotFound()
    get_case(session, user, kendala.case_id)
    return kendala


def add_photo(session: Session, user: User, kendala_id: int, filename: str, data: bytes, root: Path):
    """A photo (or document) of the obstacle, as an evidence file of its case (audited by the engine)."""
    kendala = load_kendala(session, user, kendala_id)
    if not permissions.can_add_photo(user, kendala.case):
        raise ActionRefused("Foto hanya dapat ditambahkan selama kendala belum selesai")
    return store_evidence(session, user, kendala.case_id, filename, data, root)


def for_case(session: Session, case_id: int) -> Kendala | None:
    return session.scalar(select(Kendala).where(Kendala.case_id == case_id))
