"""Second-factor enrolment and re-enrolment on a 360 px phone, in a real Chromium against a real server."""

from __future__ import annotations

import time

import pyotp
import pytest

from spmp.accounts import operations as accounts
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-2"


@pytest.fixture(scope="module")
def pusat_without_second_factor(live_database):
    with live_database.transaction() as session:
        accounts.create_user(
            session, username="browser.pusat", full_name="Pusat Peramban", password=PASSWORD, role="pusat"
        )


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url}: {width} px wide at a 360 px viewport"


def _next_step_code(secret: str) -> str:
    """A code of the next 30-second step (the last one was just used; a code is accepted only once)."""
    totp = pyotp.TOTP(secret)
    time.sleep(totp.interval - time.time() % totp.interval + 0.5)
    return totp.now()


def test_enrol_then_reenrol_on_a_phone(browser, live_server, pusat_without_second_factor):
    context = browser.new_context(locale="id-ID", viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.fill("#username", "browser.pusat")
        page.fill("#password", PASSWORD)
        page.click("form button.primary")
        page.wait_for_url(f"{live_server}/login/totp/setup")
        _no_sideways_scroll(page)
        screenshot(page, "totp-enrol-360")
        secret = page.locator("code.secret").inner_text().strip()
        page.fill("#code", pyotp.TOTP(secret).now())
        page.click("form button.primary")
        page.wait_for_url(f"{live_server}/")

        # Re-enrolment from the logged-in session asks for the password and the current device's code.
        page.goto(f"{live_server}/akun")
        page.click("text=Ganti perangkat")
        page.wait_for_url(f"{live_server}/login/totp/setup")
        _no_sideways_scroll(page)
        screenshot(page, "totp-reenrol-360")
        new_secret = page.locator("code.secret").inner_text().strip()
        assert new_secret != secret
        page.fill("#code", pyotp.TOTP(new_secret).now())
        page.click("form button.primary")
        assert "Wajib diisi" in page.content()  # no password, no current code: nothing changes
        page.fill("#password", PASSWORD)
        page.fill("#current_code", _next_step_code(secret))
        page.fill("#code", pyotp.TOTP(new_secret).now())
        page.click("form button.primary")
        page.wait_for_url(f"{live_server}/akun")
        assert "Verifikasi dua langkah aktif." in page.content()
    finally:
        context.close()
