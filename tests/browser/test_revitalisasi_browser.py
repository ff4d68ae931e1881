"""A Revitalisasi proposal on phones (360 x 740) in a real Chromium: the Pemda fills in the form (rooms x
components), uploads the land proof, the signed form and six geotagged photos from the phone (one taken far
from the school), submits and verifies; the B/BPMP finds it first in its queue, sees the school's data, the
damage breakdown and the photos on one page, assigns a verification visit (a Widyaprada task, from the
pre-filled form) and returns it with a reason code. No page scrolls sideways. Screenshots: revit-form,
revit-proposal-pemda, revit-queue, revit-verval, revit-visit-form, revit-visit-list (360 px) and
revit-verval-wide (1280 px)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from spmp.accounts import operations as accounts
from tests.browser.conftest import login, screenshot
from tests.factories import make_school
from tests.spmp.revitalisasi.support import PDF, SCHOOL_LAT, SCHOOL_LON, jpeg

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-12"
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def revit_people(live_database):
    with live_database.transaction() as session:
        school = make_school(session, regency_code="53.71", name="SD Negeri 7 Kupang", latitude=SCHOOL_LAT,
                             longitude=SCHOOL_LON, last_rehab_year=2013)  # fmt: skip

        def user(username, full_name, role, **scope):
            return accounts.create_user(session, username=username, full_name=full_name, password=PASSWORD,
                                        role=role, scope=accounts.Scope(**scope))  # fmt: skip

        user("dinas.revit", "Dinas Kota Kupang", "dinas_regency", regency_code="53.71")
        user("staf.revit", "Staf BPMP NTT", "bpmp_staff", unit_code="BPMP-NTT")
        return {"school": school}


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def _press(page, selector):
    """Click a submit button and wait for the page the server answers with (its flash says it worked)."""
    with page.expect_navigation():
        page.click(selector)
    assert page.locator(".flash-success, .flash-warning").count() >= 1, page.locator("main").inner_text()[
        :800
    ]


def test_proposal_from_form_to_verval(browser, live_server, revit_people, tmp_path):
    base, school = live_server, revit_people["school"]
    dinas = browser.new_context(locale="id-ID", viewport=PHONE).new_page()
    staff_context = browser.new_context(locale="id-ID", viewport=PHONE)
    staff = staff_context.new_page()
    login(dinas, base, "dinas.revit", PASSWORD)
    login(staff, base, "staf.revit", PASSWORD)

    dinas.goto(f"{base}/revitalisasi/usulan/baru")
    dinas.fill("#npsn", school.npsn)
    dinas.fill("#requested_budget", "850.000.000")
    dinas.fill("#dapodik_since_year", "2015")
    dinas.check("#land_ready")
    dinas.fill("#land_proof", "SHM 12/2019")
    dinas.fill("#surveyor_name", "Ir. Yohanes Bria")
    dinas.check("#damage_form_signed")
    dinas.fill("#rooms-0-name", "Ruang kelas 1")
    for component, share in (("kolom_balok", "100"), ("kuda_kuda_atap", "100"), ("tutup_atap", "60")):
        dinas.fill(f"#rooms-0-{component}", share)
    dinas.check("#rooms-0-requested")
    _fits(dinas)
    screenshot(dinas, "revit-form")
    _press(dinas, "#proposal-form button[type=submit]")
    page_url = dinas.url
    assert "/revitalisasi/usulan/" in page_url

    for kind, name in (("lahan", "sertifikat.pdf"), ("formulir", "formulir.pdf")):
        path = tmp_path / name
        path.write_bytes(PDF)
        dinas.set_input_files(f"#document-file-{kind}", str(path))
        _press(dinas, f"#document-{kind} button[type=submit]")
    for n in range(6):
        path = tmp_path / f"foto{n}.jpg"
        path.write_bytes(jpeg(-10.2300 if n == 5 else SCHOOL_LAT, SCHOOL_LON, shade=n))
        dinas.set_input_files("#photo", str(path))
        dinas.fill("#caption", f"Ruang kelas 1, sisi {n + 1}")
        _press(dinas, "#photo-form button[type=submit]")
    assert "km dari sekolah" in dinas.locator(".flash-warning").inner_text()  # the far photo, at once
    dinas.goto(page_url)
    _fits(dinas)
    screenshot(dinas, "revit-proposal-pemda")
    _press(dinas, 'button[data-trigger="submit"]')
    dinas.fill("#in-pemda_verify-catatan", "Sesuai Dapodik")
    _press(dinas, 'button[data-trigger="pemda_verify"]')

    staff.goto(f"{base}/revitalisasi/antrean")
    _fits(staff)
    assert school.name in staff.locator("#verval-queue-list li").first.inner_text()
    screenshot(staff, "revit-queue")
    with staff.expect_navigation():
        staff.click(f"#verval-queue-list a:has-text('{school.name}')")
    assert staff.locator(".photos img").count() == 6
    for src in staff.evaluate("[...document.querySelectorAll('.photos img')].map(i => i.src)"):
        thumb = staff.request.get(src)  # lazy images: fetched here as the browser would when scrolled to
        assert thumb.status == 200 and thumb.headers["content-type"] == "image/jpeg" and len(thumb.body()) > 0
    assert "Kolom/balok" in staff.locator("#damage").inner_text()
    _fits(staff)
    screenshot(staff, "revit-verval")
    wide = staff_context.new_page()
    wide.set_viewport_size({"width": 1280, "height": 900})
    wide.goto(staff.url)
    screenshot(wide, "revit-verval-wide")
    _assign_verification_visit(staff, school)
    staff.select_option("#in-return_revision-reason_code", "foto_jauh_dari_sekolah")
    staff.fill("#in-return_revision-catatan", "Foto 6 diambil 5,9 km dari sekolah")
    _press(staff, 'button[data-trigger="return_revision"]')
    assert staff.locator("#proposal-state").inner_text() == "Dikembalikan untuk perbaikan"


def _assign_verification_visit(staff, school):
    """From the proposal page: the verification visit's link opens the Widyaprada task form filled in; the
    task, once made, is listed on the proposal page, which still fits 360 px."""
    proposal_url = staff.url
    with staff.expect_navigation():
        staff.click("#assign-visit-verifikasi")
    assert staff.input_value("#npsns").strip() == school.npsn
    assert staff.input_value("#kind") == "pemetaan_mutu" and staff.input_value("#scope") == "school"
    assert staff.input_value("#purpose").startswith("Kunjungan verifikasi usulan Revitalisasi")
    assert staff.input_value("#linked_case_id")
    _fits(staff)
    screenshot(staff, "revit-visit-form")
    today = date.today()
    staff.fill("#planned_start", today.isoformat())
    staff.fill("#planned_end", (today + timedelta(days=14)).isoformat())
    staff.fill("#due_date", (today + timedelta(days=10)).isoformat())
    _press(staff, "#task-form button[type=submit]")
    assert staff.locator("#linked-case a").get_attribute("href").endswith(proposal_url.split("/", 3)[3])
    staff.goto(proposal_url)
    row = staff.locator("#visit-task-list li").first.inner_text()
    assert "Pemetaan Mutu" in row and "belum dijadwalkan" in row
    _fits(staff)
    screenshot(staff, "revit-visit-list")
