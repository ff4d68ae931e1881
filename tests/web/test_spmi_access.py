"""SPMI/SPME routes × roles: a school sees only its own cycle; a Widyaprada only assigned schools; others by
scope (world: "inside" = Kota Kupang, NTT, with a cycle; "outside" = Surabaya with a cycle)."""

from __future__ import annotations

from datetime import date

import pytest

from spmp.spme import operations as spme
from spmp.spmi import operations as ops
from tests.web.conftest import login, post
from tests.web.test_access_matrix import NATIONAL, ROLES

SCHOOL = {"school_operator", "principal"}
PROGRESS = {"bpmp_staff", "bpmp_head", "dinas_province", "dinas_regency", *NATIONAL}
BULK = {"bpmp_staff", "bpmp_head", *NATIONAL}
SEES_INSIDE = set(ROLES) - {"facilitator"}  # a facilitator sees only cases assigned to them
RECORD = {"bpmp_staff", "bpmp_head", *NATIONAL}
VISIT = RECORD | {"dinas_province", "dinas_regency", "widyaprada", "facilitator"}


def _only(roles: set[str], yes: int, no: int) -> dict[str, int]:
    return {role: (yes if role in roles else no) for role in ROLES}


MATRIX = [
    ("GET", "/spmi/sekolah", _only(SCHOOL, 302, 403)),
    ("GET", "/spmi/siklus/{inside_cycle}", _only(SEES_INSIDE, 200, 404)),
    ("GET", "/spmi/siklus/{outside_cycle}", _only(NATIONAL, 200, 404)),
    ("GET", "/spmi/siklus/999999", _only(set(ROLES), 404, 404)),
    ("POST", "/spmi/siklus/{outside_cycle}/prioritas", _only(NATIONAL, 403, 404)),
    ("POST", "/spmi/siklus/{outside_cycle}/ajukan", _only(set(), 302, 404) | {r: 400 for r in NATIONAL}),
    ("GET", "/spmi/tinjauan", _only({"widyaprada", "bpmp_staff", "bpmp_head", *NATIONAL}, 200, 403)),
    ("GET", "/spmi/progres", _only(PROGRESS, 200, 403)),
    ("GET", "/spmi/progres/53.71", _only(PROGRESS, 200, 403)),
    ("GET", "/sekolah/{inside}/linimasa", _only(set(ROLES), 200, 404)),
    ("GET", "/sekolah/{outside}/linimasa", _only(NATIONAL, 200, 404)),
    ("GET", "/sekolah/{inside}/spme", _only(set(ROLES), 200, 404)),
    ("GET", "/sekolah/{outside}/spme", _only(NATIONAL, 200, 404)),
    ("POST", "/sekolah/{outside}/kunjungan", _only(NATIONAL, 400, 404)),
    ("POST", "/sekolah/{inside}/akreditasi", _only(RECORD, 400, 403)),
    ("GET", "/spmi/sekolah/{inside}/indikator", _only(SCHOOL | BULK, 200, 403)),
    ("GET", "/spmi/sekolah/{outside}/indikator", _only(NATIONAL, 200, 404)),
    ("GET", "/spme/akreditasi-berakhir", _only(VISIT, 200, 403)),
    ("GET", "/spmi/indikator", _only(BULK, 200, 403)),
    ("GET", "/spmi/indikator/templat.xlsx", _only(BULK, 200, 403)),
    ("GET", "/spmi/sekolah/{inside}/indikator/templat.xlsx", _only(SCHOOL | BULK, 200, 403)),
    ("GET", "/spmi/sekolah/{outside}/indikator/templat.xlsx", _only(NATIONAL, 200, 404)),
    ("POST", "/sekolah/{outside}/visitasi", _only(NATIONAL, 302, 404)),
]


@pytest.fixture
def cycles(session, world):
    admin = world["users"]["admin"]
    inside = ops.open_cycle(session, admin, world["inside"].id, 2026)
    outside = ops.open_cycle(session, admin, world["outside"].id, 2026)
    return inside, outside


