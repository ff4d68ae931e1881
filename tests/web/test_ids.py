"""Ids are bounded at the edge (issue 9 §2: ids beyond 64 bits gave OverflowError on SQLite, a non-numeric
seen_version a ValueError; both were 500s)."""

from __future__ import annotations

import pytest

from tests.web.conftest import login, post
from web.ids import MAX_ID, parse_id, parse_version

HUGE = str(2**70)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 1), (" 42 ", 42), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), (HUGE, None), ("0", None),
     ("-1", None), ("1.5", None), ("abc", None), ("", None), ("²", None), ("٣", None), ("１", None), (None, None)],
)  # fmt: skip
def test_parse_id_accepts_only_ascii_ids_within_32_bits(text, expected):
    assert parse_id(text) == expected


def test_parse_version_allows_zero():
    assert parse_version("0") == 0 and parse_version("7") == 7 and parse_version("x") is None


def test_huge_ids_in_paths_cursors_and_forms_never_500(client, world):
    login(client, world["users"]["admin"])
    for path in (f"/kasus/{HUGE}", f"/sekolah/{HUGE}", f"/bukti/{HUGE}", f"/spmi/siklus/{HUGE}",
                 f"/admin/pengguna/{HUGE}", "/kasus/٣", "/kasus/0"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    for path in (f"/kasus?sebelum={HUGE}", f"/notifikasi?sebelum={HUGE}", f"/admin/pengguna?setelah={HUGE}",
                 "/kasus?sebelum=abc", "/sekolah?setelah=MTg0NDY3NDQwNzM3MDk1NTE2MTY6eA"):  # fmt: skip
        assert client.get(path).status_code in (200, 400), path


def test_malformed_seen_version_is_a_400_not_a_500(client, world, session):
    from spmp.engine import operations as cases

    wp = world["users"]["widyaprada"]
    case = cases.open_case(session, wp, "school_visit", title="S", school_id=world["inside"].id)
    login(client, wp)
    for version in ("besok", HUGE, "٣", "-1"):
        response = post(client, f"/kasus/{case.id}/aksi/schedule", {"seen_version": version})
        assert response.status_code == 400, version
        response = post(client, f"/kasus/{case.id}/jeda", {"seen_version": version, "reason": "x"})
        assert response.status_code == 400, version
    response = post(client, f"/kasus/{case.id}/aksi/cancel", {"seen_version": "1", "evidence_id": HUGE})
    assert response.status_code == 302
