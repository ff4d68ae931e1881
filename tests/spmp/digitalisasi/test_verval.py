"""Verval of the target schools: one case per target of a regency (opened once), the B/BPMP's queue oldest
first with the readiness beside each, decisions with reason codes through the engine (audited, notices to
the school or the Dinas), corrections sent back, readiness recomputed before each step; scoped by area."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from spmp import clock, verval
from spmp.audit import AuditEvent
from spmp.digitalisasi import verval as ops
from spmp.digitalisasi.field_models import VervalCase
from spmp.digitalisasi.readiness import compute_readiness
from spmp.engine import ActionRefused, CaseNotFound
from spmp.notifications.models import Notification
from tests.factories import make_school
from tests.spmp.digitalisasi.support import YEAR, delivery_world, user


@pytest.fixture
def w(session):
    w = delivery_world(session)
    w["dinas"] = user(session, "dinas_kupang_v", "dinas_regency", regency_code="53.71")
    w["head"] = user(session, "kepala_ntt_v", "bpmp_head", unit_code="BPMP-NTT")
    return w


def _queue(session, who, state=None):
    return [school.name for _r, _c, school, _t in session.execute(ops.queue_query(who, YEAR, state))]


def test_open_once_per_target_and_queue_oldest_first(session, w):
    assert ops.open_cases(session, w["staff"], YEAR, "53.71") == 2  # a and b; "late" is no target
    assert ops.open_cases(session, w["staff"], YEAR, "53.71") == 0
    assert ops.open_cases(session, w["staff_jatim"], YEAR, "53.71") == 0  # not in its area
    cases = {r.school_id: r for r in session.scalars(select(VervalCase))}
    # b entered the step earlier than a: b first
    cases[w["b"].id].case.state_entered_at = clock.now() - timedelta(days=3)
    session.flush()
    assert _queue(session, w["staff"]) == ["SD Negeri Oebobo", "SD Negeri Alak"]
    assert _queue(session, w["staff_jatim"]) == []
    assert (
        ops.queue_query(w["op_a"], YEAR) is not None and _queue(session, w["op_a"]) == []
    )  # nothing returned yet
    with pytest.raises(ops.VervalRefused):
        ops.open_cases(session, w["op_a"], YEAR, "53.71")


def _record(session, school):
    return session.scalar(select(VervalCase).where(VervalCase.school_id == school.id))


def test_return_to_school_correct_and_accept_with_audit_and_notices(session, w):
    ops.open_cases(session, w["staff"], YEAR, "53.71")
    record = _record(session, w["b"])
    case = record.case
    with pytest.raises(ActionRefused):  # the reason code is required
        ops.act(session, w["staff"], record.id, "return_school", case.version, {"catatan": "Cek daya"})
    ops.act(session, w["staff"], record.id, "return_school", case.version,
            {"reason_code": "daya_listrik_tidak_sesuai", "catatan": "Daya di Dapodik 900 W, cek meteran"})  # fmt: skip
    assert case.state == "perbaikan_sekolah" and _queue(session, w["op_b"]) == ["SD Negeri Oebobo"]
    told = session.scalars(select(Notification.user_id).where(Notification.case_id == case.id)).all()
    assert w["op_b"].id in told
    # The school raised its power in Dapodik; the readiness is recomputed before the next step.
    w["b"].electricity_watts = 2200
    session.flush()
    ops.act(session, w["op_b"], record.id, "resubmit_school", case.version, {"catatan": "Daya sudah 2.200 W"})
    assert case.state == "verval" and ops.target_of(session, record).electricity_watts == 2200
    ops.act(session, w["head"], record.id, "accept", case.version, {"catatan": "Sesuai"})
    assert case.state == "diterima" and case.closed_at is not None
    steps = verval.decisions(session, case)
    assert [d.reason_code for d in steps] == ["daya_listrik_tidak_sesuai", None, None]
    assert steps[0].note == "Daya di Dapodik 900 W, cek meteran" and steps[1].note == "Daya sudah 2.200 W"
    audited = session.scalar(
        select(func.count()).where(AuditEvent.case_id == case.id, AuditEvent.action == "fire")
    )
    assert audited == 3


def test_return_to_dinas_and_reject(session, w):
    ops.open_cases(session, w["staff"], YEAR, "53.71")
    a = _record(session, w["a"])
    ops.act(session, w["staff"], a.id, "return_dinas", a.case.version,
            {"reason_code": "data_sekolah_salah", "catatan": "Nama sekolah berbeda dengan SK"})  # fmt: skip
    assert _queue(session, w["dinas"]) == ["SD Negeri Alak"]
    with pytest.raises(ActionRefused):  # only the Dinas sends it back
        ops.act(session, w["op_a"], a.id, "resubmit_dinas", a.case.version, {"catatan": "x"})
    ops.act(session, w["dinas"], a.id, "resubmit_dinas", a.case.version, {"catatan": "Nama diperbaiki"})
    ops.act(session, w["staff"], a.id, "reject", a.case.version,
            {"reason_code": "ruang_tidak_aman", "catatan": "Ruang bocor"})  # fmt: skip
    assert a.case.state == "ditolak"
    with pytest.raises(CaseNotFound):
        ops.act(session, w["staff_jatim"], a.id, "accept", a.case.version, {"catatan": "x"})


def test_a_reason_code_outside_the_list_is_refused(session, w):
    ops.open_cases(session, w["staff"], YEAR, "53.71")
    a = _record(session, w["a"])
    with pytest.raises(ActionRefused):
        ops.act(session, w["staff"], a.id, "reject", a.case.version, {"reason_code": "bosan", "catatan": "x"})
    assert a.case.state == "verval"


def test_the_queue_shape_is_shared_with_revitalisasi():
    """Both programmes' queues come from spmp.verval (no copy of the query shape)."""
    import inspect

    from spmp.revitalisasi import queries as revit

    assert "waiting_oldest_first" in inspect.getsource(revit.queue_query)
    assert "waiting_oldest_first" in inspect.getsource(ops.queue_query)


def test_more_targets_in_another_regency_are_not_opened(session, w):
    make_school(session, regency_code="53.01", name="SD Kab Kupang")
    compute_readiness(session, YEAR, province_code="53")
    assert ops.open_cases(session, w["staff"], YEAR, "53.71") == 3  # "late" is a target now too
    assert session.scalar(select(func.count()).select_from(VervalCase)) == 3
