"""SPMI pages: the school's cycle page with its forms (Indonesian messages next to fields), the
Widyaprada's review (approve, return with notes on items), the queue, B/BPMP progress and bulk open."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from spmp.spmi import operations as ops
from spmp.spmi.importer import import_indicators
from spmp.spmi.models import SpmiCycle, SpmiPriority, SpmiReviewNote
from tests.web.conftest import login, post

YEAR = 2026
CSV = (
    "kode_indikator,nama_indikator,dimensi,nilai,capaian\nA.1,Kemampuan literasi,Hasil belajar,48.5,Kurang\n"
)


@pytest.fixture
def cycle(session, world):
    users = world["users"]
    import_indicators(session, users["school_operator"], io.BytesIO(CSV.encode()), filename="r.csv",
                      school_id=world["inside"].id, year=YEAR)  # fmt: skip
    return ops.open_cycle(session, users["school_operator"], world["inside"].id, YEAR)


def _page(client, cycle):
    return client.get(f"/spmi/siklus/{cycle.id}").get_data(as_text=True)


def _fill_penetapan(client, cycle, session):
    path = f"/spmi/siklus/{cycle.id}"
    assert (
        post(
            client,
            f"{path}/prioritas",
            {"priority-indicator_code": "A.1", "priority-reason": "Literasi rendah"},
            token_from=path,
        ).status_code
        == 302
    )
    priority = session.scalar(select(SpmiPriority).where(SpmiPriority.cycle_id == cycle.id))
    post(
        client,
        f"{path}/akar-masalah",
        {"root_cause-priority_id": priority.id, "root_cause-description": "Minat baca rendah"},
        token_from=path,
    )
    session.expire_all()
    cause_id = session.scalar(select(SpmiPriority).where(SpmiPriority.cycle_id == cycle.id)).root_causes[0].id
    response = post(client, f"{path}/kegiatan", {
        "activity-root_cause_id": cause_id, "activity-title": "Pojok baca kelas", "activity-snp": "sarpras",
        "activity-owner": "Pustakawan", "activity-start_date": "2026-08-01", "activity-end_date": "2026-12-01",
        "activity-budget_ref": "RKAS 5.2.1", "activity-target": "Pojok baca di 6 kelas",
    }, token_from=path)  # fmt: skip
    assert response.status_code == 302
    post(
        client,
        f"{path}/standar",
        {"standard-snp": "sarpras", "standard-target": "Sarana literasi tiap kelas"},
        token_from=path,
    )


def test_school_forms_validate_in_indonesian(client, world, cycle):
    login(client, world["users"]["school_operator"])
    path = f"/spmi/siklus/{cycle.id}"
    html = _page(client, cycle)
    assert "Penetapan Standar Mutu" in html and "Pilih minimal satu indikator prioritas" in html
    response = post(
        client,
        f"{path}/prioritas",
        {"priority-indicator_code": "A.1", "priority-reason": ""},
        token_from=path,
    )
    assert response.status_code == 400
    assert re.search(r"has-error.*?Wajib diisi", response.get_data(as_text=True), re.S)
    response = post(
        client, f"{path}/kegiatan", {"activity-title": "x", "activity-start_date": "kemarin"}, token_from=path
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Tanggal tidak valid" in body and "Pilih standar." in body


def test_cycle_through_review_with_return(client, app, world, cycle, session):
    users = world["users"]
    login(client, users["school_operator"])
    _fill_penetapan(client, cycle, session)
    path = f"/spmi/siklus/{cycle.id}"
    session.refresh(cycle.case)
    response = post(client, f"{path}/ajukan", {"version": cycle.case.version}, token_from=path)
    assert response.status_code == 302
    # A stale version (double click) changes nothing and says so.
    response = post(client, f"{path}/ajukan", {"version": cycle.case.version}, token_from=path)
    assert response.status_code == 302
    client.get("/logout")
    wp = app.test_client()
    login(wp, users["widyaprada"])
    assert "SD Negeri 1 Kupang" in wp.get("/spmi/tinjauan").get_data(as_text=True)
    session.refresh(cycle.case)
    assert cycle.case.state == "penetapan_review"
    priority = session.scalar(select(SpmiPriority).where(SpmiPriority.cycle_id == cycle.id))
    response = post(
        wp,
        f"{path}/kembalikan",
        {"version": cycle.case.version, f"note-priority-{priority.id}": "Alasan perlu data"},
        token_from=path,
    )
    assert response.status_code == 302
    note = session.scalar(select(SpmiReviewNote).where(SpmiReviewNote.cycle_id == cycle.id))
    assert (note.item_kind, note.item_id) == ("priority", priority.id)
    school = app.test_client()
    login(school, users["principal"])
    html = school.get(path).get_data(as_text=True)
    assert "Alasan perlu data" in html and 'id="returned"' in html
    session.refresh(cycle.case)
    assert post(school, f"{path}/ajukan", {"version": cycle.case.version}, token_from=path).status_code == 302
    session.refresh(cycle.case)
    assert post(wp, f"{path}/setujui", {"version": cycle.case.version}, token_from=path).status_code == 302
    session.refresh(cycle.case)
    assert cycle.case.state == "pelaksanaan"


def test_school_opens_its_own_cycle_and_progress_pages(client, app, world, session):
    users = world["users"]
    login(client, users["school_operator"])
    assert "Buka siklus" in client.get("/spmi/sekolah").get_data(as_text=True)
    response = post(client, "/spmi/sekolah/buka", {"year": "dua ribu"}, token_from="/spmi/sekolah")
    assert response.status_code == 400 and "Harus berupa bilangan bulat" in response.get_data(as_text=True)
    response = post(client, "/spmi/sekolah/buka", {"year": "2026"}, token_from="/spmi/sekolah")
    assert response.status_code == 302
    assert client.get("/spmi/sekolah").status_code == 302  # now goes straight to the cycle
    staff = app.test_client()
    login(staff, users["bpmp_staff"])
    assert (
        post(staff, "/spmi/progres/buka", {"year": "2026"}, token_from="/spmi/progres?tahun=2026").status_code
        == 302
    )
    html = staff.get("/spmi/progres?tahun=2026").get_data(as_text=True)
    assert "Kota Kupang" in html and "100%" in html
    html = staff.get("/spmi/progres/53.71?tahun=2026&status=penetapan").get_data(as_text=True)
    assert world["inside"].name in html
    assert session.scalar(select(SpmiCycle).where(SpmiCycle.school_id == world["outside"].id)) is None


def test_indicator_upload_reports_bad_rows(client, world):
    login(client, world["users"]["school_operator"])
    path = f"/spmi/sekolah/{world['inside'].id}/indikator"
    bad = b"kode_indikator,nama_indikator,dimensi,nilai,capaian\nA.1,Literasi,H,abc,Kurang\n"
    response = post(client, path, {"year": "2026", "file": (io.BytesIO(bad), "rapor.csv")}, token_from=path,
                    content_type="multipart/form-data")  # fmt: skip
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "baris 2, nilai: harus angka" in body
    response = post(client, path, {"year": "2026", "file": (io.BytesIO(CSV.encode()), "rapor.csv")}, token_from=path,
                    content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302


def test_widyaprada_reviews_side_by_side_with_last_year(client, world, session):
    from datetime import date

    users = world["users"]
    op, school = users["school_operator"], world["inside"]
    for year in (YEAR - 1, YEAR):
        import_indicators(
            session, op, io.BytesIO(CSV.encode()), filename="r.csv", school_id=school.id, year=year
        )
    cycles = {}
    for year, reason in ((YEAR - 1, "Alasan tahun lalu"), (YEAR, "Alasan tahun ini")):
        cycle = ops.open_cycle(session, op, school.id, year)
        priority = ops.add_priority(session, op, cycle.id, "A.1", reason)
        cause = ops.add_root_cause(session, op, cycle.id, priority.id, f"Sebab {year}")
        ops.add_activity(session, op, cycle.id, ops.ActivityInput(cause.id, f"Kegiatan {year}", "isi", "Guru", date(year, 8, 1),
                                                                  date(year, 9, 1), "RKAS", "Target"))  # fmt: skip
        ops.set_standard(session, op, cycle.id, "isi", "Target isi")
        cycles[year] = cycle
    ops.submit_phase(session, op, cycles[YEAR].id, cycles[YEAR].case.version)
    login(client, users["widyaprada"])
    html = client.get(f"/spmi/siklus/{cycles[YEAR].id}").get_data(as_text=True)
    assert 'id="previous"' in html and "Alasan tahun lalu" in html and "Alasan tahun ini" in html
    assert html.index('id="content"') < html.index('id="previous"')
    assert 'name="note-priority-' in html  # note boxes on this year's items only
    assert html.count('name="note-priority-') == 1


def test_bulk_indicator_upload_for_bpmp(app, client, world, session):
    from spmp.spmi.models import RaporIndicator

    login(client, world["users"]["bpmp_staff"])
    data = ("npsn,kode_indikator,nama_indikator,dimensi,nilai,capaian\n"
            f"{world['inside'].npsn},A.1,Literasi,Hasil belajar,50,Kurang\n"
            f"{world['outside'].npsn},A.1,Literasi,Hasil belajar,60,Sedang\n")  # fmt: skip
    response = post(client, "/spmi/indikator", {"year": "2026", "file": (io.BytesIO(data.encode()), "b.csv")},
                    token_from="/spmi/indikator", content_type="multipart/form-data")  # fmt: skip
    body = response.get_data(as_text=True)
    assert (
        response.status_code == 400
        and "baris 3, npsn: sekolah tidak ditemukan atau di luar wilayah Anda" in body
    )
    assert (
        session.scalar(select(RaporIndicator.id).where(RaporIndicator.school_id == world["inside"].id))
        is None
    )
    school = app.test_client()
    login(school, world["users"]["school_operator"])
    assert school.get("/spmi/indikator").status_code == 403


def test_a_step_refused_as_stale_leaves_nothing_written(client, world, cycle, session, monkeypatch):
    """A step that wrote something and then lost the race (StaleCaseError from the engine) is undone,
    although the answer is a redirect (which would otherwise commit the request's session)."""
    from spmp.engine import StaleCaseError

    def write_then_lose(s, user, cycle_id, version):
        s.get(SpmiCycle, cycle_id).next_plan = "setengah jadi"
        s.flush()
        raise StaleCaseError()

    monkeypatch.setattr(ops, "submit_phase", write_then_lose)
    login(client, world["users"]["school_operator"])
    path = f"/spmi/siklus/{cycle.id}"
    response = post(client, f"{path}/ajukan", {"version": cycle.case.version}, token_from=path)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(SpmiCycle, cycle.id).next_plan is None
