"""Notification pages: unread count in the header, own notifications only, mark read, digest setting."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from spmp import clock
from spmp.accounts.models import User
from spmp.notifications.models import Notification
from spmp.notifications.operations import PAGE_SIZE, notify
from tests.web.conftest import login, post


@pytest.fixture
def inbox(session, world):
    """Three notifications for the Widyaprada (one about a case), one for the head."""
    wp, head = world["users"]["widyaprada"], world["users"]["bpmp_head"]
    from spmp.engine import operations as cases

    case = cases.open_case(session, wp, "school_visit", title="Supervisi", school_id=world["inside"].id)
    mine = [
        notify(
            session, wp, "reminder", "Pengingat: Supervisi (#1)", "Segera jatuh tempo.", clock.now(), case.id
        ),
        notify(session, wp, "due", "Jatuh tempo: Supervisi", "Tenggat tercapai.", clock.now()),
        notify(session, wp, "info", "Informasi umum", "Isi.", clock.now()),
    ]
    theirs = notify(session, head, "escalation", "Eskalasi: kasus lain", "Rahasia kepala.", clock.now())
    return {"user": wp, "mine": mine, "theirs": theirs, "case": case}


def _unread_badge(html: str) -> str | None:
    match = re.search(r'id="unread-count">(\d+)<', html)
    return match.group(1) if match else None


def test_header_shows_the_unread_count(client, inbox):
    login(client, inbox["user"])
    html = client.get("/").get_data(as_text=True)
    assert 'id="notification-link"' in html and _unread_badge(html) == "3"


def test_list_shows_only_own_notifications_newest_first(client, inbox):
    login(client, inbox["user"])
    html = client.get("/notifikasi").get_data(as_text=True)
    assert "Rahasia kepala" not in html and "Eskalasi: kasus lain" not in html
    ids = [int(i) for i in re.findall(r'data-id="(\d+)"', html)]
    assert ids == sorted((n.id for n in inbox["mine"]), reverse=True)


def test_another_users_notification_is_not_found(client, inbox, session):
    login(client, inbox["user"])
    response = post(client, f"/notifikasi/{inbox['theirs'].id}/baca")
    assert response.status_code == 404
    assert session.get(Notification, inbox["theirs"].id).read_at is None
    assert post(client, "/notifikasi/99999999/baca").status_code == 404


def test_mark_one_read_then_all_read(client, inbox, session):
    login(client, inbox["user"])
    first = inbox["mine"][1]
    response = post(client, f"/notifikasi/{first.id}/baca")
    assert response.status_code == 302 and response.location.endswith("/notifikasi")
    session.expire_all()
    assert session.get(Notification, first.id).read_at is not None
    assert _unread_badge(client.get("/notifikasi").get_data(as_text=True)) == "2"
    response = post(client, "/notifikasi/baca-semua", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2 notifikasi ditandai sudah dibaca" in html and _unread_badge(html) is None
    session.expire_all()
    assert session.get(Notification, inbox["theirs"].id).read_at is None  # someone else's stays unread


def test_opening_a_case_notification_marks_it_read_and_goes_to_the_case(client, inbox, session):
    login(client, inbox["user"])
    notice = inbox["mine"][0]
    response = post(client, f"/notifikasi/{notice.id}/baca", {"buka": "1"})
    assert response.status_code == 302 and response.location.endswith(f"/kasus/{inbox['case'].id}")
    session.expire_all()
    assert session.get(Notification, notice.id).read_at is not None


def test_keyset_pages(client, world, session):
    user = world["users"]["bpmp_staff"]
    made = [notify(session, user, "info", f"Info {n}", "Isi.", clock.now()) for n in range(PAGE_SIZE + 5)]
    login(client, user)
    first = client.get("/notifikasi").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'data-id="(\d+)"', first)]
    assert len(ids) == PAGE_SIZE and ids[0] == made[-1].id
    older = re.search(r'href="(/notifikasi\?sebelum=\d+)"', first).group(1)
    rest = [int(i) for i in re.findall(r'data-id="(\d+)"', client.get(older).get_data(as_text=True))]
    assert rest == [n.id for n in reversed(made[:5])]


def test_daily_digest_setting(client, inbox, session):
    user = inbox["user"]
    login(client, user)
    assert "Aktifkan ringkasan harian" in client.get("/notifikasi").get_data(as_text=True)
    html = post(client, "/notifikasi/ringkasan", {"aktif": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "Ringkasan harian diaktifkan" in html and "Nonaktifkan ringkasan harian" in html
    assert session.scalar(select(User.wants_daily_digest).where(User.id == user.id)) is True
    post(client, "/notifikasi/ringkasan", {"aktif": "0"})
    assert session.scalar(select(User.wants_daily_digest).where(User.id == user.id)) is False


ROLES = ["school_operator", "principal", "widyaprada", "bpmp_staff", "bpmp_head", "dinas_province",
         "dinas_regency", "facilitator", "pusat", "admin"]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_a_notification_page(client, world, role):
    assert login(client, world["users"][role]).status_code == 302
    assert client.get("/notifikasi").status_code == 200


def test_anonymous_is_sent_to_login(client):
    response = client.get("/notifikasi")
    assert response.status_code == 302 and "/login" in response.location
