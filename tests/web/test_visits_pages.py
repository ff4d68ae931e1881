"""The visit pages over HTTP: planning shows the warnings with their reasons and needs a reason to go on
(audited); the calendar shows a multi-day trip on each of its days; downloads; school holidays recorded by
an admin warn the planner."""

from __future__ import annotations

import json
import re
from datetime import date

from sqlalchemy import select

from spmp.audit import AuditEvent
from spmp.visits.models import SchoolHoliday, Visit
from tests.web.conftest import login, post


def _plan(client, world, start, end="", reason=""):
    wp = world["users"]["widyaprada"]
    return post(client, "/kunjungan/rencana", {"widyaprada_id": str(wp.id), "npsn": world["inside"].npsn,
                "start": start, "end": end, "purpose": "Supervisi pembelajaran", "override_reason": reason},
                token_from="/kunjungan/rencana")  # fmt: skip


def test_plan_on_cuti_bersama_warns_then_override_is_audited(client, world, session):
    login(client, world["users"]["widyaprada"])
    refused = _plan(client, world, "2026-12-24")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'data-code="cuti_bersama"' in html and "Cuti Bersama Hari Raya Natal" in html
    assert session.scalar(select(Visit.id)) is None
    done = _plan(client, world, "2026-12-24", reason="Jadwal ujian sekolah, hanya hari ini bisa")
    assert done.status_code == 302
    visit = session.scalars(select(Visit)).one()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "visit_override")).one()
    assert event.reason == "Jadwal ujian sekolah, hanya hari ini bisa"
    assert json.loads(event.changes)["visit_id"] == visit.id
    assert "Peringatan diabaikan" in client.get(done.location).get_data(as_text=True)


def test_calendar_shows_a_trip_on_each_day_and_downloads(client, world):
    login(client, world["users"]["widyaprada"])
    assert _plan(client, world, "2026-09-08", "2026-09-10").status_code == 302
    page = client.get("/kunjungan?tanggal=2026-09-01").get_data(as_text=True)
    for n in (1, 2, 3):
        assert f"(hari {n}/3)" in page
    assert "September 2026" in page
    week = client.get("/kunjungan?tanggal=2026-09-09&tampilan=minggu").get_data(as_text=True)
    assert week.count('class="cal-day') == 7 and "(hari 2/3)" in week
    csv = client.get("/kunjungan?tanggal=2026-09-01&format=csv").get_data(as_text=True)
    assert world["inside"].npsn in csv and "Supervisi pembelajaran" in csv
    assert "Agustus 2026" in client.get("/kunjungan?tanggal=2026-08-15").get_data(as_text=True)


def test_unit_head_sees_the_unit_calendar(app, client, world, session):
    login(client, world["users"]["widyaprada"])
    _plan(client, world, "2026-09-08")
    head = app.test_client()
    login(head, world["users"]["bpmp_head"])
    page = head.get("/kunjungan?tanggal=2026-09-01").get_data(as_text=True)
    assert world["inside"].name in page and "Wp_Ntt" in page
    visit_id = session.scalar(select(Visit.id))
    assert head.get(f"/kunjungan/{visit_id}").status_code == 200


def test_admin_records_a_school_holiday_and_planning_warns(app, client, world, session):
    login(client, world["users"]["admin"])
    response = post(client, "/admin/libur-sekolah", {"province_code": "53", "name": "Libur semester ganjil NTT",
                    "start": "2026-12-21", "end": "2027-01-02", "source": "Kalender pendidikan NTT 2026/2027"},
                    token_from="/admin/libur-sekolah")  # fmt: skip
    assert response.status_code == 302
    assert session.scalars(select(SchoolHoliday)).one().start_date == date(2026, 12, 21)
    assert "Libur semester ganjil NTT" in client.get("/admin/libur-sekolah?format=csv").get_data(as_text=True)
    bad = post(client, "/admin/libur-sekolah", {"province_code": "53", "name": "x", "start": "2026-12-21",
               "end": "2026-12-01"}, token_from="/admin/libur-sekolah")  # fmt: skip
    assert bad.status_code == 422 and "tidak boleh sebelum" in bad.get_data(as_text=True)
    client = app.test_client()
    login(client, world["users"]["widyaprada"])
    html = _plan(client, world, "2026-12-22").get_data(as_text=True)
    assert re.search(
        r'data-code="school_holiday">Libur sekolah di provinsi ini: Libur semester ganjil NTT', html
    )
