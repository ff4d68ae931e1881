"""Log in, search the directory, open a school, log out — in a real Chromium against a real server."""

from __future__ import annotations

import pytest

from spmp.accounts import operations as accounts
from tests.browser.conftest import screenshot
from tests.factories import make_school

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-1"


@pytest.fixture(scope="module")
def people(live_database):
    with live_database.transaction() as session:
        school = make_school(
            session,
            regency_code="53.71",
            name="SMP Negeri 5 Kupang",
            bentuk="SMP",
            electricity_watts=1300,
            latitude=-10.17,
            longitude=123.6,
        )
        make_school(session, regency_code="53.71", name="SMP Negeri 6 Kupang")
        make_school(session, regency_code="35.78", name="SMP Negeri 5 Surabaya")
        accounts.create_user(
            session,
            username="browser.staf",
            full_name="Staf Peramban",
            password=PASSWORD,
            role="bpmp_staff",
            scope=accounts.Scope(unit_code="BPMP-NTT"),
        )
        return {"school_name": school.name, "npsn": school.npsn}


def test_login_search_open_school_logout(page, live_server, people):
    page.goto(f"{live_server}/sekolah")
    assert "/login" in page.url  # not logged in: sent to the login page
    page.fill("#username", "browser.staf")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/sekolah*")
    assert page.locator("h1").inner_text() == "Direktori Sekolah"

    page.fill("#q", "SMP Negeri 5")
    page.click("#cari")
    rows = page.locator("#school-list tbody tr")
    assert rows.count() == 1  # Surabaya's SMP Negeri 5 is outside BPMP NTT's area
    assert "SMP Negeri 5 Kupang" in rows.first.inner_text()
    screenshot(page, "directory")

    page.click("text=SMP Negeri 5 Kupang")
    assert page.locator("h1").inner_text() == people["school_name"]
    assert people["npsn"] in page.content()
    assert "di bawah 2.200 W" in page.content()
    screenshot(page, "school")

    page.click("#logout")
    page.wait_for_url(f"{live_server}/login")
    assert "Anda telah keluar" in page.content()
    page.goto(f"{live_server}/sekolah")
    assert "/login" in page.url
