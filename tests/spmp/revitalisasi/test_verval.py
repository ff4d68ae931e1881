"""Verval through the engine: the completeness check on submission, Pemda verification, B/BPMP accept
(only when eligible), reject and return for revision with reason codes and comments; every decision audited
and every hand-off told; who may act and see."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from spmp import clock
from spmp.audit import AuditEvent
from spmp.engine import ActionRefused, CaseNotFound
from spmp.engine.cases import CaseRecord
from spmp.notifications.models import Notification
from spmp.revitalisasi import operations as ops
from tests.spmp.revitalisasi.support import complete, proposal_input

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


def _act(session, user, proposal, trigger, **inputs):
    version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == proposal.case_id))
    return ops.act(session, user, proposal.id, trigger, version, inputs=inputs or None)


def _told(session, case_id, since):
    rows = session.scalars(
        select(Notification).where(Notification.id > since, Notification.case_id == case_id)
    )
    return {n.user_id for n in rows}


def _last_notification(session):
    return session.scalar(select(func.max(Notification.id))) or 0


def _submitted(session, world, tmp_path, **values):
    proposal = ops.create_proposal(session, world["dinas_regency"], proposal_input(world.school, **values))
    complete(session, world["dinas_regency"], proposal, tmp_path)
    _act(session, world["dinas_regency"], proposal, "submit")
    return proposal


def test_submission_runs_the_completeness_check(session, world, tmp_path):
    proposal = ops.create_proposal(session, world["dinas_regency"], proposal_input(world.school))
    with pytest.raises(ActionRefused) as refused:
        _act(session, world["dinas_regency"], proposal, "submit")
    message = str(refused.value)
    assert "Usulan belum lengkap" in message and "Foto bertitik lokasi 0 dari 6" in message
    assert "Formulir kerusakan bertanda tangan surveyor" in message
    complete(session, world["dinas_regency"], proposal, tmp_path, photos=5)
    with pytest.raises(ActionRefused, match="Foto bertitik lokasi 5 dari 6"):
        _act(session, world["dinas_regency"], proposal, "submit")
    ops.add_photo(session, world["dinas_regency"], proposal.id, "6.jpg", _photo(6), tmp_path)
    since = _last_notification(session)
    assert _act(session, world["dinas_regency"], proposal, "submit").to_state == "verifikasi_pemda"
    assert world["dinas_province"].id in _told(session, proposal.case_id, since)


def _photo(n):
    from tests.spmp.revitalisasi.support import jpeg

    return jpeg(shade=n)


def test_accept_after_pemda_verification_is_audited_and_told(session, world, tmp_path):
    proposal = _submitted(session, world, tmp_path)
    with pytest.raises(ActionRefused, match="yang dapat menjalankan tindakan ini"):
        _act(session, world["bpmp_staff"], proposal, "pemda_verify", catatan="ok")
    since = _last_notification(session)
    _act(session, world["dinas_province"], proposal, "pemda_verify", catatan="Data sesuai Dapodik")
    assert world["bpmp_staff"].id in _told(session, proposal.case_id, since)
    with pytest.raises(ActionRefused, match="Isian wajib belum diisi: Catatan verval"):
        _act(session, world["bpmp_staff"], proposal, "accept")
    since = _last_notification(session)
    result = _act(session, world["bpmp_staff"], proposal, "accept", catatan="Foto dan formulir sesuai")
    assert result.to_state == "diterima"
    told = _told(session, proposal.case_id, since)
    assert {world["dinas_regency"].id, world["operator"].id, world["principal"].id} <= told
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == proposal.case_id, AuditEvent.action == "fire").order_by(AuditEvent.id)
    ).all()  # fmt: skip
    assert [(e.from_state, e.to_state) for e in events] == [
        ("draf", "verifikasi_pemda"), ("verifikasi_pemda", "verval"), ("verval", "diterima"),
    ]  # fmt: skip
    assert events[-1].actor_id == world["bpmp_staff"].id
    assert "Foto dan formulir sesuai" in events[-1].changes


def test_accept_is_refused_with_the_failing_eligibility_rules(session, world, tmp_path):
    proposal = _submitted(session, world, tmp_path, last_rehab_year=2023, dapodik_since_year=2025)
    _act(session, world["dinas_regency"], proposal, "pemda_verify", catatan="ok")
    with pytest.raises(ActionRefused) as refused:
        _act(session, world["bpmp_head"], proposal, "accept", catatan="ok")
    assert str(refused.value) == (
        "Tidak memenuhi syarat: Dapodik baru terisi 1 tahun (sejak 2025); "
        "Sekolah direhabilitasi pada 2023 (≤ 5 tahun)"
    )
    result = _act(session, world["bpmp_head"], proposal, "reject", reason_code="sudah_direhabilitasi",
                  catatan="Rehabilitasi DAK 2023")  # fmt: skip
    assert result.to_state == "ditolak"
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == proposal.case_id).order_by(AuditEvent.id.desc())
    ).first()
    assert "sudah_direhabilitasi" in event.changes and "Rehabilitasi DAK 2023" in event.changes
    assert session.get(CaseRecord, proposal.case_id).closed_at is not None


def test_reason_codes_are_checked(session, world, tmp_path):
    proposal = _submitted(session, world, tmp_path)
    _act(session, world["dinas_regency"], proposal, "pemda_verify", catatan="ok")
    with pytest.raises(ActionRefused, match="Kode alasan"):
        _act(session, world["bpmp_staff"], proposal, "reject", reason_code="karena_saja", catatan="x")


def test_return_for_revision_edit_and_resubmit(session, world, tmp_path):
    proposal = _submitted(session, world, tmp_path)
    _act(session, world["dinas_regency"], proposal, "pemda_verify", catatan="ok")
    with pytest.raises(ActionRefused, match="hanya dapat diubah saat draf"):
        ops.update_proposal(session, world["dinas_regency"], proposal.id, proposal_input(world.school))
    since = _last_notification(session)
    _act(session, world["bpmp_staff"], proposal, "return_revision", reason_code="anggaran_tidak_wajar",
         catatan="RAB per ruang terlalu tinggi")  # fmt: skip
    assert world["dinas_regency"].id in _told(session, proposal.case_id, since)
    ops.update_proposal(session, world["dinas_regency"], proposal.id,
                        proposal_input(world.school, requested_budget=600_000_000))  # fmt: skip
    assert _act(session, world["dinas_regency"], proposal, "resubmit").to_state == "verifikasi_pemda"
    _act(session, world["dinas_regency"], proposal, "pemda_verify", catatan="Diperbaiki")
    assert _act(session, world["bpmp_staff"], proposal, "accept", catatan="ok").to_state == "diterima"


def test_pemda_return_and_withdraw(session, world, tmp_path):
    proposal = _submitted(session, world, tmp_path)
    _act(
        session, world["dinas_province"], proposal, "pemda_return", reason_code="dokumen_kurang", catatan="x"
    )
    assert proposal.case.state == "perbaikan"
    _act(session, world["dinas_regency"], proposal, "withdraw", catatan="Sekolah direlokasi")
    assert proposal.case.state == "dibatalkan"


def test_outsiders_and_schools_cannot_decide(session, world, tmp_path):
    proposal = _submitted(session, world, tmp_path)
    _act(session, world["dinas_regency"], proposal, "pemda_verify", catatan="ok")
    for name in ("other_staff", "other_dinas", "other_principal"):
        with pytest.raises(CaseNotFound):
            _act(session, world[name], proposal, "accept", catatan="ok")
    for name in ("operator", "principal", "widyaprada", "dinas_regency", "pusat"):
        with pytest.raises(ActionRefused, match="yang dapat menjalankan tindakan ini"):
            _act(session, world[name], proposal, "accept", catatan="ok")
    assert proposal.case.state == "verval"
