"""Proposals: damage per room and the proposal's band, rooms requested only at sedang or worse, 3T from the
regency, photos' EXIF positions against the school's, each eligibility check with its reason, edits only
while draft or returned, everything audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from spmp import clock
from spmp.audit import AuditEvent
from spmp.engine import ActionRefused, CaseNotFound
from spmp.revitalisasi import operations as ops
from spmp.revitalisasi.eligibility import completeness, eligibility
from spmp.revitalisasi.photos import read_position
from tests.factories import make_school
from tests.spmp.engine.support import make_user
from tests.spmp.revitalisasi.support import (
    LIGHT,
    MEDIUM,
    complete,
    jpeg,
    proposal_input,
    room,
)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


def _checks(session, proposal):
    return {c.key: c for c in eligibility(session, proposal)}


def test_rooms_bands_and_the_proposal_summary(session, world):
    proposal = ops.create_proposal(session, world["dinas_regency"], proposal_input(world.school))
    rooms = {r.name: r for r in proposal.rooms}
    assert (rooms["Ruang kelas 1"].damage_percent, rooms["Ruang kelas 1"].band) == (46.0, "berat")
    assert (rooms["Ruang kelas 2"].damage_percent, rooms["Ruang kelas 2"].band) == (38.0, "sedang")
    assert (rooms["Perpustakaan"].damage_percent, rooms["Perpustakaan"].band) == (18.0, "ringan")
    # Over the two requested rooms: (46 + 38) / 2 = 42 % -> sedang.
    assert (proposal.rooms_requested, proposal.damage_percent, proposal.band) == (2, 42.0, "sedang")
    breakdown = rooms["Ruang kelas 1"].breakdown()
    assert ("Kolom/balok", 25, 100.0, 25.0) in breakdown and sum(row[3] for row in breakdown) == 46.0
    assert proposal.case.state == "draf" and proposal.case.school_id == world.school.id


def test_a_lightly_damaged_room_cannot_be_requested(session, world):
    data = proposal_input(world.school, rooms=(room("Kelas 3", LIGHT, requested=True),))
    with pytest.raises(ops.ProposalInputError) as refused:
        ops.create_proposal(session, world["dinas_regency"], data)
    assert "Kelas 3" in str(refused.value) and "rusak ringan (18,00 %)" in str(refused.value)
    assert refused.value.errors[0][0] == "ruang_1_diusulkan"


def test_bad_values_are_each_named(session, world):
    data = proposal_input(world.school, requested_budget=0, dapodik_since_year=2030,
                          rooms=(room("", {"pondasi": 120}),))  # fmt: skip
    with pytest.raises(ops.ProposalInputError) as refused:
        ops.create_proposal(session, world["dinas_regency"], data)
    fields = [name for name, _message in refused.value.errors]
    assert fields == ["anggaran", "dapodik_sejak", "ruang_1_nama", "ruang_1_pondasi"]


def test_one_proposal_per_school_and_year(session, world):
    ops.create_proposal(session, world["dinas_regency"], proposal_input(world.school))
    with pytest.raises(ops.ProposalInputError, match="sudah memiliki usulan revitalisasi tahun 2026"):
        ops.create_proposal(session, world["dinas_regency"], proposal_input(world.school))


def test_only_pemda_and_bpmp_of_the_area_propose(session, world):
    for name in ("operator", "principal", "widyaprada", "pusat"):
        with pytest.raises(ActionRefused, match="tidak dapat membuat usulan"):
            ops.create_proposal(session, world[name], proposal_input(world.school))
    for name in ("other_dinas", "other_staff"):
        with pytest.raises(ActionRefused, match="di luar wilayah Anda"):
            ops.create_proposal(session, world[name], proposal_input(world.school))


def test_3t_flag_comes_from_the_regency_on_the_current_list(session, world):
    assert ops.is_3t_regency(session, "53.05") and ops.is_3t_regency(
        session, "53.01"
    )  # Kab. Alor, Kab. Kupang
    assert not ops.is_3t_regency(session, "53.71")  # Kota Kupang
    alor = make_school(session, regency_code="53.05")
    assert ops.create_proposal(session, world["dinas_province"], proposal_input(alor)).is_3t
    assert not ops.create_proposal(session, world["dinas_regency"], proposal_input(world.school)).is_3t


def test_photo_position_is_read_from_exif_and_a_far_photo_flagged(session, world, tmp_path):
    proposal = ops.create_proposal(session, world["dinas_regency"], proposal_input(world.school))
    near = ops.add_photo(
        session, world["dinas_regency"], proposal.id, "dekat.jpg", jpeg(-10.1780, 123.6075), tmp_path
    )
    far = ops.add_photo(
        session, world["dinas_regency"], proposal.id, "jauh.jpg", jpeg(-10.2500, 123.6070), tmp_path
    )
    none = ops.add_photo(
        session, world["dinas_regency"], proposal.id, "tanpa.jpg", jpeg(None, None), tmp_path
    )
    assert near.latitude == pytest.approx(-10.1780, abs=1e-6) and near.distance_m < 200 and not near.is_far
    assert far.distance_m == pytest.approx(8_106, rel=0.01) and far.is_far
    assert "8,1 km dari sekolah" in ops.photo_note(far, world.school)
    assert none.latitude is None and ops.photo_note(none, world.school).startswith("Foto tanpa titik lokasi")
    assert near.taken_at == "2026:08:17 09:30:00"
    with pytest.raises(ActionRefused, match="sudah diunggah"):
        ops.add_photo(
            session, world["dinas_regency"], proposal.id, "lagi.jpg", jpeg(-10.1780, 123.6075), tmp_path
        )
    with pytest.raises(ActionRefused, match="tidak sesuai|JPEG atau PNG"):
        ops.add_photo(
            session, world["dinas_regency"], proposal.id, "x.jpg", b"%PDF-1.4 not a photo", tmp_path
        )
    events = session.scalars(select(AuditEvent).where(AuditEvent.case_id == proposal.case_id)).all()
    assert [e.action for e in events].count("revitalisasi.photo") == 3


def test_read_position_survives_broken_files():
    assert read_position(b"\xff\xd8\xff garbage").latitude is None
    assert read_position(b"").latitude is None


def test_completeness_names_what_is_missing(session, world, tmp_path):
    proposal = ops.create_proposal(session, world["dinas_regency"], proposal_input(world.school))
    missing = {c.key: c.reason for c in completeness(proposal) if not c.passed}
    assert set(missing) == {"foto", "formulir"}
    assert missing["foto"] == "Foto bertitik lokasi 0 dari 6 (terunggah 0)"
    complete(session, world["dinas_regency"], proposal, tmp_path)
    assert all(c.passed for c in completeness(proposal))


def test_each_eligibility_rule_fails_with_its_reason(session, world):
    user = world["dinas_regency"]
    proposal = ops.create_proposal(session, user, proposal_input(world.school))
    checks = _checks(session, proposal)
    assert all(c.passed for c in checks.values()) and proposal.is_eligible
    cases = {
        "dapodik": (dict(dapodik_since_year=2025), "Dapodik baru terisi 1 tahun (sejak 2025)"),
        "lahan": (dict(land_ready=False), "Lahan belum dinyatakan siap bangun"),
        "kerusakan": (dict(rooms=(room("Kelas 1", LIGHT, requested=False),)),
                      "Tidak ada ruang rusak sedang atau berat yang diusulkan"),
        "pendanaan": (dict(last_rehab_year=2021), "Sekolah direhabilitasi pada 2021 (≤ 5 tahun)"),
    }  # fmt: skip
    for key, (values, reason) in cases.items():
        proposal = ops.update_proposal(session, user, proposal.id, proposal_input(world.school, **values))
        checks = _checks(session, proposal)
        assert (checks[key].passed, checks[key].reason) == (False, reason), key
        assert [k for k, c in checks.items() if not c.passed] == [key]
        assert not proposal.is_eligible
    proposal = ops.update_proposal(
        session, user, proposal.id, proposal_input(world.school, last_rehab_year=2020)
    )
    assert _checks(session, proposal)["pendanaan"].passed  # 6 years ago: more than 5


def test_missing_dapodik_year_and_an_earlier_selection_fail(session, world):
    from spmp.engine.cases import CaseRecord

    user = world["dinas_regency"]
    earlier = ops.create_proposal(
        session, user, proposal_input(world.school, year=2025, last_rehab_year=None)
    )
    session.get(CaseRecord, earlier.case_id).state = "terpilih"
    proposal = ops.create_proposal(
        session, user, proposal_input(world.school, dapodik_since_year=None, last_rehab_year=None)
    )
    checks = _checks(session, proposal)
    assert checks["dapodik"].reason == "Tahun mulai terisi Dapodik belum diisi"
    assert checks["pendanaan"].reason == "Sekolah sudah terpilih Revitalisasi tahun 2025"


def test_last_rehabilitation_defaults_to_the_school_record(session, world):
    world.school.last_rehab_year = 2023
    proposal = ops.create_proposal(
        session, world["dinas_regency"], proposal_input(world.school, last_rehab_year=None)
    )
    assert proposal.last_rehab_year == 2023 and proposal.years_since_rehab() == 3


def test_edits_are_audited_and_refused_outside_draft_or_revision(session, world):
    user = world["dinas_regency"]
    proposal = ops.create_proposal(session, user, proposal_input(world.school))
    ops.update_proposal(
        session, user, proposal.id, proposal_input(world.school, requested_budget=900_000_000)
    )
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == proposal.case_id, AuditEvent.action == "revitalisasi.proposal")
        .order_by(AuditEvent.id.desc())
    ).first()  # fmt: skip
    assert event.changes_dict["diubah"] == {"anggaran": [850_000_000, 900_000_000]}
    proposal.case.state = "verval"
    with pytest.raises(ActionRefused, match="hanya dapat diubah saat draf"):
        ops.update_proposal(session, user, proposal.id, proposal_input(world.school))


def test_a_proposal_is_seen_only_within_its_region(session, world):
    proposal = ops.create_proposal(session, world["dinas_regency"], proposal_input(world.school))
    for name in ("operator", "principal", "bpmp_staff", "dinas_province", "pusat"):
        assert ops.load_proposal(session, world[name], proposal.id).id == proposal.id
    outsider = make_user(session, "school_operator", school_id=world.other_school.id)
    for user in (world["other_staff"], world["other_dinas"], world["other_principal"], outsider):
        with pytest.raises(CaseNotFound):
            ops.load_proposal(session, user, proposal.id)


def test_medium_room_counts(session, world):
    data = proposal_input(world.school, rooms=(room("Kelas 2", MEDIUM),))
    proposal = ops.create_proposal(session, world["dinas_regency"], data)
    assert (proposal.damage_percent, proposal.band) == (38.0, "sedang")
