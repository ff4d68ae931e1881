"""Web fixtures: the Flask app bound to the test's rolled-back database, a client, and logins."""

from __future__ import annotations

import dataclasses
import re

import pyotp
import pytest

from spmp.accounts import operations as accounts
from spmp.config import load_settings
from tests.factories import make_school
from web import create_app

PASSWORD = "kata-sandi-uji-123"


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("SPMP_INSTANCE_PATH", str(tmp_path / "instance"))
    return dataclasses.replace(load_settings(), login_rate_limit="1000 per minute")


@pytest.fixture
def app(settings, db):
    app = create_app(settings, database=db, TESTING=True)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, user_or_name, password: str = PASSWORD, follow: bool = False):
    """Log in by username, or with a User (then the TOTP step is completed too when the user has one)."""
    username = getattr(user_or_name, "username", user_or_name)
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    secret = getattr(user_or_name, "totp_secret", None)
    if secret and response.status_code == 302 and response.location.endswith("/login/totp"):
        token = csrf_token(client, "/login/totp")
        response = client.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    if follow and response.status_code == 302:
        response = client.get(response.location)
    return response


def post(client, path: str, data: dict | None = None, token_from: str | None = None, **kwargs):
    """POST with a valid CSRF token taken from a page the user can see."""
    token = csrf_token(client, token_from or "/")
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


@pytest.fixture
def world(session):
    """Two schools in two areas (Kota Kupang, NTT / Kota Surabaya, Jatim) and a user of every role."""
    ntt = make_school(session, regency_code="53.71", name="SD Negeri 1 Kupang")
    jatim = make_school(session, regency_code="35.78", name="SD Negeri 1 Surabaya")

    def user(username: str, role: str, **scope):
        return accounts.create_user(
            session,
            username=username,
            full_name=username.title(),
            password=PASSWORD,
            role=role,
            scope=accounts.Scope(**scope),
        )

    users = {
        "school_operator": user("op_kupang", "school_operator", school_npsn=ntt.npsn),
        "principal": user("kepsek_kupang", "principal", school_npsn=ntt.npsn),
        "widyaprada": user("wp_ntt", "widyaprada", unit_code="BPMP-NTT"),
        "bpmp_staff": user("staf_ntt", "bpmp_staff", unit_code="BPMP-NTT"),
        "bpmp_head": user("kepala_ntt", "bpmp_head", unit_code="BPMP-NTT"),
        "dinas_province": user("dinas_ntt", "dinas_province", province_code="53"),
        "dinas_regency": user("dinas_kupang", "dinas_regency", regency_code="53.71"),
        "facilitator": user("fasil_ntt", "facilitator", unit_code="BPMP-NTT"),
        "pusat": user("pusat1", "pusat"),
        "admin": user("admin1", "admin"),
    }
    accounts.assign_schools(session, users["admin"], users["widyaprada"], [ntt.npsn])
    accounts.assign_schools(session, users["admin"], users["facilitator"], [ntt.npsn])
    for key in ("pusat", "admin"):  # their roles must log in with TOTP
        users[key].totp_secret = pyotp.random_base32()
    session.flush()
    return {"inside": ntt, "outside": jatim, "users": users}
