"""Sosialisasi per regency: the B/BPMP records events only in its provinces, attendance by NPSN (a school
of that regency, once) or by office name with a head count, materials checked by content; each write is
audited; a Dinas sees its region's events, another unit none."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from spmp.audit import AuditEvent
from spmp.digitalisasi import sosialisasi as ops
from tests.spmp.digitalisasi.support import delivery_world, png, user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def w(session):
    w = delivery_world(session)
    w["dinas"] = user(session, "dinas_kupang_s", "dinas_regency", regency_code="53.71")
    w["dinas_kab"] = user(session, "dinas_kabkupang_s", "dinas_regency", regency_code="53.01")
    w["dinas_prov"] = user(session, "dinas_ntt_s", "dinas_province", province_code="53")
    return w


def _event(session, who, regency="53.71", **changes):
    data = {"year": 2026, "kind": "sosialisasi", "regency_code": regency, "held_on": date(2026, 7, 14),
            "place": "Aula Dinas Pendidikan Kota Kupang", "notes": "Paparan program dan jadwal"}  # fmt: skip
    return ops.create_event(session, who, ops.EventInput(**{**data, **changes}))


def test_record_an_event_with_attendance_and_materials(session, w, settings_root):
    event = _event(session, w["staff"])
    ops.add_attendee(session, w["staff"], event, "dinas", "", "Kepala Bidang SD Dinas Pendidikan", 3)
    ops.add_attendee(session, w["staff"], event, "sekolah", w["a"].npsn, "", 2)
    ops.add_material(session, w["staff"], event, "paparan.pdf", PDF, settings_root)
    assert event.people == 5 and [a.name for a in event.attendees] == [
        "Kepala Bidang SD Dinas Pendidikan",
        "SD Negeri Alak",
    ]
    assert len(event.materials) == 1 and event.materials[0].media_type == "application/pdf"
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("digitalisasi.sosialisasi%"))
    ).all()
    assert sorted(actions) == ["digitalisasi.sosialisasi", "digitalisasi.sosialisasi_attendee",
                               "digitalisasi.sosialisasi_attendee", "digitalisasi.sosialisasi_material"]  # fmt: skip
    rows = list(ops.export_rows(session, ops.events_query(w["staff"], 2026)))
    assert rows[0][7:13] == (3, 1, 2, 0, 5, 1)


@pytest.mark.parametrize(
    ("kind", "npsn", "name", "people", "field"),
    [
        ("sekolah", "99999999", "", 2, "npsn"),
        ("dinas", "", "", 2, "name"),
        ("dinas", "", "Dinas", 0, "people"),
        ("tamu", "", "Dinas", 2, "kind"),
    ],
)
def test_bad_attendance_names_the_field(session, w, kind, npsn, name, people, field):
    event = _event(session, w["staff"])
    with pytest.raises(ops.SosialisasiRefused) as refused:
        ops.add_attendee(session, w["staff"], event, kind, npsn, name, people)
    assert refused.value.field == field


def test_a_school_once_and_of_the_events_regency(session, w):
    event = _event(session, w["staff"])
    ops.add_attendee(session, w["staff"], event, "sekolah", w["a"].npsn, "", 1)
    with pytest.raises(ops.SosialisasiRefused, match="sudah tercatat"):
        ops.add_attendee(session, w["staff"], event, "sekolah", w["a"].npsn, "", 1)
    other = _event(session, w["staff"], regency="53.01")
    with pytest.raises(ops.SosialisasiRefused, match="bukan sekolah di kabupaten/kota"):
        ops.add_attendee(session, w["staff"], other, "sekolah", w["a"].npsn, "", 1)


def test_only_the_unit_of_the_province_records_and_each_sees_its_area(session, w, settings_root):
    with pytest.raises(ops.SosialisasiRefused, match="wilayah unit"):
        _event(session, w["staff_jatim"])
    with pytest.raises(ops.SosialisasiRefused, match="Hanya staf"):
        _event(session, w["dinas"])
    kota, kab = _event(session, w["staff"]), _event(session, w["staff"], regency="53.01")

    def seen(who):
        return {e.id for e in session.scalars(ops.events_query(who))}

    assert seen(w["staff"]) == seen(w["dinas_prov"]) == {kota.id, kab.id}
    assert (
        seen(w["dinas"]) == {kota.id} and seen(w["dinas_kab"]) == {kab.id} and seen(w["staff_jatim"]) == set()
    )
    assert ops.get_event(session, w["staff_jatim"], kota.id) is None
    with pytest.raises(ops.SosialisasiRefused):
        ops.add_material(session, w["dinas"], kota, "paparan.pdf", PDF, settings_root)


def test_bad_event_and_material(session, w, settings_root):
    with pytest.raises(ops.SosialisasiRefused) as refused:
        _event(session, w["staff"], place="  ")
    assert refused.value.field == "place"
    with pytest.raises(ops.SosialisasiRefused) as refused:
        _event(session, w["staff"], kind="rapat")
    assert refused.value.field == "kind"
    event = _event(session, w["staff"])
    with pytest.raises(ops.SosialisasiRefused, match="paparan.pdf"):
        ops.add_material(
            session, w["staff"], event, "paparan.pdf", png(), settings_root
        )  # content is not a PDF
    ops.add_material(session, w["staff"], event, "foto.png", png(), settings_root)
    with pytest.raises(ops.SosialisasiRefused, match="sudah diunggah"):
        ops.add_material(session, w["staff"], event, "foto2.png", png(), settings_root)
    assert (
        session.scalar(select(func.count()).where(AuditEvent.action == "digitalisasi.sosialisasi_material"))
        == 1
    )
