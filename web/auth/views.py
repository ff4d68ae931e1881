"""Login (password, then TOTP where enabled or required), logout, password change, TOTP enrolment."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from spmp.accounts import operations as accounts
from spmp.accounts.models import User
from web.auth import throttle
from web.auth.forms import ConfirmForm, LoginForm, PasswordChangeForm, TotpForm, TotpReenrolForm
from web.db import get_session
from web.extensions import limiter
from web.security import is_safe_next, safe_next, start_session_clock

bp = Blueprint("auth", __name__, template_folder="templates")
PENDING = "pending_login"
SETUP = "totp_setup"
# The password step is only good for a few minutes: a half-finished login must not wait forever.
PENDING_SECONDS = 300


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    settings = current_app.config["SPMP_SETTINGS"]
    if form.validate_on_submit():
        db = get_session()
        result = accounts.authenticate(
            db,
            form.username.data,
            form.password.data,
            lockout_threshold=settings.lockout_threshold,
            address=throttle.client_address(),
        )
        if result.user is None:
            flash(result.error, "danger")
            return render_template(
                "auth/login.html", form=form, remember_enabled=settings.remember_me_enabled
            )
        next_url = form.next.data if is_safe_next(form.next.data) else None
        remember = bool(form.remember.data and settings.remember_me_enabled)
        if result.user.totp_enabled or result.user.totp_required:
            # The password is right; the session only holds a pending login until the second factor.
            session.clear()
            session[PENDING] = {
                "key": result.user.get_id(),
                "next": next_url,
                "remember": remember,
                "at": int(time.time()),
                "nonce": throttle.new_pending_nonce(),
            }
            return redirect(url_for("auth.totp" if result.user.totp_enabled else "auth.totp_setup"))
        return _complete_login(result.user, next_url, remember)
    return render_template("auth/login.html", form=form, remember_enabled=settings.remember_me_enabled)


def _complete_login(user: User, next_url: str | None, remember: bool):
    session.clear()  # no session fixation: nothing from before the login survives
    login_user(user, remember=remember)
    start_session_clock()
    accounts.record_login(get_session(), user)
    flash(f"Selamat datang, {user.full_name}.", "success")
    return redirect(safe_next(next_url))


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not pending or "nonce" not in pending:
        return None
    if time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        flash("Waktu verifikasi habis. Silakan masuk kembali.", "warning")
        return None
    from web.auth.session import load_user

    return load_user(pending["key"])


@bp.route("/login/totp", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def totp():
    user = _pending_user()
    if user is None or not user.totp_enabled:
        return redirect(url_for("auth.login"))
    form = TotpForm()
    if form.validate_on_submit():
        pending = session[PENDING]
        result = accounts.check_second_factor(
            get_session(),
            user,
            form.code.data,
            pending_key=throttle.pending_key(pending),
            address=throttle.client_address(),
        )
        if result.ok:
            return _complete_login(user, pending["next"], pending["remember"])
        flash(result.error, "danger")
        if result.restart:
            session.pop(PENDING, None)
            return redirect(url_for("auth.login"))
    return render_template("auth/totp.html", form=form)


@bp.route("/login/totp/setup", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def totp_setup():
    """Enrol a second factor. After the password step only an account WITHOUT one may enrol (an account
    that has one is sent to the code step: the password alone never replaces it). A logged-in user who
    already has one re-enrols with the password and a current code (``reenrol_totp``)."""
    logged_in = current_user.is_authenticated
    user = current_user if logged_in else _pending_user()
    if user is None:
        return redirect(url_for("auth.login"))
    if not logged_in and user.totp_enabled:
        return redirect(url_for("auth.totp"))
    reenrol = user.totp_enabled
    # The secret being enrolled is bound to the account it was offered to.
    offered = session.get(SETUP)
    if not offered or offered.get("user") != user.id:
        offered = {"user": user.id, "secret": accounts.new_totp_secret()}
        session[SETUP] = offered
    secret = offered["secret"]
    form = TotpReenrolForm() if reenrol else TotpForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            if reenrol:
                accounts.reenrol_totp(
                    db, user, form.password.data, form.current_code.data, secret, form.code.data
                )
            else:
                accounts.enable_totp(db, user, secret, form.code.data)
        except accounts.AccountError as exc:
            getattr(form, exc.field or "code").errors.append(str(exc))
        else:
            session.pop(SETUP, None)
            if logged_in:
                flash("Verifikasi dua langkah aktif.", "success")
                return redirect(url_for("auth.account"))
            pending = session[PENDING]
            return _complete_login(user, pending["next"], pending["remember"])
    return render_template(
        "auth/totp_setup.html",
        form=form,
        secret=secret,
        uri=accounts.totp_uri(user, secret),
        required=user.totp_required,
        reenrol=reenrol,
    )


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # CSRFProtect has already checked the token. Bumping the epoch makes a copy of this session cookie (or any
    # other session of this user) stop working.
    accounts.end_all_sessions(get_session(), current_user)
    logout_user()
    session.clear()
    flash("Anda telah keluar.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/akun", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                get_session(), current_user, form.current_password.data, form.new_password.data
            )
        except accounts.AccountError as exc:
            getattr(form, exc.field or "new_password").errors.append(str(exc))
        else:
            logout_user()
            session.clear()
            flash(
                "Kata sandi diganti. Semua sesi Anda diakhiri; silakan masuk dengan kata sandi baru.",
                "success",
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/account.html", form=form, logout_form=ConfirmForm())
