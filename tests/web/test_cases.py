"""The case page on the workflow engine: actions with reasons, firing with the version seen, stale and
double submits, comments, evidence upload/download, pause/resume, diagrams — all scoped."""

from __future__ import annotations

import io
import re

import pytest

from spmp.engine import operations as cases
from spmp.engine.cases import CaseRecord
from tests.web.conftest import login, post

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def visit(session, world):
    """A supervision visit case for the inside school, assigned to its Widyaprada."""
    wp = world["users"]["widyaprada"]
    return cases.open_case(
        session,
        wp,
        "school_visit",
        title="Supervisi semester ganjil",
        school_id=world["inside"].id,
        assignee_user_id=wp.id,
    )


@pytest.fixture
def outside_visit(session, world):
    return cases.open_case(
        session,
        world["users"]["admin"],
        "school_visit",
        title="Supervisi Surabaya",
        school_id=world["outside"].id,
    )


def _version(html: str) -> int:
    return int(re.search(r'name="seen_version" value="(\d+)"', html).group(1))


def test_case_page_shows_enabled_and_disabled_actions_with_reasons(client, world, visit):
    login(client, world["users"]["bpmp_head"])
    html = client.get(f"/kasus/{visit.id}").get_data(as_text=True)
    assert "Supervisi semester ganjil" in html and "Draf" in html
    # The head may not schedule (a Widyaprada/staff action): shown disabled with the reason.
    disabled = re.search(
        r'<button type="submit" disabled data-trigger="schedule">.*?<small class="reason">(.*?)</small>',
        html,
        re.S,
    )
    assert disabled and disabled.group(1).strip()
    # The diagram is SVG drawn on the server; the current state carries the class the stylesheet marks.
    assert '<svg role="img"' in html and 'id="st_draft" class="node state current"' in html
    assert "mermaid" not in html


def test_fire_action_moves_case_and_writes_timeline(client, world, visit, session):
    login(client, world["users"]["widyaprada"])
    page = client.get(f"/kasus/{visit.id}").get_data(as_text=True)
    response = post(
        client,
        f"/kasus/{visit.id}/aksi/schedule",
        {"seen_version": _version(page), "input_visit_date": "2026-12-03"},
        token_from=f"/kasus/{visit.id}",
    )
    assert response.status_code == 302
    html = client.get(f"/kasus/{visit.id}").get_data(as_text=True)
    assert "Berhasil: Draf → Terjadwal" in html
    assert 'id="case-state">Terjadwal' in html
    assert "<th>Waktu (WITA)</th>" in html  # stored in UTC, shown in the reader's zone (NTT: WITA)
    session.expire_all()
    assert session.get(CaseRecord, visit.id).state == "scheduled"


def test_missing_input_is_refused_with_reason(client, world, visit, session):
    login(client, world["users"]["widyaprada"])
    post(client, f"/kasus/{visit.id}/aksi/schedule", {"seen_version": 1}, token_from=f"/kasus/{visit.id}")
    html = client.get(f"/kasus/{visit.id}").get_data(as_text=True)
    assert "Tanggal kunjungan" in html and 'id="case-state">Draf' in html


def test_stale_page_and_double_submit_change_the_case_once(client, world, visit, session):
    login(client, world["users"]["widyaprada"])
    data = {"seen_version": 1, "input_visit_date": "2026-12-03"}
    first = post(client, f"/kasus/{visit.id}/aksi/schedule", data, token_from=f"/kasus/{visit.id}")
    second = post(client, f"/kasus/{visit.id}/aksi/schedule", data, token_from=f"/kasus/{visit.id}")
    assert first.status_code == second.status_code == 302
    html = client.get(f"/kasus/{visit.id}").get_data(as_text=True)
    assert "Kasus ini telah berubah" in html
    session.expire_all()
    case = session.get(CaseRecord, visit.id)
    assert (case.state, case.version) == ("scheduled", 2)


