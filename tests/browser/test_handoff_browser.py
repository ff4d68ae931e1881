"""Hand-offs seen on a phone (360 x 740) in a real Chromium: the school submits a phase, its Widyaprada is
told (unread count, notice) and finds it under "Menunggu tindakan saya"; the Widyaprada returns it with a
note, and the school is told, with the note, and finds the phase back under its own work. Two schools
with the same name are told apart by NPSN and regency. No page scrolls sideways.
Screenshots: handoff-dashboard-widyaprada, handoff-notifications-school, handoff-dashboard-school."""

from __future__ import annotations

import io
from datetime import date

import pytest

from spmp.accounts import operations as accounts
from spmp.engine import open_case
from spmp.spmi import operations as ops
from spmp.spmi.importer import import_indicators
from tests.browser.conftest import login, screenshot
from tests.factories import make_school

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-3"
PHONE = {"width": 360, "height": 740}
CSV = (
    "kode_indikator,nama_indikator,dimensi,nilai,capaian\nA.1,Kemampuan literasi,Hasil belajar,48.5,Kurang\n"
)


@pytest.fixture(scope="module")
def handoff_people(live_database):
    """A school with its filled-in Penetapan phase, a twin school of the same name in another regency
    with a supervision visit, and their Widyaprada."""
    with live_database.transaction() as session:
        school = make_school(session, regency_code="53.71", name="SD Negeri 4 Kupang")
        twin = make_school(session, regency_code="53.01", name="SD Negeri 4 Kupang")

        def user(username, full_name, role, **scope):
            return accounts.create_user(session, username=username, full_name=full_name, password=PASSWORD,
                                        role=role, scope=accounts.Scope(**scope))  # fmt: skip

        operator = user("op.handoff", "Operator SD 4", "school_operator", school_npsn=school.npsn)
        admin = user("admin.handoff", "Admin", "admin")
        staff = user("staf.handoff", "Staf BPMP", "bpmp_staff", unit_code="BPMP-NTT")
        wp = user("wp.handoff", "Widyaprada Handoff", "widyaprada", unit_code="BPMP-NTT")
        accounts.assign_schools(session, admin, wp, [school.npsn, twin.npsn])
        import_indicators(session, operator, io.BytesIO(CSV.encode()), filename="r.csv", school_id=school.id,
                          year=2026)  # fmt: skip
        cycle = ops.open_cycle(session, operator, school.id, 2026)
        priority = ops.add_priority(session, operator, cycle.id, "A.1", "Literasi rendah")
        cause = ops.add_root_cause(session, operator, cycle.id, priority.id, "Minat baca rendah")
        ops.add_activity(session, operator, cycle.id, ops.ActivityInput(
            cause.id, "Pojok baca", "sarpras", "Pustakawan", date(2026, 8, 1), date(2026, 12, 1), "RKAS 5.2", "6 kelas",
        ))  # fmt: skip
        ops.set_standard(session, operator, cycle.id, "sarpras", "Sarana literasi di semua kelas")
        open_case(session, staff, "school_visit", title="Supervisi SD 4 (Kab. Kupang)", school_id=twin.id,
                  assignee_user_id=wp.id)  # fmt: skip
        return {"school": school, "twin": twin}


def _login(page, base, username):
    login(page, base, username, PASSWORD)


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def _press(page, button):
    page.click(button)
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1, page.locator("main").inner_text()[:500]


def test_submit_and_return_are_told_and_move_between_worklists(browser, live_server, handoff_people):
    base = live_server
    school_ctx = browser.new_context(locale="id-ID", viewport=PHONE)
    wp_ctx = browser.new_context(locale="id-ID", viewport=PHONE)
    school, wp = school_ctx.new_page(), wp_ctx.new_page()
    _login(school, base, "op.handoff")
    _login(wp, base, "wp.handoff")

    # Before: the phase waits for the school; the Widyaprada has the twin's visit and waits on the school.
    school.goto(f"{base}/")
    assert "SD Negeri 4 Kupang" in school.locator("#worklist").inner_text()
    school.goto(f"{base}/spmi/sekolah")
    _press(school, "#action-submit")

    # The Widyaprada is told and finds the submission waiting for them, the twins told apart.
    wp.goto(f"{base}/")
    assert wp.locator("#unread-count").count() == 1
    for_me = wp.locator("#worklist").inner_text()
    assert "Penetapan Standar Mutu: ditinjau Widyaprada" in for_me
    assert f"NPSN {handoff_people['school'].npsn} · Kota Kupang" in for_me
    assert f"NPSN {handoff_people['twin'].npsn} · Kabupaten Kupang" in for_me
    _no_sideways_scroll(wp)
    screenshot(wp, "handoff-dashboard-widyaprada")
    wp.goto(f"{base}/notifikasi")
    assert "Penetapan Standar Mutu diajukan: SD Negeri 4 Kupang" in wp.locator("#notifications").inner_text()
    _no_sideways_scroll(wp)

    school.goto(f"{base}/")
    assert "Widyaprada Handoff" in school.locator("#worklist-others").inner_text()  # whom it waits on

    # Returned with a note: the school is told, with the note, and the phase is its work again.
    wp.goto(f"{base}/spmi/tinjauan")
    wp.click("#queue tbody tr >> nth=0 >> a")
    wp.wait_for_load_state()
    wp.locator("textarea[name^='note-priority-']").first.fill("Sebutkan data Rapor yang dipakai")
    _press(wp, "#action-send_back")

    school.goto(f"{base}/notifikasi")
    notices = school.locator("#notifications").inner_text()
    assert "dikembalikan untuk diperbaiki" in notices and "Sebutkan data Rapor yang dipakai" in notices
    _no_sideways_scroll(school)
    screenshot(school, "handoff-notifications-school")
    school.goto(f"{base}/")
    assert "Penetapan Standar Mutu" in school.locator("#worklist").inner_text()
    _no_sideways_scroll(school)
    screenshot(school, "handoff-dashboard-school")
    school_ctx.close()
    wp_ctx.close()
