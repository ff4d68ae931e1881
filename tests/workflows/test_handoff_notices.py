"""A notice at every hand-off: each workflow's ``notify:`` declarations reach the right people, in the same
transaction as the step (in-app notification + outbox mail), and a refused step tells nobody."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from spmp import clock
from spmp.engine import (
    ActionRefused,
    FireItem,
    StaleCaseError,
    add_comment,
    assign_case,
    fire,
    fire_many,
    pause_case,
    resume_case,
    store_evidence,
)
from spmp.engine.cases import CaseRecord
from spmp.engine.definitions import DefinitionError, load_file
from spmp.notifications.models import Notification, OutboxMessage
from spmp.spme import operations as spme
from spmp.spmi import operations as ops
from tests.spmp.engine.support import make_world, open_visit
from tests.spmp.spmi.conftest import YEAR, spmi_world  # noqa: F401 (fixture)
from tests.spmp.spmi.test_cycle import _fill_penetapan

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Inbox:
    """The notifications written since the last look, per case."""

    def __init__(self, session) -> None:
        self.session = session
        self.seen = session.scalar(select(func.max(Notification.id))) or 0

    def new(self, case_id: int | None = None) -> dict[int, Notification]:
        """{user_id: notification} written since the last call (one notice per person per step)."""
        query = select(Notification).where(Notification.id > self.seen).order_by(Notification.id)
        rows = list(self.session.scalars(query))
        if rows:
            self.seen = rows[-1].id
        if case_id is not None:
            assert {r.case_id for r in rows} <= {case_id}
        by_user = {r.user_id: r for r in rows}
        assert len(by_user) == len(rows), "one notice per person per step"
        return by_user


def _version(session, case_id: int) -> int:
    return session.scalar(select(CaseRecord.version).where(CaseRecord.id == case_id))


def _step(session, case_id, trigger, user, **kwargs):
    return fire(session, case_id, trigger, user, _version(session, case_id), **kwargs)


# --- school_visit ----------------------------------------------------------------------------------------
def test_school_visit_hands_off_from_opening_to_approval(session, tmp_path):
    w = make_world(session)
    inbox = Inbox(session)
    wp, head, staff = w["widyaprada"], w["bpmp_head"], w["bpmp_staff"]
    school_people = {w["operator"].id, w["principal"].id}

    case = open_visit(session, w)  # opened by B/BPMP staff for the Widyaprada
    told = inbox.new(case.id)
    assert set(told) == {wp.id}
    assert told[wp.id].title == "Kunjungan supervisi ditugaskan kepada Anda: Kunjungan supervisi semester 1"
    assert f"NPSN {w.school.npsn}, Kota Kupang" in told[wp.id].body

    _step(session, case.id, "schedule", wp, inputs={"visit_date": "2026-03-10"})
    told = inbox.new(case.id)
    assert set(told) == school_people  # the Widyaprada is the actor: not told about their own step
    assert "Tanggal kunjungan: 2026-03-10" in told[w["operator"].id].body
    assert "Catatan:" not in told[w["operator"].id].body  # no note given: the line is left out

    _step(session, case.id, "reschedule", wp, inputs={"visit_date": "2026-03-17"}, reason="Hujan deras")
    told = inbox.new(case.id)
    assert set(told) == school_people
    body = told[w["principal"].id].body
    assert told[w["principal"].id].title.startswith("Jadwal kunjungan diubah")
    assert "Tanggal kunjungan yang baru: 2026-03-17" in body and "Catatan: Hujan deras" in body

    store_evidence(session, wp, case.id, "laporan.pdf", PDF, tmp_path)
    _step(session, case.id, "submit_report", wp, inputs={"summary": "RPP belum berdiferensiasi"})
    told = inbox.new(case.id)
    assert set(told) == {head.id}  # submit -> the reviewer
    assert "Ringkasan temuan: RPP belum berdiferensiasi" in told[head.id].body

    add_comment(session, head, case.id, "Lengkapi foto kegiatan kelas 4")
    inbox.new()
    _step(session, case.id, "request_revision", head)
    told = inbox.new(case.id)
    assert set(told) == {wp.id}  # return -> the assignee, with the note
    assert "Catatan perbaikan: Lengkapi foto kegiatan kelas 4" in told[wp.id].body

    store_evidence(session, wp, case.id, "laporan-2.pdf", PDF + b" ", tmp_path)
    _step(session, case.id, "resubmit", wp)
    assert set(inbox.new(case.id)) == {head.id}

    _step(session, case.id, "approve", head)
    told = inbox.new(case.id)
    assert set(told) == {wp.id, staff.id}  # approve -> the assignee and whoever opened the case
    assert told[wp.id].title.startswith("Laporan kunjungan disetujui")
    assert all(n.kind == "info" for n in told.values())


def test_school_visit_take_over_cancel_assign_pause_resume(session):
    w = make_world(session)
    inbox = Inbox(session)
    staff, head = w["bpmp_staff"], w["bpmp_head"]
    school_people = {w["operator"].id, w["principal"].id}
    case = open_visit(session, w, assignee=None)
    assert inbox.new(case.id) == {}  # nobody assigned yet: nobody to tell

    assign_case(session, staff, case.id, _version(session, case.id), assignee_user_id=w["widyaprada"].id)
    told = inbox.new(case.id)
    assert set(told) == {w["widyaprada"].id}  # assign -> the assignee
    assert "ditugaskan kepada Anda" in told[w["widyaprada"].id].title

    _step(session, case.id, "take_over", w["widyaprada2"])
    assert set(inbox.new(case.id)) == {staff.id}  # the opener learns who took it over

    pause_case(session, head, case.id, _version(session, case.id), "Menunggu anggaran perjalanan")
    told = inbox.new(case.id)
    assert set(told) == {w["widyaprada2"].id, *school_people}  # pause -> those waiting on it
    assert "Alasan: Menunggu anggaran perjalanan" in told[w["operator"].id].body
    resume_case(session, head, case.id, _version(session, case.id))
    assert set(inbox.new(case.id)) == {w["widyaprada2"].id, *school_people}

    _step(session, case.id, "cancel", staff, reason="Sekolah libur")
    told = inbox.new(case.id)
    assert set(told) == {w["widyaprada2"].id, *school_people}
    assert "Alasan: Sekolah libur" in told[w["principal"].id].body


# --- spmi_cycle ------------------------------------------------------------------------------------------
def test_spmi_submit_return_approve_reach_widyaprada_and_school(session, spmi_world):  # noqa: F811
    w = spmi_world
    inbox = Inbox(session)
    op, wp, principal = w["operator"], w["widyaprada"], w["principal"]

    cycle = ops.open_cycle(session, op, w["school"].id, YEAR)
    told = inbox.new(cycle.case_id)
    assert set(told) == {principal.id, wp.id}  # opened for the school: its principal and its Widyaprada
    assert told[wp.id].title == "Siklus SPMI dibuka: SD Negeri 2 Kupang"

    priority, _cause, _activity = _fill_penetapan(session, w, cycle)
    inbox.new()
    ops.submit_phase(session, op, cycle.id, cycle.case.version)
    told = inbox.new(cycle.case_id)
    assert set(told) == {wp.id}  # submit -> the reviewer (not the other school's Widyaprada)
    assert told[wp.id].title == "Penetapan Standar Mutu diajukan: SD Negeri 2 Kupang"
    assert f"NPSN {w['school'].npsn}, Kota Kupang" in told[wp.id].body

    notes = [ops.NoteInput("priority", priority.id, "Alasan prioritas belum memakai data Rapor")]
    ops.return_phase(session, wp, cycle.id, cycle.case.version, notes)
    told = inbox.new(cycle.case_id)
    assert set(told) == {op.id, principal.id}  # return -> the school, with the notes
    body = told[op.id].body
    assert told[op.id].title == "Penetapan Standar Mutu dikembalikan untuk diperbaiki: SD Negeri 2 Kupang"
    assert "- Prioritas: Alasan prioritas belum memakai data Rapor" in body
    assert "Catatan: 1 catatan perbaikan" in body

    ops.submit_phase(session, principal, cycle.id, cycle.case.version)
    assert set(inbox.new(cycle.case_id)) == {wp.id}
    ops.approve_phase(session, wp, cycle.id, cycle.case.version)
    told = inbox.new(cycle.case_id)
    assert set(told) == {op.id, principal.id}  # approve -> the school
    assert told[op.id].title == "Penetapan Standar Mutu disetujui: SD Negeri 2 Kupang"
    assert "Silakan lanjutkan ke tahap Pelaksanaan" in told[op.id].body

    pause_case(session, w["staff"], cycle.case_id, cycle.case.version, "Sekolah terdampak banjir")
    session.expire(cycle.case)
    assert set(inbox.new(cycle.case_id)) == {op.id, principal.id, wp.id}
    resume_case(session, w["staff"], cycle.case_id, cycle.case.version)
    session.expire(cycle.case)
    assert set(inbox.new(cycle.case_id)) == {op.id, principal.id, wp.id}


def test_spmi_closing_tells_the_school(session, spmi_world):  # noqa: F811
    w = spmi_world
    op, wp = w["operator"], w["widyaprada"]
    cycle = ops.open_cycle(session, op, w["school"].id, YEAR)
    _priority, _cause, activity = _fill_penetapan(session, w, cycle)
    ops.submit_phase(session, op, cycle.id, cycle.case.version)
    ops.approve_phase(session, wp, cycle.id, cycle.case.version)
    ops.report_progress(session, op, cycle.id, activity.id, 100, "Selesai")
    ops.submit_phase(session, op, cycle.id, cycle.case.version)
    ops.approve_phase(session, wp, cycle.id, cycle.case.version)
    ops.save_evaluation(session, op, cycle.id, "A.1", "Naik")
    ops.submit_phase(session, op, cycle.id, cycle.case.version)
    ops.approve_phase(session, wp, cycle.id, cycle.case.version)
    ops.save_next_plan(session, op, cycle.id, "Fokus numerasi")
    ops.submit_phase(session, op, cycle.id, cycle.case.version)
    inbox = Inbox(session)
    ops.approve_phase(session, wp, cycle.id, cycle.case.version)
    told = inbox.new(cycle.case_id)
    assert set(told) == {op.id, w["principal"].id}
    assert told[op.id].title == "Siklus SPMI selesai: SD Negeri 2 Kupang"


# --- accreditation_visit ---------------------------------------------------------------------------------
def test_accreditation_visit_hands_off_to_school_and_unit(session, spmi_world, tmp_path):  # noqa: F811
    w = spmi_world
    inbox = Inbox(session)
    op, principal, staff, head = w["operator"], w["principal"], w["staff"], w["head"]
    school_people = {op.id, principal.id}

    visit = spme.open_visit_case(session, staff, w["school"].id)
    case = visit.case_id
    told = inbox.new(case)
    assert set(told) == school_people  # selected as a visit target: the school must upload evidence
    assert "unggah bukti pravisitasi" in told[op.id].body

    store_evidence(session, op, case, "pravisitasi.pdf", PDF, tmp_path)
    _step(session, case, "submit_evidence", op)
    assert set(inbox.new(case)) == {staff.id}  # -> whoever selected the school
    _step(session, case, "record_visit", staff, inputs={"visit_date": "2026-09-10"})
    told = inbox.new(case)
    assert set(told) == {head.id}  # the opener is the actor; the head decides the result
    assert "2026-09-10" in told[head.id].body
    _step(session, case, "publish_result", staff, inputs={"rank": "A", "decree_number": "SK-9/2026"})
    told = inbox.new(case)
    assert set(told) == school_people
    assert "peringkat A, SK SK-9/2026" in told[principal.id].body
    _step(session, case, "appeal", principal, inputs={"appeal": "Nilai sarpras keliru"})
    told = inbox.new(case)
    assert set(told) == {staff.id, head.id}
    assert "Alasan sanggahan: Nilai sarpras keliru" in told[head.id].body
    _step(session, case, "decide_appeal", head, inputs={"rank": "A", "decree_number": "SK-10/2026"})
    assert set(inbox.new(case)) == school_people
    _step(session, case, "finalize", head)
    told = inbox.new(case)
    assert set(told) == school_people and "final" in told[op.id].title


# --- refused steps, the outbox, the fast paths ----------------------------------------------------------
def test_a_refused_step_tells_nobody(session, spmi_world, tmp_path):  # noqa: F811
    w = spmi_world
    w["operator"].email, w["principal"].email = "op@example.test", "kepsek@example.test"
    session.flush()
    cycle = ops.open_cycle(session, w["operator"], w["school"].id, YEAR)
    inbox = Inbox(session)
    mails = session.scalar(select(func.count()).select_from(OutboxMessage))
    with pytest.raises(ActionRefused):  # guard: the phase is not filled in
        ops.submit_phase(session, w["operator"], cycle.id, cycle.case.version)
    with pytest.raises(ActionRefused):  # role: a Widyaprada may not submit for the school
        fire(session, cycle.case_id, "submit", w["widyaprada"], cycle.case.version)
    with pytest.raises(StaleCaseError):
        fire(session, cycle.case_id, "submit", w["operator"], cycle.case.version - 1)
    with pytest.raises(ActionRefused):  # a pause needs a reason
        pause_case(session, w["staff"], cycle.case_id, cycle.case.version, " ")
    with pytest.raises(ActionRefused, match="unit pemilik kasus"):  # a school user cannot be the assignee
        assign_case(
            session, w["staff"], cycle.case_id, cycle.case.version, assignee_user_id=w["other_operator"].id
        )
    visit = spme.open_visit_case(session, w["staff"], w["school"].id)
    inbox.new()
    with pytest.raises(ActionRefused):  # evidence missing
        _step(session, visit.case_id, "submit_evidence", w["operator"])
    assert inbox.new() == {}
    # Only the visit's opening wrote mail (to the two school people who have an address).
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == mails + 2


def test_outbox_mail_is_written_with_the_step_and_rolled_back_with_it(session, spmi_world):  # noqa: F811
    w = spmi_world
    w["widyaprada"].email, w["widyaprada"].wants_daily_digest = "wp@example.test", False
    w["principal"].email, w["principal"].wants_daily_digest = "kepsek@example.test", True
    session.flush()
    cycle = ops.open_cycle(session, w["operator"], w["school"].id, YEAR)
    _fill_penetapan(session, w, cycle)

    def outbox(address):
        query = select(OutboxMessage).where(OutboxMessage.recipient == address)
        return list(session.scalars(query.order_by(OutboxMessage.id)))

    opened = outbox("kepsek@example.test")
    assert [m.subject for m in opened] == ["[SPMP] Siklus SPMI dibuka: SD Negeri 2 Kupang"]
    assert opened[0].for_digest is True  # the principal chose the daily digest
    savepoint = session.begin_nested()
    ops.submit_phase(session, w["operator"], cycle.id, cycle.case.version)
    [mail] = outbox("wp@example.test")[1:]
    assert mail.subject == "[SPMP] Penetapan Standar Mutu diajukan: SD Negeri 2 Kupang"
    assert mail.for_digest is False and mail.sent_at is None and "Buka kasus" in mail.body
    savepoint.rollback()  # the step is undone: so are its notices
    assert len(outbox("wp@example.test")) == 1
    assert session.scalar(select(func.count()).where(Notification.case_id == cycle.case_id)) == 2


def test_bulk_and_direct_paths_notify_too(cli_env):
    """``fire_many`` on a real database (commits; the lean direct path is allowed there): a transition
    with ``notify`` still writes its notices, in the transition's own transaction."""
    db, world = cli_env
    with db.transaction() as session:
        case_ids = [open_visit(session, world).id for _ in range(3)]
    staff = world["bpmp_staff"]
    items = [FireItem(case_id, "cancel", 1, reason="Dibatalkan massal") for case_id in case_ids]
    items.append(FireItem(case_ids[0], "cancel", 1))  # stale by then: refused, tells nobody
    results = list(fire_many(db, staff, items))
    assert [type(r).__name__ for r in results] == ["FireResult"] * 3 + ["StaleCaseError"]
    with db.session() as session:
        rows = session.execute(
            select(Notification.case_id, Notification.user_id).where(Notification.case_id.in_(case_ids))
        ).all()
    people = {world["widyaprada"].id, world["operator"].id, world["principal"].id}
    for case_id in case_ids:
        opened = {world["widyaprada"].id}  # open notice to the assignee
        assert sorted(u for c, u in rows if c == case_id) == sorted([*opened, *people])


