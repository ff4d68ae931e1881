"""The execution of a selected proposal (workflow version 2): P2SP (one person, one role), the
pre-construction documents guard, tranche I (70 %), progress reports and the facilitator's verification,
tranche II only at or above the configured verified progress (50 or 70), handover, LPJ, close; the
15 December deadline; a facilitator sees only the schools assigned to them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from spmp import clock
from spmp.audit import AuditEvent
from spmp.engine import ActionRefused, CaseNotFound
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.notifications.models import Notification
from spmp.revitalisasi import execution_ops as xops
from spmp.revitalisasi.execution import P2spMember, ProgressPhoto, Tranche, tranche_amount
from tests.spmp.engine.support import make_user
from tests.spmp.revitalisasi.execution_support import (
    COMMITTEE,
    act,
    form_p2sp,
    in_construction,
    photos,
    selected,
    upload_pre_construction,
)
from tests.spmp.revitalisasi.support import PDF, jpeg

NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


def test_selected_proposal_runs_on_version_2_and_stays_open(session, world, tmp_path):
    proposal = selected(session, world, tmp_path)
    case = session.get(CaseRecord, proposal.case_id)
    assert (case.type_version, case.state, case.closed_at) == (2, "terpilih", None)
    assert session.scalars(select(CaseDeadline.kind).where(CaseDeadline.case_id == case.id)).all()


def test_one_person_may_not_hold_two_p2sp_roles(session, world, tmp_path):
    proposal = selected(session, world, tmp_path)
    form_p2sp(session, world["principal"], proposal)
    name, nik, _role = COMMITTEE[0]
    with pytest.raises(xops.ExecutionInputError) as refused:
        xops.add_member(session, world["principal"], proposal.id, name=name, nik=nik, role="anggota")
    assert "sudah menjabat Ketua" in str(refused.value) and "dua jabatan" in str(refused.value)
    assert refused.value.errors[0][0] == "nik"
    count = session.scalar(select(P2spMember.id).where(P2spMember.proposal_id == proposal.id).limit(1))
    assert count is not None and len(xops.members(session, proposal.id)) == 4


def test_the_database_refuses_a_second_role_for_one_nik(session, world, tmp_path):
    """The unique constraint holds even past the operation (a race, or a direct insert)."""
    from sqlalchemy.exc import IntegrityError

    proposal = selected(session, world, tmp_path)
    form_p2sp(session, world["principal"], proposal)
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(P2spMember(proposal_id=proposal.id, name="X", nik=COMMITTEE[1][1], role="anggota",
                               added_by_id=world["principal"].id, added_at=NOW))  # fmt: skip


@pytest.mark.parametrize(
    ("nik", "role", "field"),
    [
        ("53710101018", "anggota", "nik"),
        ("５３７１０１０１０１８０００９９", "anggota", "nik"),
        ("5371010101800099", "mandor", "jabatan"),
    ],
)
def test_bad_member_input_names_the_field(session, world, tmp_path, nik, role, field):
    proposal = selected(session, world, tmp_path)
    with pytest.raises(xops.ExecutionInputError) as refused:
        xops.add_member(session, world["principal"], proposal.id, name="A", nik=nik, role=role)
    assert refused.value.errors[0][0] == field


def test_p2sp_guard_names_what_is_missing(session, world, tmp_path):
    proposal = selected(session, world, tmp_path)
    xops.add_member(session, world["principal"], proposal.id, name="A", nik="5371010101800001", role="ketua")
    with pytest.raises(ActionRefused, match="P2SP belum lengkap: belum ada sekretaris; belum ada bendahara"):
        act(session, world["principal"], proposal, "p2sp_formed")
    with pytest.raises(xops.ExecutionInputError, match="Ketua P2SP sudah ada"):
        xops.add_member(
            session, world["principal"], proposal.id, name="B", nik="5371010101800002", role="ketua"
        )


def test_documents_guard_needs_all_four(session, world, tmp_path):
    proposal = selected(session, world, tmp_path)
    form_p2sp(session, world["principal"], proposal)
    act(session, world["principal"], proposal, "p2sp_formed")
    xops.upload_document(session, world["principal"], proposal.id, "rab", "rab.pdf", PDF, tmp_path)
    with pytest.raises(ActionRefused) as refused:
        act(session, world["principal"], proposal, "submit_documents")
    assert "Gambar kerja, Jadwal pelaksanaan, Persetujuan Bangunan Gedung (PBG)" in str(refused.value)
    upload_pre_construction(session, world["principal"], proposal, tmp_path)
    assert act(session, world["principal"], proposal, "submit_documents").to_state == "pencairan_1"
    with pytest.raises(ActionRefused, match="tidak dapat dilakukan pada tahap ini"):
        xops.upload_document(
            session, world["principal"], proposal.id, "rab", "rab2.pdf", PDF + b"x", tmp_path
        )


def test_tranche_one_needs_a_facilitator_and_records_70_percent(session, world, tmp_path):
    proposal = selected(session, world, tmp_path)
    form_p2sp(session, world["principal"], proposal)
    act(session, world["principal"], proposal, "p2sp_formed")
    upload_pre_construction(session, world["principal"], proposal, tmp_path)
    act(session, world["principal"], proposal, "submit_documents")
    with pytest.raises(ActionRefused, match="Belum ada fasilitator"):
        act(session, world["bpmp_staff"], proposal, "disburse_tranche_1")
    with pytest.raises(ActionRefused):
        act(session, world["principal"], proposal, "disburse_tranche_1")  # not the school's step
    xops.assign_facilitator(session, world["bpmp_staff"], [proposal.id], world["facilitator"].id)
    since = session.scalar(select(Notification.id).order_by(Notification.id.desc()).limit(1)) or 0
    assert act(session, world["bpmp_staff"], proposal, "disburse_tranche_1").to_state == "pelaksanaan"
    (tranche,) = xops.tranches(session, proposal.id)
    assert (tranche.number, tranche.percent, tranche.amount) == (1, 70, 595_000_000)
    assert tranche.disbursed_by_id == world["bpmp_staff"].id
    told = set(session.scalars(select(Notification.user_id).where(Notification.id > since)))
    assert {world["facilitator"].id, world["principal"].id} <= told


def test_tranche_amounts_add_up():
    assert tranche_amount(850_000_000, 1) + tranche_amount(850_000_000, 2) == 850_000_000
    assert tranche_amount(1_000_000_001, 1) == 700_000_000 and tranche_amount(1_000_000_001, 2) == 300_000_001


@pytest.mark.parametrize(("threshold", "below", "at"), [(None, 25, 50), ("50", 45, 50), ("70", 50, 70)])
def test_tranche_two_only_at_or_above_the_verified_threshold(
    session, world, tmp_path, monkeypatch, threshold, below, at
):
    if threshold:
        monkeypatch.setenv("SPMP_REVIT_TRANCHE2_MIN_PROGRESS", threshold)
    limit = int(threshold or 50)
    proposal = in_construction(session, world, tmp_path)
    with pytest.raises(ActionRefused, match="Belum ada progres fisik yang diverifikasi"):
        act(session, world["bpmp_staff"], proposal, "disburse_tranche_2")
    # The school's own report does not count until the facilitator verifies it.
    report = xops.report_progress(session, world["principal"], proposal.id, percent=75, notes="Atap terpasang",
                                  photos=photos(2), root=tmp_path)  # fmt: skip
    with pytest.raises(ActionRefused, match="Belum ada progres fisik"):
        act(session, world["bpmp_staff"], proposal, "disburse_tranche_2")
    xops.record_visit(session, world["facilitator"], proposal.id, percent=below, notes="Baru kolom",
                      photos=photos(1, 10), root=tmp_path)  # fmt: skip
    with pytest.raises(ActionRefused) as refused:
        act(session, world["bpmp_staff"], proposal, "disburse_tranche_2")
    assert f"{below} % di bawah batas {limit} %" in str(refused.value)
    clock.set_clock(lambda: NOW.replace(day=20))
    xops.record_visit(session, world["facilitator"], proposal.id, percent=at, notes="Sesuai",
                      photos=photos(1, 20), root=tmp_path)  # fmt: skip
    assert act(session, world["bpmp_staff"], proposal, "disburse_tranche_2").to_state == "pelaksanaan_2"
    second = session.scalar(select(Tranche).where(Tranche.proposal_id == proposal.id, Tranche.number == 2))
    assert (second.percent, second.amount, second.verified_progress, second.min_progress) == (
        30,
        255_000_000,
        at,
        limit,
    )
    assert not report.is_verified


def test_facilitator_verifies_a_school_report(session, world, tmp_path):
    proposal = in_construction(session, world, tmp_path)
    report = xops.report_progress(session, world["principal"], proposal.id, percent=50, notes="",
                                  photos=photos(1), root=tmp_path)  # fmt: skip
    with pytest.raises(ActionRefused, match="Hanya fasilitator yang ditugaskan"):
        xops.verify_report(session, world["bpmp_staff"], report.id)
    xops.verify_report(session, world["facilitator"], report.id)
    assert report.is_verified and report.verified_by_id == world["facilitator"].id
    assert xops.tranche2_refusal(session, proposal.id, 50) is None
    assert "50 % di bawah batas 70 %" in xops.tranche2_refusal(session, proposal.id, 70)


def test_progress_report_input_is_checked(session, world, tmp_path):
    proposal = in_construction(session, world, tmp_path)
    with pytest.raises(xops.ExecutionInputError) as refused:
        xops.report_progress(
            session, world["principal"], proposal.id, percent=60, notes="", photos=[], root=tmp_path
        )
    assert [f for f, _m in refused.value.errors] == ["persen", "foto"]
    far = [
        xops.PhotoUpload(
            "jauh.jpg", __import__("tests.spmp.revitalisasi.support", fromlist=["jpeg"]).jpeg(-8.5, 124.0)
        )
    ]
    report = xops.report_progress(
        session, world["principal"], proposal.id, percent=25, notes="", photos=far, root=tmp_path
    )
    assert report.photos[0].is_far and report.photos[0].distance_m > 1000


def test_a_facilitator_sees_only_assigned_schools(session, world, tmp_path):
    proposal = in_construction(session, world, tmp_path)
    other = make_user(session, "facilitator", unit_id=world["facilitator"].unit_id)
    with pytest.raises(CaseNotFound):
        xops.record_visit(session, other, proposal.id, percent=50, notes="", photos=photos(1), root=tmp_path)
    from spmp.revitalisasi import execution_queries as xq

    assert [r.proposal_id for r in xq.caseload(session, world["facilitator"])] == [proposal.id]
    assert xq.caseload(session, other) == []


def test_full_run_to_selesai(session, world, tmp_path):
    proposal = in_construction(session, world, tmp_path)
    xops.record_visit(
        session, world["facilitator"], proposal.id, percent=60, notes="", photos=photos(1), root=tmp_path
    )
    act(session, world["bpmp_staff"], proposal, "disburse_tranche_2")
    with pytest.raises(ActionRefused, match="harus 100 %"):
        act(session, world["principal"], proposal, "request_inspection")
    clock.set_clock(lambda: NOW.replace(day=25))
    xops.record_visit(
        session, world["facilitator"], proposal.id, percent=100, notes="", photos=photos(1, 5), root=tmp_path
    )
    act(session, world["principal"], proposal, "request_inspection")
    with pytest.raises(ActionRefused, match="Berita acara serah terima belum diunggah"):
        act(session, world["bpmp_staff"], proposal, "handover", catatan="Baik")
    xops.upload_document(
        session, world["bpmp_staff"], proposal.id, "ba_serah_terima", "ba.pdf", PDF, tmp_path
    )
    act(session, world["bpmp_staff"], proposal, "handover", catatan="Baik")
    with pytest.raises(ActionRefused, match="LPJ"):
        act(session, world["principal"], proposal, "submit_lpj")
    xops.upload_document(session, world["principal"], proposal.id, "lpj", "lpj.pdf", PDF, tmp_path)
    act(session, world["principal"], proposal, "submit_lpj")
    result = act(session, world["bpmp_staff"], proposal, "close")
    assert result.to_state == "selesai"
    assert session.get(CaseRecord, proposal.case_id).closed_at is not None


def test_works_are_due_by_15_december(session, world, tmp_path):
    proposal = in_construction(session, world, tmp_path)
    rows = session.scalars(select(CaseDeadline).where(CaseDeadline.case_id == proposal.case_id)).all()
    due = {r.kind: r for r in rows}["due"]
    # 15 December 2026, end of the day in WIB (23:59 WIB = 16:59 UTC).
    assert due.due_at.replace(tzinfo=UTC) == datetime(2026, 12, 15, 16, 59, tzinfo=UTC)
    assert {r.kind for r in rows} == {"due", "reminder", "escalation"}


@pytest.mark.parametrize("value", ["0", "101", "70%", "５０"])
def test_a_bad_threshold_is_refused_when_a_process_starts(monkeypatch, value):
    from spmp.config import ConfigError, load_settings

    monkeypatch.setenv("SPMP_REVIT_TRANCHE2_MIN_PROGRESS", value)
    with pytest.raises(ConfigError, match="SPMP_REVIT_TRANCHE2_MIN_PROGRESS harus bilangan bulat 1-100"):
        load_settings()


def test_a_photo_of_an_earlier_report_is_refused(session, world, tmp_path):
    """Progress is shown by new photos; a visit form sent twice does not make two reports."""
    proposal = in_construction(session, world, tmp_path)
    xops.record_visit(session, world["facilitator"], proposal.id, percent=30, notes="", photos=photos(1, 40),
                      root=tmp_path)  # fmt: skip
    with pytest.raises(xops.ExecutionInputError, match="sudah dipakai pada laporan progres sebelumnya"):
        xops.record_visit(session, world["facilitator"], proposal.id, percent=30, notes="", photos=photos(1, 40),
                          root=tmp_path)  # fmt: skip
    with pytest.raises(xops.ExecutionInputError, match="Foto 2 .* sama dengan foto lain"):
        xops.report_progress(session, world["principal"], proposal.id, percent=50, notes="",
                             photos=[*photos(1, 41), *photos(1, 41)], root=tmp_path)  # fmt: skip
    assert len(xops.reports(session, proposal.id)) == 1


def test_the_disbursement_notice_names_the_amount(session, world, tmp_path):
    proposal = in_construction(session, world, tmp_path)
    body = session.scalar(
        select(Notification.body).where(Notification.case_id == proposal.case_id,
                                        Notification.user_id == world["facilitator"].id)
        .order_by(Notification.id.desc()).limit(1)
    )  # fmt: skip
    assert "Pencairan: Tahap I (70 %): Rp 595.000.000" in body


def test_the_sweep_reminds_before_15_december_and_escalates_after(session, world, tmp_path):
    """The works' deadline rows through the real sweep: a reminder 3 days before 15 December to the school,
    the escalation to the head of the B/BPMP the day after."""
    from spmp.engine.sweep import sweep

    proposal = in_construction(session, world, tmp_path)
    seen = {"since": 0}

    def told(at):
        """Who was told by a sweep at ``at`` (only what this sweep added)."""
        seen["since"] = session.scalar(select(Notification.id).order_by(Notification.id.desc()).limit(1)) or 0
        sweep(session, at)
        rows = session.execute(select(Notification.user_id, Notification.title).where(
            Notification.id > seen["since"], Notification.case_id == proposal.case_id)).all()  # fmt: skip
        return {(user_id, title.split(":")[0]) for user_id, title in rows}

    assert told(datetime(2026, 12, 1, 17, 0, tzinfo=UTC))  # the 30- and 14-day reminders
    assert told(datetime(2026, 12, 12, 16, 0, tzinfo=UTC)) == set()  # 3 days before: at 16:59 UTC
    reminded = told(datetime(2026, 12, 12, 17, 0, tzinfo=UTC))
    assert reminded and world["bpmp_head"].id not in {user for user, _title in reminded}
    assert told(datetime(2026, 12, 15, 17, 0, tzinfo=UTC))  # due
    escalated = told(datetime(2026, 12, 16, 17, 0, tzinfo=UTC))
    assert world["bpmp_head"].id in {user for user, _title in escalated}


def _visits(session, proposal_id):
    session.expire_all()
    return [(r.percent, r.draft_key) for r in xops.reports(session, proposal_id) if r.source == "fasilitator"]


def test_a_visit_draft_sent_twice_is_recorded_once(session, world, tmp_path):
    """The offline form sends a draft with its key; the same key again (the answer was lost, two tabs) is
    "sudah diterima" and writes nothing, even after the case moved on; a new draft with the same photo is
    refused (the photo is in the report already); a new draft after the works is refused."""
    proposal = in_construction(session, world, tmp_path)
    fac, key = world["facilitator"], "4f1c2d3e-aaaa-bbbb-cccc-000000000001"

    def visit(percent=40, shade=50, draft_key=key, user=fac):
        return xops.record_visit(session, user, proposal.id, percent=percent, notes="Kolom berdiri",
                                 photos=photos(1, shade), root=tmp_path, draft_key=draft_key)  # fmt: skip

    first = visit()
    assert first.draft_key == key and first.is_verified
    with pytest.raises(
        xops.DuplicateVisitError, match=r"sudah diterima sebelumnya \(tanggal 2026-07-01, progres 40 %\)"
    ):
        visit(percent=45)  # a copy edited afterwards is still the same draft: not written
    with pytest.raises(xops.ExecutionInputError, match="sudah dipakai pada laporan progres sebelumnya"):
        visit(draft_key="4f1c2d3e-aaaa-bbbb-cccc-000000000003")
    session.execute(update(CaseRecord).where(CaseRecord.id == proposal.case_id).values(state="selesai"))
    with pytest.raises(xops.DuplicateVisitError):  # received when it came: still "sudah diterima"
        visit()
    with pytest.raises(ActionRefused, match="Verifikasi progres hanya selama pelaksanaan"):
        visit(draft_key="4f1c2d3e-aaaa-bbbb-cccc-000000000002", shade=51)
    assert _visits(session, proposal.id) == [(40, key)]
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.case_id == proposal.case_id, AuditEvent.action == "revitalisasi.visit"
        )
    ).all()
    assert [json.loads(e.changes)["draft_key"] for e in events] == [key]


def test_a_visit_key_is_checked_and_belongs_to_its_report(session, world, tmp_path):
    proposal = in_construction(session, world, tmp_path)
    fac = world["facilitator"]
    for bad in ("kunci pendek", "x" * 65, "<script>"):
        with pytest.raises(
            xops.ExecutionInputError, match="Kunci draf laporan kunjungan tidak sah"
        ) as refused:
            xops.record_visit(session, fac, proposal.id, percent=40, notes="", photos=photos(1, 60), root=tmp_path,
                              draft_key=bad)  # fmt: skip
        assert refused.value.errors[0][0] == "draft_key"
    school_report = xops.report_progress(session, world["principal"], proposal.id, percent=25, notes="",
                                         photos=photos(1, 61), root=tmp_path)  # fmt: skip
    school_report.draft_key = "kunci-laporan-sekolah-1"  # a key held by another report (not this user's)
    session.flush()
    with pytest.raises(xops.ExecutionInputError, match="milik laporan kunjungan lain"):
        xops.record_visit(session, fac, proposal.id, percent=40, notes="", photos=photos(1, 62), root=tmp_path,
                          draft_key="kunci-laporan-sekolah-1")  # fmt: skip
    assert _visits(session, proposal.id) == []


def test_two_copies_of_one_draft_at_once_make_one_visit(session, world, tmp_path, monkeypatch):
    """The copy that checked for the key before the other was written still fails on the unique key and is
    answered "sudah diterima" (its savepoint rolled back; the request's transaction goes on)."""
    proposal = in_construction(session, world, tmp_path)
    fac, key = world["facilitator"], "kunci-dua-tab-0001"
    xops.record_visit(session, fac, proposal.id, percent=40, notes="", photos=photos(1, 70), root=tmp_path,
                      draft_key=key)  # fmt: skip
    monkeypatch.setattr(xops, "_refuse_repeat_visit", lambda *args: None)  # it checked before the first wrote
    with pytest.raises(xops.DuplicateVisitError):
        xops.record_visit(session, fac, proposal.id, percent=40, notes="", photos=photos(1, 71), root=tmp_path,
                          draft_key=key)  # fmt: skip
    assert _visits(session, proposal.id) == [(40, key)]
    assert session.scalar(select(func.count()).select_from(ProgressPhoto)) == 1


def test_a_visit_photo_without_gps_is_refused(session, world, tmp_path):
    """The facilitator's own visit is verified at once: its photos must show where they were taken."""
    proposal = in_construction(session, world, tmp_path)
    no_gps = [xops.PhotoUpload("tanpa-lokasi.jpg", jpeg(None, None, shade=80))]
    with pytest.raises(xops.ExecutionInputError, match=r"Foto 1 \(tanpa-lokasi.jpg\) tanpa titik lokasi GPS"):
        xops.record_visit(session, world["facilitator"], proposal.id, percent=40, notes="", photos=no_gps,
                          root=tmp_path)  # fmt: skip
    assert _visits(session, proposal.id) == []