def test_comment_and_evidence_round_trip(client, world, visit):
    login(client, world["users"]["widyaprada"])
    assert (
        post(
            client,
            f"/kasus/{visit.id}/komentar",
            {"body": "Jadwal disepakati dengan kepala sekolah."},
            token_from=f"/kasus/{visit.id}",
        ).status_code
        == 302
    )
    response = post(
        client,
        f"/kasus/{visit.id}/bukti",
        {"file": (io.BytesIO(PNG), "foto.png")},
        token_from=f"/kasus/{visit.id}",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    html = client.get(f"/kasus/{visit.id}").get_data(as_text=True)
    assert "Jadwal disepakati" in html and "foto.png" in html
    evidence_id = int(re.search(r"/bukti/(\d+)", html).group(1))
    with client.get(f"/bukti/{evidence_id}") as download:
        assert download.status_code == 200 and download.data == PNG
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
    for username, expected in (("staf_ntt", 200), ("dinas_kupang", 200), ("op_kupang", 200)):
        other = client.application.test_client()
        login(other, username)
        with other.get(f"/bukti/{evidence_id}") as response:
            assert response.status_code == expected, username
    jatim = client.application.test_client()
    from spmp.accounts import operations as accounts

    session = client.application.extensions["spmp_db"].session()
    accounts.create_user(
        session,
        username="staf_jatim",
        full_name="Staf Jatim",
        password="kata-sandi-uji-123",
        role="bpmp_staff",
        scope=accounts.Scope(unit_code="BBPMP-JATIM"),
    )
    session.commit()
    login(jatim, "staf_jatim")
    with jatim.get(f"/bukti/{evidence_id}") as response:
        assert response.status_code == 404


def test_evidence_type_is_checked_from_content(client, world, visit):
    login(client, world["users"]["widyaprada"])
    post(
        client,
        f"/kasus/{visit.id}/bukti",
        {"file": (io.BytesIO(b"<script>alert(1)</script>"), "foto.png")},
        token_from=f"/kasus/{visit.id}",
        content_type="multipart/form-data",
    )
    html = client.get(f"/kasus/{visit.id}").get_data(as_text=True)
    assert "foto.png" not in html.split("Bukti (")[1].split("</section>")[0]


def test_pause_and_resume(client, world, visit, session):
    login(client, world["users"]["bpmp_staff"])
    post(
        client,
        f"/kasus/{visit.id}/jeda",
        {"seen_version": 1, "reason": "Sekolah libur banjir"},
        token_from=f"/kasus/{visit.id}",
    )
    html = client.get(f"/kasus/{visit.id}").get_data(as_text=True)
    assert "Ditangguhkan: Sekolah libur banjir" in html
    post(
        client,
        f"/kasus/{visit.id}/jeda",
        {"seen_version": _version(html), "resume": "1"},
        token_from=f"/kasus/{visit.id}",
    )
    session.expire_all()
    assert session.get(CaseRecord, visit.id).is_paused is False


def test_cases_outside_area_are_404(client, world, visit, outside_visit):
    login(client, world["users"]["bpmp_staff"])
    assert client.get(f"/kasus/{outside_visit.id}").status_code == 404
    listing = client.get("/kasus").get_data(as_text=True)
    assert "Supervisi semester ganjil" in listing and "Supervisi Surabaya" not in listing
    response = post(client, f"/kasus/{outside_visit.id}/komentar", {"body": "halo"})
    assert response.status_code == 404


def test_school_user_sees_own_school_cases_only(client, world, visit, outside_visit):
    login(client, world["users"]["school_operator"])
    assert client.get(f"/kasus/{visit.id}").status_code == 200
    assert client.get(f"/kasus/{outside_visit.id}").status_code == 404


def test_catalogue_shows_every_workflow_with_diagram(client, world):
    login(client, world["users"]["bpmp_staff"])
    response = client.get("/alur-kerja")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Kunjungan Supervisi" in html and html.count('<svg role="img"') >= 3
    # No diagram library any more: the only script is the small draft keeper of forms (web/static/forms.js).
    assert re.findall(r"<script[^>]*>", html) == [
        re.search(r'<script src="/static/forms\.js[^>]*>', html).group(0)
    ]
    assert response.headers["Content-Security-Policy"].count("style-src 'self';") == 1  # no unsafe-inline


def test_case_page_works_without_graphviz(client, world, visit, monkeypatch):
    from spmp.engine import diagram

    diagram._render_svg.cache_clear()
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    login(client, world["users"]["widyaprada"])
    response = client.get(f"/kasus/{visit.id}")
    diagram._render_svg.cache_clear()
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Diagram tidak tersedia" in html and "<svg" not in html
    assert 'data-trigger="schedule"' in html  # the actions still work


def test_dashboard_lists_my_open_cases_with_due_dates(client, world, visit, outside_visit):
    login(client, world["users"]["widyaprada"])
    post(
        client,
        f"/kasus/{visit.id}/aksi/schedule",
        {"seen_version": 1, "input_visit_date": "2026-12-03"},
        token_from=f"/kasus/{visit.id}",
    )
    html = client.get("/").get_data(as_text=True)
    worklist = html.split('id="worklist"')[1].split("</table>")[0]
    assert "Supervisi semester ganjil" in worklist and "Terjadwal" in worklist
    assert "Supervisi Surabaya" not in worklist
    other = client.application.test_client()
    login(other, "staf_ntt")  # not assigned to this case
    assert "Supervisi semester ganjil" not in other.get("/").get_data(as_text=True).split('id="worklist"')[1]
