"""A school without indicators imports its Rapor Pendidikan report, as downloaded, in a real Chromium: from
its cycle page to the import (downloading the XLSX template on the way), a malformed file shown on the
page at 360 px, then the real-layout report, and back to the cycle where the indicators are offered.
Screenshots: the import page with errors at 360 px, and the cycle page afterwards."""

from __future__ import annotations

import io

import openpyxl
import pytest

from spmp.accounts import operations as accounts
from spmp.spmi import operations as ops
from tests.browser.conftest import login, screenshot
from tests.factories import make_school
from tests.spmp.spmi.test_indicator_import_layouts import rapor_rows

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-3"


@pytest.fixture(scope="module")
def school_without_indicators(live_database):
    with live_database.transaction() as session:
        school = make_school(session, regency_code="53.71", name="SMP Negeri 9 Kupang")
        operator = accounts.create_user(session, username="op.rapor.browser", full_name="Operator SMP 9",
                                        password=PASSWORD, role="school_operator",
                                        scope=accounts.Scope(school_npsn=school.npsn))  # fmt: skip
        cycle = ops.open_cycle(session, operator, school.id, 2025)
        return {"npsn": school.npsn, "cycle_id": cycle.id}


def test_school_imports_its_report_from_the_cycle_page(
    live_server, browser, school_without_indicators, tmp_path
):
    facts = school_without_indicators
    context = browser.new_context(
        locale="id-ID", viewport={"width": 360, "height": 740}, accept_downloads=True
    )
    page = context.new_page()
    login(page, live_server, "op.rapor.browser", PASSWORD)

    page.goto(f"{live_server}/spmi/siklus/{facts['cycle_id']}")
    notice = page.locator("#no-indicators")
    assert "Belum ada indikator Rapor Pendidikan 2025" in notice.inner_text()
    with page.expect_download() as download:
        notice.locator("a", has_text="unduh templat XLSX").click()
    assert download.value.suggested_filename == f"templat-rapor-{facts['npsn']}-2025.xlsx"
    template = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert template.active["A3"].value == f"NPSN: {facts['npsn']}"
    notice.locator("a", has_text="impor rapor sekolah").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Impor indikator Rapor Pendidikan"
    assert page.input_value("#year") == "2025"

    bad = tmp_path / "rapor-rusak.csv"
    bad.write_bytes(b"Rapor Pendidikan Tahun 2025\nIndikator;Capaian;Skor Rapor\nA.1 Literasi;Sedang (nan);\n"
                    b"A.2 Numerasi;Baik;inf\nA.3 Kar\x00akter;Baik;5\n")  # fmt: skip
    page.set_input_files("#file", str(bad))
    page.click("main form button.primary")
    page.wait_for_load_state()
    errors = page.locator(".error, #import-errors").all_inner_texts()
    assert any("baris 5, indikator: berisi karakter NUL" in e for e in errors), errors
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "indicator-import-error-360")

    report = tmp_path / "rapor-pendidikan-2025.xlsx"
    book = openpyxl.Workbook()
    for row in rapor_rows(facts["npsn"], 2025):
        book.active.append(row)
    book.save(report)
    page.set_input_files("#file", str(report))
    page.click("main form button.primary")
    page.wait_for_load_state()
    assert page.url.endswith(f"/spmi/siklus/{facts['cycle_id']}")
    assert "3 indikator disimpan untuk 1 sekolah" in page.locator(".flash-success").inner_text()
    assert page.locator("#no-indicators").count() == 0
    options = page.locator("#priority select option").all_inner_texts()
    assert any("A.1" in o and "Kemampuan literasi" in o for o in options), options
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "indicator-import-done-cycle-360")
    context.close()
