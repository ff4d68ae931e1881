"""Field obstacles: reported by a school, a Pemda or a facilitator on a school (optionally about a
Revitalisasi proposal); the B/BPMP staff are told, triage takes it on, resolve closes it; one unresolved past
its due date escalates to Pusat; it shows on the school's timeline and in the unit's list, never another's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from spmp import clock
from spmp.engine import ActionRefused, CaseNotFound, fire
from spmp.engine.cases import CaseRecord
from spmp.engine.sweep import sweep
from spmp.kendala import operations as ops
from spmp.kendala import queries
from spmp.notifications.models import Notification
from spmp.revitalisasi import operations as revit
from spmp.timeline import school_timeline
from tests.spmp.engine.support import make_world
from tests.spmp.revitalisasi.support import PDF, proposal_input

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


@pytest.fixture
def world(session):
    return make_world(session)


def _version(session, kendala):
    return session.scalar(select(CaseRecord.version).where(CaseRecord.id == kendala.case_id))


def _told(session, case_id, user_id):
    query = select(func.count()).where(Notification.case_id == case_id, Notification.user_id == user_id)
    return session.scalar(query)


def _report(session, world, who="operator", **values):
    base = dict(school_id=world.school.id, programme="revitalisasi", category="konstruksi",
                description="Atap ruang kelas 2 runtuh setelah hujan; pekerjaan terhenti")  # fmt: skip
    base.update(values)
    return ops.report_kendala(session, world[who], ops.KendalaInput(**base))


def test_report_triage_resolve_told_and_audited(session, world, tmp_path):
    kendala = _report(session, world)
    assert kendala.case.state == "dilaporkan" and _told(session, kendala.case_id, world["bpmp_staff"].id) == 1
    ops.add_photo(session, world["operator"], kendala.id, "atap.pdf", PDF, tmp_path)
    with pytest.raises(ActionRefused, match="Kepala B/BPMP, Staf B/BPMP"):
        fire(session, kendala.case_id, "triage", world["operator"], _version(session, kendala),
             inputs={"prioritas": "tinggi", "rencana": "x"})  # fmt: skip
    fire(session, kendala.case_id, "triage", world["bpmp_staff"], _version(session, kendala),
         inputs={"prioritas": "tinggi", "rencana": "Koordinasi dengan fasilitator minggu ini"})  # fmt: skip
    session.refresh(kendala.case)
    assert kendala.case.state == "ditangani" and kendala.case.assignee_user_id == world["bpmp_staff"].id
    assert _told(session, kendala.case_id, world["operator"].id) == 1
    fire(session, kendala.case_id, "resolve", world["bpmp_staff"], _version(session, kendala),
         inputs={"penyelesaian": "Atap darurat dipasang, pekerjaan lanjut"})  # fmt: skip
    session.refresh(kendala.case)
    assert kendala.case.state == "selesai" and kendala.case.closed_at is not None
    titles = [item.title for item in school_timeline(session, world["principal"], world.school.id)]
    assert any(t.endswith(": Kendala diselesaikan") for t in titles)
    assert any(t.endswith(": Kendala ditangani") for t in titles)
    with pytest.raises(ActionRefused, match="belum selesai"):
        ops.add_photo(session, world["operator"], kendala.id, "lagi.pdf", PDF + b" ", tmp_path)


def test_unresolved_past_due_escalates_to_pusat(session, world):
    kendala = _report(session, world, who="dinas_regency")
    fire(session, kendala.case_id, "triage", world["bpmp_head"], _version(session, kendala),
         inputs={"prioritas": "sedang", "rencana": "Tinjau lokasi"})  # fmt: skip
    assert _told(session, kendala.case_id, world["pusat"].id) == 0
    sweep(session, NOW + timedelta(days=16))  # due after 14 days, escalation a day later
    assert _told(session, kendala.case_id, world["pusat"].id) == 1
    clock.set_clock(lambda: NOW + timedelta(days=16))
    late = queries.rows(
        session, queries.kendala_query(world["bpmp_staff"], queries.KendalaFilters(late=True))
    )
    assert [k.id for k, _c, _s in late] == [kendala.id]


def test_linked_to_a_proposal_and_scoped(session, world):
    proposal = revit.create_proposal(session, world["dinas_regency"], proposal_input(world.school))
    kendala = _report(session, world, who="dinas_regency", linked_case_id=proposal.case_id, category="lahan")
    assert kendala.linked_case_id == proposal.case_id
    mine = queries.kendala_query(world["bpmp_staff"], queries.KendalaFilters(linked_case_id=proposal.case_id))
    assert [k.id for k, _c, _s in queries.rows(session, mine)] == [kendala.id]
    for name in ("other_staff", "other_dinas", "other_principal"):
        assert queries.rows(session, queries.kendala_query(world[name])) == []
        with pytest.raises(CaseNotFound):
            ops.load_kendala(session, world[name], kendala.id)
    with pytest.raises(ops.KendalaInputError, match="Kasus terkait bukan milik sekolah ini"):
        other = revit.create_proposal(session, world["admin"], proposal_input(world.other_school))
        _report(session, world, who="admin", linked_case_id=other.case_id)


def test_bad_input_and_roles(session, world):
    with pytest.raises(ops.KendalaInputError, match="Uraian kendala wajib diisi"):
        _report(session, world, description="  ")
    with pytest.raises(ops.KendalaInputError, match="Kategori harus"):
        _report(session, world, category="hantu")
    with pytest.raises(ActionRefused, match="tidak dapat melaporkan"):
        _report(session, world, who="widyaprada")
    with pytest.raises(ActionRefused, match="di luar wilayah"):
        _report(session, world, who="other_dinas")
    kendala = _report(session, world, who="operator")
    fire(session, kendala.case_id, "dismiss", world["bpmp_staff"], _version(session, kendala),
         inputs={"alasan": "Sudah ditangani Dinas"})  # fmt: skip
    session.refresh(kendala.case)
    assert kendala.case.state == "tidak_valid"
