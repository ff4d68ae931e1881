"""After a Bimtek session: its materials (uploaded files or links) and the follow-up questions of the
invited schools, answered by the organising B/BPMP; the questions still unanswered are listed with their
age. Each operation takes the session and the acting user, writes its audit event and its notices
(``spmp.notifications``: in-app plus outbox, in the same transaction), flushes and never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import Session, joinedload

from spmp import audit, clock
from spmp.access import school_scope
from spmp.accounts.models import NATIONAL_ROLES, Role, User
from spmp.digitalisasi import permissions
from spmp.digitalisasi.bimtek import UNIT_ROLES, can_run, visible_sessions
from spmp.digitalisasi.models import BimtekMaterial, BimtekQuestion, BimtekSession
from spmp.digitalisasi.operations import DigitalisasiRefused
from spmp.engine.evidence import EvidencePolicy, _safe_name, check_file, write_blob
from spmp.notifications.operations import notify
from spmp.schools.models import School

MAX_MATERIALS = 50
MAX_QUESTION = 2000
MAX_ANSWER = 4000
MATERIAL_HEADER = ["Judul", "Jenis", "Berkas/tautan", "Ukuran (byte)", "Ditambahkan ({zona})"]
QUESTION_HEADER = ["Sesi", "NPSN", "Sekolah", "Penanya", "Pertanyaan", "Diajukan ({zona})", "Umur (hari)", "Jawaban",
                   "Dijawab oleh", "Dijawab ({zona})"]  # fmt: skip


@dataclass(frozen=True)
class MaterialInput:
    title: str
    url: str = ""
    file: tuple[str, bytes] | None = None  # (filename, content)


def can_answer(user: User, bimtek: BimtekSession) -> bool:
    """The organising unit's staff and head, and its university facilitators, answer the questions."""
    if can_run(user, bimtek):
        return True
    return user.role == Role.FACILITATOR and user.unit_id == bimtek.unit_id


def may_ask(user: User, bimtek: BimtekSession) -> bool:
    """The operator or principal of an invited school, once the session has begun."""
    invited = {i.school_id for i in bimtek.invites}
    return permissions.is_school_user(user) and user.school_id in invited and bimtek.starts_at <= clock.now()


# --- materials -------------------------------------------------------------------------------------------
def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or len(url) > 500
        or any(c.isspace() for c in url)
    ):
        raise DigitalisasiRefused(
            "Tautan materi harus alamat http(s) yang lengkap (paling banyak 500 karakter)."
        )
    return url


def add_material(session: Session, user: User, bimtek: BimtekSession, data: MaterialInput, evidence_root: Path,
                 policy: EvidencePolicy | None = None) -> BimtekMaterial:  # fmt: skip
    """Attach a file (PDF, slides as PDF, DOCX, XLSX, images) or a link to the session."""
    if not can_run(user, bimtek):
        raise DigitalisasiRefused("Materi ditambahkan oleh staf B/BPMP penyelenggara.")
    title = " ".join(data.title.split())
    if not title or len(title) > 200:
        raise DigitalisasiRefused("Judul materi wajib diisi (paling banyak 200 karakter).")
    if bool(data.url.strip()) == bool(data.file):
        raise DigitalisasiRefused("Isi salah satu: unggah berkas materi atau tulis tautannya.")
    count = session.scalar(select(func.count()).where(BimtekMaterial.session_id == bimtek.id))
    if count >= MAX_MATERIALS:
        raise DigitalisasiRefused(f"Paling banyak {MAX_MATERIALS} materi per sesi.")
    material = BimtekMaterial(session_id=bimtek.id, title=title, added_by_id=user.id, added_at=clock.now())
    if data.file:
        filename, content = data.file
        material.media_type = check_file(filename, content, policy or EvidencePolicy())
        material.kind, material.sha256 = "file", write_blob(evidence_root, content)
        material.filename, material.size_bytes = _safe_name(filename), len(content)
    else:
        material.kind, material.url = "link", _check_url(data.url)
    session.add(material)
    session.flush()
    audit.append(session, action="digitalisasi.bimtek_material_added", actor_id=user.id,
                 changes={"bimtek_id": bimtek.id, "material_id": material.id, "kind": material.kind,
                          "sha256": material.sha256, "url": material.url})  # fmt: skip
    return material


def remove_material(session: Session, user: User, bimtek: BimtekSession, material_id: int) -> None:
    material = session.get(BimtekMaterial, material_id)
    if material is None or material.session_id != bimtek.id:
        raise DigitalisasiRefused("Materi tidak ditemukan pada sesi ini.")
    if not can_run(user, bimtek):
        raise DigitalisasiRefused("Materi dihapus oleh staf B/BPMP penyelenggara.")
    audit.append(session, action="digitalisasi.bimtek_material_removed", actor_id=user.id,
                 changes={"bimtek_id": bimtek.id, "material_id": material.id, "title": material.title})  # fmt: skip
    session.delete(material)
    session.flush()


def materials(session: Session, bimtek: BimtekSession) -> list[BimtekMaterial]:
    return list(
        session.scalars(
            select(BimtekMaterial).where(BimtekMaterial.session_id == bimtek.id).order_by(BimtekMaterial.id)
        )
    )


def material_rows(items: list[BimtekMaterial]):
    for m in items:
        yield [m.title, m.kind_label, m.filename or m.url, m.size_bytes, m.added_at]


