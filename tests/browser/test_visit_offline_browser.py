"""The facilitator's visit report with no signal, in a real Chromium at 360 px: the facilitator opens the
caseload (its visit forms are kept on the device), goes offline, opens the school's visit form (from the
service worker), writes the report with a GPS-tagged photo (kept in IndexedDB, "Belum terkirim"), reloads
the form offline (the draft and the photo come back), comes back online and sees it sent ("Terkirim"): the
visit is recorded once, with its percent and the photo's position. A photo without GPS is refused with the
reason at once, on the device; a percent the server refuses comes back with the reason and the draft stays
on the device until it is fixed.
Screenshots: visit-offline-360-*.png (unsent, after the offline reload), visit-sent-360-*.png,
visit-refused-360-*.png, caseload-offline-360-*.png."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select, update

from spmp.accounts import operations as accounts
from spmp.engine.cases import CaseRecord
from spmp.revitalisasi import operations as ops
from spmp.revitalisasi.demo import demo_photo
from spmp.revitalisasi.execution import ProgressReport
from tests.browser.conftest import Network, assert_fits, login, screenshot
from tests.factories import make_school
from tests.spmp.revitalisasi.execution_support import to_construction
from tests.spmp.revitalisasi.support import SCHOOL_LAT, SCHOOL_LON, proposal_input

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-kunjungan"
PHONE = {"width": 360, "height": 740}
YEAR = 2033  # a programme year of its own


@pytest.fixture(scope="module")
def buildings(live_database, live_server, tmp_path_factory):
    """Two schools under construction in Sumba Timur, both assigned to one facilitator."""
    root = next(tmp_path_factory.getbasetemp().glob("live-instance*")) / "evidence"
    with live_database.transaction() as session:

        def user(username, full_name, role, **scope):
            return accounts.create_user(session, username=username, full_name=full_name, password=PASSWORD,
                                        role=role, scope=accounts.Scope(**scope))  # fmt: skip

        dinas = user("dinas.kunjungan", "Dinas Sumba Timur", "dinas_regency", regency_code="53.11")
        staff = user("staf.kunjungan", "Staf BPMP NTT", "bpmp_staff", unit_code="BPMP-NTT")
        facilitator = user("fasil.kunjungan", "Dr. Maria Lado (Undana)", "facilitator", unit_code="BPMP-NTT")
        made = []
        for name in ("SD Negeri Kambera 2", "SD Inpres Prailiu"):
            school = make_school(session, regency_code="53.11", name=name, latitude=SCHOOL_LAT,
                                 longitude=SCHOOL_LON, last_rehab_year=2012)  # fmt: skip
            principal = user(f"kepsek.{school.npsn}", f"Kepala {name}", "principal", school_npsn=school.npsn)
            proposal = ops.create_proposal(session, dinas, proposal_input(school, year=YEAR))
            session.execute(update(CaseRecord).where(CaseRecord.id == proposal.case_id).values(state="terpilih"))
            to_construction(session, proposal, principal, staff, facilitator, root)
            made.append(proposal.id)
        return made


def _gps_photo(path, shade):
    path.write_bytes(demo_photo(SCHOOL_LAT, SCHOOL_LON, "Kunjungan", shade))
    return path


def _plain_photo(path):
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 60, 30)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def _visits(live_database, proposal_id):
    with live_database.transaction() as session:
        reports = session.scalars(
            select(ProgressReport).where(ProgressReport.proposal_id == proposal_id,
                                         ProgressReport.source == "fasilitator")  # fmt: skip
        ).all()
        return [(r.percent, r.notes, r.draft_key is not None, [p.latitude is not None for p in r.photos])
                for r in reports]  # fmt: skip


def _state(page):
    return page.get_attribute("#visit-status", "data-state")


def test_visit_written_offline_is_recorded_once_when_the_signal_returns(browser, live_server, live_database,
                                                                       buildings, tmp_path):  # fmt: skip
    base, proposal_id = live_server, buildings[0]
    context = browser.new_context(locale="id-ID", viewport=PHONE)
    network = Network(context)
    fac = context.new_page()
    login(fac, base, "fasil.kunjungan", PASSWORD)
    fac.goto(f"{base}/revitalisasi/binaan")
    fac.wait_for_selector("#caseload[data-offline-ready='1']")  # the caseload and its visit forms are kept

    network.set_offline(True)
    assert fac.evaluate("navigator.onLine") is False
    fac.reload()  # the caseload opens with no signal
    assert "SD Negeri Kambera 2" in fac.inner_text("#caseload")
    assert_fits(fac)
    screenshot(fac, "caseload-offline-360")
    with fac.expect_navigation():  # a visit form never opened before: kept when the caseload was shown
        fac.click(f"#caseload a[href='/revitalisasi/usulan/{proposal_id}/kunjungan']")
    fac.wait_for_selector("#visit-form[data-offline-ready='1']")
    assert fac.input_value("#visit-date")  # today, set on the device
    fac.fill("#visit-percent", "45")
    fac.fill("#visit-notes", "Kolom dan ring balok selesai; rangka atap mulai dipasang.")
    fac.set_input_files("#visit-photos", str(_gps_photo(tmp_path / "atap.jpg", 3)))
    fac.wait_for_selector("#visit-photo-list li img")
    fac.click("#visit-form button[type=submit]")
    fac.wait_for_selector("#visit-status[data-state='pending']")
    assert "Belum terkirim" in fac.inner_text("#visit-status")

    # Reloaded with no signal: the kept page, the kept draft and its photo (as taken: its GPS position).
    fac.reload()
    fac.wait_for_selector("#visit-status[data-state='pending']")
    assert any("/kunjungan" in url for url in network.worker_requests_refused), network.worker_requests_refused
    assert fac.input_value("#visit-percent") == "45"
    assert fac.input_value("#visit-notes").startswith("Kolom dan ring balok selesai")
    assert "atap.jpg" in fac.inner_text("#visit-photo-list")
    assert fac.evaluate("document.querySelector('#visit-photo-list img').naturalWidth") == 320  # not shrunk
    assert_fits(fac)
    screenshot(fac, "visit-offline-360")
    assert _visits(live_database, proposal_id) == []  # nothing reached the server

    network.set_offline(False)
    fac.wait_for_selector("#visit-status[data-state='sent']", timeout=15000)
    status = fac.inner_text("#visit-status")
    assert "Terkirim. Laporan kunjungan disimpan: progres fisik terverifikasi 45 %." in status
    assert "Lihat di halaman sekolah" in status
    assert fac.input_value("#visit-percent") == "" and fac.inner_text("#visit-photo-list") == ""  # a new report
    assert_fits(fac)
    screenshot(fac, "visit-sent-360")
    expected = [(45, "Kolom dan ring balok selesai; rangka atap mulai dipasang.", True, [True])]
    assert _visits(live_database, proposal_id) == expected

    # Back online and reloaded, nothing is sent again.
    fac.reload()
    fac.wait_for_selector("#visit-form[data-offline-ready='1']")
    fac.wait_for_timeout(500)
    assert _state(fac) is None and _visits(live_database, proposal_id) == expected
    context.close()


def test_refusals_are_said_and_the_draft_stays(browser, live_server, live_database, buildings, tmp_path):
    """A photo without its GPS position is not attached (said on the device, while one can still take
    another at the school); a percent the server refuses comes back with the reason, the draft stays on the
    device (after a reload too) and is sent once it is fixed."""
    base, proposal_id = live_server, buildings[1]
    context = browser.new_context(locale="id-ID", viewport=PHONE)
    fac = context.new_page()
    login(fac, base, "fasil.kunjungan", PASSWORD)
    fac.goto(f"{base}/revitalisasi/usulan/{proposal_id}/kunjungan")
    fac.wait_for_selector("#visit-form[data-offline-ready='1']")
    fac.click("#visit-form button[type=submit]")  # nothing filled in: said on the device, nothing sent
    fac.wait_for_selector("#visit-status[data-state='refused']")
    assert "Isi progres fisik (%) dan lampirkan paling sedikit satu foto" in fac.inner_text("#visit-status")
    fac.set_input_files("#visit-photos", str(_plain_photo(tmp_path / "tanpa-lokasi.jpg")))
    fac.wait_for_selector("#visit-status >> text=tanpa titik lokasi GPS")
    assert "foto tanpa-lokasi.jpg tanpa titik lokasi GPS, jadi tidak dilampirkan" in fac.inner_text("#visit-status")
    assert fac.locator("#visit-photo-list li").count() == 0

    fac.fill("#visit-percent", "150")  # the field's max is not checked by the browser: the server says it
    fac.fill("#visit-notes", "Pondasi selesai")
    fac.set_input_files("#visit-photos", str(_gps_photo(tmp_path / "pondasi.jpg", 4)))
    fac.wait_for_selector("#visit-photo-list li:has-text('pondasi.jpg')")
    fac.click("#visit-form button[type=submit]")
    fac.wait_for_selector("#visit-status[data-state='refused'] >> text=bilangan bulat")
    refused = fac.inner_text("#visit-status")
    assert "Belum terkirim: Progres fisik harus bilangan bulat 0-100 %. Draf tetap tersimpan di perangkat ini; " \
           "perbaiki lalu tekan “Simpan laporan kunjungan” untuk mengirim ulang." in refused
    assert_fits(fac)
    screenshot(fac, "visit-refused-360")
    fac.reload()  # the refused draft, its reason and what was typed are still there
    fac.wait_for_selector("#visit-status[data-state='refused']")
    assert "bilangan bulat 0-100 %" in fac.inner_text("#visit-status")
    assert fac.input_value("#visit-percent") == "150" and "pondasi.jpg" in fac.inner_text("#visit-photo-list")
    assert _visits(live_database, proposal_id) == []

    fac.fill("#visit-percent", "30")
    fac.click("#visit-form button[type=submit]")
    fac.wait_for_selector("#visit-status[data-state='sent']", timeout=15000)
    assert _visits(live_database, proposal_id) == [(30, "Pondasi selesai", True, [True])]
    context.close()
