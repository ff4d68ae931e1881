"""The task report with no signal, in a real Chromium at 360 px: the Widyaprada opens the report form,
goes offline, writes the report with a photo (kept in IndexedDB, "Belum terkirim"), reloads the page while
offline (the service worker serves the kept page, the draft and the photo come back), comes back online and
sees it sent ("Terkirim") exactly once; the head sees the report and the photo on the task page.
Screenshots: report-offline-360-*.png (the unsent state, after the offline reload) and
report-sent-360-*.png; report-head-photo-360-*.png (the head's task page)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from spmp import clock
from spmp.accounts import operations as accounts
from spmp.accounts.models import User
from spmp.engine.cases import CaseRecord
from spmp.widyaprada import operations as ops
from spmp.widyaprada.models import ReportPhoto, ReportReceipt, WidyapradaTask
from tests.browser.conftest import Network, assert_fits, login, screenshot
from tests.factories import make_school

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-offline"
PHONE = {"width": 360, "height": 740}


def _schedule(session, wp, school, purpose):
    today = clock.now().date()
    data = ops.TaskInput("supervisi", "school", purpose, today, today + timedelta(days=30),
                         today + timedelta(days=14), (school.id,))  # fmt: skip
    task = ops.create_task(session, wp, data)
    version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == task.case_id))
    ops.act(session, wp, task.id, "schedule", version,
            inputs={"visit_date": today.isoformat(), "override_reason": "Uji: hari ini"})  # fmt: skip
    return task.id


@pytest.fixture(scope="module")
def scheduled_task(live_database):
    with live_database.transaction() as session:
        school = make_school(session, regency_code="53.11", name="SD Negeri Inpres Waingapu 3")

        def user(username, full_name, role, **scope):
            return accounts.create_user(session, username=username, full_name=full_name, password=PASSWORD,
                                        role=role, scope=accounts.Scope(**scope))  # fmt: skip

        admin = user("admin.offline", "Admin", "admin")
        user("kepala.offline", "Kepala BPMP Offline", "bpmp_head", unit_code="BPMP-NTT")
        wp = user("wp.offline", "Widyaprada Sumba Timur", "widyaprada", unit_code="BPMP-NTT")
        accounts.assign_schools(session, admin, wp, [school.npsn])
        return {"first": _schedule(session, wp, school, "Supervisi pembelajaran kelas awal"),
                "second": _schedule(session, wp, school, "Supervisi manajerial")}  # fmt: skip


def _photo(path):
    """A phone-sized photo (2400 x 1800 JPEG): the page makes it smaller before keeping it."""
    image = Image.new("RGB", (2400, 1800), (40, 110, 60))
    for x in range(0, 2400, 60):
        image.paste((200, 180, 40), (x, 0, x + 20, 1800))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    path.write_bytes(out.getvalue())
    return path


def _state(page):
    return page.get_attribute("#report-status", "data-state")


def _counts(live_database, task_id):
    with live_database.transaction() as session:
        task = session.get(WidyapradaTask, task_id)
        photos = session.scalars(select(ReportPhoto).where(ReportPhoto.task_id == task_id)).all()
        receipts = session.scalar(select(func.count()).where(ReportReceipt.task_id == task_id))
        return task.report_version, task.findings, [(p.media_type, p.size_bytes) for p in photos], receipts


def test_report_written_offline_is_sent_once_when_the_signal_returns(browser, live_server, live_database,
                                                                     scheduled_task, tmp_path):  # fmt: skip
    base, task_id = live_server, scheduled_task["first"]
    context = browser.new_context(locale="id-ID", viewport=PHONE)
    network = Network(context)
    wp = context.new_page()
    login(wp, base, "wp.offline", PASSWORD)
    report_url = f"{base}/widyaprada/tugas/{task_id}/laporan"
    wp.goto(report_url)
    wp.wait_for_selector("#report-form[data-offline-ready='1']")  # the page and its files are kept

    network.set_offline(True)
    assert wp.evaluate("navigator.onLine") is False
    wp.fill(
        "#findings", "Guru kelas 1-3 belum memakai asesmen awal membaca; buku bacaan berjenjang belum ada."
    )
    wp.fill("#recommendations", "Bimtek asesmen diagnostik membaca; pengadaan buku berjenjang lewat BOSP.")
    wp.fill("#fu-text-1", "Asesmen diagnostik membaca kelas 1-3 sebelum akhir bulan")
    wp.set_input_files("#photos", str(_photo(tmp_path / "kelas-1.jpg")))
    wp.wait_for_selector("#photo-list li img")
    wp.click("#report-form button[type=submit]")
    wp.wait_for_selector("#report-status[data-state='pending']")
    assert "Belum terkirim" in wp.inner_text("#report-status")

    # Reloaded with no signal: the kept page, the kept draft and its photo.
    wp.reload()
    wp.wait_for_selector("#report-status[data-state='pending']")
    assert any("/laporan" in url for url in network.worker_requests_refused), network.worker_requests_refused
    assert wp.input_value("#findings").startswith("Guru kelas 1-3 belum memakai")
    assert wp.input_value("#fu-text-1") == "Asesmen diagnostik membaca kelas 1-3 sebelum akhir bulan"
    kept = wp.inner_text("#photo-list")
    assert (
        "kelas-1.jpg" in kept
        and wp.evaluate("document.querySelector('#photo-list img').naturalWidth") == 1600
    )
    assert_fits(wp)
    screenshot(wp, "report-offline-360")
    assert _counts(live_database, task_id)[0] == 0  # nothing reached the server

    network.set_offline(False)
    wp.wait_for_selector("#report-status[data-state='sent']", timeout=15000)
    assert "Terkirim" in wp.inner_text("#report-status")
    assert wp.inner_text("#photo-list") == ""
    assert_fits(wp)
    screenshot(wp, "report-sent-360")
    version, findings, photos, receipts = _counts(live_database, task_id)
    assert (version, receipts) == (1, 1) and findings.startswith("Guru kelas 1-3")
    assert len(photos) == 1 and photos[0][0] == "image/jpeg" and photos[0][1] < 400_000, photos

    # Back online and reloaded, nothing is sent again.
    wp.reload()
    wp.wait_for_selector("#report-form[data-offline-ready='1']")
    wp.wait_for_timeout(500)
    assert _counts(live_database, task_id)[0] == 1 and _state(wp) is None

    head = browser.new_context(locale="id-ID", viewport=PHONE).new_page()
    login(head, base, "kepala.offline", PASSWORD)
    head.goto(f"{base}/widyaprada/tugas/{task_id}")
    assert "Guru kelas 1-3 belum memakai asesmen awal membaca" in head.inner_text("#report")
    photo = head.locator("#report-photos img").first
    photo.scroll_into_view_if_needed()
    for _ in range(50):  # wait_for_function would need eval, which the page's CSP forbids
        if photo.evaluate("img => img.complete && img.naturalWidth"):
            break
        head.wait_for_timeout(100)
    assert photo.evaluate("img => img.naturalWidth") == 1600
    assert_fits(head)
    screenshot(head, "report-head-photo-360")
    head.context.close()
    context.close()


def test_a_copy_older_than_the_saved_report_is_refused_and_kept(browser, live_server, live_database,
                                                               scheduled_task):  # fmt: skip
    """Another device saved the report after this form was loaded: the server refuses this copy (409) with
    the versions; the draft stays; pressing "Simpan laporan" again sends it over the saved one, once."""
    base, task_id = live_server, scheduled_task["second"]
    context = browser.new_context(locale="id-ID", viewport=PHONE)
    wp = context.new_page()
    login(wp, base, "wp.offline", PASSWORD)
    wp.goto(f"{base}/widyaprada/tugas/{task_id}/laporan")
    wp.wait_for_selector("#report-form[data-offline-ready='1']")
    with live_database.transaction() as session:  # the other device
        other_device = session.scalar(select(User).where(User.username == "wp.offline"))
        ops.save_report(
            session, other_device, task_id, 0, ops.ReportInput("Dari ponsel lain", "Rekomendasi lain")
        )
    wp.fill("#findings", "Dari formulir ini")
    wp.fill("#recommendations", "Rekomendasi formulir ini")
    wp.click("#report-form button[type=submit]")
    wp.wait_for_selector("#report-status[data-state='refused']")
    refused = wp.inner_text("#report-status")
    assert "Laporan sudah disimpan di tempat lain (versi 1; draf ini dari versi 0)" in refused
    assert (
        "Draf tetap tersimpan di perangkat ini; tekan “Simpan laporan” untuk mengirimnya menggantikan versi 1"
        in refused
    )
    assert _counts(live_database, task_id)[:2] == (1, "Dari ponsel lain")
    assert_fits(wp)
    screenshot(wp, "report-refused-360")
    wp.click("#report-form button[type=submit]")  # the user chose this copy
    wp.wait_for_selector("#report-status[data-state='sent']")
    version, findings, _photos, receipts = _counts(live_database, task_id)
    assert (version, findings, receipts) == (2, "Dari formulir ini", 1)
    context.close()
