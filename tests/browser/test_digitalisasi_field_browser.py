"""Digitalisasi in the field on a phone (360 x 740) in a real Chromium: the school operator fills the monthly
usage report (a problem, with a photo from the phone) in the two-minute form; the B/BPMP sees the school
flagged and makes it an obstacle in one click; works its verval queue and returns a school's data with a
reason code on the one-page verval screen; records a sosialisasi with its attendance. No page scrolls
sideways and every button and field is a 44 px tap target. Screenshots: digi-usage-form, digi-usage-list,
digi-verval, digi-sosialisasi (360 px)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from spmp.accounts import operations as accounts
from spmp.digitalisasi import usage
from spmp.digitalisasi.handover import HandoverInput, record_handover
from spmp.digitalisasi.models import Shipment
from spmp.digitalisasi.readiness import compute_readiness
from spmp.digitalisasi.shipments import import_shipments
from tests.browser.conftest import login, screenshot
from tests.factories import make_school
from tests.spmp.digitalisasi.support import png

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-12"
PHONE = {"width": 360, "height": 740}
SMALL_TARGETS = """() => [...document.querySelectorAll('main button, main select, main input:not([type=hidden])'
  + ':not([type=checkbox]):not([type=radio]), main .choice-list label')]
  .map(e => e.getBoundingClientRect()).filter(r => r.width && r.height < 44).length"""


@pytest.fixture(scope="module")
def field(live_database, tmp_path_factory):
    """A school of Kota Kupang that received a panel before last month began, its operator, BPMP NTT staff."""
    root = tmp_path_factory.mktemp("digi-field-evidence")
    with live_database.transaction() as session:
        school = make_school(session, regency_code="53.71", name="SD Negeri Uji Lapangan", electricity_watts=1300,
                             internet_access="terbatas")  # fmt: skip

        def user(username, role, **scope):
            return accounts.create_user(session, username=username, full_name=username.replace(".", " ").title(),
                                        password=PASSWORD, role=role, scope=accounts.Scope(**scope))  # fmt: skip

        staff = user("staf.lapangan", "bpmp_staff", unit_code="BPMP-NTT")
        operator = user("operator.lapangan", "school_operator", school_npsn=school.npsn)
        compute_readiness(session, 2026, province_code="53")
        day = usage.previous_month(usage.last_period()) - timedelta(days=2)
        rows = f"npsn,nomor_pengiriman,tanggal_kirim,jenis_perangkat,nomor_seri\n{school.npsn},SJ-LAP,{day},panel,SN-LAP-1\n"
        import_shipments(session, staff, rows.encode(), "kiriman.csv", year=2026)
        shipment = session.scalar(select(Shipment).where(Shipment.reference == "SJ-LAP"))
        record_handover(
            session,
            operator,
            shipment,
            HandoverInput(day, "Kepala", ("SN-LAP-1",), (("b.png", png()),)),
            root,
        )
        return {"npsn": school.npsn, "photo": root / "kelas.png"}


def _phone(browser):
    return browser.new_context(locale="id-ID", viewport=PHONE).new_page()


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
        f"{page.url} scrolls sideways"
    )
    assert page.evaluate(SMALL_TARGETS) == 0, f"{page.url} has tap targets under 44 px"


def test_usage_verval_and_sosialisasi_on_a_phone(browser, live_server, field, tmp_path):
    photo = tmp_path / "kelas.png"
    photo.write_bytes(png())
    school = _phone(browser)
    login(school, live_server, "operator.lapangan", PASSWORD)
    school.goto(f"{live_server}/digitalisasi/penggunaan/lapor")
    _fits(school)
    school.check(f"input[name=period][value='{usage.last_period():%Y-%m}']")
    school.fill("#hours_per_week", "6")
    school.fill("#classes_using", "4")
    school.fill("#teachers_using", "3")
    school.check("input[name=condition][value=bermasalah]")
    school.select_option("#problem", "internet")
    school.fill("#note", "Sinyal hilang saat hujan")
    school.set_input_files("#photo", str(photo))
    screenshot(school, "digi-usage-form")
    with school.expect_navigation():
        school.click("#usage-submit")
    assert school.url.endswith("/digitalisasi/penggunaan") and "Sinyal hilang saat hujan" in school.content()
    _fits(school)

    unit = _phone(browser)
    login(unit, live_server, "staf.lapangan", PASSWORD)
    unit.goto(f"{live_server}/digitalisasi/penggunaan?tanda=ditandai")
    _fits(unit)
    assert "SD Negeri Uji Lapangan" in unit.content() and "Melaporkan masalah" in unit.content()
    screenshot(unit, "digi-usage-list")
    with unit.expect_navigation():
        unit.click(f"button[data-npsn='{field['npsn']}']")
    assert "/kasus/" in unit.url and "Sinyal hilang saat hujan" in unit.content()

    unit.goto(f"{live_server}/digitalisasi/verval")
    unit.fill("#open-tahun", "2026")
    unit.fill("#open-kabkota", "53.71")
    with unit.expect_navigation():
        unit.click("#verval-open button[type=submit]")
    _fits(unit)
    with unit.expect_navigation():
        unit.click("#verval-queue a:has-text('SD Negeri Uji Lapangan')")
    _fits(unit)
    assert "1.300 W" in unit.content()
    form = unit.locator("form:has(button[data-trigger=return_school])")
    form.locator("select").select_option("daya_listrik_tidak_sesuai")
    form.locator("textarea").fill("Foto meteran menunjukkan 900 W")
    screenshot(unit, "digi-verval")
    with unit.expect_navigation():
        form.locator("button[data-trigger=return_school]").click()
    assert (
        "Dikembalikan ke sekolah untuk perbaikan" in unit.content()
        and "Daya listrik tidak sesuai data" in unit.content()
    )

    unit.goto(f"{live_server}/digitalisasi/sosialisasi/baru")
    _fits(unit)
    unit.select_option("#regency_code", "53.71")
    unit.fill("#held_on", "2026-07-14")
    unit.fill("#place", "Aula Dinas Pendidikan Kota Kupang")
    with unit.expect_navigation():
        unit.click("#sosialisasi-form button[type=submit]")
    unit.select_option("#kind", "sekolah")
    unit.fill("#npsn", field["npsn"])
    unit.fill("#people", "2")
    with unit.expect_navigation():
        unit.click("#attendee-form button[type=submit]")
    assert "Kehadiran: 2 orang" in unit.content()
    _fits(unit)
    screenshot(unit, "digi-sosialisasi")
