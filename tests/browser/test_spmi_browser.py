"""One school through a whole SPMI cycle in a real Chromium: the school fills in each phase and submits,
its Widyaprada approves the Penetapan phase, returns the Pelaksanaan phase with a note on an activity,
the school sees the note, fixes and resubmits, and the cycle runs to its close (next year's opens).
Screenshots: the school's cycle page (filled, and returned) and the Widyaprada's queue."""

from __future__ import annotations

import io

import pytest

from spmp.accounts import operations as accounts
from spmp.spmi.importer import import_indicators
from tests.browser.conftest import login, screenshot
from tests.factories import make_school

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-2"
CSV = (
    "kode_indikator,nama_indikator,dimensi,nilai,capaian\nA.1,Kemampuan literasi,Hasil belajar,48.5,Kurang\n"
)


@pytest.fixture(scope="module")
def spmi_people(live_database):
    with live_database.transaction() as session:
        school = make_school(session, regency_code="53.71", name="SD Negeri 7 Kupang")
        operator = accounts.create_user(session, username="op.spmi.browser", full_name="Operator SD 7", password=PASSWORD,
                                        role="school_operator", scope=accounts.Scope(school_npsn=school.npsn))  # fmt: skip
        admin = accounts.create_user(session, username="admin.spmi.browser", full_name="Admin", password=PASSWORD,
                                     role="admin", scope=accounts.Scope())  # fmt: skip
        wp = accounts.create_user(session, username="wp.spmi.browser", full_name="Widyaprada Kupang", password=PASSWORD,
                                  role="widyaprada", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip
        accounts.assign_schools(session, admin, wp, [school.npsn])
        import_indicators(
            session, operator, io.BytesIO(CSV.encode()), filename="r.csv", school_id=school.id, year=2026
        )
        return {"school": school.name}


def _login(page, base, username):
    login(page, base, username, PASSWORD)


def _logout(page):
    page.click("#logout")
    page.wait_for_load_state()


def _submit_form(page, form_id):
    page.click(f"form#{form_id} button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1, page.locator("main").inner_text()[:500]


def _state(page) -> str:
    return page.locator("#current-state").inner_text()


def _review(page, base, button):
    """The Widyaprada opens the oldest submission from the queue and presses a button."""
    page.goto(f"{base}/spmi/tinjauan")
    page.click("#queue tbody tr >> nth=0 >> a")
    page.wait_for_load_state()
    page.click(button)
    page.wait_for_load_state()
    if button == "#action-approve":  # approving asks for confirmation first
        assert "Ya, setujui" in page.locator("#confirm").inner_text()
        page.click("#confirm-approve")
        page.wait_for_load_state()


def test_school_walks_through_a_cycle_with_its_widyaprada(page, browser, live_server, spmi_people):
    # Two people, two browsers, each logged in once (the login rate limit counts per address).
    base, school = live_server, page
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    wp = context.new_page()
    _login(school, base, "op.spmi.browser")
    _login(wp, base, "wp.spmi.browser")
    school.goto(f"{base}/spmi/sekolah")
    school.fill("#year", "2026")
    school.click("#open-cycle")
    school.wait_for_load_state()
    assert _state(school) == "Penetapan Standar Mutu"
    assert "Pilih minimal satu indikator prioritas" in school.locator("#reason-submit").inner_text()
    cycle_url = school.url

    school.click("form#priority button[type=submit]")  # empty: the error appears next to the field
    school.wait_for_load_state()
    assert "Wajib diisi." in school.locator("form#priority .has-error").last.inner_text()
    school.select_option("#priority-indicator_code", "A.1")
    school.fill("#priority-reason", "Literasi di bawah rata-rata kabupaten")
    _submit_form(school, "priority")
    school.fill("#root_cause-description", "Minat baca siswa rendah")
    _submit_form(school, "root_cause")
    school.fill("#activity-title", "Pojok baca di setiap kelas")
    school.select_option("#activity-snp", "sarpras")
    school.fill("#activity-owner", "Pustakawan")
    school.fill("#activity-start_date", "2026-08-01")
    school.fill("#activity-end_date", "2026-12-01")
    school.fill("#activity-budget_ref", "RKAS 2026 5.2.1")
    school.fill("#activity-target", "6 kelas memiliki pojok baca")
    _submit_form(school, "activity")
    school.select_option("#standard-snp", "sarpras")
    school.fill("#standard-target", "Sarana literasi tersedia di semua kelas")
    _submit_form(school, "standard")
    screenshot(school, "spmi-cycle-school-penetapan")
    _press(school, "#action-submit")
    assert _state(school) == "Penetapan Standar Mutu: ditinjau Widyaprada"

    # The Widyaprada approves Penetapan from the queue.
    wp.goto(f"{base}/spmi/tinjauan")
    assert spmi_people["school"] in wp.locator("#queue").inner_text()
    screenshot(wp, "spmi-widyaprada-queue")
    _review(wp, base, "#action-approve")
    assert _state(wp) == "Pelaksanaan"

    school.goto(cycle_url)
    school.fill("#progress-percent", "50")
    school.fill("#progress-note", "Pojok baca di 3 kelas selesai")
    _submit_form(school, "progress")
    _press(school, "#action-submit")

    # ... and returns Pelaksanaan with a note on the activity.
    wp.goto(f"{base}/spmi/tinjauan")
    wp.click("#queue tbody tr >> nth=0 >> a")
    wp.wait_for_load_state()
    wp.locator("textarea[name^='note-activity-']").first.fill("Lampirkan foto pojok baca sebagai bukti")
    _press(wp, "#action-send_back")
    assert _state(wp) == "Pelaksanaan"

    school.goto(cycle_url)
    assert "Lampirkan foto pojok baca" in school.locator("[data-note^='activity-']").first.inner_text()
    assert school.locator("#returned").count() == 1
    screenshot(school, "spmi-cycle-school-returned")
    school.fill("#progress-percent", "100")
    school.fill("#progress-note", "Semua kelas memiliki pojok baca")
    school.set_input_files(
        "#progress-file", files=[{"name": "foto.png", "mimeType": "image/png", "buffer": _png()}]
    )
    _submit_form(school, "progress")
    _press(school, "#action-submit")

    for phase_fill in (_fill_evaluation, _fill_plan, None):
        _review(wp, base, "#action-approve")
        if phase_fill is None:
            break
        school.goto(cycle_url)
        phase_fill(school)
        _press(school, "#action-submit")

    school.goto(cycle_url)
    assert _state(school) == "Selesai"
    school.goto(f"{base}/spmi/sekolah")  # next year's cycle, carrying the plan
    assert "2027/2028" in school.locator("h1").inner_text()
    assert "Perluas ke numerasi" in school.content()
    context.close()


def _press(page, button):
    page.click(button)
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1, page.locator("main").inner_text()[:500]


def _fill_evaluation(page):
    page.fill("#evaluation-achievement", "70% siswa mencapai kompetensi minimum literasi")
    _submit_form(page, "evaluation")


def _fill_plan(page):
    page.fill("#plan-plan", "Perluas ke numerasi kelas 4-6")
    _submit_form(page, "plan")


def _png() -> bytes:
    import base64

    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
