"""Field obstacles (kendala): reported with photos on a school and, often, about a programme case; triaged,
resolved, confirmed or reopened, with a notice at every hand-off; escalated to Pusat when left unhandled;
refused input leaves nothing behind; each role sees only its own area's obstacles."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from spmp import clock
from spmp.accounts.models import SchoolAssignment
from spmp.engine import ActionRefused, fire
from spmp.engine.cases import CaseEvidence, CaseRecord
from spmp.engine.operations import assign_case
from spmp.engine.sweep import sweep
from spmp.kendala import operations as ops
from spmp.kendala import queries
from spmp.kendala.models import Obstacle
from spmp.notifications.models import Notification
from tests.spmp.engine.support import make_world, open_visit

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _photo(color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


def _report(session, user, school, tmp_path, **values):
    data = dict(
        school_id=school.id, category="listrik", description="Daya listrik 900 W, panel tidak menyala"
    )
    data.update(values)
    return ops.report_obstacle(session, user, ops.ObstacleInput(**data), tmp_path)


def _notified(session, case_id, since):
    rows = session.scalars(
        select(Notification).where(Notification.id > since, Notification.case_id == case_id)
    )
    return {n.user_id for n in rows}


def _mark(session):
    return session.scalar(select(func.max(Notification.id))) or 0


def _fire(session, user, case_id, trigger, **inputs):
    version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == case_id))
    return fire(session, case_id, trigger, user, version, inputs=inputs or None)


def test_report_with_photos_about_a_case_then_the_whole_flow_with_notices(session, tmp_path):
    w = make_world(session)
    visit = open_visit(session, w)
    mark = _mark(session)
    obstacle = _report(session, w["operator"], w.school, tmp_path, about_case_id=visit.id,
                       photos=[("panel.jpg", _photo("red")), ("meteran.jpg", _photo("blue"))])  # fmt: skip
    case = obstacle.case
    assert (case.type_key, case.state, case.school_id) == ("kendala", "dilaporkan", w.school.id)
    assert case.title == f"Kendala listrik — {w.school.name}"
    assert obstacle.about_case_id == visit.id and obstacle.programme == "umum"
    photos = session.scalars(select(CaseEvidence.filename).where(CaseEvidence.case_id == case.id)).all()
    assert sorted(photos) == ["meteran.jpg", "panel.jpg"]
    assert _notified(session, case.id, mark) == {w["bpmp_head"].id, w["bpmp_staff"].id}
    assert [o.id for o in ops.obstacles_about(session, w["bpmp_staff"], visit.id)] == [obstacle.id]

    # Triage needs someone to handle it; then the handler and the reporter are told.
    with pytest.raises(ActionRefused):
        _fire(session, w["bpmp_head"], case.id, "triage", priority="tinggi")
    assign_case(session, w["bpmp_head"], case.id, case.version, assignee_user_id=w["bpmp_staff"].id)
    mark = _mark(session)
    _fire(session, w["bpmp_head"], case.id, "triage", priority="tinggi")
    assert _notified(session, case.id, mark) == {w["bpmp_staff"].id, w["operator"].id}

    mark = _mark(session)
    _fire(session, w["bpmp_staff"], case.id, "resolve", resolution="Genset 3 kVA dipinjamkan Dinas")
    assert {w["operator"].id, w["principal"].id} <= _notified(session, case.id, mark)
    # The school says it is not solved yet: back to the handler (and the head), with the reason.
    mark = _mark(session)
    _fire(session, w["operator"], case.id, "reopen", still_open="Genset belum datang")
    assert {w["bpmp_staff"].id, w["bpmp_head"].id} <= _notified(session, case.id, mark)
    _fire(session, w["bpmp_staff"], case.id, "resolve", resolution="Genset sudah dipasang")
    _fire(session, w["principal"], case.id, "confirm")
    session.refresh(case)
    assert case.state == "ditutup" and case.closed_at is not None


def test_rejected_report_tells_the_reporter_why(session, tmp_path):
    w = make_world(session)
    obstacle = _report(
        session, w["dinas_regency"], w.school, tmp_path, category="data", programme="digitalisasi"
    )
    mark = _mark(session)
    with pytest.raises(ActionRefused):
        _fire(session, w["operator"], obstacle.case_id, "reject", rejection="x")  # not the school's step
    _fire(session, w["bpmp_head"], obstacle.case_id, "reject", rejection="Sudah dilaporkan pada kasus lain")
    note = session.scalar(select(Notification).where(Notification.id > mark))
    assert note.user_id == w["dinas_regency"].id and "Sudah dilaporkan pada kasus lain" in note.body


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"category": "hujan"}, "category", "kategori"),
        ({"description": "rusak"}, "description", "paling sedikit 10"),
        ({"programme": "lain"}, "programme", "program"),
        ({"photos": [("surat.pdf", PDF)]}, "photos", "JPEG atau PNG"),
        ({"photos": [("foto.jpg", PDF)]}, "photos", "tidak sesuai"),
        ({"photos": [("a.jpg", _photo()), ("b.jpg", _photo())]}, "photos", "sama"),
        ({"photos": [(f"{i}.jpg", _photo()) for i in range(6)]}, "photos", "Paling banyak 5"),
    ],
)
def test_bad_input_names_the_field_and_leaves_nothing(session, tmp_path, values, field, message):
    w = make_world(session)
    before = session.scalar(select(func.count()).select_from(CaseRecord))
    with pytest.raises(ops.ObstacleInputError, match=message) as refused, session.begin_nested():
        _report(session, w["operator"], w.school, tmp_path, **values)
    assert refused.value.field == field
    assert session.scalar(select(func.count()).select_from(CaseRecord)) == before
    assert session.scalar(select(func.count()).select_from(Obstacle)) == 0


def test_a_school_outside_the_area_or_a_foreign_case_is_refused(session, tmp_path):
    w = make_world(session)
    with pytest.raises(ops.ObstacleInputError, match="tidak ditemukan di wilayah Anda") as refused:
        _report(session, w["operator"], w.other_school, tmp_path)
    assert refused.value.field == "npsn"
    foreign = open_visit(session, w)
    with pytest.raises(ops.ObstacleInputError, match="bukan kasus sekolah ini"):
        _report(session, w["admin"], w.other_school, tmp_path, about_case_id=foreign.id)
    with pytest.raises(ops.ObstacleInputError, match="tidak ditemukan"):
        _report(session, w["other_principal"], w.other_school, tmp_path, about_case_id=foreign.id)


def test_unhandled_obstacle_escalates_to_pusat(session, tmp_path):
    w = make_world(session)
    obstacle = _report(session, w["operator"], w.school, tmp_path)
    case = obstacle.case
    assign_case(session, w["bpmp_head"], case.id, case.version, assignee_user_id=w["bpmp_staff"].id)
    _fire(session, w["bpmp_head"], case.id, "triage", priority="sedang")
    mark = _mark(session)
    sweep(session, NOW + timedelta(days=14, hours=1))  # due, not yet escalated
    assert w["pusat"].id not in _notified(session, case.id, mark)
    sweep(session, NOW + timedelta(days=15, hours=1))
    assert w["pusat"].id in _notified(session, case.id, mark)


def test_each_role_lists_only_its_area_and_a_facilitator_follows_its_own_report(session, tmp_path):
    w = make_world(session)
    session.add(SchoolAssignment(user_id=w["facilitator"].id, school_id=w.school.id, assigned_at=NOW))
    session.flush()
    inside = _report(session, w["facilitator"], w.school, tmp_path, category="konstruksi",
                     programme="revitalisasi")  # fmt: skip
    outside = _report(session, w["other_principal"], w.other_school, tmp_path, category="internet")

    def listed(user, **filters):
        return {
            row.obstacle.id
            for row in queries.list_obstacles(session, user, queries.ObstacleFilters(**filters))
        }

    assert listed(w["facilitator"]) == {inside.id}  # reported by them, though assigned to nobody
    assert listed(w["operator"]) == listed(w["bpmp_staff"]) == listed(w["dinas_regency"]) == {inside.id}
    assert listed(w["other_staff"]) == listed(w["other_principal"]) == {outside.id}
    assert listed(w["pusat"]) == {inside.id, outside.id}
    assert listed(w["pusat"], category="internet") == {outside.id}
    assert listed(w["pusat"], programme="revitalisasi") == {inside.id}
    _fire(session, w["bpmp_head"], inside.case_id, "reject", rejection="Bukan kendala program")
    assert listed(w["pusat"]) == {outside.id}
    assert listed(w["pusat"], open_only=False) == {inside.id, outside.id}
    rows = list(
        queries.export_rows(
            session, queries.export_statement(w["bpmp_staff"], queries.ObstacleFilters(open_only=False))
        )
    )
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        (inside.case_id, "Revitalisasi Sekolah", "Pekerjaan konstruksi terhambat", "Ditolak")
    ]
