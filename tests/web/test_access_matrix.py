"""Every route × every role × an object inside and outside the user's area.

The world: school "inside" is in Kota Kupang (NTT), covered by BPMP NTT; "outside" is in Surabaya (Jawa Timur).
Each role's user is scoped to NTT / Kota Kupang / the inside school (see tests/web/conftest.py ``world``).
"""

from __future__ import annotations

import pytest

from tests.web.conftest import login, post

ROLES = [
    "school_operator",
    "principal",
    "widyaprada",
    "bpmp_staff",
    "bpmp_head",
    "dinas_province",
    "dinas_regency",
    "facilitator",
    "pusat",
    "admin",
]
NATIONAL = {"pusat", "admin"}
ADMIN = {"admin"}


def _expect_everyone(code: int = 200):
    return dict.fromkeys(ROLES, code)


def _only(roles: set[str], yes: int, no: int):
    return {role: (yes if role in roles else no) for role in ROLES}


# (method, path template, expected status per role). Paths use {inside}, {outside}, {self_user}, {other_user}.
MATRIX = [
    ("GET", "/", _expect_everyone()),
    ("GET", "/sekolah", _expect_everyone()),
    ("GET", "/sekolah?provinsi=35", _expect_everyone()),
    ("GET", "/sekolah/{inside}", _expect_everyone()),
    ("GET", "/sekolah/{outside}", _only(NATIONAL, 200, 404)),
    ("GET", "/sekolah/999999999", _expect_everyone(404)),
    ("GET", "/akun", _expect_everyone()),
    ("GET", "/admin/pengguna", _only(ADMIN, 200, 403)),
    ("GET", "/admin/pengguna/baru", _only(ADMIN, 200, 403)),
    ("GET", "/admin/pengguna/{other_user}", _only(ADMIN, 200, 403)),
    ("GET", "/admin/unit", _only(ADMIN, 200, 403)),
    ("GET", "/admin/audit", _only(ADMIN, 200, 403)),
    ("POST", "/admin/pengguna/{other_user}/aktif", _only(ADMIN, 302, 403)),
    ("POST", "/admin/pengguna/{other_user}/sekolah", _only(ADMIN, 302, 403)),
    ("POST", "/admin/unit/cakupan/53", _only(ADMIN, 302, 403)),
    ("GET", "/tidak-ada-halaman-ini", _expect_everyone(404)),
    ("GET", "/kasus", _expect_everyone()),
    ("GET", "/alur-kerja", _expect_everyone()),
    # The inside case is assigned to the Widyaprada; a facilitator sees only cases assigned to them.
    ("GET", "/kasus/{inside_case}", {**_expect_everyone(), "facilitator": 404}),
    ("GET", "/kasus/{outside_case}", _only(NATIONAL, 200, 404)),
    ("POST", "/kasus/{outside_case}/komentar", _only(NATIONAL, 302, 404)),
    ("GET", "/notifikasi", _expect_everyone()),
    ("POST", "/notifikasi/baca-semua", _expect_everyone(302)),
    ("POST", "/notifikasi/999999999/baca", _expect_everyone(404)),
]


@pytest.fixture
def world_cases(session, world):
    from spmp.engine import operations as cases

    wp, admin = world["users"]["widyaprada"], world["users"]["admin"]
    world["inside_case"] = cases.open_case(
        session, wp, "school_visit", title="Supervisi", school_id=world["inside"].id, assignee_user_id=wp.id
    )
    world["outside_case"] = cases.open_case(
        session, admin, "school_visit", title="Supervisi", school_id=world["outside"].id
    )
    return world


def _path(template: str, world, role: str) -> str:
    other = world["users"]["pusat" if role != "pusat" else "bpmp_staff"]
    return template.format(
        inside=world["inside"].id,
        outside=world["outside"].id,
        self_user=world["users"][role].id,
        other_user=other.id,
        inside_case=world["inside_case"].id,
        outside_case=world["outside_case"].id,
    )


@pytest.mark.parametrize("role", ROLES)
def test_route_access_for_role(client, world_cases, role):
    world = world_cases
    response = login(client, world["users"][role])
    assert response.status_code == 302, f"{role} could not log in"
    failures = []
    for method, template, expected in MATRIX:
        path = _path(template, world, role)
        if method == "GET":
            status = client.get(path).status_code
        else:
            status = post(
                client, path, {"npsns": world["inside"].npsn, "unit_code": "BPMP-NTT", "body": "komentar"}
            ).status_code
        if status != expected[role]:
            failures.append(f"{method} {path}: expected {expected[role]}, got {status}")
    assert not failures, f"{role}:\n" + "\n".join(failures)


def test_anonymous_is_sent_to_login(client, world_cases):
    world = world_cases
    for method, template, _expected in MATRIX:
        path = _path(template, world, "admin")
        if "tidak-ada" in path:
            continue
        response = client.get(path) if method == "GET" else client.post(path)
        # A POST without a session has no CSRF token either: refused before anything else.
        assert response.status_code in ((302,) if method == "GET" else (400, 302)), path
        if method == "GET":
            assert "/login" in response.location


def test_directory_lists_only_schools_in_area(client, world):
    login(client, world["users"]["bpmp_staff"])
    html = client.get("/sekolah?q=SD+Negeri+1").get_data(as_text=True)
    assert "SD Negeri 1 Kupang" in html
    assert "SD Negeri 1 Surabaya" not in html
    html = client.get("/sekolah?provinsi=35").get_data(as_text=True)
    assert "SD Negeri 1 Surabaya" not in html


def test_school_operator_sees_only_own_school(client, world, session):
    from tests.factories import make_school

    neighbour = make_school(session, regency_code="53.71", name="SD Negeri 2 Kupang")
    login(client, world["users"]["school_operator"])
    html = client.get("/sekolah?q=Kupang").get_data(as_text=True)
    assert "SD Negeri 1 Kupang" in html and "SD Negeri 2 Kupang" not in html
    assert client.get(f"/sekolah/{neighbour.id}").status_code == 404
