"""Nothing typed is lost, in a real Chromium: a school operator fills the long Benahi (activity) form, the
session expires before they press the button (the cookie is gone), the server refuses the stale form, the
operator logs in again, lands back on the form with every field restored from the browser's draft, submits,
and the text arrives whole. Also: a too-large upload is stopped in the browser before any byte is sent."""

from __future__ import annotations

import io

import pytest

from spmp.accounts import operations as accounts
from spmp.spmi import operations as ops
from spmp.spmi.importer import import_indicators
from tests.browser.conftest import ARTIFACTS, login, screenshot
from tests.factories import make_school

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-3"
CSV = (
    "kode_indikator,nama_indikator,dimensi,nilai,capaian\nA.1,Kemampuan literasi,Hasil belajar,48.5,Kurang\n"
)
LONG_TARGET = " ".join(
    f"Kelas {n} memiliki pojok baca dengan minimal 40 judul buku cerita;" for n in range(1, 60)
)


@pytest.fixture(scope="module")
def draft_cycle(live_database):
    with live_database.transaction() as session:
        school = make_school(session, regency_code="53.71", name="SD Negeri 9 Kupang")
        operator = accounts.create_user(session, username="op.draft.browser", full_name="Operator SD 9",
                                        password=PASSWORD, role="school_operator",
                                        scope=accounts.Scope(school_npsn=school.npsn))  # fmt: skip
        import_indicators(session, operator, io.BytesIO(CSV.encode()), filename="r.csv", school_id=school.id,
                          year=2026)  # fmt: skip
        cycle = ops.open_cycle(session, operator, school.id, 2026)
        priority = ops.add_priority(session, operator, cycle.id, "A.1", "Literasi rendah")
        ops.add_root_cause(session, operator, cycle.id, priority.id, "Minat baca siswa rendah")
        return {"cycle_id": cycle.id, "school_id": school.id}


def _login(page, username):
    login(page, None, username, PASSWORD)


def _drafts(page) -> int:
    return page.evaluate(
        "Object.keys(localStorage).filter(function (k) { return k.indexOf('spmp-draft|') === 0; }).length"
    )


FIELDS = {
    "#activity-title": "Pojok baca di setiap kelas",
    "#activity-owner": "Pustakawan dan wali kelas",
    "#activity-start_date": "2026-08-01",
    "#activity-end_date": "2026-12-01",
    "#activity-budget_ref": "RKAS 2026 5.2.1",
    "#activity-target": LONG_TARGET,
}


def test_draft_survives_an_expired_session(page, live_server, draft_cycle):
    base = live_server
    cycle_url = f"{base}/spmi/siklus/{draft_cycle['cycle_id']}"
    page.goto(f"{base}/login")
    _login(page, "op.draft.browser")
    page.goto(cycle_url)
    for selector, value in FIELDS.items():
        page.fill(selector, value)
    page.select_option("#activity-snp", "sarpras")
    assert _drafts(page) == 1

    page.context.clear_cookies()  # the session is gone (expired, or the browser dropped the cookie)
    page.click("form#activity button[type=submit]")
    page.wait_for_load_state()
    assert "Formulir kedaluwarsa" in page.locator("h1").inner_text()
    screenshot(page, "forms-expired")
    page.click("#error-action")  # "Masuk kembali": the login, with next= the form's page
    page.wait_for_load_state()
    _login(page, "op.draft.browser")
    assert page.url == cycle_url

    notice = page.locator("form#activity .draft-notice")
    assert notice.count() == 1 and "dipulihkan" in notice.inner_text()
    for selector, value in FIELDS.items():
        assert page.input_value(selector) == value, selector
    assert page.input_value("#activity-snp") == "sarpras"
    screenshot(page, "forms-draft-restored")
    page.set_viewport_size({"width": 360, "height": 740})
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("form#activity").screenshot(path=str(ARTIFACTS / "forms-draft-restored-form-360.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("form#activity button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1, page.locator("main").inner_text()[:500]
    assert LONG_TARGET in page.locator("#content").inner_text()  # arrived whole
    assert _drafts(page) == 0  # saved: the draft is dropped
    assert page.locator(".draft-notice").count() == 0


def test_error_summary_links_to_the_field(page, live_server, draft_cycle):
    base = live_server
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{base}/login")
    _login(page, "op.draft.browser")
    page.goto(f"{base}/spmi/siklus/{draft_cycle['cycle_id']}")
    page.fill("#activity-title", "x" * 250)
    page.click("form#activity button[type=submit]")
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    assert summary.is_visible() and summary.bounding_box()["y"] < 400  # at the top, not 3,600 px below
    assert page.evaluate("document.activeElement.id") == "error-summary"
    screenshot(page, "forms-error-summary-360")
    summary.locator("a[href='#activity-title']").click()
    assert page.evaluate("location.hash") == "#activity-title"
    assert page.input_value("#activity-title") == "x" * 250  # shown back whole, not cut


def test_too_large_upload_is_stopped_before_sending(page, live_server, draft_cycle):
    base = live_server
    page.goto(f"{base}/login")
    _login(page, "op.draft.browser")
    page.goto(f"{base}/spmi/sekolah/{draft_cycle['school_id']}/indikator")
    limit = int(page.get_attribute("input[type=file]", "data-max-bytes"))
    assert "Ukuran maksimal" in page.locator("main form").inner_text()
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    page.set_input_files("input[type=file]", files=[
        {"name": "rapor.csv", "mimeType": "text/csv", "buffer": b"a" * (limit + 1)},
    ])  # fmt: skip
    error = page.locator("[id$='-size-error']")
    assert "terlalu besar" in error.inner_text()
    page.click("main form button[type=submit]")
    page.wait_for_timeout(300)
    assert posts == []


def test_logging_out_drops_the_drafts(page, live_server, draft_cycle):
    base = live_server
    page.goto(f"{base}/login")
    _login(page, "op.draft.browser")
    page.goto(f"{base}/spmi/siklus/{draft_cycle['cycle_id']}")
    page.fill("#activity-target", "Catatan di komputer bersama")
    assert _drafts(page) == 1
    page.click("#logout")
    page.wait_for_load_state()
    assert _drafts(page) == 0  # a shared computer keeps nothing of the last user's typing
