"""Digitalisasi Pembelajaran from target to usage, on phones (360 x 740) in a real Chromium: the school, a
target not ready for want of a safe room, confirms one and is ready; the B/BPMP imports the supplier's
list; the school fills the BAST (serials and a photo) from the shipment page; the B/BPMP plans a Bimtek,
the school names its teacher, the unit records attendance, the school downloads the certificate (PDF) and
asks a follow-up question that the unit answers; the school sends the month's usage report; the unit's
monitoring shows it all. No page scrolls sideways at 360 px. Screenshots (test-artifacts/): dg-journey-*
at 360 px, and the monitoring and session pages at 1280 px too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spmp import clock
from spmp.accounts import operations as accounts
from spmp.digitalisasi.readiness import compute_readiness
from spmp.regions.timezones import localize, zone_for_province
from tests.browser.conftest import assert_fits, login, screenshot
from tests.factories import make_school
from tests.spmp.digitalisasi.support import png, supplier_xlsx

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-12"
PHONE = {"width": 360, "height": 740}
WIDE = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def journey(live_database):
    year = clock.now().year
    with live_database.transaction() as session:
        school = make_school(session, regency_code="53.71", name="SD Negeri Digital Kupang", electricity_watts=3500,
                             internet_access="stabil")  # fmt: skip
        for username, role, scope in (("op.digital", "school_operator", {"school_npsn": school.npsn}),
                                      ("staf.digital", "bpmp_staff", {"unit_code": "BPMP-NTT"})):  # fmt: skip
            accounts.create_user(session, username=username, full_name=username.replace(".", " ").title(),
                                 password=PASSWORD, role=role, scope=accounts.Scope(**scope))  # fmt: skip
        compute_readiness(session, year, province_code="53")
        return {"school_id": school.id, "npsn": school.npsn, "year": year}


def _phone(browser, base, username):
    page = browser.new_context(locale="id-ID", viewport=PHONE).new_page()
    login(page, base, username, PASSWORD)
    return page


def _visit(page, url, shot=None):
    page.goto(url)
    assert_fits(page, PHONE["width"])
    if shot:
        screenshot(page, shot)


def _press(page, selector):
    """Submit and wait for the answer; the flash says it worked."""
    with page.expect_navigation():
        page.click(selector)
    flashes = page.locator(".flash-success")
    assert flashes.count() >= 1, page.locator("main").inner_text()[:800]
    assert_fits(page, PHONE["width"])


def _wide(browser, base, username, url, shot):
    context = browser.new_context(locale="id-ID", viewport=WIDE)
    page = context.new_page()
    login(page, base, username, PASSWORD)
    page.goto(url)
    screenshot(page, shot)
    context.close()


def test_target_to_usage_report(browser, live_server, journey, tmp_path):
    base, year, npsn = live_server, journey["year"], journey["npsn"]
    school = _phone(browser, base, "op.digital")
    staff = _phone(browser, base, "staf.digital")
    school_page = f"{base}/sekolah/{journey['school_id']}"

    # 1. The target: not ready until the school confirms its safe room.
    _visit(school, school_page + "#digitalisasi")
    assert "Ruang aman untuk panel belum dikonfirmasi" in school.inner_text("#digitalisasi")
    school.fill("#safe-room-note", "Ruang kelas 3, pintu berkunci, ada stopkontak")
    _press(school, "#safe-room-form button[type=submit]")
    assert "Siap menerima perangkat" in school.inner_text("#digitalisasi")
    screenshot(school, "dg-journey-ready")

    # 2. The shipment: the unit imports the supplier's list.
    shipped = (clock.now() - timedelta(days=5)).date().isoformat()
    rows = [(npsn, "SJ-JRN-1", shipped, "panel", "IFP-JRN-1", "PT Panel"),
            (npsn, "SJ-JRN-1", shipped, "laptop", "LAP-JRN-1", "PT Panel")]  # fmt: skip
    upload = tmp_path / "kiriman.xlsx"
    upload.write_bytes(supplier_xlsx(rows))
    _visit(staff, f"{base}/digitalisasi/pengiriman/impor")
    staff.fill("#year", str(year))
    staff.set_input_files("#file", str(upload))
    _press(staff, "main form button[type=submit]")
    assert "1 pengiriman dengan 2 perangkat diimpor" in staff.inner_text("main")
    screenshot(staff, "dg-journey-deliveries")

    # 3. The BAST, confirmed by the school with the serials it received and a photo.
    _visit(school, school_page)  # (not "#digitalisasi": a change of fragment alone reloads nothing)
    with school.expect_navigation():
        school.click("#school-shipments a")
    assert_fits(school, PHONE["width"])
    photo = tmp_path / "serah-terima.png"
    photo.write_bytes(png())
    school.fill("#receiver_name", "Maria Bria")
    school.fill("#serials", "ifp-jrn-1\nLAP-JRN-1")
    school.set_input_files("#photos", str(photo))
    _press(school, "#bast-form button[type=submit]")
    assert "Diterima sekolah (BAST)" in school.inner_text("#shipment-state")
    assert "2 dari 2" in school.inner_text("#bast")
    screenshot(school, "dg-journey-bast")

    # 4. Bimtek: planned by the unit (begun this morning), the school names its teacher, attendance.
    zone = zone_for_province("53")
    start = localize(clock.now() - timedelta(hours=3), zone).replace(tzinfo=None)
    _visit(staff, f"{base}/digitalisasi/bimtek/baru")
    staff.fill("#title", "Bimtek panel interaktif angkatan 1")
    staff.select_option("#mode", "luring")
    staff.fill("#starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    staff.fill("#ends_at", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    staff.fill("#place", "Aula BPMP NTT, Kupang")
    staff.fill("#npsns", npsn)
    _press(staff, "main form button[type=submit]")
    session_url = staff.url.split("#")[0]
    material = tmp_path / "modul-panel.pdf"
    material.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    staff.fill("#material-form #title", "Modul panel interaktif")
    staff.set_input_files("#material-form #file", str(material))
    _press(staff, "#material-form button[type=submit]")

    _visit(school, session_url)
    school.fill("#participant-form #name", "Yohana Lani")
    school.select_option("#participant-form #position", "guru")
    _press(school, "#participant-form button[type=submit]")
    _visit(staff, session_url)
    staff.check("#attendance-form input[name=hadir]")
    _press(staff, "#attendance-form button[type=submit]")
    assert "1 peserta hadir" in staff.inner_text("main")

    # 5. The certificate (PDF), and a follow-up question answered by the unit.
    _visit(school, session_url, "dg-journey-bimtek")
    with school.expect_download() as download:
        school.click(".certificate-link")
    assert download.value.path().read_bytes()[:5] == b"%PDF-"
    school.fill("#asker_name", "Yohana Lani")
    school.fill("#question", "Bagaimana memperbarui konten luring di panel?")
    _press(school, "#question-form button[type=submit]")
    _visit(staff, f"{base}/digitalisasi/bimtek/pertanyaan?tahun={year}", "dg-journey-questions")
    assert "0 hari belum dijawab" in staff.inner_text("#open-questions")
    staff.fill("#open-questions textarea", "Salin berkas dari media eksternal ke folder Konten.")
    _press(staff, "#open-questions button[type=submit]")
    _visit(school, session_url)
    assert "Salin berkas dari media eksternal" in school.inner_text("#questions")

    # 6. The month's usage report, from the school's phone.
    _visit(school, f"{base}/digitalisasi/penggunaan/lapor", "dg-journey-usage")
    school.fill("#hours_per_week", "10")
    school.fill("#classes_using", "6")
    school.fill("#teachers_using", "4")
    school.check("#condition input[value=baik]")
    _press(school, "#usage-submit")

    # 7. The unit's monitoring: the regency's row counts every step.
    _visit(
        staff,
        f"{base}/digitalisasi/pemantauan?tahun={year}&provinsi=53&kabkota=53.71",
        "dg-journey-monitoring",
    )
    row = staff.locator("#monitoring-list tbody tr", has_text="SD Negeri Digital Kupang")
    header = staff.locator("#monitoring-list thead th").all_inner_texts()
    cells = dict(zip(header, row.locator("td").all_inner_texts(), strict=True))
    # The school's own row (the regency's summary also counts other tests' schools in Kota Kupang).
    assert [cells["Sasaran"], cells["Siap"], cells["Belum siap"]] == ["1", "1", "0"], cells
    assert cells["Perangkat diterima"] == "2 / 2" and cells["Hadir / peserta"] == "1 / 1", cells
    _wide(
        browser,
        base,
        "staf.digital",
        f"{base}/digitalisasi/pemantauan?tahun={year}&provinsi=53",
        "dg-journey-monitoring-wide",
    )
    _wide(browser, base, "op.digital", session_url, "dg-journey-bimtek-wide")
