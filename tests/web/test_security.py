"""Login, sessions, CSRF, redirects and headers (OWASP ASVS level 2 as the yardstick)."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from spmp import clock
from spmp.accounts import operations as accounts
from spmp.audit import AuditEvent
from spmp.config import ConfigError, load_settings
from tests.web.conftest import PASSWORD, csrf_token, login, post
from web import create_app


def test_login_and_generic_error(client, world):
    response = login(client, "staf_ntt", "salah-sekali-123", follow=True)
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    response = login(client, "tidak_ada_orangnya", "salah-sekali-123", follow=True)
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    response = login(client, "staf_ntt")
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/").status_code == 200


def test_csrf_refused_without_token(client, world):
    response = client.post("/login", data={"username": "staf_ntt", "password": PASSWORD})
    assert response.status_code == 400
    assert "Token keamanan formulir" in response.get_data(as_text=True)
    login(client, "staf_ntt")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still logged in: the forged logout did nothing


def test_csrf_token_outlives_one_hour(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] >= 12 * 3600


def test_account_lockout_with_back_off(client, world, session):
    start = clock.now()
    try:
        clock.set_clock(lambda: start)
        for _ in range(5):
            login(client, "staf_ntt", "salah-sekali-123")
        page = login(client, "staf_ntt", follow=True).get_data(as_text=True)  # right password, but locked
        assert "Akun terkunci sementara" in page
        assert client.get("/").status_code == 302
        clock.set_clock(lambda: start + timedelta(minutes=2))
        assert login(client, "staf_ntt").status_code == 302
        assert client.get("/").status_code == 200
    finally:
        clock.set_clock(None)
    assert world["users"]["bpmp_staff"].failed_logins == 0


def test_login_rate_limited_per_ip(settings, db, world):
    app = create_app(
        dataclasses.replace(settings, login_rate_limit="3 per minute"),
        database=db,
        LOGIN_RATE_LIMIT="3 per minute",
    )
    client = app.test_client()
    codes = [login(client, "staf_ntt", "salah-sekali-123").status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429


def test_session_cleared_before_login(client, world):
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    login(client, "staf_ntt")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(f"{world['users']['bpmp_staff'].id}:")


def _cookie(client) -> str:
    return client.get_cookie("spmp_session").value


def test_cookie_replayed_after_logout_is_refused(app, world):
    client = app.test_client()
    login(client, "staf_ntt")
    stolen = _cookie(client)
    assert post(client, "/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("spmp_session", stolen)
    response = replay.get("/")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("change", ["password", "role", "disable"])
def test_account_changes_end_every_session(app, world, session, change):
    user = world["users"]["bpmp_staff"]
    first, second = app.test_client(), app.test_client()
    login(first, "staf_ntt")
    login(second, "staf_ntt")
    if change == "password":
        response = post(
            first,
            "/akun",
            {
                "current_password": PASSWORD,
                "new_password": "kata-sandi-baru-456",
                "confirm": "kata-sandi-baru-456",
            },
            token_from="/akun",
        )
        assert response.status_code == 302
    elif change == "role":
        accounts.change_role(session, user, "bpmp_head", accounts.Scope(unit_code="BPMP-NTT"))
    else:
        accounts.set_active(session, user, False)
    for client in (first, second):
        response = client.get("/")
        assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "/%09/evil.com",
        "https://evil.com/",
        "/%2F%2Fevil.com",
        "javascript:alert(1)",
        "/\t/evil.com",
    ],
)
def test_next_redirect_rejects_foreign_targets(client, world, target):
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": "staf_ntt", "password": PASSWORD, "csrf_token": token, "next": target}
    )
    assert response.status_code == 302
    assert response.location == "/"


def test_next_redirect_accepts_local_path(client, world):
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={
            "username": "staf_ntt",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/sekolah?provinsi=53",
        },
    )
    assert response.location == "/sekolah?provinsi=53"


def test_idle_timeout(client, world):
    login(client, "staf_ntt")
    with client.session_transaction() as sess:
        sess["seen_at"] = int(time.time()) - 31 * 60
    response = client.get("/sekolah")
    assert response.status_code == 302 and "/login" in response.location


def test_absolute_timeout(client, world):
    login(client, "staf_ntt")
    with client.session_transaction() as sess:
        sess["auth_at"] = int(time.time()) - 12 * 3600 - 60
        sess["seen_at"] = int(time.time())
    response = client.get("/sekolah")
    assert response.status_code == 302 and "/login" in response.location


def test_activity_keeps_session_alive(client, world):
    login(client, "staf_ntt")
    with client.session_transaction() as sess:
        sess["seen_at"] = int(time.time()) - 29 * 60
    assert client.get("/sekolah").status_code == 200


def test_an_unchanged_session_is_not_sent_back(client, world):
    """Requests within a minute of the last one leave the cookie alone, so a late answer (a thumbnail after a
    form's redirect) cannot overwrite the cookie that carries the form's flash message."""
    login(client, "staf_ntt")
    assert "spmp_session=" in client.get("/sekolah").headers.get("Set-Cookie", "")  # the first page adds its form token
    for _ in range(3):
        response = client.get("/sekolah")
        assert response.status_code == 200 and "spmp_session=" not in response.headers.get("Set-Cookie", "")
    with client.session_transaction() as sess:
        sess["seen_at"] = int(time.time()) - 61
    assert "spmp_session=" in client.get("/sekolah").headers.get("Set-Cookie", "")


def test_totp_required_for_admin_enrolment_then_code(client, world, session):
    admin = world["users"]["admin"]
    admin.totp_secret = None
    session.flush()
    response = login(client, "admin1")
    assert response.location.endswith("/login/totp/setup")
    assert client.get("/").status_code == 302  # not logged in until the second factor
    page = client.get("/login/totp/setup").get_data(as_text=True)
    secret = page.split('class="secret">')[1].split("<")[0]
    token = csrf_token(client, "/login/totp/setup")
    assert client.post("/login/totp/setup", data={"code": "000000", "csrf_token": token}).status_code == 200
    response = client.post("/login/totp/setup", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/admin/pengguna").status_code == 200
    session.refresh(admin)
    assert admin.totp_secret == secret


def test_totp_wrong_and_replayed_code_refused(app, world):
    admin = world["users"]["admin"]
    code = pyotp.TOTP(admin.totp_secret).now()
    client = app.test_client()
    login(client, "admin1")
    token = csrf_token(client, "/login/totp")
    page = client.post(
        "/login/totp", data={"code": "123456" if code != "123456" else "654321", "csrf_token": token}
    )
    assert "Kode verifikasi salah" in page.get_data(as_text=True)
    assert client.post("/login/totp", data={"code": code, "csrf_token": token}).status_code == 302
    other = app.test_client()
    login(other, "admin1")
    token = csrf_token(other, "/login/totp")
    replay = other.post("/login/totp", data={"code": code, "csrf_token": token})
    assert "Kode verifikasi salah" in replay.get_data(as_text=True)
    # both refusals and the completed login are in the audit trail
    with app.extensions["spmp_db"].session() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action.like("user.login%")).order_by(AuditEvent.id)
        ).all()
    assert [(e.action, e.changes_dict.get("reason")) for e in events[-3:]] == [
        ("user.login_failed", "kode verifikasi salah"),
        ("user.login", None),
        ("user.login_failed", "kode verifikasi salah"),
    ]


def test_security_headers_and_cookie_flags(client, world):
    response = login(client, "staf_ntt")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/sekolah")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"


def test_secure_cookie_in_production(monkeypatch, tmp_path, db):
    monkeypatch.setenv("SPMP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SPMP_ENV", "production")
    monkeypatch.setenv("SPMP_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("SPMP_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    app = create_app(load_settings(), database=db)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("SPMP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SPMP_ENV", "production")
    monkeypatch.delenv("SPMP_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SPMP_SECRET_KEY"):
        load_settings()


def test_development_secret_is_generated_and_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("SPMP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SPMP_SECRET_KEY", raising=False)
    first = load_settings().secret_key
    assert len(first) >= 32 and load_settings().secret_key == first


def test_unknown_url_is_a_404_page(client):
    response = client.get("/ini/tidak/ada")
    assert response.status_code == 404
    assert "Tidak ditemukan" in response.get_data(as_text=True)


def test_pending_second_factor_expires(client, world):
    login(client, "admin1")
    with client.session_transaction() as sess:
        sess["pending_login"]["at"] -= 301
        sess.modified = True
    response = client.get("/login/totp")
    assert response.status_code == 302 and response.location.endswith("/login")
    assert client.get("/").status_code == 302


# --- issue 9 §2: the second factor cannot be replaced with the password alone ---------------------------
def _audit_actions(session, like: str) -> list[tuple[str, int | None, dict]]:
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.like(like)).order_by(AuditEvent.id)
    ).all()
    return [(e.action, e.actor_id, e.changes_dict) for e in events]


@pytest.mark.parametrize("role", ["admin", "pusat"])
def test_totp_setup_after_password_step_cannot_replace_second_factor(client, world, session, role):
    """The critical bypass: after only the password of an account WITH a second factor, the setup page
    offered a fresh secret and its code logged in and replaced the owner's secret."""
    user = world["users"][role]
    owner_secret = user.totp_secret
    response = login(client, user.username)  # the password only
    assert response.location.endswith("/login/totp")
    response = client.get("/login/totp/setup")
    assert response.status_code == 302 and response.location.endswith("/login/totp")
    # Even with a secret of the attacker's choosing planted in the session, nothing is enrolled.
    attacker_secret = pyotp.random_base32()
    with client.session_transaction() as sess:
        sess["totp_setup_secret"] = attacker_secret
        sess["totp_setup"] = {"user": user.id, "secret": attacker_secret}
    token = csrf_token(client, "/login/totp")
    response = client.post(
        "/login/totp/setup", data={"code": pyotp.TOTP(attacker_secret).now(), "csrf_token": token}
    )
    assert response.status_code == 302 and response.location.endswith("/login/totp")
    assert client.get("/").status_code == 302  # still not logged in
    session.refresh(user)
    assert user.totp_secret == owner_secret
    assert _audit_actions(session, "user.totp%") == []


def test_first_enrolment_is_audited(client, world, session):
    admin = world["users"]["admin"]
    admin.totp_secret = None
    session.flush()
    login(client, "admin1")
    page = client.get("/login/totp/setup").get_data(as_text=True)
    secret = page.split('class="secret">')[1].split("<")[0]
    token = csrf_token(client, "/login/totp/setup")
    response = client.post("/login/totp/setup", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert response.status_code == 302
    assert [(a, actor, c["reenrol"]) for a, actor, c in _audit_actions(session, "user.totp%")] == [
        ("user.totp_enrol", admin.id, False)
    ]


def test_logged_in_session_cannot_reenrol_without_password_and_current_code(app, world, session):
    admin = world["users"]["admin"]
    old_secret = admin.totp_secret
    client = app.test_client()
    assert login(client, admin).status_code == 302
    later = clock.now() + timedelta(seconds=90)  # a code step after the one the login used
    try:
        clock.set_clock(lambda: later)
        page = client.get("/login/totp/setup").get_data(as_text=True)
        assert 'name="password"' in page and 'name="current_code"' in page
        new_secret = page.split('class="secret">')[1].split("<")[0]
        new_code = pyotp.TOTP(new_secret).at(later)
        current_code = pyotp.TOTP(old_secret).at(later)
        token = csrf_token(client, "/login/totp/setup")

        def attempt(**fields):
            data = {"password": "", "current_code": "", "code": new_code, "csrf_token": token, **fields}
            return client.post("/login/totp/setup", data=data)

        assert attempt().status_code == 200  # the new device's code alone
        assert attempt(password=PASSWORD).status_code == 200  # no current code
        assert attempt(current_code=current_code, password="salah-sekali-123").status_code == 200
        wrong = "123456" if current_code != "123456" else "654321"
        assert attempt(password=PASSWORD, current_code=wrong).status_code == 200
        session.refresh(admin)
        assert admin.totp_secret == old_secret
        response = attempt(password=PASSWORD, current_code=current_code)
        assert response.status_code == 302 and response.location.endswith("/akun")
    finally:
        clock.set_clock(None)
    session.refresh(admin)
    assert admin.totp_secret == new_secret
    events = _audit_actions(session, "user.totp%")
    assert [(a, c.get("reason"), c.get("reenrol")) for a, _, c in events] == [
        ("user.totp_enrol_refused", "kata sandi salah", None),
        ("user.totp_enrol_refused", "kode saat ini salah", None),
        ("user.totp_enrol", None, True),
    ]


def test_admin_resets_a_lost_second_factor(app, world, session):
    admin, pusat = world["users"]["admin"], world["users"]["pusat"]
    victim_session = app.test_client()
    assert login(victim_session, pusat).status_code == 302
    client = app.test_client()
    login(client, admin)
    page = client.get(f"/admin/pengguna/{pusat.id}").get_data(as_text=True)
    assert f"/admin/pengguna/{pusat.id}/totp" in page
    response = post(client, f"/admin/pengguna/{pusat.id}/totp", token_from=f"/admin/pengguna/{pusat.id}")
    assert response.status_code == 302
    session.refresh(pusat)
    assert pusat.totp_secret is None
    assert victim_session.get("/").status_code == 302  # the reset ended the user's sessions
    # an admin cannot reset their own second factor from a session (that would need no password or code)
    response = post(client, f"/admin/pengguna/{admin.id}/totp", token_from=f"/admin/pengguna/{admin.id}")
    assert response.status_code == 302
    session.refresh(admin)
    assert admin.totp_secret is not None
    assert [(a, actor, c["username"]) for a, actor, c in _audit_actions(session, "user.totp%")] == [
        ("user.totp_reset", admin.id, "pusat1")
    ]
    # the user enrols a new device after the password step
    fresh = app.test_client()
    assert login(fresh, "pusat1").location.endswith("/login/totp/setup")


# --- issue 9 §2: guessing, enumeration, lockout as a weapon, several workers and a proxy ---------------
def _proxied_app(settings, db, **changes):
    return create_app(dataclasses.replace(settings, trusted_proxies=1, **changes), database=db, TESTING=True)


def _login_from(client, address: str, username: str, password: str = PASSWORD):
    headers = {"X-Forwarded-For": address}
    html = client.get("/login", headers=headers).get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        headers=headers,
    )


def _flash(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('class="flash')[1].split("</")[0] if 'class="flash' in html else ""


def test_same_message_for_unknown_and_existing_users_including_lockout(client, world):
    """The lockout message appeared only for existing accounts, which told them apart."""
    pages = {}
    start = clock.now()
    try:
        clock.set_clock(lambda: start)
        for username in ("staf_ntt", "tidak_ada_orangnya"):
            messages = [_flash(login(client, username, "salah-sekali-123")) for _ in range(6)]
            messages.append(_flash(login(client, username, PASSWORD)))
            pages[username] = messages
            assert "Nama pengguna atau kata sandi salah." in messages[0]
            assert all("Akun terkunci sementara" in m for m in messages[4:])
    finally:
        clock.set_clock(None)
    assert pages["staf_ntt"] == pages["tidak_ada_orangnya"]


def test_lockout_from_one_address_does_not_lock_the_owner_out(settings, db, world, session):
    app = _proxied_app(settings, db)
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(8):
        page = _login_from(attacker, "203.0.113.9", "admin1", "salah-sekali-123")
    assert "Akun terkunci sementara" in _flash(page)
    response = _login_from(owner, "198.51.100.7", "admin1")
    assert response.status_code == 302 and response.location.endswith("/login/totp")
    # owner and the other admins are told (in-app), once
    from spmp.notifications.models import Notification

    notes = session.scalars(select(Notification).where(Notification.title.like("%admin1%"))).all()
    assert [n.user_id for n in notes] == [world["users"]["admin"].id]  # admin1 is the only admin (and owner)
    assert "203.0.113.9" in notes[0].body


def test_second_factor_guessing_is_counted_per_pending_login_and_account(settings, db, world, session):
    """40 wrong codes from 40 addresses were all answered 200. Now: 5 per pending login (then the
    password again), 10 per account (then a lock, capped), audited, owner and admins told."""
    app = _proxied_app(settings, db)
    admin = world["users"]["admin"]
    right = pyotp.TOTP(admin.totp_secret).now()
    wrong = "123456" if right != "123456" else "654321"
    client = app.test_client()
    statuses = []
    for i in range(40):
        address = f"192.0.2.{i}"
        headers = {"X-Forwarded-For": address}
        if i % 5 == 0:
            assert _login_from(client, address, "admin1").location.endswith("/login/totp")
        html = client.get("/login/totp", headers=headers).get_data(as_text=True)
        if 'name="csrf_token"' not in html:
            statuses.append("no-form")
            continue
        token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/login/totp", data={"code": wrong, "csrf_token": token}, headers=headers)
        statuses.append(response.status_code if response.status_code != 200 else _flash(response))
    # the 5th wrong code of a pending login ends it
    assert statuses[4] == 302 and statuses[9] == 302
    # after 10 wrong codes the account's code step is locked, from any address, even for the right code
    assert all("Terlalu banyak kode verifikasi" in str(s) for s in statuses[10:14])
    client = app.test_client()
    _login_from(client, "198.51.100.50", "admin1")
    token = csrf_token(client, "/login/totp")
    response = client.post(
        "/login/totp", data={"code": right, "csrf_token": token}, headers={"X-Forwarded-For": "198.51.100.50"}
    )
    assert "Terlalu banyak kode verifikasi" in _flash(response)
    assert client.get("/").status_code == 302
    events = _audit_actions(session, "user.login_failed")
    assert len(events) == 10 and all(c["reason"] == "kode verifikasi salah" for _, _, c in events)
    assert events[-1][2]["locked_until"]
    # the lock is capped: 15 minutes later the right code works
    later = clock.now() + timedelta(minutes=15, seconds=1)
    try:
        clock.set_clock(lambda: later)
        client = app.test_client()
        _login_from(client, "198.51.100.51", "admin1")
        token = csrf_token(client, "/login/totp")
        code = pyotp.TOTP(admin.totp_secret).at(later)
        response = client.post(
            "/login/totp",
            data={"code": code, "csrf_token": token},
            headers={"X-Forwarded-For": "198.51.100.51"},
        )
        assert response.status_code == 302 and response.location == "/"
    finally:
        clock.set_clock(None)


def test_replayed_pending_login_cookie_gets_no_more_guesses(app, world):
    admin = world["users"]["admin"]
    right = pyotp.TOTP(admin.totp_secret).now()
    wrong = "123456" if right != "123456" else "654321"
    client = app.test_client()
    login(client, "admin1")
    token = csrf_token(client, "/login/totp")
    saved = _cookie(client)
    for _ in range(5):
        response = client.post("/login/totp", data={"code": wrong, "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/login")
    client.set_cookie("spmp_session", saved)  # the pending login from before the guesses
    response = client.post("/login/totp", data={"code": right, "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert client.get("/").status_code == 302


def test_production_refuses_a_per_process_limiter_store(monkeypatch, tmp_path, db):
    monkeypatch.setenv("SPMP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SPMP_ENV", "production")
    monkeypatch.setenv("SPMP_SECRET_KEY", "x" * 64)
    monkeypatch.delenv("SPMP_RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(ConfigError, match="redis://127.0.0.1:6379"):
        create_app(load_settings(), database=db)
    monkeypatch.setenv("SPMP_RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(ConfigError, match="per-process"):
        create_app(load_settings(), database=db)
    monkeypatch.setenv("SPMP_ENV", "development")  # the embedded default needs no Redis
    assert create_app(load_settings(), database=db).config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_trusted_proxies_give_each_client_its_own_budget(settings, db, world, monkeypatch):
    limited = {"login_rate_limit": "3 per minute"}
    behind_proxy = create_app(
        dataclasses.replace(settings, trusted_proxies=1, **limited),
        database=db,
        LOGIN_RATE_LIMIT="3 per minute",
    ).test_client()
    codes = [
        _login_from(behind_proxy, f"198.51.100.{i % 2}", "staf_ntt", "salah-sekali-123").status_code
        for i in range(6)
    ]
    assert codes == [200] * 6  # two clients behind the proxy, three attempts each
    assert _login_from(behind_proxy, "198.51.100.0", "staf_ntt", "salah-sekali-123").status_code == 429
    # without SPMP_TRUSTED_PROXIES a forged X-Forwarded-For changes nothing
    direct = create_app(
        dataclasses.replace(settings, **limited), database=db, LOGIN_RATE_LIMIT="3 per minute"
    ).test_client()
    codes = [
        _login_from(direct, f"198.51.100.{i}", "staf_ntt", "salah-sekali-123").status_code for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    monkeypatch.setenv("SPMP_TRUSTED_PROXIES", "2")
    assert load_settings().trusted_proxies == 2
    monkeypatch.setenv("SPMP_TRUSTED_PROXIES", "banyak")
    with pytest.raises(ConfigError, match="SPMP_TRUSTED_PROXIES"):
        load_settings()


def test_admin_sees_an_account_lock_and_a_new_password_lifts_it(settings, db, world):
    app = _proxied_app(settings, db)
    pusat = world["users"]["pusat"]
    attacker = app.test_client()
    for i in range(20):  # 5 addresses x 4: no address reaches its own limit, the account does
        _login_from(attacker, f"203.0.113.{i % 5}", "pusat1", "salah-sekali-123")
    owner = app.test_client()
    assert "Akun terkunci sementara" in _flash(_login_from(owner, "198.51.100.7", "pusat1"))
    admin = app.test_client()
    assert _login_from(admin, "198.51.100.8", "admin1").location.endswith("/login/totp")
    token = csrf_token(admin, "/login/totp")
    code = pyotp.TOTP(world["users"]["admin"].totp_secret).now()
    admin.post(
        "/login/totp", data={"code": code, "csrf_token": token}, headers={"X-Forwarded-For": "198.51.100.8"}
    )
    page = admin.get(f"/admin/pengguna/{pusat.id}").get_data(as_text=True)
    assert "Terkunci" in page and "sampai" in page
    response = post(
        admin, f"/admin/pengguna/{pusat.id}/sandi", {"password": "kata-sandi-baru-456"},
        token_from=f"/admin/pengguna/{pusat.id}",
    )  # fmt: skip
    assert response.status_code == 302
    assert "Terkunci" not in admin.get(f"/admin/pengguna/{pusat.id}").get_data(as_text=True)
    response = _login_from(owner, "198.51.100.7", "pusat1", "kata-sandi-baru-456")
    assert response.status_code == 302 and response.location.endswith("/login/totp")
