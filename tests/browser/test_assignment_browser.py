"""Assignment and balancing on phones (360 x 740) in a real Chromium (issue 12): the B/BPMP head sees the
proposals on a task's page and chooses one with one tap; plans the whole unit optimally and applies it;
the administrator records a conflict of interest, and the head's proposals for that school leave the
Widyaprada out; a leaving Widyaprada's work moves in bulk after a preview. No page scrolls sideways.
Screenshots: assign-task-proposals, assign-optimal, assign-bulk-preview,
assign-conflicts, assign-school-proposals."""

from __future__ import annotations

from datetime import date

import pyotp
import pytest

from spmp.accounts import operations as accounts
from spmp.widyaprada import operations as tasks
from tests.browser.conftest import login, screenshot
from tests.factories import make_school

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-browser-12"
PHONE = {"width": 360, "height": 740}
UNIT = "BPMP-MALUKU"  # a unit no other browser test uses: its people and schools are this test's own
AMBON = "81.71"


@pytest.fixture(scope="module")
def unit_world(live_database):
    with live_database.transaction() as session:

        def user(username, full_name, role, **scope):
            return accounts.create_user(session, username=username, full_name=full_name, password=PASSWORD,
                                        role=role, scope=accounts.Scope(**scope))  # fmt: skip

        admin = user("admin.bagi", "Admin Bagi", "admin")
        admin.totp_secret = pyotp.random_base32()
        head = user("kepala.bagi", "Kepala BPMP Maluku", "bpmp_head", unit_code=UNIT)
        rina = user("wp.rina", "Rina Latuconsina", "widyaprada", unit_code=UNIT)
        yosef = user("wp.yosef", "Yosef Pattinama", "widyaprada", unit_code=UNIT)
        held = make_school(
            session, regency_code=AMBON, name="SD Negeri 3 Ambon", latitude=-3.69, longitude=128.18
        )
        accounts.assign_schools(session, admin, yosef, [held.npsn])
        schools = [make_school(session, regency_code=AMBON, name=f"SD Negeri {n} Ambon", latitude=-3.70 + n / 100,
                               longitude=128.17) for n in range(4, 9)]  # fmt: skip
        data = tasks.TaskInput("supervisi", "school", "Supervisi pembelajaran", date(2026, 3, 2), date(2026, 3, 31),
                               date(2026, 3, 20), (schools[0].id,))  # fmt: skip
        task = tasks.create_task(session, head, data)
        return {"task": task.id, "rina": rina.id, "school": schools[1], "admin_secret": admin.totp_secret}


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def test_head_chooses_a_proposal_plans_the_unit_and_conflicts_are_left_out(browser, live_server, unit_world):
    base = live_server
    head = browser.new_context(locale="id-ID", viewport=PHONE).new_page()
    login(head, base, "kepala.bagi", PASSWORD)
    head.goto(f"{base}/widyaprada/tugas/{unit_world['task']}")
    proposals = head.locator("#suggest .proposal")
    # Rina carries nothing; Yosef holds one school: Rina first, with the reason spelled out.
    assert proposals.first.locator("strong").inner_text() == "Rina Latuconsina"
    assert "0 tugas terbuka, bobot 0; 0 sekolah binaan (beban 0)" in proposals.first.inner_text()
    _fits(head)
    screenshot(head, "assign-task-proposals")
    proposals.first.locator("button").click()
    head.wait_for_load_state()
    assert head.locator(".flash-success").count() == 1, head.locator("main").inner_text()[:600]
    assert "Rina Latuconsina" in head.locator(".facts").inner_text()

    head.goto(f"{base}/widyaprada/penugasan-optimal")
    assert "Optimal (min-cost flow)" in head.locator("#comparison").inner_text()
    _fits(head)
    screenshot(head, "assign-optimal")

    admin = browser.new_context(locale="id-ID", viewport=PHONE).new_page()
    login(admin, base, "admin.bagi", PASSWORD, totp_secret=unit_world["admin_secret"])
    school = unit_world["school"]
    admin.goto(f"{base}/admin/konflik-kepentingan")
    admin.fill("#username", "wp.rina")
    admin.fill("#npsn", school.npsn)
    admin.select_option("#kind", "relative_school")
    admin.fill("#reason", "Adik kandung mengajar di sekolah ini")
    admin.click("#conflict-form button[type=submit]")
    admin.wait_for_load_state()
    assert "Adik kandung mengajar di sekolah ini" in admin.locator("#conflicts").inner_text()
    _fits(admin)
    screenshot(admin, "assign-conflicts")

    head.goto(f"{base}/sekolah/{school.id}/sarankan")
    names = head.locator(".proposal strong").all_inner_texts()
    assert names == ["Yosef Pattinama"]  # Rina has a recorded conflict with this school
    _fits(head)
    screenshot(head, "assign-school-proposals")
    head.locator(".proposal button").first.click()
    head.wait_for_load_state()
    assert head.locator(".flash-success").count() == 1, head.locator("main").inner_text()[:600]

    # Rina moves to another unit: her work goes to Yosef, previewed first, with the reason.
    head.goto(f"{base}/widyaprada/penugasan-massal")
    head.select_option("#mode", "pindah")
    head.select_option("#dari", str(unit_world["rina"]))
    head.select_option("#ke", label="Yosef Pattinama")
    head.click("#bulk-form button[type=submit]")
    head.wait_for_load_state()
    assert "Pratinjau: 1 butir kepada Yosef Pattinama" in head.locator("#preview h2").inner_text()
    _fits(head)
    head.fill("#reason", "Mutasi ke BPMP Maluku Utara")
    screenshot(head, "assign-bulk-preview")
    head.click("#apply-bulk button[type=submit]")
    head.wait_for_load_state()
    assert head.locator(".flash-success").count() == 1, head.locator("main").inner_text()[:600]
