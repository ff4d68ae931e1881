"""A Widyaprada task on phones (360 x 740) in a real Chromium: the head creates it on the form, the
Widyaprada schedules it with the date picker's value and files the report with a follow-up, the head
approves, and the school finds the follow-up and marks it done with a file. No page scrolls sideways.
Screenshots: wp-task-new-head, wp-task-page, wp-task-report, wp-follow-ups-school."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spmp import clock
from spmp.accounts import operations as accounts
from tests.browser.conftest import login, screenshot
from tests.factories import make_school

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-12"
PHONE = {"width": 360, "height": 740}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def task_people(live_database):
    with live_database.transaction() as session:
        school = make_school(session, regency_code="53.71", name="SD Negeri 12 Kupang")

        def user(username, full_name, role, **scope):
            return accounts.create_user(session, username=username, full_name=full_name, password=PASSWORD,
                                        role=role, scope=accounts.Scope(**scope))  # fmt: skip

        admin = user("admin.tugas", "Admin", "admin")
        user("kepala.tugas", "Kepala BPMP Tugas", "bpmp_head", unit_code="BPMP-NTT")
        wp = user("wp.tugas", "Widyaprada Tugas", "widyaprada", unit_code="BPMP-NTT")
        user("op.tugas", "Operator SD 12", "school_operator", school_npsn=school.npsn)
        accounts.assign_schools(session, admin, wp, [school.npsn])
        return {"school": school, "wp_id": wp.id}


def _login(page, base, username):
    login(page, base, username, PASSWORD)


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def _press(page, selector):
    page.click(selector)
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1, page.locator("main").inner_text()[:800]


def test_task_from_form_to_school_follow_up(browser, live_server, task_people, tmp_path):
    base, school = live_server, task_people["school"]
    today = clock.now().date()
    pages = {}
    for name in ("kepala.tugas", "wp.tugas", "op.tugas"):
        pages[name] = browser.new_context(locale="id-ID", viewport=PHONE).new_page()
        _login(pages[name], base, name)
    head, wp, op = pages["kepala.tugas"], pages["wp.tugas"], pages["op.tugas"]

    head.goto(f"{base}/widyaprada/tugas/baru")
    head.select_option("#kind", "supervisi")
    head.select_option("#scope", "school")
    head.fill("#npsns", school.npsn)
    head.fill("#purpose", "Supervisi pembelajaran kelas awal")
    head.fill("#planned_start", today.isoformat())
    head.fill("#planned_end", (today + timedelta(days=30)).isoformat())
    head.fill("#due_date", (today + timedelta(days=14)).isoformat())
    head.select_option("#assignee_user_id", str(task_people["wp_id"]))
    _fits(head)
    screenshot(head, "wp-task-new-head")
    _press(head, "#task-form button[type=submit]")
    task_url = head.url
    assert "/widyaprada/tugas/" in task_url

    wp.goto(task_url)
    wp.fill("#in-schedule-visit_date", (today + timedelta(days=3)).isoformat())  # a date input
    _press(wp, "button[data-trigger=schedule]")
    assert wp.locator("#task-state").inner_text() == "Terjadwal"
    _fits(wp)
    screenshot(wp, "wp-task-page")
    wp.click("#write-report")
    wp.wait_for_load_state()
    wp.fill("#findings", "Guru kelas 1 belum memakai asesmen awal membaca.")
    wp.fill("#recommendations", "Latih guru memakai asesmen diagnostik.")
    wp.fill("#fu-text-1", "Asesmen diagnostik membaca kelas 1-3")
    _fits(wp)
    screenshot(wp, "wp-task-report")
    wp.click("#report-form button[type=submit]")  # sent by the offline script (report.js)
    wp.wait_for_selector("#report-status[data-state='sent']")
    wp.goto(task_url)
    _press(wp, "button[data-trigger=submit_report]")

    head.goto(task_url)
    _press(head, "button[data-trigger=approve]")
    assert head.locator("#task-state").inner_text() == "Ditutup"

    op.goto(f"{base}/sekolah/{school.id}/tindak-lanjut")
    item = op.locator(".follow-up-item").first
    assert "Asesmen diagnostik membaca kelas 1-3" in item.inner_text()
    evidence = tmp_path / "hasil-asesmen.pdf"
    evidence.write_bytes(PDF)
    item.locator("textarea").fill("Asesmen selesai untuk 3 kelas")
    item.locator("input[type=file]").set_input_files(str(evidence))
    _press(op, ".follow-up-item button[type=submit]")
    assert "Selesai" in op.locator(".follow-up-item").first.inner_text()
    _fits(op)
    screenshot(op, "wp-follow-ups-school")
    for page in pages.values():
        page.context.close()
