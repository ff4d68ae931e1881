"""The SPMI cycle as a school and a Widyaprada use it: root causes and activities edited and moved to another
priority, a priority removed only after confirmation and never with the reviewer's notes, the activity form
naming each root cause with its priority, uncut; on re-review the previous notes, what changed since the
return and the evidence; approving asks for confirmation."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from spmp.engine import evidence as evidence_ops
from spmp.spmi import operations as ops
from spmp.spmi.importer import import_indicators
from spmp.spmi.models import SpmiActivity, SpmiChange, SpmiPriority, SpmiReviewNote, SpmiRootCause
from tests.web.conftest import login, post

CSV = (
    "kode_indikator,nama_indikator,dimensi,nilai,capaian\n"
    "A.1,Kemampuan literasi,Hasil belajar,48.5,Kurang\nA.2,Kemampuan numerasi,Hasil belajar,51,Sedang\n"
)
LONG_CAUSE = (
    "Minat baca siswa rendah karena " + "buku bacaan di perpustakaan sedikit dan jarang diganti, " * 3
)


@pytest.fixture
def filled(session, world):
    """A cycle in Penetapan with two priorities; the first has a (long) root cause with one activity."""
    op = world["users"]["school_operator"]
    import_indicators(session, op, io.BytesIO(CSV.encode()), filename="r.csv", school_id=world["inside"].id,
                      year=2026)  # fmt: skip
    cycle = ops.open_cycle(session, op, world["inside"].id, 2026)
    first = ops.add_priority(session, op, cycle.id, "A.1", "Literasi rendah")
    second = ops.add_priority(session, op, cycle.id, "A.2", "Numerasi sedang")
    cause = ops.add_root_cause(session, op, cycle.id, first.id, LONG_CAUSE)
    other = ops.add_root_cause(session, op, cycle.id, second.id, "Latihan soal cerita kurang")
    activity = ops.add_activity(session, op, cycle.id, ops.ActivityInput(
        cause.id, "Pojok baca", "sarpras", "Pustakawan", date(2026, 8, 1), date(2026, 12, 1), "RKAS 5.2.1", "6 kelas",
    ))  # fmt: skip
    ops.add_activity(session, op, cycle.id, ops.ActivityInput(
        other.id, "Latihan soal cerita", "proses", "Guru kelas", date(2026, 8, 1), date(2026, 9, 1), "RKAS 5.1", "Tiap minggu",
    ))  # fmt: skip
    ops.set_standard(session, op, cycle.id, "sarpras", "Sarana literasi tiap kelas")
    return {"cycle": cycle, "first": first, "second": second, "cause": cause, "other": other,
            "activity": activity}  # fmt: skip


def _return_with_notes(session, world, cycle, notes):
    ops.submit_phase(session, world["users"]["school_operator"], cycle.id, cycle.case.version)
    session.refresh(cycle.case)
    ops.return_phase(session, world["users"]["widyaprada"], cycle.id, cycle.case.version, notes)
    session.refresh(cycle.case)


def test_activity_form_names_each_root_cause_with_its_priority_uncut(client, world, filled):
    login(client, world["users"]["school_operator"])
    html = client.get(f"/spmi/siklus/{filled['cycle'].id}").get_data(as_text=True)
    option = f'<option value="{filled["cause"].id}">A.1 Kemampuan literasi › {LONG_CAUSE.strip()}</option>'
    assert option in html
    assert "Identifikasi" in html and "Refleksi" in html and "Benahi" in html


def test_root_cause_is_edited_and_moved_to_another_priority(client, world, filled, session):
    login(client, world["users"]["school_operator"])
    cycle, cause = filled["cycle"], filled["cause"]
    path = f"/spmi/siklus/{cycle.id}/akar-masalah/{cause.id}/ubah"
    assert f'href="{path}"' in client.get(f"/spmi/siklus/{cycle.id}").get_data(as_text=True)
    html = client.get(path).get_data(as_text=True)
    assert LONG_CAUSE.strip() in html and f'<option selected value="{filled["first"].id}">' in html
    too_long = {"root_cause-priority_id": filled["second"].id, "root_cause-description": "x" * 5001}
    response = post(client, path, too_long, token_from=path)
    assert response.status_code == 400 and "maksimal 5000 karakter" in response.get_data(as_text=True)
    data = {"root_cause-priority_id": filled["second"].id, "root_cause-description": "Buku bacaan sedikit"}
    response = post(client, path, data, token_from=path)
    assert response.status_code == 302 and response.location.endswith(f"#root_cause-{cause.id}")
    session.expire_all()
    moved = session.get(SpmiRootCause, cause.id)
    assert (moved.priority_id, moved.description) == (filled["second"].id, "Buku bacaan sedikit")
    assert [a.id for a in moved.activities] == [filled["activity"].id]  # its activities moved with it
    actions = session.scalars(
        select(SpmiChange.action).where(SpmiChange.item_kind == "root_cause", SpmiChange.item_id == cause.id)
    ).all()
    assert actions == ["tambah", "ubah", "pindah"]


def test_activity_is_edited_and_moved_to_a_cause_of_another_priority(client, world, filled, session):
    login(client, world["users"]["school_operator"])
    cycle, activity = filled["cycle"], filled["activity"]
    path = f"/spmi/siklus/{cycle.id}/kegiatan/{activity.id}/ubah"
    html = client.get(path).get_data(as_text=True)
    assert 'value="Pojok baca"' in html and 'value="2026-08-01"' in html
    data = {
        "activity-root_cause_id": filled["other"].id, "activity-title": "Pojok baca dan numerasi",
        "activity-snp": "sarpras", "activity-owner": "Pustakawan", "activity-start_date": "2026-08-01",
        "activity-end_date": "2026-07-01", "activity-budget_ref": "RKAS 5.2.1", "activity-target": "6 kelas",
    }  # fmt: skip
    response = post(client, path, data, token_from=path)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Tanggal selesai tidak boleh sebelum tanggal mulai" in body
    assert 'href="#activity-end_date"' in body  # the error summary links to the field
    response = post(client, path, {**data, "activity-end_date": "2026-12-01"}, token_from=path)
    assert response.status_code == 302
    session.expire_all()
    saved = session.get(SpmiActivity, activity.id)
    assert (saved.root_cause_id, saved.title) == (filled["other"].id, "Pojok baca dan numerasi")
    summaries = session.scalars(select(SpmiChange.summary).where(SpmiChange.item_id == activity.id,
                                                                 SpmiChange.item_kind == "activity")).all()  # fmt: skip
    assert summaries[1] == "Kegiatan “Pojok baca dan numerasi”: nama kegiatan diubah"
    assert summaries[2].startswith("Kegiatan “Pojok baca dan numerasi” dipindah dari akar masalah")


def test_other_users_cannot_edit(app, world, filled):
    cycle = filled["cycle"]
    wp = app.test_client()
    login(wp, world["users"]["widyaprada"])
    assert wp.get(f"/spmi/siklus/{cycle.id}/kegiatan/{filled['activity'].id}/ubah").status_code == 403
    school = app.test_client()
    login(school, world["users"]["principal"])
    assert school.get(f"/spmi/siklus/{cycle.id}/kegiatan/999999/ubah").status_code == 404


def test_removing_a_priority_asks_first_and_keeps_the_reviewers_notes(client, world, filled, session):
    cycle, first, cause = filled["cycle"], filled["first"], filled["cause"]
    first_id = first.id
    _return_with_notes(session, world, cycle, [
        ops.NoteInput("priority", first.id, "Alasan perlu data"),
        ops.NoteInput("root_cause", cause.id, "Akar masalah terlalu umum"),
    ])  # fmt: skip
    login(client, world["users"]["school_operator"])
    page = f"/spmi/siklus/{cycle.id}"
    path = f"{page}/prioritas/{first.id}/hapus"
    assert f'href="{path}"' in client.get(page).get_data(as_text=True)  # a link to the question, not a button
    html = client.get(path).get_data(as_text=True)
    assert "Hapus prioritas A.1?" in html and "Pojok baca" in html and 'id="notes-kept"' in html
    assert session.get(SpmiPriority, first.id) is not None  # asking removed nothing
    response = post(client, path, {}, token_from=path)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(SpmiPriority, first_id) is None
    notes = session.scalars(select(SpmiReviewNote).where(SpmiReviewNote.cycle_id == cycle.id)).all()
    assert len(notes) == 2
    html = client.get(page).get_data(as_text=True)
    since = html[html.index('id="since-return"') :]
    assert "Alasan perlu data" in since and "Akar masalah terlalu umum" in since
    assert since.count("(butir sudah dihapus)") == 2
    assert "Prioritas A.1 Kemampuan literasi dihapus, dengan 1 akar masalah dan 1 kegiatan" in since


def test_re_review_shows_previous_notes_changes_and_evidence(app, client, world, filled, session, settings):
    cycle, activity = filled["cycle"], filled["activity"]
    users = world["users"]
    evidence_ops.store_evidence(session, users["school_operator"], cycle.case_id, "foto-pojok-baca.png",
                                PNG, settings.evidence_path)  # fmt: skip
    _return_with_notes(
        session, world, cycle, [ops.NoteInput("activity", activity.id, "Target belum terukur")]
    )
    school = app.test_client()
    login(school, users["school_operator"])
    path = f"/spmi/siklus/{cycle.id}/kegiatan/{activity.id}/ubah"
    data = {
        "activity-root_cause_id": filled["cause"].id, "activity-title": "Pojok baca", "activity-snp": "sarpras",
        "activity-owner": "Pustakawan", "activity-start_date": "2026-08-01", "activity-end_date": "2026-12-01",
        "activity-budget_ref": "RKAS 5.2.1", "activity-target": "6 kelas, 40 buku per kelas",
    }  # fmt: skip
    assert post(school, path, data, token_from=path).status_code == 302
    session.refresh(cycle.case)
    ops.submit_phase(session, users["school_operator"], cycle.id, cycle.case.version)
    login(client, users["widyaprada"])
    html = client.get(f"/spmi/siklus/{cycle.id}").get_data(as_text=True)
    since = html[html.index('id="since-return"') : html.index("</section>", html.index('id="since-return"'))]
    assert "Tinjauan ulang" in since and "Target belum terukur" in since and "ditanggapi" in since
    assert "Kegiatan “Pojok baca”: target diubah" in since
    evidence = html[html.index('id="evidence"') :]
    assert "foto-pojok-baca.png" in evidence


def test_approving_asks_for_confirmation(app, client, world, filled, session):
    cycle = filled["cycle"]
    ops.submit_phase(session, world["users"]["school_operator"], cycle.id, cycle.case.version)
    session.refresh(cycle.case)
    login(client, world["users"]["widyaprada"])
    page = f"/spmi/siklus/{cycle.id}"
    html = client.get(page).get_data(as_text=True)
    assert f'href="{page}/setujui" id="action-approve"' in html
    html = client.get(f"{page}/setujui").get_data(as_text=True)
    assert 'id="confirm-approve"' in html and "2 prioritas" in html
    session.refresh(cycle.case)
    assert cycle.case.state == "penetapan_review"  # looking at the question approved nothing
    response = post(client, f"{page}/setujui", {"version": cycle.case.version, "comment": "Bagus"},
                    token_from=f"{page}/setujui")  # fmt: skip
    assert response.status_code == 302
    session.refresh(cycle.case)
    assert cycle.case.state == "pelaksanaan"
    # Nothing to approve any more: the question is not asked, the reason is said.
    response = client.get(f"{page}/setujui")
    assert response.status_code == 302 and response.location == page


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63fccf"
    "c0f01f0005000200f4d1e9bd0000000049454e44ae426082"
)
