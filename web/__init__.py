"""The SPMP web application (Flask). ``create_app()`` is the factory; ``flask --app web run`` works."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, render_template, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from spmp.config import Settings, check_web_settings, load_settings
from spmp.db import Database
from web import assets, case_pages, edge, ids, localtime, security
from web import db as request_db
from web import forms as web_forms
from web.extensions import csrf, limiter, login_manager


def create_app(settings: Settings | None = None, database: Database | None = None, **overrides) -> Flask:
    settings = settings or load_settings()
    check_web_settings(settings)
    app = Flask(__name__, instance_path=str(settings.instance_path), instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SPMP_SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_NAME="spmp_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.is_production,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_absolute_hours),
        SESSION_REFRESH_EACH_REQUEST=False,  # only a changed session is sent back (web/security.py)
        # A CSRF token must outlive a long form: valid as long as the session itself may live.
        WTF_CSRF_TIME_LIMIT=settings.session_absolute_hours * 3600,
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        RATELIMIT_HEADERS_ENABLED=True,
        LOGIN_RATE_LIMIT=settings.login_rate_limit,
    )
    app.config.update(overrides)
    app.extensions["spmp_db"] = database or Database(settings.database_url)
    if settings.trusted_proxies:
        # Behind N reverse proxies: the client's address is the one the proxies put in X-Forwarded-For
        # (the login limits count per address), the scheme and host theirs.
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=settings.trusted_proxies,
            x_proto=settings.trusted_proxies,
            x_host=settings.trusted_proxies,
        )

    assets.init_app(app)  # first, so that its compression runs after every other after_request hook
    edge.init_app(app)  # first: no other hook sees a NUL either
    csrf.init_app(app)
    limiter.init_app(app)
    _init_login(app)
    request_db.init_app(app)
    web_forms.init_app(app)
    ids.init_app(app)  # before the blueprints: their routes use <id:...>
    _register_blueprints(app)
    _register_hooks(app, settings)
    _register_errors(app)
    return app


def _init_login(app: Flask) -> None:
    from web.auth.session import load_user

    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Silakan masuk untuk membuka halaman ini."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def _register_blueprints(app: Flask) -> None:
    from web.admin.views import bp as admin_bp
    from web.auth.views import bp as auth_bp
    from web.cases.views import bp as cases_bp
    from web.main.views import bp as main_bp
    from web.schools.views import bp as schools_bp

    for bp in (main_bp, auth_bp, schools_bp, cases_bp, admin_bp):
        app.register_blueprint(bp)
    from web import feature_blueprints

    feature_blueprints.register(app)


def _register_hooks(app: Flask, settings: Settings) -> None:
    from web.navigation import navigation_for

    @app.before_request
    def _timeouts():
        return security.enforce_session_timeouts(
            settings.session_idle_minutes, settings.session_absolute_hours
        )

    app.after_request(security.set_security_headers)
    app.context_processor(lambda: {"navigation_for": navigation_for})
    app.add_template_filter(_wib, "wib")  # pages use |localtime (the reader's zone)
    localtime.init_app(app)
    case_pages.init_app(app)


def _wib(value, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """Times are stored in UTC; people read them in WIB, where the ministry's deadlines are set."""
    from spmp.engine.calendar import WIB

    return value.astimezone(WIB).strftime(fmt) if value is not None else "—"


def _register_errors(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        return render_template("errors/error.html", code=code, title=title, message=message), code

    app.register_error_handler(
        400, lambda e: page(400, "Permintaan tidak valid", getattr(e, "description", ""))
    )
    app.register_error_handler(403, lambda e: page(403, "Akses ditolak", _reason(e)))
    app.register_error_handler(
        404, lambda e: page(404, "Tidak ditemukan", "Halaman atau data yang Anda cari tidak ada.")
    )
    app.register_error_handler(
        405, lambda e: page(405, "Metode tidak diizinkan", "Aksi ini tidak tersedia di sini.")
    )
    app.register_error_handler(
        413, lambda e: page(413, "Berkas terlalu besar", "Ukuran berkas melebihi batas unggah.")
    )
    app.register_error_handler(
        429, lambda e: page(429, "Terlalu banyak percobaan", "Tunggu sebentar lalu coba lagi.")
    )
    app.register_error_handler(
        500, lambda e: page(500, "Terjadi kesalahan", "Kesalahan pada server. Tim kami telah dicatat.")
    )
    app.register_error_handler(CSRFError, _form_expired)


def _reason(error) -> str:
    """A 403 says why when the view gave the reason (``abort(403, description=...)``, from a permission
    predicate in Indonesian); werkzeug's English default is not shown."""
    given = getattr(error, "description", None)
    return given if given and given != type(error).description else "Anda tidak berhak membuka halaman ini."


def _form_expired(_error):
    """A form whose session or token expired: nothing is done (400), but nothing typed is lost either. The
    browser keeps the draft (web/static/forms.js); the page leads back to the form, through the login when the
    session is gone, where the draft is restored."""
    from flask_login import current_user

    back = security.return_path()
    if current_user.is_authenticated:
        href, label = (back or url_for("main.dashboard")), "Kembali ke formulir"
    else:
        href, label = url_for("auth.login", next=back), "Masuk kembali"
    message = (
        "Token keamanan formulir tidak valid atau sesi Anda telah berakhir, jadi formulir belum terkirim. "
        "Isian Anda masih tersimpan di perangkat ini dan akan dipulihkan: buka kembali formulirnya lalu kirim ulang."
    )
    return render_template("errors/error.html", code=400, title="Formulir kedaluwarsa", message=message,
                           action_href=href, action_label=label), 400  # fmt: skip