@pytest.fixture
def cli_env(make_database, tmp_path, monkeypatch):
    from spmp import migrate
    from spmp.db import Database
    from spmp.regions.reference import load_reference

    url = make_database("notify")
    db = Database(url)
    migrate.upgrade(db)
    with db.transaction() as session:
        load_reference(session)
        world = make_world(session)
    clock.set_clock(lambda: datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    yield db, world
    clock.set_clock(None)
    db.dispose()


# --- declarations --------------------------------------------------------------------------------------
BASE = """key: demo
version: 1
title: Demo
initial: a
states:
  a: {label: A}
  b: {label: B, final: true}
transitions:
  - trigger: go
    source: a
    dest: b
    label: Maju
    roles: [bpmp_staff]
    inputs: [{name: tanggal, label: Tanggal}]
"""


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("    notify: {to: [kepala_desa], title: T, message: M}\n", "penerima tidak dikenal 'kepala_desa'"),
        (
            "    notify: {to: [school], title: 'T {nomor}', message: M}\n",
            "isian templat tidak dikenal {nomor}",
        ),
        ("    notify: {to: [school], title: T}\n", "notify.message wajib diisi"),
        ("    notify: {to: [school], title: T, message: M, cc: x}\n", "kunci notify tidak dikenal 'cc'"),
        ("notices:\n  close: {to: [school], title: T, message: M}\n", "kejadian tidak dikenal 'close'"),
    ],
)
def test_notice_declarations_are_checked_on_load(tmp_path, extra, problem):
    path = tmp_path / "demo.yaml"
    path.write_text(BASE + extra, encoding="utf-8")
    with pytest.raises(DefinitionError) as err:
        load_file(path)
    assert problem in str(err.value) and "demo.yaml:" in str(err.value)


