"""Bulk assignment with a preview: by regency, by a filtered list, and moving a leaving Widyaprada's work;
one audit event per case through the engine, a notice to each affected person, nothing written when the
list changed since the preview, a row is refused or (moving) the reason is missing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from spmp.accounts import conflicts
from spmp.accounts.models import SchoolAssignment
from spmp.audit import AuditEvent
from spmp.engine.cases import CaseRecord
from spmp.notifications.models import Notification
from spmp.widyaprada import bulk
from spmp.widyaprada import operations as tasks
from tests.factories import make_school
from tests.spmp.engine.support import make_user, make_world, unit_of


@pytest.fixture
def w(session):
    world = make_world(session)
    world.kupang = [make_school(session, regency_code="53.71", name=f"SD Kupang {n}") for n in range(3)]
    world.kabupaten = make_school(session, regency_code="53.01", name="SD Kabupaten Kupang")
    world.third = make_user(session, "widyaprada", unit_id=unit_of(session, "53"))

    def task(school, assignee=None, kind="supervisi"):
        data = tasks.TaskInput(kind, "school", "Supervisi", date(2026, 3, 2), date(2026, 3, 31), date(2026, 3, 20),
                               (school.id,), assignee_user_id=assignee.id if assignee else None)  # fmt: skip
        return tasks.create_task(session, world["bpmp_head"], data)

    world.open = [task(s) for s in world.kupang]  # unassigned, Kota Kupang
    world.elsewhere = task(world.kabupaten)  # unassigned, Kabupaten Kupang
    world.held = task(world.school, world["widyaprada"], kind="pendampingan")  # Widyaprada 1's
    return world


def _assign_events(session, case_ids):
    query = select(AuditEvent).where(AuditEvent.action == "assign", AuditEvent.case_id.in_(case_ids))
    return session.scalars(query.order_by(AuditEvent.id)).all()


def test_tasks_by_regency_preview_then_apply(session, w):
    request = bulk.BulkRequest("tugas", w["widyaprada2"].id, regency_code="53.71")
    preview = bulk.preview(session, w["bpmp_head"], request)
    assert [r.item_id for r in preview.rows] == [
        t.case_id for t in w.open
    ]  # not the other regency's, not held
    assert {(r.before, r.after, r.refusal) for r in preview.rows} == {("—", w["widyaprada2"].full_name, None)}
    assert _assign_events(session, [t.case_id for t in w.open]) == []
    bulk.apply(session, w["bpmp_head"], request, preview.keys, "Pembagian semester 2")
    cases = [session.get(CaseRecord, t.case_id) for t in w.open]
    assert {c.assignee_user_id for c in cases} == {w["widyaprada2"].id}
    events = _assign_events(session, [c.id for c in cases])
    assert len(events) == 3 and {e.reason for e in events} == {"Pembagian semester 2"}  # one per case
    titles = session.scalars(
        select(Notification.title).where(Notification.user_id == w["widyaprada2"].id)
    ).all()
    assert titles.count("Penugasan massal: 3 tugas untuk Anda") == 1
    assert (
        sum(t.startswith("Tugas Widyaprada untuk Anda") for t in titles) == 3
    )  # the workflow's notice per case


def test_nothing_written_when_the_list_changed_or_a_row_is_refused(session, w):
    request = bulk.BulkRequest("tugas", w["widyaprada2"].id, regency_code="53.71")
    keys = bulk.preview(session, w["bpmp_head"], request).keys
    with pytest.raises(bulk.BulkRefused, match="berubah sejak pratinjau"):
        bulk.apply(session, w["bpmp_head"], request, keys.rsplit(",", 1)[0], None)
    conflicts.record_conflict(session, w["admin"], username=w["widyaprada2"].username, npsn=w.kupang[1].npsn,
                              kind="former_school", reason="Bekas sekolah")  # fmt: skip
    preview = bulk.preview(session, w["bpmp_head"], request)
    assert [r.refusal is not None for r in preview.rows] == [False, True, False]
    with pytest.raises(
        bulk.BulkRefused, match="1 butir tidak dapat ditugaskan .*SD Kupang 1.*tidak ada yang diubah"
    ):
        bulk.apply(session, w["bpmp_head"], request, preview.keys, None)
    assert _assign_events(session, [t.case_id for t in w.open]) == []
    assert (
        session.scalar(
            select(func.count())
            .select_from(CaseRecord)
            .where(CaseRecord.assignee_user_id == w["widyaprada2"].id)
        )
        == 0
    )


def test_schools_of_a_regency_go_to_one_caseload(session, w):
    request = bulk.BulkRequest("sekolah", w.third.id, regency_code="53.71")
    preview = bulk.preview(session, w["bpmp_head"], request)
    # The world's school is held already; the three new Kota Kupang schools are not.
    assert sorted(r.item_id for r in preview.rows) == sorted(s.id for s in w.kupang)
    bulk.apply(session, w["bpmp_head"], request, preview.keys, None)
    held = session.scalars(
        select(SchoolAssignment.school_id).where(SchoolAssignment.user_id == w.third.id)
    ).all()
    assert sorted(held) == sorted(s.id for s in w.kupang)
    with pytest.raises(bulk.BulkRefused, match="Pilih kabupaten/kota"):
        bulk.preview(session, w["bpmp_head"], bulk.BulkRequest("sekolah", w.third.id))


def test_moving_a_leaving_widyaprada_needs_a_reason_and_tells_both(session, w):
    leaving, successor = w["widyaprada"], w.third
    leaving.is_active = False  # retired: may still be the source of a move
    request = bulk.BulkRequest("pindah", successor.id, from_user_id=leaving.id)
    preview = bulk.preview(session, w["bpmp_head"], request)
    assert [(r.item, r.item_id) for r in preview.rows] == [
        ("tugas", w.held.case_id),
        ("sekolah", w.school.id),
    ]
    with pytest.raises(bulk.BulkRefused, match="Alasan pemindahan wajib"):
        bulk.apply(session, w["bpmp_head"], request, preview.keys, "  ")
    bulk.apply(session, w["bpmp_head"], request, preview.keys, "Pensiun per 1 Maret")
    assert session.get(CaseRecord, w.held.case_id).assignee_user_id == successor.id
    (event,) = [e for e in _assign_events(session, [w.held.case_id]) if e.reason == "Pensiun per 1 Maret"]
    assert json.loads(event.changes)["assignee"][1]["user_id"] == successor.id
    holders = set(
        session.scalars(select(SchoolAssignment.user_id).where(SchoolAssignment.school_id == w.school.id))
    )
    assert leaving.id not in holders and successor.id in holders
    old = session.scalar(
        select(Notification).where(
            Notification.user_id == leaving.id, Notification.title.like("%dipindahkan%")
        )
    )
    assert old.title == "2 tugas/sekolah dipindahkan dari Anda" and "Pensiun per 1 Maret" in old.body
    new = session.scalar(
        select(Notification).where(
            Notification.user_id == successor.id, Notification.title.like("Penugasan massal%")
        )
    )
    assert new.title == "Penugasan massal: 1 tugas, 1 sekolah binaan untuk Anda"


def test_who_may_and_whom(session, w):
    request = bulk.BulkRequest("tugas", w["widyaprada2"].id)
    with pytest.raises(bulk.BulkRefused, match="Hanya kepala atau staf"):
        bulk.preview(session, w["widyaprada"], request)
    other_unit = make_user(session, "widyaprada", unit_id=unit_of(session, "32"))
    with pytest.raises(bulk.BulkRefused, match="Widyaprada unit Anda"):
        bulk.preview(session, w["bpmp_head"], bulk.BulkRequest("tugas", other_unit.id))
    with pytest.raises(bulk.BulkRefused, match="asal dan tujuan harus berbeda"):
        bulk.preview(session, w["bpmp_head"], bulk.BulkRequest("pindah", w.third.id, from_user_id=w.third.id))
