"""A school's SPMI cycle end to end at the spmp level: PBD content, submit / approve / return, closing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from spmp.engine import ActionRefused, CaseNotFound, StaleCaseError, available_actions
from spmp.engine.cases import CaseDeadline
from spmp.spmi import operations as ops
from spmp.spmi.models import SpmiCycle, SpmiReviewNote
from tests.audit_support import log_ok
from tests.spmp.spmi.conftest import YEAR


def _fill_penetapan(session, w, cycle):
    operator = w["operator"]
    priority = ops.add_priority(session, operator, cycle.id, "A.1", "Literasi di bawah rata-rata kabupaten")
    cause = ops.add_root_cause(
        session, operator, cycle.id, priority.id, "Guru belum menerapkan pembelajaran berdiferensiasi"
    )
    activity = ops.add_activity(session, operator, cycle.id, ops.ActivityInput(
        root_cause_id=cause.id, title="Lokakarya pembelajaran berdiferensiasi", snp="proses", owner="Wakasek Kurikulum",
        start_date=date(2026, 8, 1), end_date=date(2026, 10, 31), budget_ref="RKAS 2026 5.1.02", target="80% guru menerapkan",
    ))  # fmt: skip
    ops.set_standard(session, operator, cycle.id, "proses", "Pembelajaran berdiferensiasi di semua kelas")
    return priority, cause, activity


def _reasons(session, cycle, user):
    return {o.transition.trigger: o.reason for o in available_actions(session, cycle.case, user)}


def test_open_cycle_once_per_school_and_year(session, spmi_world):
    w = spmi_world
    cycle = ops.open_cycle(session, w["operator"], w["school"].id, YEAR)
    assert cycle.case.state == "penetapan" and cycle.case.assignee_user_id == w["principal"].id
    assert cycle.label == "2026/2027"
    kinds = set(session.scalars(select(CaseDeadline.kind).where(CaseDeadline.case_id == cycle.case_id)))
    assert kinds == {"due", "reminder", "escalation"}
    with pytest.raises(ActionRefused, match="sudah dibuka"):
        ops.open_cycle(session, w["principal"], w["school"].id, YEAR)
    with pytest.raises(CaseNotFound):  # another school's operator cannot open it
        ops.open_cycle(session, w["other_operator"], w["school"].id, YEAR + 1)
    assert log_ok(session)


def test_guards_explain_what_is_missing(session, spmi_world):
    w = spmi_world
    cycle = ops.open_cycle(session, w["operator"], w["school"].id, YEAR)
    assert (
        _reasons(session, cycle, w["operator"])["submit"]
        == "Pilih minimal satu indikator prioritas beserta alasannya"
    )
    priority = ops.add_priority(session, w["operator"], cycle.id, "A.2", "Numerasi sedang")
    assert "akar masalah untuk prioritas A.2" in _reasons(session, cycle, w["operator"])["submit"]
    cause = ops.add_root_cause(session, w["operator"], cycle.id, priority.id, "Kurang media konkret")
    assert "kegiatan perbaikan" in _reasons(session, cycle, w["operator"])["submit"]
    ops.add_activity(session, w["operator"], cycle.id, ops.ActivityInput(
        cause.id, "Pengadaan alat peraga", "sarpras", "Bendahara", date(2026, 8, 1), date(2026, 9, 1), "RKAS 5.2", "Tersedia",
    ))  # fmt: skip
    assert "Standar Nasional" in _reasons(session, cycle, w["operator"])["submit"]
    ops.set_standard(session, w["operator"], cycle.id, "sarpras", "Alat peraga numerasi di tiap kelas")
    assert _reasons(session, cycle, w["operator"])["submit"] is None
    # The Widyaprada may not submit for the school.
    assert "Hanya" in _reasons(session, cycle, w["widyaprada"])["submit"]


def test_input_validation_names_the_field(session, spmi_world):
    w = spmi_world
    cycle = ops.open_cycle(session, w["operator"], w["school"].id, YEAR)
    with pytest.raises(ops.SpmiInputError) as err:
        ops.add_priority(session, w["operator"], cycle.id, "Z.9", "alasan")
    assert err.value.field == "indicator_code"
    with pytest.raises(ops.SpmiInputError) as err:
        ops.add_priority(session, w["operator"], cycle.id, "A.1", "   ")
    assert err.value.field == "reason" and "wajib diisi" in str(err.value)
    priority = ops.add_priority(session, w["operator"], cycle.id, "A.1", "Rendah")
    cause = ops.add_root_cause(session, w["operator"], cycle.id, priority.id, "Sebab")
    bad = ops.ActivityInput(cause.id, "K", "bukan_snp", "A", date(2026, 1, 2), date(2026, 1, 1), "R", "T")
    with pytest.raises(ops.SpmiInputError) as err:
        ops.add_activity(session, w["operator"], cycle.id, bad)
    assert err.value.field == "snp"
    with pytest.raises(ops.SpmiInputError) as err:
        ops.add_activity(session, w["operator"], cycle.id, bad.__class__(**{**bad.__dict__, "snp": "isi"}))
    assert err.value.field == "end_date"
    with pytest.raises(ActionRefused, match="Hanya operator atau kepala sekolah"):
        ops.add_root_cause(session, w["widyaprada"], cycle.id, priority.id, "Sebab lain")


def test_full_cycle_with_return_and_carry_over(session, spmi_world):
    w = spmi_world
    op, wp = w["operator"], w["widyaprada"]
    cycle = ops.open_cycle(session, op, w["school"].id, YEAR)
    priority, cause, activity = _fill_penetapan(session, w, cycle)
    ops.submit_phase(session, op, cycle.id, cycle.case.version)
    assert cycle.case.state == "penetapan_review"
    assert cycle.case.assignee_user_id == wp.id  # the review's reminders go to the Widyaprada
    with pytest.raises(ActionRefused, match="ditinjau Widyaprada"):  # no edits while under review
        ops.add_root_cause(session, op, cycle.id, priority.id, "x")
    # The Widyaprada of another school sees nothing; this one approves.
    with pytest.raises(CaseNotFound):
        ops.approve_phase(session, w["other_widyaprada"], cycle.id, cycle.case.version)
    ops.approve_phase(session, wp, cycle.id, cycle.case.version)
    assert cycle.case.state == "pelaksanaan"
    assert cycle.case.assignee_user_id == w["principal"].id  # and the school's again
    assert "Laporkan kemajuan" in _reasons(session, cycle, op)["submit"]
    ops.report_progress(session, op, cycle.id, activity.id, 60, "Lokakarya 1 dan 2 selesai")
    ops.submit_phase(session, op, cycle.id, cycle.case.version)
    # Returning needs a note; the note is attached to the activity it concerns.
    with pytest.raises(ops.SpmiInputError):
        ops.return_phase(
            session, wp, cycle.id, cycle.case.version, [ops.NoteInput("activity", activity.id, " ")]
        )
    ops.return_phase(session, wp, cycle.id, cycle.case.version,
                     [ops.NoteInput("activity", activity.id, "Lampirkan daftar hadir lokakarya")])  # fmt: skip
    assert cycle.case.state == "pelaksanaan"
    note = session.scalar(select(SpmiReviewNote).where(SpmiReviewNote.cycle_id == cycle.id))
    assert (note.item_kind, note.item_id, note.resolved_at) == ("activity", activity.id, None)
    ops.report_progress(session, op, cycle.id, activity.id, 100, "Selesai, daftar hadir terlampir")
    stale = cycle.case.version - 1
    with pytest.raises(StaleCaseError):
        ops.submit_phase(session, op, cycle.id, stale)
    ops.submit_phase(session, op, cycle.id, cycle.case.version)
    session.refresh(note)
    assert note.resolved_at is not None  # resubmitting answers the notes
    ops.approve_phase(session, wp, cycle.id, cycle.case.version)
    assert "Isi evaluasi" in _reasons(session, cycle, op)["submit"]
    ops.save_evaluation(session, op, cycle.id, "A.1", "Literasi naik, 70% siswa mencapai kompetensi minimum")
    ops.submit_phase(session, op, cycle.id, cycle.case.version)
    ops.approve_phase(session, wp, cycle.id, cycle.case.version)
    assert "rencana tindak lanjut" in _reasons(session, cycle, op)["submit"]
    ops.save_next_plan(session, op, cycle.id, "Lanjutkan literasi; fokus numerasi kelas 4")
    ops.submit_phase(session, op, cycle.id, cycle.case.version)
    ops.approve_phase(session, wp, cycle.id, cycle.case.version)
    assert cycle.case.state == "closed" and cycle.case.closed_at is not None
    following = session.scalar(
        select(SpmiCycle).where(SpmiCycle.school_id == w["school"].id, SpmiCycle.year == YEAR + 1)
    )
    assert following.previous_id == cycle.id
    assert following.carried_plan == "Lanjutkan literasi; fokus numerasi kelas 4"
    assert following.case.state == "penetapan"
    assert (
        session.scalar(
            select(func.count()).select_from(CaseDeadline).where(CaseDeadline.case_id == cycle.case_id)
        )
        == 0
    )
    assert log_ok(session)


def test_reminders_reach_the_school_then_the_widyaprada_and_escalate_to_the_head(
    session, spmi_world, monkeypatch
):
    """The engine's sweep routes reminders to the case's assignee: the school in a phase, the Widyaprada
    in a review; an overdue phase escalates to the B/BPMP head."""
    from datetime import UTC, datetime, timedelta

    from spmp import clock
    from spmp.engine.sweep import sweep
    from spmp.notifications.models import Notification

    w = spmi_world
    start = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "_now", lambda: start)
    cycle = ops.open_cycle(session, w["operator"], w["school"].id, YEAR)

    def notified(at):
        sweep(session, at)
        rows = session.execute(
            select(Notification.user_id, Notification.kind).where(Notification.case_id == cycle.case_id)
        ).all()
        return {(user_id, kind) for user_id, kind in rows}

    assert (w["principal"].id, "reminder") in notified(start + timedelta(days=24))  # 7 days before due
    _fill_penetapan(session, w, cycle)
    monkeypatch.setattr(clock, "_now", lambda: start + timedelta(days=25))
    ops.submit_phase(session, w["operator"], cycle.id, cycle.case.version)
    assert (w["widyaprada"].id, "reminder") in notified(start + timedelta(days=25 + 14))
    assert (w["head"].id, "escalation") in notified(start + timedelta(days=25 + 30))
