"""Issue 12's journey in a real Chromium, every page at 360 px without sideways scroll: the head creates a
task and assigns it in bulk (Penugasan massal: the unit's open supervision tasks in Sumba Timur to one
Widyaprada, previewed first), the Widyaprada schedules its visit in a week when the school is already visited and sees the clash warning with
its reason, goes ahead with a reason (the visit is on the calendar), files the report at 360 px, the head
approves it, and the school sees the follow-up actions. Screenshots test-artifacts/journey-1..7-*.png."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spmp import clock
from spmp.accounts import operations as accounts
from spmp.engine.calendar import holiday_name
from spmp.visits.operations import plan_visit
from tests.browser.conftest import assert_fits, login, screenshot
from tests.factories import make_school

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-journey"
PHONE = {"width": 360, "height": 740}


def _ordinary_tuesday():
    """A Tuesday two or more weeks ahead whose week has no national holiday or cuti bersama."""
    day = clock.now().date() + timedelta(days=14)
    day += timedelta(days=(1 - day.weekday()) % 7)
    while any(holiday_name(day + timedelta(days=n)) for n in range(-1, 4)):
        day += timedelta(days=7)
    return day


@pytest.fixture(scope="module")
def journey(live_database):
    day = _ordinary_tuesday()
    with live_database.transaction() as session:
        school = make_school(session, regency_code="53.11", name="SD Negeri 5 Waingapu")

        def user(username, full_name, role, **scope):
            return accounts.create_user(session, username=username, full_name=full_name, password=PASSWORD,
                                        role=role, scope=accounts.Scope(**scope))  # fmt: skip

        admin = user("admin.journey", "Admin", "admin")
        user("kepala.journey", "Kepala BPMP NTT", "bpmp_head", unit_code="BPMP-NTT")
        wp = user("wp.journey", "Maria Ndapa, M.Pd.", "widyaprada", unit_code="BPMP-NTT")
        colleague = user("wp2.journey", "Yohanes Rihi, S.Pd.", "widyaprada", unit_code="BPMP-NTT")
        user("op.journey", "Operator SD 5 Waingapu", "school_operator", school_npsn=school.npsn)
        accounts.assign_schools(session, admin, wp, [school.npsn])
        accounts.assign_schools(session, admin, colleague, [school.npsn])
        # Another Widyaprada already visits the school on Thursday of that week (SPMI mentoring).
        plan_visit(session, colleague, widyaprada=colleague, school_id=school.id, start=day + timedelta(days=2),
                   end=day + timedelta(days=2), purpose="Pendampingan SPMI")  # fmt: skip
        return {"school_id": school.id, "npsn": school.npsn, "wp_id": wp.id, "day": day}


def _press(page, selector):
    with page.expect_navigation():
        page.click(selector)
    assert page.locator(".flash-success").count() == 1, page.locator("main").inner_text()[:800]


def test_assign_schedule_with_clash_report_approve_follow_up(browser, live_server, journey):
    base, day = live_server, journey["day"]
    today = clock.now().date()
    pages = {}
    for name in ("kepala.journey", "wp.journey", "op.journey"):
        pages[name] = browser.new_context(locale="id-ID", viewport=PHONE).new_page()
        login(pages[name], base, name, PASSWORD)
    head, wp, op = pages["kepala.journey"], pages["wp.journey"], pages["op.journey"]

    # 1. The head creates a supervision task, then assigns the open ones in bulk to the Widyaprada.
    head.goto(f"{base}/widyaprada/tugas/baru")
    head.select_option("#kind", "supervisi")
    head.select_option("#scope", "school")
    head.fill("#npsns", journey["npsn"])
    head.fill("#purpose", "Supervisi pembelajaran literasi kelas awal")
    head.fill("#planned_start", today.isoformat())
    head.fill("#planned_end", (day + timedelta(days=20)).isoformat())
    head.fill("#due_date", (day + timedelta(days=10)).isoformat())
    head.select_option("#assignee_user_id", "")  # assigned below, in bulk
    assert_fits(head)
    screenshot(head, "journey-1-head-creates")
    _press(head, "#task-form button[type=submit]")
    task_url = head.url
    head.goto(f"{base}/widyaprada/penugasan-massal")
    head.select_option("#mode", "tugas")
    head.select_option("#ke", str(journey["wp_id"]))
    head.select_option("#kabupaten", "53.11")
    head.select_option("#jenis", "supervisi")
    with head.expect_navigation():
        head.click("#bulk-form button[type=submit]")
    assert "kepada Maria Ndapa, M.Pd." in head.inner_text("#preview h2")
    assert "Supervisi — SD Negeri 5 Waingapu" in head.inner_text("#preview-rows")
    head.fill("#reason", "Pembagian tugas supervisi semester genap")
    assert_fits(head)
    screenshot(head, "journey-1b-bulk-preview")
    _press(head, "#apply-bulk button[type=submit]")
    head.goto(task_url)
    assert "Maria Ndapa, M.Pd." in head.inner_text("main")

    # 2. The Widyaprada schedules the visit that Tuesday: the school is visited that week already.
    wp.goto(task_url)
    wp.fill("#in-schedule-visit_date", day.isoformat())
    with wp.expect_navigation():
        wp.click("button[data-trigger=schedule]")
    warning = wp.locator(".flash-danger").inner_text()
    assert "Peringatan jadwal: Sekolah ini sudah dikunjungi pada minggu yang sama" in warning
    assert "Yohanes Rihi" in warning and wp.locator("#task-state").inner_text() == "Direncanakan"
    assert_fits(wp)
    screenshot(wp, "journey-2-clash-warning")

    # 3. It goes ahead with a reason; the visit is on the calendar, with the overridden warning.
    wp.fill("#in-schedule-visit_date", day.isoformat())
    wp.fill(
        "#in-schedule-override_reason",
        "Kepala sekolah hanya ada hari Selasa; jadwal dengan Pak Yohanes berbeda kelas",
    )
    _press(wp, "button[data-trigger=schedule]")
    assert wp.locator("#task-state").inner_text() == "Terjadwal"
    assert "peringatan diabaikan" in wp.inner_text("#visit-date")
    with wp.expect_navigation():
        wp.click(".task-visit")
    assert "Kepala sekolah hanya ada hari Selasa" in wp.inner_text("#visit-facts")
    assert_fits(wp)
    screenshot(wp, "journey-3-visit-on-calendar")

    # 4. The report, at 360 px, with a follow-up for the school; then it is handed to the head.
    wp.goto(f"{task_url}/laporan")
    wp.fill("#findings", "Guru kelas 1-3 belum memakai asesmen awal membaca; pojok baca belum ada.")
    wp.fill("#recommendations", "Asesmen diagnostik membaca tiap awal semester; pojok baca di tiap kelas.")
    wp.fill("#fu-text-1", "Lakukan asesmen diagnostik membaca kelas 1-3")
    wp.fill("#fu-due-1", (day + timedelta(days=30)).isoformat())
    wp.fill("#fu-text-2", "Siapkan pojok baca di kelas 1-3")
    assert_fits(wp)
    screenshot(wp, "journey-4-report-360")
    wp.click("#report-form button[type=submit]")
    wp.wait_for_selector("#report-status[data-state='sent']")
    wp.goto(task_url)
    _press(wp, "button[data-trigger=submit_report]")
    assert wp.locator("#task-state").inner_text() == "Laporan diserahkan"

    # 5. The head approves.
    head.goto(task_url)
    assert "pojok baca belum ada" in head.inner_text("#report")
    _press(head, "button[data-trigger=approve]")
    assert head.locator("#task-state").inner_text() == "Ditutup"
    assert_fits(head)
    screenshot(head, "journey-5-head-approved")

    # 6. The school sees its follow-up actions (and was told).
    op.goto(f"{base}/sekolah/{journey['school_id']}/tindak-lanjut")
    items = op.locator(".follow-up-item")
    assert items.count() == 2
    assert "Lakukan asesmen diagnostik membaca kelas 1-3" in op.inner_text("main")
    assert_fits(op)
    screenshot(op, "journey-6-school-follow-ups")
    op.goto(f"{base}/notifikasi")
    assert "Tindak lanjut dari Widyaprada" in op.inner_text("main")
    assert_fits(op)
    screenshot(op, "journey-7-school-notice")
    for page in pages.values():
        page.context.close()
