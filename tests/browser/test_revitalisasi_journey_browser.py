"""A Revitalisasi proposal from submission to tranche II on phones (360 x 740) in a real Chromium: the Dinas
submits the proposal and verifies it as Pemda, the B/BPMP accepts it in verval, Pusat's selection run is
published (through the operation), the principal forms the P2SP (a second role for one NIK is refused
with the reason), uploads RAB, drawings, schedule and PBG and hands them in; the B/BPMP assigns the
facilitator and disburses tranche I; the facilitator finds the school on their caseload and files a visit
report at 40 % with a photo (sent by the offline script); tranche II is refused with both figures named; a second visit at 50 %
unlocks it. No page scrolls sideways at 360 px. Screenshots (test-artifacts/): revit-exec-* at 360 px and
revit-exec-*-wide at 1280 px."""

from __future__ import annotations

import pytest

from spmp.accounts import operations as accounts
from spmp.revitalisasi import operations as ops
from tests.browser.conftest import assert_fits, login, screenshot
from tests.factories import make_school
from tests.spmp.revitalisasi.execution_support import COMMITTEE
from tests.spmp.revitalisasi.support import PDF, SCHOOL_LAT, SCHOOL_LON, complete, jpeg, proposal_input

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-12"
PHONE = {"width": 360, "height": 740}
WIDE = {"width": 1280, "height": 900}
YEAR = 2031  # a programme year of its own: the selection run sees only this proposal


@pytest.fixture(scope="module")
def journey(live_database, live_server, tmp_path_factory):
    # Files go where the live server reads them (its instance folder), so the photos show on the pages.
    root = next(tmp_path_factory.getbasetemp().glob("live-instance*")) / "evidence"
    with live_database.transaction() as session:
        school = make_school(session, regency_code="53.71", name="SD Negeri 9 Kupang", latitude=SCHOOL_LAT,
                             longitude=SCHOOL_LON, last_rehab_year=2013)  # fmt: skip

        def user(username, full_name, role, **scope):
            return accounts.create_user(session, username=username, full_name=full_name, password=PASSWORD,
                                        role=role, scope=accounts.Scope(**scope))  # fmt: skip

        dinas = user("dinas.exec", "Dinas Kota Kupang", "dinas_regency", regency_code="53.71")
        user("staf.exec", "Staf BPMP NTT", "bpmp_staff", unit_code="BPMP-NTT")
        user("kepsek.exec", "Kepala SD Negeri 9 Kupang", "principal", school_npsn=school.npsn)
        pusat = user("pusat.exec", "Tim Kerja Pusat", "pusat")
        facilitator = user("fasil.exec", "Dr. Yohana Manafe (Undana)", "facilitator", unit_code="BPMP-NTT")
        proposal = ops.create_proposal(session, dinas, proposal_input(school, year=YEAR))
        complete(session, dinas, proposal, root)
        return {"school": school, "proposal_id": proposal.id, "pusat_id": pusat.id, "root": root,
                "facilitator": facilitator.full_name}  # fmt: skip


def _press(page, selector):
    """Click a submit button and wait for the server's answer; its flash must say it worked. The button is
    scrolled to and the lazy photo thumbnails that scrolling reveals are let load first: every response
    re-sends the session cookie (``seen_at``), so a thumbnail answered after the POST writes back a session
    without the new flash (seen twice under load; a race of the app's cookie session, not of this page)."""
    _settle(page, selector)
    with page.expect_navigation():
        page.click(selector)
    flashes = page.locator(".flash-success, .flash-warning")
    assert flashes.count() >= 1, page.locator("main").inner_text()[:800]


def _settle(page, selector):
    page.locator(selector).scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")


def _refused(page, selector) -> str:
    _settle(page, selector)
    with page.expect_navigation():
        page.click(selector)
    return page.locator(".flash-danger, .flash-error, .flash").first.inner_text()


def _shots(context, page, name):
    assert_fits(page, PHONE["width"])
    screenshot(page, f"revit-exec-{name}")
    wide = context.new_page()
    wide.set_viewport_size(WIDE)
    wide.goto(page.url)
    screenshot(wide, f"revit-exec-{name}-wide")
    wide.close()


def _publish(live_database, year, pusat_id):
    from spmp.accounts.models import User
    from spmp.revitalisasi.selection_runs import publish_run, run_selection

    with live_database.transaction() as session:
        pusat = session.get(User, pusat_id)
        run = run_selection(session, pusat, year).run
        assert run.selected == 1
        publish_run(session, pusat, run, sk_number=f"SK 9/{year}", pks_number=f"PKS 9/{year}")


