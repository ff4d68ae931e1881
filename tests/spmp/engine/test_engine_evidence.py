"""Evidence: content-addressed storage, type from content and name, zip bounds, scope, audit."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from spmp import audit
from spmp.engine import ActionRefused, CaseNotFound, EvidencePolicy, evidence_file, fire, store_evidence
from spmp.engine.evidence import blob_path, read_limited
from tests.spmp.engine.support import make_world, open_visit

PDF = b"%PDF-1.4\n% laporan kunjungan\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def office(kind: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def world(session):
    return make_world(session)


def test_stored_by_hash_outside_web_root_and_audited(session, world, tmp_path):
    case = open_visit(session, world)
    evidence = store_evidence(session, world["widyaprada"], case.id, "../../laporan.pdf", PDF, tmp_path)
    digest = hashlib.sha256(PDF).hexdigest()
    assert (evidence.sha256, evidence.media_type, evidence.size_bytes) == (
        digest,
        "application/pdf",
        len(PDF),
    )
    assert evidence.filename == "laporan.pdf"  # no path parts kept
    assert blob_path(tmp_path, digest).read_bytes() == PDF
    event = audit.case_timeline(session, case.id)[-1]
    assert event.action == "evidence" and event.changes_dict["sha256"] == digest


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("foto.png", PDF, "Isi berkas tidak sesuai"),  # name says png, content is pdf
        ("laporan.pdf", b"<html>not a pdf</html>", "Isi berkas tidak sesuai"),
        ("skrip.exe", b"MZ\x90\x00", "Jenis berkas tidak diizinkan"),
        ("data.docx", office("xlsx"), "Isi berkas tidak sesuai"),
        ("kosong.pdf", b"", "Berkas kosong"),
    ],
)
def test_type_checked_from_content_and_name(session, world, tmp_path, name, data, message):
    case = open_visit(session, world)
    with pytest.raises(ActionRefused, match=message):
        store_evidence(session, world["widyaprada"], case.id, name, data, tmp_path)


def test_office_files_accepted_and_zip_bombs_refused(session, world, tmp_path):
    case = open_visit(session, world)
    assert store_evidence(
        session, world["widyaprada"], case.id, "a.docx", office("docx"), tmp_path
    ).media_type.endswith("wordprocessingml.document")
    assert store_evidence(
        session, world["widyaprada"], case.id, "b.xlsx", office("xlsx"), tmp_path
    ).media_type.endswith("spreadsheetml.sheet")
    bomb = office("docx", {"word/media/big.bin": b"\0" * (2 * 1024 * 1024)})
    policy = EvidencePolicy(max_unpacked_bytes=1024 * 1024)
    assert len(bomb) < 50_000  # compresses to almost nothing
    with pytest.raises(ActionRefused, match="Isi arsip berkas terlalu besar"):
        store_evidence(session, world["widyaprada"], case.id, "bom.docx", bomb, tmp_path, policy)


def test_size_limit(session, world, tmp_path):
    case = open_visit(session, world)
    with pytest.raises(ActionRefused, match="Berkas terlalu besar"):
        store_evidence(
            session,
            world["widyaprada"],
            case.id,
            "a.pdf",
            PDF + b"x" * 2000,
            tmp_path,
            EvidencePolicy(max_bytes=1000),
        )
    with pytest.raises(ActionRefused, match="Berkas terlalu besar"):
        read_limited(io.BytesIO(b"x" * 2000), 1000)


def test_never_overwritten_and_shared_between_cases(session, world, tmp_path):
    first, second = open_visit(session, world), open_visit(session, world)
    store_evidence(session, world["widyaprada"], first.id, "a.png", PNG, tmp_path)
    path = blob_path(tmp_path, hashlib.sha256(PNG).hexdigest())
    mtime = path.stat().st_mtime_ns
    store_evidence(session, world["widyaprada"], second.id, "b.png", PNG, tmp_path)
    assert path.stat().st_mtime_ns == mtime and path.read_bytes() == PNG
    with pytest.raises(ActionRefused, match="Berkas yang sama sudah diunggah"):
        store_evidence(session, world["widyaprada"], first.id, "c.png", PNG, tmp_path)


def test_only_users_who_see_the_case_get_the_file(session, world, tmp_path):
    case = open_visit(session, world)
    evidence = store_evidence(session, world["widyaprada"], case.id, "a.pdf", PDF, tmp_path)
    row, path = evidence_file(session, world["principal"], evidence.id, tmp_path)
    assert row.id == evidence.id and path.read_bytes() == PDF
    for outsider in ("other_principal", "other_staff", "facilitator"):
        with pytest.raises(CaseNotFound):
            evidence_file(session, world[outsider], evidence.id, tmp_path)
        with pytest.raises(CaseNotFound):
            store_evidence(session, world[outsider], case.id, "x.pdf", PDF + b"1", tmp_path)


def test_transition_attaches_evidence_and_records_hashes(session, world, tmp_path):
    case = open_visit(session, world)
    fire(session, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    evidence = store_evidence(session, world["widyaprada"], case.id, "laporan.pdf", PDF, tmp_path)
    result = fire(session, case.id, "submit_report", world["widyaprada"], 2, inputs={"summary": "Baik"})
    event = session.get(audit.AuditEvent, result.audit_id)
    assert event.changes_dict["evidence"] == [evidence.sha256]
    session.refresh(evidence)
    assert evidence.attached_trigger == "submit_report"


def test_foreign_evidence_ids_are_refused(session, world, tmp_path):
    first, second = open_visit(session, world), open_visit(session, world)
    other = store_evidence(session, world["widyaprada"], second.id, "a.pdf", PDF, tmp_path)
    fire(session, first.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    with pytest.raises(ActionRefused, match="Berkas bukti tidak ditemukan pada kasus ini"):
        fire(
            session,
            first.id,
            "submit_report",
            world["widyaprada"],
            2,
            inputs={"summary": "x"},
            evidence_ids=[other.id],
        )


def test_long_file_name_keeps_its_extension(session, world, tmp_path):
    """issue 9 §2: a name longer than the column was cut at 255 characters, losing its extension."""
    case = open_visit(session, world)
    long_name = "laporan kunjungan supervisi " * 20 + ".pdf"
    evidence = store_evidence(session, world["widyaprada"], case.id, long_name, PDF, tmp_path)
    assert len(evidence.filename) <= 255
    assert evidence.filename.endswith(".pdf") and evidence.filename.startswith("laporan kunjungan")
    short = store_evidence(session, world["widyaprada"], case.id, "foto.png", PNG, tmp_path)
    assert short.filename == "foto.png"
