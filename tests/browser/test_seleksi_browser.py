"""The Revitalisasi selection in a real Chromium: Pusat sets the parameters of a year on a phone (360 x 740),
runs the selection, reads each school's reason, publishes with the SK and PKS numbers; a Dinas reads the
published selection of its regency. No page scrolls sideways. Screenshots: seleksi-params, seleksi-run,
seleksi-published-dinas (360 px) and seleksi-run-wide (1280 px)."""

from __future__ import annotations

import pyotp
import pytest

from spmp.accounts import operations as accounts
from tests.browser.conftest import login, screenshot
from tests.factories import make_school
from tests.spmp.revitalisasi.support import SCHOOL_LAT, SCHOOL_LON
from tests.spmp.revitalisasi.test_selection_runs import _verified

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-12"
PHONE = {"width": 360, "height": 740}
YEAR = 2027  # a year of its own in the shared live database


@pytest.fixture(scope="module")
def selection_people(live_database, tmp_path_factory):
    root = tmp_path_factory.mktemp("seleksi-files")
    with live_database.transaction() as session:

        def user(username, role, **scope):
            return accounts.create_user(session, username=username, full_name=username.title(), password=PASSWORD,
                                        role=role, scope=accounts.Scope(**scope))  # fmt: skip

        users = {
            "bpmp_staff": user("staf.seleksi", "bpmp_staff", unit_code="BPMP-NTT"),
            "dinas_province": user("dinas.ntt.seleksi", "dinas_province", province_code="53"),
        }
        user("dinas.kupang.seleksi", "dinas_regency", regency_code="53.71")
        pusat = user("pusat.seleksi", "pusat")
        pusat.totp_secret = pyotp.random_base32()
        for n, (code, pupils) in enumerate((("53.71", 500), ("53.71", 420), ("53.71", 300), ("53.05", 120))):
            school = make_school(session, regency_code=code, name=f"SD Negeri {n + 21} Seleksi",
                                 latitude=SCHOOL_LAT, longitude=SCHOOL_LON)  # fmt: skip
            _verified(
                session,
                users,
                school,
                root,
                year=YEAR,
                requested_budget=1_000_000_000,
                pupils_affected=pupils,
            )
        return {"pusat_secret": pusat.totp_secret}


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def test_pusat_sets_runs_and_publishes_a_dinas_reads(browser, live_server, selection_people):
    base = live_server
    context = browser.new_context(locale="id-ID", viewport=PHONE)
    pusat = context.new_page()
    login(pusat, base, "pusat.seleksi", PASSWORD, selection_people["pusat_secret"])
    pusat.goto(f"{base}/revitalisasi/seleksi?tahun={YEAR}")
    _fits(pusat)
    pusat.click("#params-link")
    pusat.fill("#anggaran", "3.000.000.000")
    pusat.fill("#kab_min", "1")
    pusat.fill("#kab_maks", "2")
    _fits(pusat)
    screenshot(pusat, "seleksi-params")
    pusat.click("#save-params")
    pusat.wait_for_load_state()
    assert "disimpan" in pusat.locator(".flash-success").inner_text()
    pusat.fill("#note", "Maksimum 2 per kabupaten")
    pusat.click("#run-button")
    pusat.wait_for_load_state()
    assert "/revitalisasi/seleksi/" in pusat.url
    table = pusat.locator("#item-list").inner_text()
    assert "kuota Kota Kupang (2 sekolah) sudah penuh" in table
    assert "SD Negeri 24 Seleksi" in table  # Alor's school: the regency minimum
    _fits(pusat)
    screenshot(pusat, "seleksi-run")
    pusat.set_viewport_size({"width": 1280, "height": 900})
    screenshot(pusat, "seleksi-run-wide")
    pusat.set_viewport_size(PHONE)
    run_url = pusat.url
    pusat.fill("#sk_number", "SK 3/P/2027")
    pusat.fill("#pks_number", "PKS 11/2027")
    pusat.click("#publish-button")
    pusat.wait_for_load_state()
    assert "nomor SK: SK 3/P/2027" in pusat.locator(".flash-success").inner_text()
    assert "Diterbitkan" in pusat.locator("#run-state").inner_text()
    context.close()

    dinas = browser.new_context(locale="id-ID", viewport=PHONE).new_page()
    login(dinas, base, "dinas.kupang.seleksi", PASSWORD)
    dinas.goto(run_url)
    text = dinas.locator("main").inner_text()
    assert "Terpilih di wilayah Anda" in text and "SD Negeri 24 Seleksi" not in text
    assert "kuota Kota Kupang (2 sekolah) sudah penuh" in text
    _fits(dinas)
    screenshot(dinas, "seleksi-published-dinas")
