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
