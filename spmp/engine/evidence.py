"""Evidence files: content-addressed storage outside the web root, with type and size checks.

Files are stored as ``<root>/<sha[:2]>/<sha[2:4]>/<sha256>`` and never overwritten (identical content has
the same name, so an existing file is already the right one). The type is decided from the content *and*
must agree with the file name: PDF, PNG, JPEG, and DOCX/XLSX (zip archives whose declared unpacked size
and entry count are bounded, so a "zip bomb" is refused before anything reads it). The web layer serves a
file only after ``evidence_file`` checked the user may see its case, as an attachment with nosniff.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp import audit, clock
from spmp.accounts.models import User
from spmp.engine.cases import CaseEvidence
from spmp.engine.errors import ActionRefused, CaseNotFound
from spmp.engine.operations import get_case

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {".pdf": "pdf", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".docx": "docx", ".xlsx": "xlsx"}


@dataclass(frozen=True)
class EvidencePolicy:
    max_bytes: int = 20 * 1024 * 1024
    max_unpacked_bytes: int = 100 * 1024 * 1024
    max_zip_entries: int = 2_000


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` (refuse larger uploads without reading them whole)."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ActionRefused(f"Berkas terlalu besar (maksimal {max_bytes // (1024 * 1024)} MB)")
    return data


def _zip_kind(data: bytes, policy: EvidencePolicy) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return None
    if len(entries) > policy.max_zip_entries or sum(e.file_size for e in entries) > policy.max_unpacked_bytes:
        raise ActionRefused("Isi arsip berkas terlalu besar")
    names = {e.filename for e in entries}
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def sniff(data: bytes, policy: EvidencePolicy = EvidencePolicy()) -> str | None:
    """The file kind from its content (pdf/png/jpeg/docx/xlsx), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data, policy)
    return None


def check_file(filename: str, data: bytes, policy: EvidencePolicy) -> str:
    """Validate size and type (content and name must agree); returns the media type."""
    if not data:
        raise ActionRefused("Berkas kosong")
    if len(data) > policy.max_bytes:
        raise ActionRefused(f"Berkas terlalu besar (maksimal {policy.max_bytes // (1024 * 1024)} MB)")
    by_name = EXTENSIONS.get(Path(filename).suffix.lower())
    if by_name is None:
        raise ActionRefused("Jenis berkas tidak diizinkan (PDF, PNG, JPEG, DOCX atau XLSX)")
    by_content = sniff(data, policy)
    if by_content != by_name:
        raise ActionRefused("Isi berkas tidak sesuai dengan jenis pada nama berkasnya")
    return MEDIA_TYPES[by_content]


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def write_blob(root: Path, data: bytes) -> str:
    """Store ``data`` under its sha256; never overwrites. Returns the hash."""
    digest = hashlib.sha256(data).hexdigest()
    target = blob_path(root, digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o440)
        # Atomic and never replaces: a concurrent identical upload has written the same bytes.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, target)
    finally:
        os.unlink(tmp)
    return digest


def _safe_name(filename: str, limit: int = 255) -> str:
    """The file name to show: no folders, only printable characters, and at most ``limit`` characters;
    a name that is too long is shortened before its extension, which stays."""
    name = Path(filename.replace("\\", "/")).name.strip() or "berkas"
    name = "".join(c for c in name if c.isprintable())
    if len(name) <= limit:
        return name
    suffix = Path(name).suffix
    if len(suffix) > 16:  # not an extension worth keeping
        suffix = ""
    return name[: limit - len(suffix)].rstrip() + suffix


def store_evidence(
    session: Session,
    user: User,
    case_id: int,
    filename: str,
    data: bytes,
    root: Path,
    policy: EvidencePolicy = EvidencePolicy(),
) -> CaseEvidence:
    """Attach an evidence file to a case the user may see; the audit event carries its sha256."""
    case = get_case(session, user, case_id)
    if case.closed_at is not None:
        raise ActionRefused("Kasus sudah ditutup")
    media_type = check_file(filename, data, policy)
    digest = hashlib.sha256(data).hexdigest()
    duplicate = select(CaseEvidence.id).where(CaseEvidence.case_id == case.id, CaseEvidence.sha256 == digest)
    if session.scalar(duplicate) is not None:
        raise ActionRefused("Berkas yang sama sudah diunggah pada kasus ini")
    write_blob(root, data)
    now = clock.now()
    evidence = CaseEvidence(
        case_id=case.id, sha256=digest, filename=_safe_name(filename), media_type=media_type,
        size_bytes=len(data), state=case.state, uploaded_by_id=user.id, uploaded_at=now,
    )  # fmt: skip
    session.add(evidence)
    session.flush()
    changes = {"evidence_id": evidence.id, "sha256": digest, "filename": evidence.filename, "size": len(data)}
    audit.append(
        session, action="evidence", actor_id=user.id, case_id=case.id, from_state=case.state,
        to_state=case.state, changes=changes, occurred_at=now,
    )  # fmt: skip
    return evidence


def evidence_file(session: Session, user: User, evidence_id: int, root: Path) -> tuple[CaseEvidence, Path]:
    """The evidence row and its file, if the user may see its case (CaseNotFound otherwise)."""
    evidence = session.get(CaseEvidence, evidence_id)
    if evidence is None:
        raise CaseNotFound("Berkas tidak ditemukan")
    get_case(session, user, evidence.case_id)
    return evidence, blob_path(root, evidence.sha256)


def list_evidence(session: Session, user: User, case_id: int) -> list[CaseEvidence]:
    get_case(session, user, case_id)
    query = select(CaseEvidence).where(CaseEvidence.case_id == case_id).order_by(CaseEvidence.id)
    return list(session.scalars(query))