@pytest.mark.parametrize("role", ROLES)
def test_spmi_routes_for_role(client, world, cycles, role):
    assert login(client, world["users"][role]).status_code == 302
    ids = {"inside": world["inside"].id, "outside": world["outside"].id,
           "inside_cycle": cycles[0].id, "outside_cycle": cycles[1].id}  # fmt: skip
    failures = []
    for method, template, expected in MATRIX:
        path = template.format(**ids)
        if method == "GET":
            status = client.get(path).status_code
        else:
            status = post(client, path, {"version": "1"}).status_code
        if status != expected[role]:
            failures.append(f"{method} {path}: expected {expected[role]}, got {status}")
    assert not failures, f"{role}:\n" + "\n".join(failures)


def test_school_page_shows_timeline_section(client, world, cycles, session):
    users = world["users"]
    spme.record_external_visit(session, users["dinas_regency"], world["inside"].id, spme.VisitInput(
        "supervisi_pemda", date(2026, 1, 5), "Pengawas", "Dinas Pendidikan Kota Kupang", "Supervisi manajerial", "Baik"))  # fmt: skip
    login(client, users["school_operator"])
    html = client.get(f"/sekolah/{world['inside'].id}").get_data(as_text=True)
    assert 'id="school-timeline"' in html and "Siklus SPMI 2026/2027" in html and "Supervisi Pemda" in html
    assert 'id="due-next"' in html


def test_spme_forms_show_indonesian_errors(client, world):
    login(client, world["users"]["bpmp_staff"])
    path = f"/sekolah/{world['inside'].id}/spme"
    response = post(
        client,
        f"/sekolah/{world['inside'].id}/akreditasi",
        {"rank": "", "decree_number": ""},
        token_from=path,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Pilih peringkat." in body and "Wajib diisi." in body
    response = post(client, f"/sekolah/{world['inside'].id}/akreditasi",
                    {"rank": "A", "decree_number": "SK-1", "start_date": "2026-01-01"}, token_from=path)  # fmt: skip
    assert response.status_code == 302
    html = client.get(path).get_data(as_text=True)
    assert "SK-1" in html and "01-01-2031" in html
    response = post(client, f"/sekolah/{world['inside'].id}/kunjungan", {"kind": "mitra", "visit_date": "2099-01-01",
                    "visitor": "A", "organisation": "B", "purpose": "C", "findings": "D"}, token_from=path)  # fmt: skip
    assert response.status_code == 400 and "tidak boleh di masa depan" in response.get_data(as_text=True)


def test_visit_case_and_one_click_spmi_evidence(app, client, world, cycles, session, settings):
    from spmp.engine import store_evidence

    users = world["users"]
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    store_evidence(
        session, users["school_operator"], cycles[0].case_id, "laporan.pdf", pdf, settings.evidence_path
    )
    login(client, users["bpmp_staff"])
    path = f"/sekolah/{world['inside'].id}/spme"
    response = post(client, f"/sekolah/{world['inside'].id}/visitasi", token_from=path)
    assert response.status_code == 302 and "/kasus/" in response.location
    school = app.test_client()
    login(school, users["school_operator"])
    html = school.get(path).get_data(as_text=True)
    assert "Terpilih sebagai sasaran visitasi" in html and 'id="copy-spmi-evidence"' in html
    case_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    response = post(school, f"/spme/visitasi/{case_id}/salin-bukti-spmi", token_from=path)
    assert response.status_code == 302
    assert "laporan.pdf" in school.get(f"/kasus/{case_id}").get_data(as_text=True)
    # B/BPMP sees the school in the expiring list once its accreditation ends within 12 months.
    from spmp import clock

    end = clock.now().date().replace(day=1)
    world["inside"].accreditation_end = (
        end.replace(year=end.year + 1) if end.month == 12 else end.replace(month=end.month + 1)
    )
    session.flush()
    assert world["inside"].name in client.get("/spme/akreditasi-berakhir").get_data(as_text=True)
    assert school.get("/spme/akreditasi-berakhir").status_code == 403
