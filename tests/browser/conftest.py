"""A real server on 127.0.0.1 (the ``spmp web`` command in a subprocess) over a committed throw-away
database, and a real Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest

from spmp import migrate
from spmp.db import Database
from spmp.regions.reference import load_reference

CHROMIUM = os.environ.get("SPMP_CHROMIUM", "/usr/bin/chromium")
# context.set_offline() does not reach a service worker's own requests (microsoft/playwright#2311); with
# these events on, a test can route them (the offline report test aborts them while "offline"). Read by
# Playwright's driver when it starts, so set before any browser is launched.
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_database(make_database):
    """A migrated database with reference data, committed (the server process must see it)."""
    url = make_database("live")
    database = Database(url)
    migrate.upgrade(database)
    with database.transaction() as session:
        load_reference(session)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def live_server(live_database, tmp_path_factory):
    # Every browser test logs in from 127.0.0.1 to this one server: the production limit per address
    # (10 logins a minute) would refuse the suite itself. The limit has tests of its own.
    base, stop = start_server(
        live_database.url, tmp_path_factory.mktemp("live-instance"), SPMP_LOGIN_RATE_LIMIT="600 per minute"
    )
    yield base
    stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    backend = os.environ.get("SPMP_TEST_DATABASE", "sqlite")
    path = ARTIFACTS / f"{name}-{backend}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


class Network:
    """Offline for the page (set_offline) and for the service worker's own requests, which set_offline
    does not reach (they are aborted while offline; each one is counted)."""

    def __init__(self, context):
        self.context, self.offline, self.worker_requests_refused = context, False, []
        context.route("**/*", self._route)

    def _route(self, route):
        if self.offline and route.request.service_worker is not None:
            self.worker_requests_refused.append(route.request.url)
            return route.abort("internetdisconnected")
        return route.continue_()

    def set_offline(self, offline: bool):
        self.offline = offline
        self.context.set_offline(offline)


def assert_fits(page, width: int = 360) -> None:
    """The page does not scroll sideways at ``width`` px."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"


def start_server(database_url: str, instance_path: Path, **env_extra: str):
    """Start ``spmp web`` on a free port over ``database_url``; returns (base URL, stop function)."""
    port = _free_port()
    env = {
        **os.environ,
        "SPMP_DATABASE_URL": database_url,
        "SPMP_INSTANCE_PATH": str(instance_path),
        **env_extra,
    }
    log_path = instance_path / "server.log"
    log = open(log_path, "wb")  # noqa: SIM115 - open for the server's lifetime
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "spmp"), "web", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None:
                log.close()
                raise RuntimeError(log_path.read_text()) from None
            time.sleep(0.2)

    def stop():
        process.terminate()
        process.wait(timeout=10)
        log.close()

    return f"http://127.0.0.1:{port}", stop


def login(page, base: str | None, username: str, password: str, totp_secret: str | None = None) -> None:
    """Log in through the real form (from ``base``'s login page, or from the login page already open when
    ``base`` is None) and wait until the server's answer has arrived: a click alone returns before the
    POST is answered, and a ``goto`` right after it would cancel the login."""
    if base is not None:
        page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if totp_secret is not None:
        page.fill("input[name=code]", pyotp.TOTP(totp_secret).now())
        with page.expect_navigation():
            page.click("button[type=submit]")
    assert "/login" not in page.url, (
        f"{username} could not log in ({page.url}): {page.locator('main').inner_text()[:300]}"
    )
