"""Monitoring in a real Chromium against a real server: at 360 px the progress page links (not embeds) the
bulk opening, the late list names regencies, and the directory's "CSV" link downloads the filtered list."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from spmp.accounts import operations as accounts
from tests.browser.conftest import login, screenshot
from tests.factories import make_school

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-2"
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def monitoring_people(live_database):
    with live_database.transaction() as session:
        make_school(session, regency_code="53.71", name='=HYPERLINK("http://x") Kupang', bentuk="SMA")
        make_school(session, regency_code="53.71", name="SMA Negeri 9 Kupang", bentuk="SMA")
        make_school(session, regency_code="35.78", name="SMA Negeri 9 Surabaya", bentuk="SMA")
        accounts.create_user(session, username="browser.kepala", full_name="Kepala Peramban", password=PASSWORD,
                             role="bpmp_head", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip


def _login(page, base: str) -> None:
    login(page, base, "browser.kepala", PASSWORD)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_monitoring_pages_at_360px_and_a_real_download(browser, live_server, monitoring_people):
    context = browser.new_context(locale="id-ID", viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    try:
        _login(page, live_server)
        page.goto(f"{live_server}/spmi/progres")
        _fits(page)
        assert page.locator("form[action$='/spmi/progres/buka']").count() == 0
        screenshot(page, "monitor-progress-360")
        page.click("#bulk-open-link")
        assert page.locator("h1").inner_text() == "Buka siklus SPMI massal"
        _fits(page)
        screenshot(page, "monitor-bulk-open-360")
        page.goto(f"{live_server}/spmi/terlambat")
        assert "Siklus SPMI terlambat" in page.locator("h1").inner_text()
        _fits(page)
        screenshot(page, "monitor-late-360")

        page.goto(f"{live_server}/sekolah?bentuk=SMA")
        _fits(page)
        with page.expect_download() as info:
            page.click(".export-csv")
        download = info.value
        assert download.suggested_filename.startswith("direktori-sekolah-")
        text = Path(download.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        names = {r["Nama sekolah"] for r in rows}
        assert "SMA Negeri 9 Kupang" in names and "SMA Negeri 9 Surabaya" not in names
        assert '\'=HYPERLINK("http://x") Kupang' in names
        assert {r["Kabupaten/Kota"] for r in rows} == {"Kota Kupang"}
    finally:
        context.close()
