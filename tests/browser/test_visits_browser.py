"""A Widyaprada on a phone (360 px) plans a visit on a cuti bersama day in a real Chromium, sees the
warning with its reason, overrides it with a reason, plans a three-day trip, and reads the calendar as an
agenda without sideways scroll. Screenshots: test-artifacts/visits-calendar-360-*.png (phone agenda),
visits-warning-360-*.png and visits-calendar-wide-*.png (month grid)."""

from __future__ import annotations

import pytest

from spmp.accounts import operations as accounts
from tests.browser.conftest import login, screenshot
from tests.factories import make_school

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-3"


@pytest.fixture(scope="module")
def visit_people(live_database):
    with live_database.transaction() as session:
        school = make_school(session, regency_code="53.01", name="SD Inpres Oelamasi Kabupaten Kupang")
        admin = accounts.create_user(session, username="admin.visit.browser", full_name="Admin", password=PASSWORD,
                                     role="admin", scope=accounts.Scope())  # fmt: skip
        wp = accounts.create_user(session, username="wp.visit.browser", full_name="Widyaprada Oelamasi",
                                  password=PASSWORD, role="widyaprada", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip
        accounts.assign_schools(session, admin, wp, [school.npsn])
        return {"npsn": school.npsn, "school": school.name}


def _plan(page, base, npsn, start, end="", reason=None):
    page.goto(f"{base}/kunjungan/rencana")
    page.fill("#npsn", npsn)
    page.fill("#start", start)
    if end:
        page.fill("#end", end)
    page.fill("#purpose", "Pendampingan SPMI")
    if reason:
        page.fill("#override_reason", reason)
    page.click("form#plan-form button[type=submit]")
    page.wait_for_load_state()


def _fits(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_widyaprada_plans_on_a_phone_sees_the_warning_and_the_agenda(browser, live_server, visit_people):
    context = browser.new_context(locale="id-ID", viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    base = live_server
    login(page, base, "wp.visit.browser", PASSWORD)

    _plan(page, base, visit_people["npsn"], "2026-12-24")
    warning = page.locator("#visit-warnings [data-code=cuti_bersama]")
    assert warning.count() == 1 and "Cuti Bersama Hari Raya Natal" in warning.inner_text()
    assert _fits(page) <= 360
    screenshot(page, "visits-warning-360")
    page.fill("#override_reason", "Sekolah meminta hari ini; guru hadir")
    page.click("form#plan-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    assert "Sekolah meminta hari ini" in page.locator("#visit-facts").inner_text()

    _plan(page, base, visit_people["npsn"], "2026-12-08", "2026-12-10")
    assert page.locator(".flash-success").count() == 1, page.locator("main").inner_text()[:400]
    page.goto(f"{base}/kunjungan?tanggal=2026-12-01")
    agenda = page.locator("#calendar")
    assert "(hari 2/3)" in agenda.inner_text() and "Cuti Bersama" in agenda.inner_text()
    assert page.locator(".cal-day.empty").first.is_hidden()  # phones: an agenda, empty days hidden
    assert _fits(page) <= 360
    screenshot(page, "visits-calendar-360")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    assert page.locator(".cal-day.empty").first.is_visible()  # wide: the month grid
    screenshot(page, "visits-calendar-wide")
    context.close()