def test_proposal_to_tranche_two(browser, live_server, live_database, journey, tmp_path):
    base, school = live_server, journey["school"]
    contexts = {
        name: browser.new_context(locale="id-ID", viewport=PHONE)
        for name in ("dinas", "staf", "kepsek", "fasil")
    }
    dinas, staff, principal, fac = (contexts[n].new_page() for n in ("dinas", "staf", "kepsek", "fasil"))
    for page, name in (
        (dinas, "dinas.exec"),
        (staff, "staf.exec"),
        (principal, "kepsek.exec"),
        (fac, "fasil.exec"),
    ):
        login(page, base, name, PASSWORD)
    url = f"{base}/revitalisasi/usulan/{journey['proposal_id']}"

    # Dinas submits and verifies (Pemda); the B/BPMP accepts in verval; Pusat's run is published.
    dinas.goto(url)
    _press(dinas, 'button[data-trigger="submit"]')
    dinas.fill("#in-pemda_verify-catatan", "Sesuai Dapodik dan survei")
    _press(dinas, 'button[data-trigger="pemda_verify"]')
    staff.goto(url)
    staff.fill("#in-accept-catatan", "Foto, formulir dan lahan sesuai")
    _press(staff, 'button[data-trigger="accept"]')
    _publish(live_database, YEAR, journey["pusat_id"])

    # The principal forms the P2SP: one person may not hold two roles.
    principal.goto(url)
    assert principal.locator("#proposal-state").inner_text().startswith("Terpilih")
    for name, nik, role in COMMITTEE:
        principal.fill("#p2sp-nama", name)
        principal.fill("#p2sp-nik", nik)
        principal.select_option("#p2sp-jabatan", role)
        _press(principal, "#p2sp-form button[type=submit]")
    principal.fill("#p2sp-nama", COMMITTEE[0][0])
    principal.fill("#p2sp-nik", COMMITTEE[0][1])
    principal.select_option("#p2sp-jabatan", "anggota")
    message = _refused(principal, "#p2sp-form button[type=submit]")
    assert "sudah menjabat Ketua" in message and "dua jabatan" in message
    _shots(contexts["kepsek"], principal, "p2sp")
    _press(principal, 'button[data-trigger="p2sp_formed"]')

    # The pre-construction documents: the hand-in is refused until all four are there.
    assert principal.locator('button[data-trigger="submit_documents"]').is_disabled()
    assert "Dokumen persiapan belum lengkap" in principal.locator("#actions").inner_text()
    for kind in ("rab", "gambar", "jadwal", "pbg"):
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(PDF)
        principal.select_option("#execution-kind", kind)
        principal.set_input_files("#execution-file", str(path))
        _press(principal, "#execution-document-form button[type=submit]")
    _press(principal, 'button[data-trigger="submit_documents"]')

    # The B/BPMP assigns the facilitator and disburses tranche I (70 %).
    staff.goto(url)
    assert staff.locator('button[data-trigger="disburse_tranche_1"]').is_disabled()
    staff.select_option("#facilitator-select", label=journey["facilitator"])
    _press(staff, "#fasilitator button[type=submit]")
    _press(staff, 'button[data-trigger="disburse_tranche_1"]')
    assert "70 %" in staff.locator("#tranches").inner_text()

    # The facilitator: caseload, visit report at 40 % with a photo taken at the school.
    fac.goto(f"{base}/revitalisasi/binaan")
    assert school.name in fac.locator("#caseload").inner_text()
    _shots(contexts["fasil"], fac, "caseload")
    with fac.expect_navigation():
        fac.click(f"#caseload a:has-text('{school.name}')")
    with fac.expect_navigation():
        fac.click("#visit-report-link")

    def visit(percent, shade):
        path = tmp_path / f"kunjungan-{percent}.jpg"
        path.write_bytes(jpeg(SCHOOL_LAT, SCHOOL_LON, shade=shade))
        fac.goto(f"{url}/kunjungan")
        fac.fill("#visit-percent", str(percent))
        fac.set_input_files("#visit-photos", str(path))
        fac.fill("#visit-notes", f"Progres fisik {percent} % sesuai pengamatan di lokasi")
        fac.wait_for_selector("#visit-photo-list li img")  # kept with the draft on the device (report.js)
        fac.click("#visit-form button[type=submit]")
        fac.wait_for_selector("#visit-status[data-state='sent']", timeout=15000)  # sent by report.js

    fac.goto(f"{url}/kunjungan")
    _shots(contexts["fasil"], fac, "visit-form")
    visit(40, 7)

    # Tranche II is refused below the threshold (both figures named), allowed at 50 %.
    staff.goto(url)
    assert staff.locator('button[data-trigger="disburse_tranche_2"]').is_disabled()
    reason = staff.locator("#actions").inner_text()
    assert "Progres fisik terverifikasi fasilitator 40 % di bawah batas 50 %" in reason
    visit(50, 8)
    staff.goto(url)
    _press(staff, 'button[data-trigger="disburse_tranche_2"]')
    assert staff.locator("#proposal-state").inner_text() == "Pelaksanaan (tahap II cair)"
    assert "30 %" in staff.locator("#tranches").inner_text()
    photo = staff.evaluate("document.querySelector('#progres .photos img').src")
    assert staff.request.get(photo).status == 200
    _shots(contexts["staf"], staff, "tranche2")
    staff.goto(f"{base}/revitalisasi/pelaksanaan?tahun={YEAR}")
    assert school.name in staff.locator("#execution-list").inner_text()
    _shots(contexts["staf"], staff, "list")
    for context in contexts.values():
        context.close()