def test_a_valid_declaration_uses_inputs_and_registered_fields(tmp_path):
    path = tmp_path / "demo.yaml"
    extra = "    event_label: Sudah maju\n    notify:\n      to: [school, bpmp_head]\n      title: 'Maju {tanggal}'\n      message: '{comment}'\n"
    path.write_text(BASE + extra, encoding="utf-8")
    definition = load_file(path)
    [go] = definition.transitions
    assert go.event_label == "Sudah maju" and go.notify[0].to == ("school", "bpmp_head")


RELAY = """key: estafet
version: 1
title: Estafet
initial: a
open_roles: [bpmp_staff]
states:
  a: {label: Awal}
  b: {label: Tengah}
  c: {label: Akhir, final: true}
transitions:
  - trigger: ke_b
    source: a
    dest: b
    label: Ke tengah
    roles: [widyaprada]
  - trigger: ke_c
    source: b
    dest: c
    label: Ke akhir
    roles: [bpmp_head]
    notify:
      to: [previous_actor, opener, dinas_regency, pusat, facilitator]
      title: "Selesai: {case}"
      message: |
        {actor}: {from_state} -> {to_state}
        Komentar: {comment}
"""


def test_previous_actor_opener_and_roles_within_the_case_scope(session, tmp_path):
    from spmp.engine import definitions, open_case

    (tmp_path / "estafet.yaml").write_text(RELAY, encoding="utf-8")
    definitions.set_workflows(definitions.load_directory(tmp_path))
    try:
        w = make_world(session)
        inbox = Inbox(session)
        case = open_case(session, w["bpmp_staff"], "estafet", title="Uji estafet", school_id=w.school.id)
        fire(session, case.id, "ke_b", w["widyaprada"], 1)
        add_comment(session, w["bpmp_head"], case.id, "Lengkap")
        fire(session, case.id, "ke_c", w["bpmp_head"], 2)
        told = inbox.new(case.id)
        # The Widyaprada fired the step before; the staff opened the case; the Dinas of Kota Kupang (not of
        # Bandung) and Pusat by role; no facilitator has this school in their caseload.
        assert set(told) == {w["widyaprada"].id, w["bpmp_staff"].id, w["dinas_regency"].id, w["pusat"].id}
        body = told[w["pusat"].id].body
        assert body.startswith(f"{w['bpmp_head'].full_name}: Tengah -> Akhir\nKomentar: Lengkap")
    finally:
        definitions.set_workflows(None)


def test_every_transition_of_every_workflow_tells_someone():
    """Each step of each current workflow hands work on or reports a result to someone: a new workflow (or a
    new transition) without a ``notify:`` declaration fails here instead of silently telling nobody."""
    from spmp.engine.definitions import workflows

    current = [workflows().get(key) for key in workflows().current_versions]
    silent = [
        f"{d.key} v{d.version}: {t.trigger} ({', '.join(t.sources)} → {t.dest})"
        for d in current
        for t in d.transitions
        if not t.notify
    ]
    assert not silent, "transitions without notify:\n" + "\n".join(silent)
