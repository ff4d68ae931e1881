"""Revitalisasi monitoring and recommendations in a real Chromium on a phone (360 x 740): a regency's Dinas
reads its schools' stages on the monitoring page and turns a recommended school into a draft proposal in
one click; a B/BPMP head drills down from its provinces to a regency. No page scrolls sideways; the
one-click button is a 44 px target. Screenshots: revit-monitoring-unit, revit-monitoring-regency,
revit-recommendation (360 px)."""

from __future__ import annotations

import pytest

from spmp.accounts import operations as accounts
from spmp.revitalisasi import operations as ops
from tests.browser.conftest import assert_fits, login, screenshot
from tests.factories import make_school
from tests.spmp.revitalisasi.support import proposal_input

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-13"
PHONE = {"width": 360, "height": 740}
YEAR = 2029  # a year of its own in the shared live database


@pytest.fixture(scope="module")
def people(live_database):
    with live_database.transaction() as session:

        def user(username, role, **scope):
            return accounts.create_user(session, username=username, full_name=username.title(), password=PASSWORD,
                                        role=role, scope=accounts.Scope(**scope))  # fmt: skip

        dinas = user("dinas.kupang.pantau", "dinas_regency", regency_code="53.71")
        user("kepala.pantau", "bpmp_head", unit_code="BPMP-NTT")
        for n in range(3):
            school = make_school(session, regency_code="53.71", name=f"SD Negeri {n + 41} Pantau Kupang Timur")
            ops.create_proposal(session, dinas, proposal_input(school, year=YEAR))
        make_school(session, regency_code="53.71", name="SD Negeri 49 Rekomendasi Kupang", last_rehab_year=2001)


def test_a_dinas_monitors_and_drafts_a_head_drills_down(browser, live_server, people):
    base = live_server
    dinas = browser.new_context(locale="id-ID", viewport=PHONE).new_page()
    login(dinas, base, "dinas.kupang.pantau", PASSWORD)
    dinas.goto(f"{base}/revitalisasi/pemantauan?tahun={YEAR}")
    assert "SD Negeri 41 Pantau Kupang Timur" in dinas.locator("#monitoring").inner_text()
    assert_fits(dinas)
    screenshot(dinas, "revit-monitoring-regency")
    dinas.goto(f"{base}/revitalisasi/rekomendasi?tahun={YEAR}")
    assert_fits(dinas)
    screenshot(dinas, "revit-recommendation")
    row = dinas.locator("#recommendations tr", has_text="SD Negeri 49 Rekomendasi Kupang")
    button = row.locator("button")
    assert button.bounding_box()["height"] >= 44
    button.click()
    dinas.wait_for_load_state()
    assert "/ubah" in dinas.url and "Draf usulan" in dinas.locator(".flash-success").inner_text()

    head = browser.new_context(locale="id-ID", viewport=PHONE).new_page()
    login(head, base, "kepala.pantau", PASSWORD)
    head.goto(f"{base}/revitalisasi/pemantauan?tahun={YEAR}")
    assert_fits(head)
    screenshot(head, "revit-monitoring-unit")
    head.click("#monitoring >> text=Nusa Tenggara Timur")
    head.wait_for_load_state()
    head.click("#monitoring >> text=Kota Kupang")
    head.wait_for_load_state()
    assert "SD Negeri 42 Pantau Kupang Timur" in head.locator("#monitoring").inner_text()
    assert "SD Negeri 49 Rekomendasi Kupang" in head.locator("#monitoring").inner_text()  # the new draft
    assert_fits(head)
