"""The request's database session: write requests (POST...) get a write session (BEGIN IMMEDIATE on
SQLite). The session is committed after a successful response and rolled back otherwise.

A domain refusal (``spmp.errors.Refusal``) raised by any view is answered here, once, as Indico's
``RH.process`` does: the request's transaction is rolled back (whatever the operation wrote before it
refused is gone), the message is flashed and the user is sent back. Views do not catch refusals to
redirect; they catch one only to show it next to a form field."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request, url_for
from sqlalchemy.orm import Session
from werkzeug.exceptions import default_exceptions

from spmp.db import Database
from spmp.errors import Refusal

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def database() -> Database:
    return current_app.extensions["spmp_db"]


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = database().session(write=request.method not in SAFE_METHODS)
    return g.db_session


# Where a refused request goes back to when the browser sent no same-site Referer: the page of the object
# named in the URL, else the dashboard.
BACK_BY_ARG = (
    ("user_id", "admin.user_detail"),
    ("case_id", "cases.detail"),
    ("cycle_id", "spmi.cycle"),
    ("school_id", "schools.detail"),
)


def _discard() -> None:
    """Roll the request's transaction back now, and never commit it at the end of this request (the
    session stays open: the answer's page may still read, e.g. the current user)."""
    g.db_refused = True
    if "db_session" in g:
        g.db_session.rollback()


def back_url() -> str:
    """The page the refused form was on (same site only), else the object's page, else the dashboard."""
    referrer = request.referrer
    if referrer and urlsplit(referrer).netloc == request.host:
        return referrer
    args = request.view_args or {}
    for arg, endpoint in BACK_BY_ARG:
        if arg in args:
            return url_for(endpoint, **{arg: args[arg]})
    return url_for("main.dashboard")


def handle_refusal(exc: Refusal):
    """Roll back, then say why: a 404 page for "not found", else a flash and a redirect back."""
    _discard()  # first: nothing the refused operation wrote may be committed by the answer below
    if exc.http_status is not None:
        return current_app.handle_http_exception(default_exceptions[exc.http_status]())
    flash(str(exc), exc.category)
    return redirect(back_url())


def init_app(app) -> None:
    app.register_error_handler(Refusal, handle_refusal)

    @app.after_request
    def _commit(response):
        session = g.pop("db_session", None)
        if session is not None:
            try:
                # Commit only when the request succeeded: a 4xx/5xx answer must leave nothing half-written.
                if response.status_code < 400 and not g.pop("db_refused", False):
                    session.commit()
                else:
                    session.rollback()
            finally:
                session.close()
        return response

    @app.teardown_request
    def _cleanup(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()
