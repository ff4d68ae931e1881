"""Security plumbing: safe redirects, response headers, session idle/absolute timeouts."""

from __future__ import annotations

import time
from urllib.parse import unquote, urlsplit

from flask import flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# Pages that preview files kept in the browser (the offline report's photos) show them from blob: URLs.
CSP_BLOB_IMAGES = CSP.replace("img-src 'self' data:", "img-src 'self' data: blob:")


def is_safe_next(target: str | None) -> bool:
    """Accept only a local path: '/schools?x=1' yes; '//evil.com', '/\\evil.com', '/%09/evil.com' no."""
    if not target or len(target) > 2000:
        return False
    for candidate in (target, unquote(target)):
        if not candidate.startswith("/") or candidate.startswith("//"):
            return False
        # Browsers treat '\' as '/' and drop tabs/newlines, turning '/\evil.com' or '/\t/evil.com' into '//evil.com'.
        if "\\" in candidate or any(ord(c) < 0x20 or ord(c) == 0x7F for c in candidate):
            return False
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return False
    return True


def safe_next(target: str | None, default: str = "main.dashboard") -> str:
    return target if is_safe_next(target) else url_for(default)


def return_path() -> str | None:
    """Where the user was: this page for a GET, the page holding the form for a POST (the Referer of our own
    host), so a login after an expired session brings them back to it."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    target = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return target if is_safe_next(target) else None


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if current_user.is_authenticated and request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


SEEN_RESOLUTION_SECONDS = 60


def start_session_clock() -> None:
    now = int(time.time())
    session["auth_at"] = now
    session["seen_at"] = now
    session.permanent = True


def enforce_session_timeouts(idle_minutes: int, absolute_hours: int):
    """before_request hook: an idle or too old session is ended and the user sent to the login page."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = int(time.time())
    auth_at = session.get("auth_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - seen_at > idle_minutes * 60 or now - auth_at > absolute_hours * 3600:
        logout_user()
        session.clear()
        if request.method == "GET":
            flash("Sesi Anda berakhir. Silakan masuk kembali.", "warning")
        else:
            flash("Sesi Anda berakhir sebelum formulir terkirim. Isian Anda tersimpan di perangkat ini: "
                  "masuk kembali, lalu kirim ulang formulirnya.", "warning")  # fmt: skip
        return redirect(url_for("auth.login", next=return_path()))
    # Written at most once a minute: a session that does not change is not sent back as a cookie (with
    # SESSION_REFRESH_EACH_REQUEST off), so a photo thumbnail answered after a form's redirect cannot put
    # back the cookie of before the form and lose its flash message. The idle timeout is a minute coarser.
    if now - seen_at >= SEEN_RESOLUTION_SECONDS:
        session["seen_at"] = now
    return None
