"""SPME: accreditation history and expiry, the field-visit case with one-click pravisitasi evidence,
external visits, and the school timeline across case types."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from spmp import clock
from spmp.engine import ActionRefused, CaseNotFound, fire, store_evidence
from spmp.engine.cases import CaseEvidence
from spmp.spme import operations as spme
from spmp.spme.models import AccreditationRecord
from spmp.spmi import operations as ops
from spmp.timeline import school_due_next, school_timeline
from tests.spmp.spmi.conftest import YEAR

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "_now", lambda: datetime(2026, 9, 1, 3, 0, tzinfo=UTC))


def test_accreditation_history_and_expiry_window(session, spmi_world, fixed_today, monkeypatch):
    w = spmi_world
    first = spme.record_accreditation(
        session, w["staff"], w["school"].id, spme.AccreditationInput("B", "SK-1/2022", date(2022, 3, 1))
    )
    assert first.end_date == date(2027, 3, 1)  # five years by default
    assert w["school"].accreditation_rank == "B"
    with pytest.raises(spme.SpmeInputError) as err:
        spme.record_accreditation(
            session, w["staff"], w["school"].id, spme.AccreditationInput("Z", "x", date(2022, 1, 1))
        )
    assert err.value.field == "rank"
    with pytest.raises(ActionRefused):
        spme.record_accreditation(
            session, w["operator"], w["school"].id, spme.AccreditationInput("A", "x", date(2022, 1, 1))
        )
    expiring = spme.expiring_accreditations(session, w["head"])
    assert [s.id for s, _end in expiring] == [w["school"].id]
    monkeypatch.setenv("SPMP_ACCREDITATION_REMINDER_MONTHS", "3")
    assert spme.expiring_accreditations(session, w["head"]) == []  # 1 March 2027 is 6 months away
    spme.record_accreditation(session, w["staff"], w["school"].id,
                              spme.AccreditationInput("B", "Perpanjangan-2027", date(2027, 3, 1), is_automatic_extension=True))  # fmt: skip
    history = spme.accreditation_history(session, w["operator"], w["school"].id)
    assert [h.decree_number for h in history] == ["Perpanjangan-2027", "SK-1/2022"] and history[
        0
    ].is_automatic_extension


def test_visit_case_with_spmi_evidence_and_final_result(session, spmi_world, fixed_today, tmp_path):
    w = spmi_world
    cycle = ops.open_cycle(session, w["operator"], w["school"].id, YEAR)
    store_evidence(session, w["operator"], cycle.case_id, "daftar-hadir.pdf", PDF, tmp_path)
    visit = spme.open_visit_case(session, w["staff"], w["school"].id)
    case = visit.case_id
    with pytest.raises(ActionRefused):  # only the school sends its pravisitasi evidence
        spme.copy_spmi_evidence(session, w["staff"], case)
    assert spme.copy_spmi_evidence(session, w["operator"], case) == 1
    assert spme.copy_spmi_evidence(session, w["operator"], case) == 0  # not twice
    copied = session.scalar(select(CaseEvidence).where(CaseEvidence.case_id == case))
    assert copied.filename == "daftar-hadir.pdf"

    def step(trigger, user, **inputs):
        from spmp.engine.cases import CaseRecord

        version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == case))
        return fire(session, case, trigger, user, version, inputs=inputs)

    step("submit_evidence", w["operator"])
    step("record_visit", w["staff"], visit_date="2026-09-10")
    with pytest.raises(ActionRefused, match="Peringkat harus"):
        step("publish_result", w["staff"], rank="Q", decree_number="SK-9")
    step("publish_result", w["staff"], rank="A", decree_number="SK-9/2026")
    step("appeal", w["principal"], appeal="Nilai sarpras keliru")
    step("decide_appeal", w["head"], rank="A", decree_number="SK-9/2026")
    step("finalize", w["head"])
    record = session.scalar(select(AccreditationRecord).where(AccreditationRecord.visit_case_id == case))
    assert (record.rank, record.decree_number, record.end_date) == ("A", "SK-9/2026", date(2031, 9, 1))


def test_external_visits_and_timeline(session, spmi_world, fixed_today):
    w = spmi_world
    visit = spme.record_external_visit(session, w["staff"], w["school"].id, spme.VisitInput(
        "mitra", date(2026, 8, 20), "Dr. Maria", "Universitas Nusa Cendana", "Pendampingan PBD", "Tim PMS aktif", "Lokakarya lanjutan",
    ))  # fmt: skip
    with pytest.raises(spme.SpmeInputError) as err:
        spme.record_external_visit(
            session,
            w["staff"],
            w["school"].id,
            spme.VisitInput("supervisi_pemda", date(2027, 1, 1), "a", "b", "c", "d"),
        )
    assert err.value.field == "visit_date"
    with pytest.raises(CaseNotFound):  # a Widyaprada of another school cannot even see the school
        spme.record_external_visit(
            session,
            w["other_widyaprada"],
            w["school"].id,
            spme.VisitInput("mitra", date(2026, 1, 1), "a", "b", "c", "d"),
        )
    cycle = ops.open_cycle(session, w["operator"], w["school"].id, YEAR)
    spme.record_accreditation(
        session, w["staff"], w["school"].id, spme.AccreditationInput("B", "SK-5", date(2022, 3, 1))
    )
    items = school_timeline(session, w["operator"], w["school"].id)
    kinds = [i.kind for i in items]
    assert {"case", "visit", "accreditation"} <= set(kinds)
    assert items[0].kind == "case" and "Siklus SPMI" in items[0].title  # newest first
    assert items == sorted(items, key=lambda i: i.sort_key, reverse=True)
    assert any(i.title.startswith("Fasilitasi Mitra") and visit.organisation in i.title for i in items)
    due = school_due_next(session, w["operator"], w["school"].id)
    assert [d.case_id for d in due if d.case_id] == [cycle.case_id]
    assert any("Akreditasi B berakhir" in d.title for d in due)  # 1 March 2027 is within 12 months
    assert school_timeline(session, w["other_operator"], w["school"].id) is None
    # The other school's Widyaprada sees the school? No: not assigned to it.
    assert school_timeline(session, w["other_widyaprada"], w["school"].id) is None


def test_expiry_reminders_once_per_decision(session, spmi_world, fixed_today):
    from spmp.notifications.models import Notification

    w = spmi_world
    spme.record_accreditation(
        session, w["staff"], w["school"].id, spme.AccreditationInput("B", "SK-7", date(2022, 3, 1))
    )
    spme.record_accreditation(
        session, w["staff"], w["other"].id, spme.AccreditationInput("A", "SK-8", date(2025, 3, 1))
    )
    assert spme.send_expiry_reminders(session) == 1  # only the one ending within 12 months
    notes = session.scalars(select(Notification).where(Notification.title.like("Akreditasi %"))).all()
    assert {n.user_id for n in notes} == {w["operator"].id, w["principal"].id}
    assert spme.send_expiry_reminders(session) == 0  # not twice


def test_too_long_visit_text_is_refused_not_cut(session, spmi_world, fixed_today):
    w = spmi_world
    with pytest.raises(spme.SpmeInputError) as err:
        spme.record_external_visit(session, w["staff"], w["school"].id, spme.VisitInput(
            "mitra", date(2026, 8, 20), "Dr. Maria " * 30, "Universitas Nusa Cendana", "Pendampingan", "Temuan",
        ))  # fmt: skip
    assert err.value.field == "visitor" and "maksimal 200 karakter" in str(err.value)
