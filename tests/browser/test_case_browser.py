"""A Widyaprada schedules a supervision visit on the case page in Chromium; the diagram renders."""

from __future__ import annotations

import pytest

from spmp.accounts import operations as accounts
from spmp.engine import operations as cases
from tests.browser.conftest import login, screenshot
from tests.factories import make_school

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-2"


@pytest.fixture(scope="module")
def visit_case(live_database):
    with live_database.transaction() as session:
        school = make_school(session, regency_code="53.10", name="SD Inpres Oebobo")
        wp = accounts.create_user(
            session,
            username="browser.wp",
            full_name="Widyaprada Peramban",
            password=PASSWORD,
            role="widyaprada",
            scope=accounts.Scope(unit_code="BPMP-NTT"),
        )
        accounts.assign_schools(session, wp, wp, [school.npsn])
        case = cases.open_case(
            session,
            wp,
            "school_visit",
            title="Supervisi pembelajaran",
            school_id=school.id,
            assignee_user_id=wp.id,
        )
        return case.id


def test_schedule_visit_on_case_page(page, live_server, visit_case):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, live_server, "browser.wp", PASSWORD)
    page.goto(f"{live_server}/kasus/{visit_case}")
    page.wait_for_selector("#diagram svg", timeout=15_000)  # the server drew the state diagram
    assert page.locator("#case-state").inner_text() == "Draf"
    page.fill("input[name=input_visit_date]", "2026-12-03")
    page.click("button[data-trigger=schedule]")
    page.wait_for_selector("text=Berhasil: Draf → Terjadwal")
    assert page.locator("#case-state").inner_text() == "Terjadwal"
    assert page.locator("#timeline tbody tr").count() == 2
    screenshot(page, "case-page")
    assert not [e for e in errors if "Content Security Policy" in e], errors
