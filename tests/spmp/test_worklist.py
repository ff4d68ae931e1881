""" "Pekerjaan saya": what waits for me apart from what waits for others, following the case as it moves."""

from __future__ import annotations

from spmp.engine import fire, open_case, pause_case, store_evidence
from spmp.spmi import operations as ops
from spmp.worklist import my_worklist
from tests.factories import make_school
from tests.spmp.engine.support import make_world
from tests.spmp.spmi.conftest import YEAR, spmi_world  # noqa: F401 (fixture)
from tests.spmp.spmi.test_cycle import _fill_penetapan

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _ids(items):
    return [i.case.id for i in items]


def test_spmi_cycle_moves_between_waiting_for_me_and_for_others(session, spmi_world):  # noqa: F811
    w = spmi_world
    op, wp, principal = w["operator"], w["widyaprada"], w["principal"]
    cycle = ops.open_cycle(session, op, w["school"].id, YEAR)
    case = cycle.case_id

    assert _ids(my_worklist(session, op).mine) == [case]  # the school fills the phase in
    assert _ids(my_worklist(session, principal).mine) == [case]
    waiting = my_worklist(session, wp)
    assert _ids(waiting.mine) == [] and _ids(waiting.others) == [case]
    assert waiting.others[0].waiting_on == principal.full_name  # the assignee, who may act

    _fill_penetapan(session, w, cycle)
    ops.submit_phase(session, op, cycle.id, cycle.case.version)
    school_view = my_worklist(session, op)
    assert _ids(school_view.mine) == [] and _ids(school_view.others) == [case]
    assert school_view.others[0].waiting_on == wp.full_name
    assert school_view.others[0].case.state == "penetapan_review"  # the current phase, not the old one
    assert _ids(my_worklist(session, wp).mine) == [case]
    other = my_worklist(session, w["other_widyaprada"])
    assert _ids(other.mine) == [] and _ids(other.others) == []

    ops.approve_phase(session, wp, cycle.id, cycle.case.version)
    assert _ids(my_worklist(session, op).mine) == [case]
    pause_case(session, w["staff"], case, cycle.case.version, "Sekolah terdampak banjir")
    session.expire_all()
    paused = my_worklist(session, op)
    assert _ids(paused.mine) == [] and paused.others[0].waiting_on == "Ditangguhkan: Sekolah terdampak banjir"


def test_a_report_waits_for_the_head_not_for_other_staff(session, tmp_path):
    w = make_world(session)
    wp, head, staff = w["widyaprada"], w["bpmp_head"], w["bpmp_staff"]
    case = open_case(session, staff, "school_visit", title="Supervisi", school_id=w.school.id,
                     assignee_user_id=wp.id)  # fmt: skip
    # Draft, assigned to the Widyaprada who may schedule it: not the staff's, who opened it and waits.
    assert _ids(my_worklist(session, wp).mine) == [case.id]
    staff_view = my_worklist(session, staff)
    assert _ids(staff_view.mine) == [] and _ids(staff_view.others) == [case.id]
    assert _ids(my_worklist(session, w["widyaprada2"]).mine) == []  # assigned to a colleague
    fire(session, case.id, "schedule", wp, 1, inputs={"visit_date": "2026-03-10"})
    store_evidence(session, wp, case.id, "laporan.pdf", PDF, tmp_path)
    fire(session, case.id, "submit_report", wp, 2, inputs={"summary": "Baik"})
    assert _ids(my_worklist(session, head).mine) == [case.id]  # the head approves
    wp_view = my_worklist(session, wp)
    assert _ids(wp_view.mine) == [] and _ids(wp_view.others) == [case.id]
    assert wp_view.others[0].waiting_on == "Kepala B/BPMP"


def test_repeated_school_names_get_npsn_and_regency(session):
    w = make_world(session)
    wp = w["widyaprada"]
    from spmp.accounts.models import SchoolAssignment

    same = [make_school(session, regency_code=code, name="SD Negeri 1") for code in ("53.71", "53.01")]
    unique = make_school(session, regency_code="53.71", name="SMP Negeri 7 Kupang")
    for school in (*same, unique):
        session.add(SchoolAssignment(user_id=wp.id, school_id=school.id, assigned_at=school.created_at))
        open_case(session, w["bpmp_staff"], "school_visit", title=f"Supervisi {school.npsn}",
                  school_id=school.id, assignee_user_id=wp.id)  # fmt: skip
    work = my_worklist(session, wp)
    flagged = {i.case.school.name: work.needs_place(i) for i in work.mine}
    assert flagged == {"SD Negeri 1": True, "SMP Negeri 7 Kupang": False}