# --- follow-up questions ---------------------------------------------------------------------------------
def _unit_people(session: Session, bimtek: BimtekSession) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.unit_id == bimtek.unit_id, User.role.in_(UNIT_ROLES), User.is_active)
        )
    )


def ask_question(session: Session, user: User, bimtek: BimtekSession, asker_name: str,
                 question: str) -> BimtekQuestion:  # fmt: skip
    """An invited school asks, for its teacher, after the session began; the unit's staff are told."""
    if not may_ask(user, bimtek):
        raise DigitalisasiRefused(
            "Pertanyaan lanjutan diajukan oleh sekolah yang diundang, setelah sesi dimulai."
        )
    asker_name, question = " ".join(asker_name.split()), question.strip()
    if not asker_name or len(asker_name) > 150:
        raise DigitalisasiRefused("Nama penanya wajib diisi (paling banyak 150 karakter).")
    if not question or len(question) > MAX_QUESTION:
        raise DigitalisasiRefused(f"Pertanyaan wajib diisi (paling banyak {MAX_QUESTION} karakter).")
    now = clock.now()
    item = BimtekQuestion(session_id=bimtek.id, school_id=user.school_id, asker_name=asker_name,
                          question=question, asked_by_id=user.id, asked_at=now)  # fmt: skip
    session.add(item)
    session.flush()
    audit.append(session, action="digitalisasi.bimtek_question", actor_id=user.id,
                 changes={"bimtek_id": bimtek.id, "question_id": item.id})  # fmt: skip
    school = session.get(School, user.school_id)
    body = (f"{asker_name} ({school.name}, NPSN {school.npsn}) bertanya setelah Bimtek \"{bimtek.title}\":\n"
            f"{question}\nJawab di halaman sesi Bimtek.")  # fmt: skip
    for person in _unit_people(session, bimtek):
        notify(session, person, "info", f"Pertanyaan Bimtek: {bimtek.title}", body, now)
    return item


def answer_question(session: Session, user: User, item: BimtekQuestion, answer: str) -> BimtekQuestion:
    """The organising unit answers (or corrects its answer); the school that asked is told."""
    if not can_answer(user, item.session):
        raise DigitalisasiRefused(
            "Pertanyaan dijawab oleh staf, kepala atau fasilitator B/BPMP penyelenggara."
        )
    answer = answer.strip()
    if not answer or len(answer) > MAX_ANSWER:
        raise DigitalisasiRefused(f"Jawaban wajib diisi (paling banyak {MAX_ANSWER} karakter).")
    now = clock.now()
    item.answer, item.answered_by_id, item.answered_at = answer, user.id, now
    session.flush()
    audit.append(session, action="digitalisasi.bimtek_answer", actor_id=user.id,
                 changes={"bimtek_id": item.session_id, "question_id": item.id})  # fmt: skip
    asker = session.get(User, item.asked_by_id)
    if asker is not None and asker.is_active:
        body = f"Pertanyaan Anda: {item.question}\nJawaban ({user.full_name}): {answer}"
        notify(session, asker, "info", f"Pertanyaan Bimtek dijawab: {item.session.title}", body, now)
    return item


def visible_questions(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``BimtekQuestion`` joined to its session and school: the session must be visible;
    the organising unit and the national roles see every question of it, others those of their area's
    schools (a school its own)."""
    if user.role in NATIONAL_ROLES:
        return true()
    own_unit = BimtekSession.unit_id == user.unit_id if user.role in UNIT_ROLES else None
    in_area = school_scope(user)
    return visible_sessions(user) & (or_(own_unit, in_area) if own_unit is not None else in_area)


@dataclass(frozen=True)
class QuestionFilters:
    year: int
    open_only: bool = True
    session_id: int | None = None


def questions(user: User, filters: QuestionFilters) -> Select:
    """The questions the user may see, oldest unanswered first."""
    query = (
        select(BimtekQuestion)
        .join(BimtekSession, BimtekSession.id == BimtekQuestion.session_id)
        .join(School, School.id == BimtekQuestion.school_id)
        .where(BimtekSession.year == filters.year, visible_questions(user))
        .order_by(BimtekQuestion.asked_at, BimtekQuestion.id)
    )
    if filters.open_only:
        query = query.where(BimtekQuestion.answered_at.is_(None))
    if filters.session_id is not None:
        query = query.where(BimtekQuestion.session_id == filters.session_id)
    return query


def get_question_for(session: Session, user: User, question_id: int) -> BimtekQuestion | None:
    return session.scalar(
        select(BimtekQuestion)
        .join(BimtekSession, BimtekSession.id == BimtekQuestion.session_id)
        .join(School, School.id == BimtekQuestion.school_id)
        .where(BimtekQuestion.id == question_id, visible_questions(user))
    )


def age_days(item: BimtekQuestion, now: datetime | None = None) -> int:
    """Whole days since the question was asked (until it was answered, for an answered one)."""
    end = item.answered_at or now or clock.now()
    return max((end - item.asked_at).days, 0)


def question_rows(session: Session, statement: Select):
    now = clock.now()
    options = (joinedload(BimtekQuestion.session), joinedload(BimtekQuestion.school),
               joinedload(BimtekQuestion.answered_by))  # fmt: skip
    for q in session.scalars(statement.options(*options).execution_options(yield_per=1000)):
        yield [q.session.title, q.school.npsn, q.school.name, q.asker_name, q.question, q.asked_at,
               age_days(q, now), q.answer or "", q.answered_by.full_name if q.answered_by else "",
               q.answered_at]  # fmt: skip
