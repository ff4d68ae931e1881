"""Phones and slow links, in Chromium at 360x740 over the demo data (issue 10, "Phones and slow links").

- Every page each demo role can reach (found by crawling links from the home page: GET only, same
  origin) fits 360 px: ``document.documentElement.scrollWidth <= 360``; buttons, fields and menu
  entries are at least 44 px high.
- Page weights, measured from Chromium's own network events (``encodedDataLength``: bytes on the wire,
  after compression): first visit (empty cache) < 100 KB, repeat visit < 20 KB, for the key pages.
- Every key page (the case page first) is interactive and loaded within 5 s on an emulated 400 kbit/s link
  with 400 ms latency, on the first and on a repeat visit.
- Screenshots of the key pages at 360 px go to test-artifacts/mobile-*.png; figures to
  test-artifacts/mobile-figures-<backend>.json.
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from spmp import migrate
from spmp.db import Database
from spmp.demo_seed import DEMO_PASSWORD, DEMO_TOTP, demo_users, seed_demo
from spmp.engine.cases import CaseRecord
from tests.browser.conftest import ARTIFACTS, login, screenshot, start_server

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
MAX_PAGES_PER_ROLE = 30
SAME_KIND_LIMIT = 2  # pages whose URL differs only in ids/values: visit two of each kind
FIRST_VISIT_LIMIT = 100 * 1024
REPEAT_VISIT_LIMIT = 20 * 1024
SLOW_LINK = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
# Links that are downloads, not pages.
NOT_A_PAGE = re.compile(r"(^/bukti/|[?&]format=(csv|xlsx)|/unduh|\.(csv|xlsx|pdf|zip)(\?|$))")


@pytest.fixture(scope="module")
def demo_site(make_database, tmp_path_factory):
    """`spmp demo seed` (1,500 schools instead of 20,000) in a database of its own, served by `spmp web`."""
    url = make_database("mobile")
    database = Database(url)
    migrate.upgrade(database)
    instance = tmp_path_factory.mktemp("mobile-instance")
    with database.transaction() as session:
        seed_demo(session, schools=1500, evidence_path=instance / "evidence")  # the server's files (photos)
        case_id = _demo_case_id(session)
        users = [d.username for d in demo_users(session)]
    database.dispose()
    # Every demo role logs in from 127.0.0.1 within a minute: lift the per-address login limit.
    base, stop = start_server(url, instance, SPMP_LOGIN_RATE_LIMIT="1000 per minute")
    yield {"base": base, "case_id": case_id, "users": users}
    stop()


def _demo_case_id(session) -> int:
    return session.scalar(
        select(CaseRecord.id).where(CaseRecord.type_key == "widyaprada_task").order_by(CaseRecord.id)
    )


def _login(page, base: str, username: str) -> None:
    login(page, base, username, DEMO_PASSWORD, DEMO_TOTP.get(username))


def _kind(url: str) -> str:
    """/sekolah/123?halaman=2&q=x -> /sekolah/N?halaman&q : pages that differ only in ids or values."""
    parts = urlsplit(url)
    keys = sorted({kv.split("=", 1)[0] for kv in parts.query.split("&") if kv})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href).split("#", 1)[0]
        path = url[len(base) :] if url.startswith(base + "/") else None
        if path is None or NOT_A_PAGE.search(path) or "download" in href:
            continue
        found.append(url)
    return found


LAYOUT_PROBE = """() => {
  const small = [];
  const sel = 'button, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), '
            + '.mainnav a, .who a, .nav-button, .pager a';
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;  // not shown (closed menu, hidden field)
    if (r.height < 44) small.push(`${el.tagName.toLowerCase()}#${el.id || ''}.${el.className || ''} "${(el.innerText || el.name || '').trim().slice(0, 30)}" ${Math.round(r.height)}px`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, small};
}"""


def _crawl(page, base: str, username: str) -> tuple[list[str], list[str]]:
    """Breadth-first from the home page; returns (visited URLs, problems)."""
    queue, seen, kinds, visited, problems = [f"{base}/"], set(), {}, [], []
    while queue and len(visited) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        kind = _kind(url)
        if url in seen or kinds.get(kind, 0) >= SAME_KIND_LIMIT:
            continue
        seen.add(url)
        kinds[kind] = kinds.get(kind, 0) + 1
        try:
            response = page.goto(url)
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):  # a file behind an ordinary link, not a page
                continue
            raise
        if response is None or response.status >= 400 or not page.url.startswith(base):
            problems.append(f"{username} {url}: status {response.status if response else '-'}")
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited.append(url)
        probe = page.evaluate(LAYOUT_PROBE)
        if probe["scrollWidth"] > PHONE["width"]:
            problems.append(f"{username} {url}: scrollWidth {probe['scrollWidth']} > 360")
        for small in probe["small"]:
            problems.append(f"{username} {url}: tap target {small} < 44px")
        page.click("#nav-button")  # the collapsed menu opens and still fits
        if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
            problems.append(f"{username} {url}: open menu overflows")
        queue.extend(u for u in _links(page, base) if u not in seen)
    return visited, problems


def test_every_page_of_every_demo_role_fits_360px(browser, demo_site):
    base, visited_all, problems = demo_site["base"], {}, []
    for username in demo_site["users"]:
        context = browser.new_context(locale="id-ID", viewport=PHONE)
        page = context.new_page()
        _login(page, base, username)
        visited, found = _crawl(page, base, username)
        visited_all[username] = visited
        problems += found
        context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    report = ARTIFACTS / f"mobile-crawl-{os.environ.get('SPMP_TEST_DATABASE', 'sqlite')}.json"
    report.write_text(json.dumps({"visited": visited_all, "problems": problems}, indent=1))
    assert all(len(v) >= 3 for v in visited_all.values()), visited_all  # the crawl really went somewhere
    assert sum(len(v) for v in visited_all.values()) >= 40
    assert not problems, "\n".join(problems)


class Meter:
    """Sums the bytes Chromium received (after compression) per navigation, from CDP Network events."""

    def __init__(self, context, page):
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.sizes: dict[str, float] = {}
        self.urls: dict[str, str] = {}
        self.cdp.on(
            "Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"])
        )
        self.cdp.on(
            "Network.loadingFinished",
            lambda e: self.sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
        )

    def measure(self, page, url: str) -> tuple[int, dict[str, int]]:
        self.sizes.clear()
        self.urls.clear()
        page.goto(url, wait_until="load")
        page.wait_for_timeout(300)  # late loadingFinished events
        detail = {self.urls.get(k, k): int(v) for k, v in self.sizes.items()}
        return sum(detail.values()), detail


KEY_PAGES = [
    # (user, name, path) ; the case path is filled in from the demo data
    ("widyaprada", "home", "/"),
    ("widyaprada", "case", "/kasus/{case_id}"),
    ("widyaprada", "cases", "/kasus"),
    ("widyaprada", "directory", "/sekolah"),
    ("operator", "home-operator", "/"),
    ("kepala", "home-kepala", "/"),
    ("staf", "workflows", "/alur-kerja"),
    ("operator", "spmi-school", "/spmi/sekolah"),
    ("widyaprada", "spmi-queue", "/spmi/tinjauan"),
    ("kepala", "spmi-progress", "/spmi/progres"),
    ("staf", "revitalisasi-queue", "/revitalisasi/antrean"),
    ("dinas.kota", "revitalisasi-proposals", "/revitalisasi/usulan"),
    ("staf", "kendala", "/kendala"),
    ("staf", "digitalisasi-readiness", "/digitalisasi/kesiapan"),
    ("widyaprada", "my-tasks", "/widyaprada/tugas"),
]


def test_key_pages_are_light_on_first_and_repeat_visits(browser, demo_site):
    base, figures, problems = demo_site["base"], {}, []
    for username in dict.fromkeys(u for u, _, _ in KEY_PAGES):
        context = browser.new_context(locale="id-ID", viewport=PHONE)
        page = context.new_page()
        _login(page, base, username)
        meter = Meter(context, page)
        for _, name, path in (k for k in KEY_PAGES if k[0] == username):
            url = base + path.format(case_id=demo_site["case_id"])
            meter.cdp.send("Network.clearBrowserCache")
            first, first_detail = meter.measure(page, url)
            repeat, _ = meter.measure(page, url)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
            screenshot(page, f"mobile-{name}")
            if name == "home":  # the collapsed menu, opened
                page.click("#nav-button")
                screenshot(page, "mobile-menu-open")
            figures[name] = {"first_bytes": first, "repeat_bytes": repeat, "first_requests": first_detail}
            if first >= FIRST_VISIT_LIMIT:
                problems.append(f"{name}: first visit {first} B >= 100 KB {first_detail}")
            if repeat >= REPEAT_VISIT_LIMIT:
                problems.append(f"{name}: repeat visit {repeat} B >= 20 KB")
        context.close()
    _save_figures("weights", figures)
    assert not problems, "\n".join(problems)


def test_key_pages_are_interactive_within_5s_on_a_slow_link(browser, demo_site):
    """Every key page, first visit (empty cache) and repeat visit, on 400 kbit/s with 400 ms latency."""
    base, figures, problems = demo_site["base"], {}, []
    for username in dict.fromkeys(u for u, _, _ in KEY_PAGES):
        context = browser.new_context(locale="id-ID", viewport=PHONE)
        page = context.new_page()
        _login(page, base, username)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
        for _, name, path in (k for k in KEY_PAGES if k[0] == username):
            cdp.send("Network.clearBrowserCache")
            figures[name] = {}
            for visit in ("first", "repeat"):
                page.goto(base + path.format(case_id=demo_site["case_id"]), wait_until="load", timeout=60_000)
                timing = page.evaluate(
                    """() => { const t = performance.getEntriesByType('navigation')[0];
                         return {interactive: t.domInteractive, dcl: t.domContentLoadedEventEnd,
                                 load: t.loadEventEnd}; }"""
                )
                figures[name][visit] = {k: round(v) for k, v in timing.items()}
                if timing["interactive"] >= 5000 or timing["load"] >= 5000:
                    problems.append(f"{name} ({visit}): {timing}")
            if name == "case":
                page.locator("button[data-trigger=schedule]").wait_for()  # the primary action is there
                screenshot(page, "mobile-case-slow-link")
        context.close()
    _save_figures("slow-link", figures)
    assert not problems, "\n".join(problems)


def _save_figures(name: str, figures: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"mobile-figures-{os.environ.get('SPMP_TEST_DATABASE', 'sqlite')}.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = figures
    path.write_text(json.dumps(data, indent=1))
    print(name, json.dumps(figures))
